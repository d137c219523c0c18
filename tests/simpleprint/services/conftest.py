"""A SimplyPrint simulator on a manual clock, a client on it, and (for webhook runs) the
receiver served by ``live_server`` registered at the simulator."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings

from apps.simpleprint.client import SimplePrintClient
from apps.simpleprint.ratelimit import LocalRateLimiter
from simulator import SimConfig
from simulator.testing import run_in_thread

WEBHOOK_PATH = "/api/v1/simpleprint/webhook/printers/"
SYNC = {"enabled": False, "tick_interval": 5.0, "poll_interval": 30.0,
        "reconcile_interval": 600.0, "queue_reconcile_interval": 600.0, "progress_interval": 0.0,
        "connectivity_interval": 0.0, "silence_threshold": 900.0, "probe_grace": 120.0,
        "stale_after": 120.0, "backoff_max_interval": 600.0}


class Sim:
    """One simulator: its control endpoints, its clock (``clock()`` = SimplyPrint's now) and a
    ``SimplePrintClient`` on it."""

    def __init__(self, base_url: str) -> None:
        config = settings.SIMPLEPRINT_CONFIG
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, headers={"X-API-KEY": config["api_key"]})
        # Its own unlimited budget: the simulator enforces the limits these tests set.
        self.client = SimplePrintClient(base_url=base_url, limiter=LocalRateLimiter(0))
        self.now = float(self.state()["now"])

    def clock(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        answer = self.http.post("/_sim/advance", json={"seconds": seconds}).json()
        self.now = float(answer["now"])
        self.settle()

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until every delivery the simulator queued was answered (or given up)."""
        deadline = time.monotonic() + timeout
        while self.stats()["deliveries"]["pending"] and time.monotonic() < deadline:
            time.sleep(0.02)

    def state(self) -> dict[str, Any]:
        return self.http.get("/_sim/state").json()

    def stats(self) -> dict[str, Any]:
        return self.http.get("/_sim/stats").json()

    def control(self, **fields: Any) -> None:
        response = self.http.post("/_sim/control", json=fields)
        assert response.status_code == 200, response.text

    def scenario(self, action: str, **fields: Any) -> dict[str, Any]:
        response = self.http.post("/_sim/scenario", json={"action": action, **fields})
        assert response.status_code == 200, response.text
        return response.json()

    def register(self, receiver_base: str) -> int:
        from apps.simpleprint.events import SUBSCRIBED_EVENTS

        body = {"name": "printfarm", "url": receiver_base + WEBHOOK_PATH, "enabled": True,
                "events": [*SUBSCRIBED_EVENTS, "test"],
                "secret": settings.SIMPLEPRINT_CONFIG["webhook_secret"]}
        response = self.http.post(f"/{settings.SIMPLEPRINT_CONFIG['company_id']}/webhooks/Create",
                                  json=body)
        assert response.status_code == 200, response.text
        return int(response.json()["webhook"]["id"])


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
            return Sim(stack.enter_context(run_in_thread(SimConfig(**values))))
        yield start
