"""A SimplyPrint simulator on a manual clock, a client on it, and (for webhook runs) the
receiver served by ``live_server`` registered at the simulator."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings

from apps.simpleprint.remote.client import SimplePrintClient
from apps.simpleprint.remote.ratelimit import LocalRateLimiter
from simulator import SimConfig
from simulator.testing import SimulatorClient, run_in_thread

WEBHOOK_PATH = "/api/v1/simpleprint/webhook/printers/"
SYNC = {"enabled": False, "tick_interval": 5.0, "poll_interval": 30.0,
        "reconcile_interval": 600.0, "queue_reconcile_interval": 600.0, "progress_interval": 0.0,
        "connectivity_interval": 0.0, "silence_threshold": 900.0, "probe_grace": 120.0,
        "stale_after": 120.0, "backoff_max_interval": 600.0}


class Sim(SimulatorClient):
    """One simulator on the test settings' account, with a ``SimplePrintClient`` on it."""

    def __init__(self, base_url: str) -> None:
        config = settings.SIMPLEPRINT_CONFIG
        super().__init__(base_url, api_key=config["api_key"], company_id=config["company_id"])
        # Its own unlimited budget: the simulator enforces the limits these tests set.
        self.client = SimplePrintClient(base_url=base_url, limiter=LocalRateLimiter(0))

    def register(self, receiver_base: str) -> int:
        """Subscribe the receiver served at ``receiver_base`` (``live_server``)."""
        from apps.simpleprint.events.registry import SUBSCRIBED_EVENTS

        return self.create_webhook(receiver_base + WEBHOOK_PATH, [*SUBSCRIBED_EVENTS, "test"],
                                   name="printfarm",
                                   secret=settings.SIMPLEPRINT_CONFIG["webhook_secret"])


@pytest.fixture(autouse=True)
def sync_settings(settings: Any) -> dict[str, Any]:
    settings.PRINTFARM_SYNC = dict(SYNC)
    return settings.PRINTFARM_SYNC


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Sim]]:
    with contextlib.ExitStack() as stack:
        def start(**overrides: Any) -> Sim:
            config = settings.SIMPLEPRINT_CONFIG
            values: dict[str, Any] = {
                "clock": "manual", "api_key": config["api_key"], "company_id":
                config["company_id"], "rate_limit": 0, "printers": 8, "seed": 3,
                "retry_base": 0.02, "retry_attempts": 2, "delivery_concurrency": 1}
            values.update(overrides)
            return stack.enter_context(Sim(stack.enter_context(run_in_thread(SimConfig(**values)))))
        yield start
