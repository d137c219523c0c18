"""One simulated SimplyPrint account: clock, farm, its event log, deliveries, stats and limits.

Farm events are rendered by the event log and, while webhooks are available, submitted to every
enabled webhook that subscribes to them.
"""

from __future__ import annotations

import asyncio

from simulator.config import SimConfig
from simulator.contract.event_log import EventLog, WebhookEvent
from simulator.contract.payloads import envelope
from simulator.delivery.sender import DeliveryService
from simulator.domain.clock import MANUAL_EPOCH, ManualClock, RealClock
from simulator.domain.farm import Farm
from simulator.server.stats import RateLimiter, Stats


class Simulator:
    """Everything one simulated SimplyPrint account holds."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        if config.clock == "manual":
            self.clock: ManualClock | RealClock = ManualClock(
                MANUAL_EPOCH if config.start_time is None else config.start_time)
        else:
            self.clock = RealClock(config.start_time, config.speed)
        self.farm = Farm(printers=config.printers, seed=config.seed, start=self.clock.now(),
                         company_id=config.company_id, natural=config.natural,
                         pace=config.pace)
        self.stats = Stats()
        self.limiter = RateLimiter(config.rate_limit)
        self.delivery = DeliveryService(config)
        self.webhooks_available = config.webhooks
        self.fail_next = 0
        self.log = EventLog(self.farm, config)
        self.log.listeners.append(self._on_event)

    def reset_stats(self) -> None:
        """Start the request and delivery counters afresh (``/_sim/stats/reset``)."""
        self.stats.reset()
        self.delivery.counts.clear()

    def sync(self) -> None:
        """Bring the farm up to the clock's present."""
        self.farm.advance_to(self.clock.now())

    def _on_event(self, event: WebhookEvent) -> None:
        if not self.webhooks_available:
            return
        for hook in list(self.farm.webhooks.values()):
            if hook.enabled and event.event in hook.events:
                self.delivery.submit(hook.id, hook.url, hook.secret,
                                     envelope(hook.id, event.event, event.timestamp, event.data))

    async def ticker(self) -> None:
        while True:
            await asyncio.sleep(self.config.tick)
            self.sync()
