"""Fixtures: a simulator served over loopback (manual clock) and a recording webhook receiver."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from simulator import SimConfig
from simulator.testing import Receiver, run_in_thread, serve_in_thread

API_KEY = "test-key"
COMPANY = 7


def make_config(**overrides: Any) -> SimConfig:
    values: dict[str, Any] = {"clock": "manual", "api_key": API_KEY, "company_id": COMPANY,
                              "rate_limit": 0, "retry_base": 0.02, "reorder_hold": 0.3}
    values.update(overrides)
    return SimConfig(**values)


class SimClient(httpx.Client):
    """An httpx client on one simulator, with helpers for the API and the control endpoints."""

    def api(self, method: str, endpoint: str, **kwargs: Any) -> httpx.Response:
        return self.request(method, f"/{COMPANY}/{endpoint}", **kwargs)

    def advance(self, seconds: float) -> dict[str, Any]:
        return self.post("/_sim/advance", json={"seconds": seconds}).json()

    def scenario(self, action: str, **fields: Any) -> dict[str, Any]:
        response = self.post("/_sim/scenario", json={"action": action, **fields})
        assert response.status_code == 200, response.text
        return response.json()

    def control(self, **fields: Any) -> dict[str, Any]:
        response = self.post("/_sim/control", json=fields)
        assert response.status_code == 200, response.text
        return response.json()["control"]


@pytest.fixture
def make_sim() -> Iterator[Callable[..., SimClient]]:
    """Start a simulator with config overrides; returns a client bound to it."""
    with contextlib.ExitStack() as stack:
        def start(**overrides: Any) -> SimClient:
            base_url = stack.enter_context(run_in_thread(make_config(**overrides)))
            return stack.enter_context(SimClient(base_url=base_url, headers={"X-API-KEY": API_KEY}))
        yield start


@pytest.fixture
def sim(make_sim: Callable[..., SimClient]) -> SimClient:
    return make_sim()


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()
    with serve_in_thread(rec.app()) as base_url:
        yield rec, f"{base_url}/hook"


def register(sim: SimClient, url: str, events: list[str], secret: str | None = "s3cret",
             enabled: bool = True) -> int:
    body: dict[str, Any] = {"name": "test", "url": url, "events": events, "enabled": enabled}
    if secret is not None:
        body["secret"] = secret
    response = sim.api("POST", "webhooks/Create", json=body)
    assert response.status_code == 200, response.text
    return int(response.json()["webhook"]["id"])
