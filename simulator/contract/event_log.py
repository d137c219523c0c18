"""The farm's events as SimplyPrint webhook events: rendered the moment they happen, kept in order.

An :class:`EventLog` listens to a :class:`~simulator.domain.farm.Farm`, turns each ``FarmEvent``
into a :class:`WebhookEvent` (``data`` as the webhook carries it), keeps the last ``maxlen`` of
them and hands each one on to its own ``listeners`` (the deliveries).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.config import SimConfig
from simulator.contract import variants
from simulator.contract.payloads import event_data
from simulator.domain.farm import Farm
from simulator.domain.model import FarmEvent


@dataclass
class WebhookEvent:
    seq: int
    event: str
    timestamp: int
    data: Any


class EventLog:
    """``config``'s switches (:mod:`.variants`) decide the shapes, when they are rendered."""

    def __init__(self, farm: Farm, config: SimConfig, maxlen: int = 20000) -> None:
        self.farm = farm
        self.config = config
        self.events: deque[WebhookEvent] = deque(maxlen=maxlen)
        self.listeners: list[Callable[[WebhookEvent], None]] = []
        farm.listeners.append(self._record)

    def _record(self, happened: FarmEvent) -> None:
        data = variants.delivery(happened.event, event_data(self.farm, happened), self.config)
        event = WebhookEvent(happened.seq, happened.event, happened.timestamp, data)
        self.events.append(event)
        for listener in self.listeners:
            listener(event)
