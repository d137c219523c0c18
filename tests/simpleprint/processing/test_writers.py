"""On SQLite the receiver and the worker of one process take turns through a lock (handed over
at once) instead of SQLite's busy wait (sleeps growing to 100 ms)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from apps.simpleprint.models import PrinterWebhookEvent
from apps.simpleprint.processing import inbox, writers
from tests import payloads

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_delivery_waits_for_the_workers_turn_not_for_sqlites_lock(
        post_delivery: Callable[..., object], farm: payloads.FarmStory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL has row locks: no turns")
    monkeypatch.setattr(inbox, "schedule_processing", lambda event_id: None)
    holding, release, stored = threading.Event(), threading.Event(), threading.Event()

    def worker() -> None:
        with writers.turn():  # the turn only: SQLite's lock stays free
            holding.set()
            release.wait(10)

    def receiver() -> None:
        post_delivery(farm.job_started(385))
        stored.set()
        connection.close()

    threads = [threading.Thread(target=worker)]
    threads[0].start()
    assert holding.wait(10)
    threads.append(threading.Thread(target=receiver))
    threads[1].start()
    assert not stored.wait(0.3)  # SQLite is free: it waits for its turn
    release.set()
    assert stored.wait(10)
    for thread in threads:
        thread.join(10)
    assert PrinterWebhookEvent.objects.count() == 1


def test_postgresql_writers_take_no_turns() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite writers take turns")
    with writers.turn():
        assert writers._turn.acquire(blocking=False)  # not held by the block
    writers._turn.release()
