"""Fixtures: a simulator served over loopback (manual clock) and a recording webhook receiver."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from simulator import SimConfig
from simulator.testing import Receiver, SimulatorClient, run_in_thread, serve_in_thread

API_KEY = "test-key"
COMPANY = 7


def make_config(**overrides: Any) -> SimConfig:
    values: dict[str, Any] = {"clock": "manual", "api_key": API_KEY, "company_id": COMPANY,
                              "rate_limit": 0, "retry_base": 0.02, "reorder_hold": 0.3}
    values.update(overrides)
    return SimConfig(**values)


@pytest.fixture
def make_sim() -> Iterator[Callable[..., SimulatorClient]]:
    """Start a simulator with config overrides; returns a client bound to it."""
    with contextlib.ExitStack() as stack:
        def start(**overrides: Any) -> SimulatorClient:
            config = make_config(**overrides)
            base_url = stack.enter_context(run_in_thread(config))
            return stack.enter_context(SimulatorClient(base_url, api_key=config.api_key,
                                                       company_id=config.company_id))
        yield start


@pytest.fixture
def sim(make_sim: Callable[..., SimulatorClient]) -> SimulatorClient:
    return make_sim()


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()
    with serve_in_thread(rec.app()) as base_url:
        yield rec, f"{base_url}/hook"


def register(sim: SimulatorClient, url: str, events: list[str], secret: str | None = "s3cret",
             enabled: bool = True) -> int:
    return sim.create_webhook(url, events, secret=secret, enabled=enabled)
