"""The heartbeat's status is read once per half interval per process, however many pages beat."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from apps.simpleprint.live import heartbeat


@pytest.fixture
def source(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """A status source that counts its reads; the process's own is put back afterwards."""
    settings.PRINTFARM_LIVE = {**settings.PRINTFARM_LIVE, "heartbeat_seconds": 5.0}
    monkeypatch.setattr(heartbeat.outbox, "latest_seq", lambda: 41)
    reads: list[float] = []
    original = heartbeat._source

    def read() -> dict[str, Any]:
        reads.append(time.monotonic())
        return {"mode": "webhooks", "stale_after": 120}

    heartbeat.set_status_source(read)
    yield reads
    if original is not None:
        heartbeat.set_status_source(original)


def test_a_status_read_less_than_half_an_interval_ago_is_fresh(source: list[float]) -> None:
    assert heartbeat.fresh_status() is None
    read = heartbeat.status()
    assert heartbeat.fresh_status() == read == {"mode": "webhooks", "stale_after": 120,
                                                "latest_seq": 41}
    assert heartbeat.status() == read and len(source) == 1


def test_an_older_status_is_not_fresh_and_is_read_again(
        source: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    heartbeat.status()
    later = time.monotonic() + 2.6
    monkeypatch.setattr(heartbeat.time, "monotonic", lambda: later)
    assert heartbeat.fresh_status() is None
    heartbeat.status()
    assert len(source) == 2
