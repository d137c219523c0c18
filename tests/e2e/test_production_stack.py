"""The production stack, for real, on loopback: PostgreSQL, Redis, two ASGI servers behind
nginx (rendered from deploy/nginx.conf), a Celery worker and beat, production settings.

Deliveries go through nginx to both servers, are stored, and are applied by the worker (the
servers hand them over with PRINTFARM_WORKER=celery); the changes are published on the Redis
channel layer, and real Planning pages connected through nginx to both servers receive them
with one gap-free sequence. A SIGKILLed worker loses nothing (the beat sweeper
re-dispatches what was in flight), and a task delivered twice applies its event once.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.simpleprint.models import LiveUpdate, PrinterWebhookEvent
from apps.simpleprint.processing.inbox import reset_for_reprocessing
from tests.live_pages import LivePages
from tests.payloads import FarmStory
from tests.stack import WEBHOOK_PATH, ProductionStack, django_database_url, production_stack

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    # Sequences from 1: pages connected to an empty outbox whose next id is far ahead (ids used
    # by earlier tests) would see one big gap and get a fresh snapshot instead of the deltas.
    pytest.mark.django_db(transaction=True, reset_sequences=True),
    pytest.mark.skipif(connection.vendor != "postgresql" or not os.environ.get("TEST_REDIS_URL"),
                       reason="needs TEST_DATABASE_URL and TEST_REDIS_URL"),
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
]


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def stack(transactional_db: None) -> Iterator[ProductionStack]:
    redis_url = os.environ["TEST_REDIS_URL"]
    redis.Redis.from_url(redis_url).flushdb()  # the test Redis DB belongs to the tests
    with production_stack(django_database_url(), redis_url) as running:
        yield running


def api_token() -> str:
    user = User.objects.create(username="e2e-page", is_staff=True)
    return Token.objects.create(user=user).key


def applications(event_id: int) -> tuple[int, int]:
    """(attempts, event.received outbox rows) of one event: both grow once per application."""
    event = PrinterWebhookEvent.objects.get(pk=event_id)
    received = sum(1 for payload in LiveUpdate.objects.filter(kind="event.received")
                   .values_list("payload", flat=True) if payload["id"] == event_id)
    return event.attempts, received


def all_processed(ids: list[int]) -> bool:
    return PrinterWebhookEvent.objects.filter(pk__in=ids, processed=True).count() == len(ids)


def deliveries(count: int) -> list[dict[str, Any]]:
    farm, out = FarmStory(), []
    printers = (385, 386, 412)
    for index in range(count):
        farm.tick(30)
        started = farm.job_started(printers[index % 3])
        out.append(started if index % 2 == 0 else farm.job_event("job.paused", started, 40))
    return out


def test_deliveries_through_nginx_are_applied_by_the_worker_even_when_it_is_killed(
        stack: ProductionStack) -> None:
    readiness = stack.client.get("/readyz")
    assert readiness.status_code == 503, readiness.text + stack.processes.log("server-1")
    assert readiness.json()["failed"] == ["worker_heartbeat"]
    assert stack.client.get("/static/probe.txt").text == "static ok"

    posted = [stack.post(envelope) for envelope in deliveries(6)]
    assert all(r.status_code == 200 for r in posted), [r.text for r in posted]
    first_ids = [r.json()["id"] for r in posted]
    time.sleep(1.0)
    assert not PrinterWebhookEvent.objects.filter(processed=True).exists(), \
        "the servers applied events themselves; they must hand them to the worker"

    # Real Planning pages through nginx; round robin puts them on both servers.
    with LivePages(stack.ws_url, api_token(), origin=stack.base_url, count=4) as pages:
        for index in (1, 2):
            log = stack.processes.log(f"server-{index}")
            assert "WebSocket /ws/planning/" in log, \
                f"no page reached server {index} through nginx"
            assert "token=" not in log, "a page's token was logged"
        stack.start_worker()
        stack.start_beat()
        wait_until(lambda: stack.client.get("/readyz").status_code == 200, 30, "readiness")
        wait_until(lambda: all_processed(first_ids), 30, "the first deliveries to be applied")

        ids = list(first_ids)
        for index, envelope in enumerate(deliveries(40)[6:]):
            response = stack.post(envelope)
            assert response.status_code == 200, response.text
            ids.append(response.json()["id"])
            if index == 10:
                stack.processes.kill("worker", signal.SIGKILL)
        stack.start_worker()
        wait_until(lambda: all_processed(ids), 60, "every delivery to be applied after the kill")
        # Even a change committed by the killed worker just before its publish step reaches
        # the pages: their consumers fill skipped numbers from the outbox.
        wait_until(lambda: all(set(ids) <= pages.event_ids(page)
                               for page in range(pages.count)), 15, "every page's live updates")

    # Strictly increasing, and every committed change in between: numbers of transactions the
    # SIGKILL rolled back were handed out by PostgreSQL but never exist, so they are skipped.
    sequences = [pages.deltas(page) for page in range(pages.count)]
    committed = set(LiveUpdate.objects.values_list("id", flat=True))
    for seqs in sequences:
        assert seqs == sorted(set(seqs)), "out of order or repeated"
        assert set(seqs) == {n for n in committed if seqs[0] <= n <= seqs[-1]}, "a gap"
    common_start = max(seqs[0] for seqs in sequences)
    assert len({tuple(s for s in seqs if s >= common_start) for seqs in sequences}) == 1

    for event_id in ids:
        assert applications(event_id) == (1, 1), f"event {event_id} applied more than once"
    headers = PrinterWebhookEvent.objects.get(pk=ids[0]).headers
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    for index in (1, 2):
        assert WEBHOOK_PATH in stack.processes.log(f"server-{index}"), \
            f"server {index} received no delivery through nginx"


def test_a_task_sent_twice_applies_its_event_once_and_failures_are_retried(
        stack: ProductionStack) -> None:
    from apps.simpleprint.runtime.tasks import process_webhook_event

    stack.start_worker()
    stack.start_beat()
    wait_until(lambda: stack.client.get("/readyz").status_code == 200, 30, "readiness")
    ids = [stack.post(envelope).json()["id"] for envelope in deliveries(3)]
    wait_until(lambda: all_processed(ids), 30, "the deliveries to be applied")

    duplicated, failed = ids[0], ids[1]
    reset_for_reprocessing([duplicated])
    before = applications(duplicated)
    task_id = str(uuid.uuid4())
    process_webhook_event.apply_async(args=[duplicated], task_id=task_id)
    process_webhook_event.apply_async(args=[duplicated], task_id=task_id)
    wait_until(lambda: all_processed([duplicated]), 30, "the duplicated task")
    time.sleep(2)  # the second copy (and any sweep) has had time to run
    assert applications(duplicated) == (before[0] + 1, before[1] + 1)

    # A failed attempt as the inbox records it: an error and a time for the next attempt.
    error = "OperationalError: server closed the connection"
    PrinterWebhookEvent.objects.filter(pk=failed).update(
        processed=False, processing_error=error,
        status=PrinterWebhookEvent.status_for(processed=False, ignored=False,
                                              processing_error=error),
        next_attempt_at=timezone.now() + timedelta(seconds=1))
    wait_until(lambda: all_processed([failed]), 30, "the sweeper to retry the failed event")
    event = PrinterWebhookEvent.objects.get(pk=failed)
    assert event.processing_error == ""
    assert event.attempts == 2


def test_json_through_nginx_is_compressed(stack: ProductionStack) -> None:
    for envelope in deliveries(5):
        assert stack.post(envelope).status_code == 200
    response = stack.client.get("/api/v1/simpleprint/webhook/events/",
                                headers={"Authorization": f"Token {api_token()}",
                                         "Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["count"] == 5
