"""On PostgreSQL, the claim in ``process_event`` serialises two workers given the same event
(a duplicated task message, the sweeper racing the worker): the event is applied once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from apps.simpleprint.models import LiveUpdate, PrinterWebhookEvent
from apps.simpleprint.processing.inbox import process_event, reset_for_reprocessing
from tests.payloads import FarmStory

pytestmark = [
    pytest.mark.production,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs TEST_DATABASE_URL"),
]


def applications(event_id: int) -> tuple[int, int]:
    """(attempts, event.received outbox rows) of one event: both grow once per application."""
    event = PrinterWebhookEvent.objects.get(pk=event_id)
    received = sum(1 for payload in LiveUpdate.objects.filter(kind="event.received")
                   .values_list("payload", flat=True) if payload["id"] == event_id)
    return event.attempts, received


def pending_event(post_delivery: Callable[..., Any], envelope: dict[str, Any]) -> int:
    """A stored event waiting to be applied (stored, applied once, then reset)."""
    event_id = post_delivery(envelope).json()["id"]
    reset_for_reprocessing([event_id])
    return int(event_id)


def waiting_on_a_lock(timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def test_the_second_claim_waits_for_the_first_and_then_finds_the_event_done(
        post_delivery: Callable[..., Any], farm: FarmStory) -> None:
    event_id = pending_event(post_delivery, farm.job_started(385))
    before = applications(event_id)
    claimed, release = threading.Event(), threading.Event()
    statuses: dict[str, str] = {}

    def first() -> None:
        with transaction.atomic():  # holds the claim's row lock until released
            statuses["first"] = process_event(event_id)
            claimed.set()
            release.wait(10)
        connections.close_all()

    def second() -> None:
        statuses["second"] = process_event(event_id)
        connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert claimed.wait(10)
    threads[1].start()
    blocked = waiting_on_a_lock()
    release.set()
    for thread in threads:
        thread.join(10)

    assert blocked, "the second claim did not wait for the first transaction"
    assert statuses == {"first": "processed", "second": "processed"}
    assert applications(event_id) == (before[0] + 1, before[1] + 1)


def test_duplicated_tasks_racing_apply_each_event_once(
        post_delivery: Callable[..., Any], farm: FarmStory) -> None:
    ids = []
    for printer in (385, 386, 412):
        farm.tick()
        ids.append(pending_event(post_delivery, farm.job_started(printer)))
    before = {event_id: applications(event_id) for event_id in ids}

    def race(event_id: int) -> None:
        barrier = threading.Barrier(2)

        def run() -> None:
            barrier.wait(5)
            process_event(event_id)
            connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)

    for event_id in ids:
        race(event_id)
    for event_id in ids:
        attempts, received = before[event_id]
        assert applications(event_id) == (attempts + 1, received + 1)
