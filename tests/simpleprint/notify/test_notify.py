"""Alerts outside the page: one Apprise notification per event, through a real local target
(Apprise's ``json://`` to a recording HTTP server), retried while that target is down."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.simpleprint.models import Notification, PrintJob
from apps.simpleprint.notify import sender
from simulator.testing import Receiver, serve_in_thread
from tests import payloads

pytestmark = pytest.mark.django_db


@pytest.fixture
def target() -> Iterator[tuple[Receiver, str]]:
    """A recording HTTP server and the Apprise URL that posts JSON to it."""
    receiver = Receiver()
    with serve_in_thread(receiver.app()) as base:
        yield receiver, base.replace("http://", "json://") + "/hook"


@pytest.fixture
def notify_to(settings: Any, target: tuple[Receiver, str]) -> Receiver:
    settings.PRINTFARM_NOTIFY = {**settings.PRINTFARM_NOTIFY, "urls": target[1],
                                 "rate_per_minute": 10, "max_attempts": 3, "backoff_base": 30.0}
    return target[0]


def fail_a_job(deliver: Callable[..., list[int]], farm: payloads.FarmStory,
               printer: int = 385) -> dict[str, Any]:
    started = farm.job_started(printer)
    farm.tick()
    failed = farm.job_event("job.failed", started, percentage=37)
    deliver(started, failed)
    return failed


def test_a_failure_is_notified_once(
    notify_to: Receiver, deliver: Callable[..., list[int]], farm: payloads.FarmStory
) -> None:
    failed = fail_a_job(deliver, farm)
    farm.tick()
    # The same failure seen again: SimplyPrint resends it (another delivery) …
    deliver({**failed, "timestamp": farm.now})
    job = PrintJob.objects.get(sp_id=failed["data"]["job"]["id"])
    job.end_reason = "Spaghetti detected"
    job.save()

    assert sender.send_due() == 1
    assert sender.send_due() == 0  # … and a later run: nothing more
    bodies = notify_to.bodies()
    assert len(bodies) == 1
    assert "MK4 Bay A-1" in bodies[0]["title"]
    assert "Spaghetti detected" in bodies[0]["message"]
    assert Notification.objects.get().status == Notification.Status.SENT


def test_a_target_that_is_down_gets_it_later_with_backoff(
    notify_to: Receiver, deliver: Callable[..., list[int]], farm: payloads.FarmStory
) -> None:
    notify_to.statuses = [503, 503]
    fail_a_job(deliver, farm)

    assert sender.send_due() == 0
    first = Notification.objects.get()
    assert first.status == Notification.Status.PENDING and first.attempts == 1
    wait = (first.next_attempt_at - timezone.now()).total_seconds()
    assert 25 < wait <= 30
    assert sender.send_due() == 0  # not due yet: nothing is tried

    assert sender.send_due(now=timezone.now() + timedelta(seconds=31)) == 0  # down again
    second = Notification.objects.get()
    assert second.attempts == 2
    assert (second.next_attempt_at - timezone.now()).total_seconds() > 55  # doubled

    assert sender.send_due(now=timezone.now() + timedelta(seconds=200)) == 1  # back up
    assert [r["status"] for r in notify_to.received] == [503, 503, 200]
    assert Notification.objects.get().status == Notification.Status.SENT


def test_a_target_down_for_good_is_given_up_and_logged(
    notify_to: Receiver, deliver: Callable[..., list[int]], farm: payloads.FarmStory,
    caplog: pytest.LogCaptureFixture
) -> None:
    notify_to.statuses = [503] * 3
    fail_a_job(deliver, farm)
    later = timezone.now()
    with caplog.at_level(logging.ERROR, logger="apps.simpleprint.notify.sender"):
        for _ in range(3):
            sender.send_due(now=later)
            later += timedelta(minutes=5)
    assert Notification.objects.get().status == Notification.Status.FAILED
    assert "given up after 3 attempts" in caplog.text
    assert "MK4 Bay A-1" in caplog.text


def test_two_targets_one_down_the_retry_goes_only_to_that_one(
    settings: Any, target: tuple[Receiver, str], deliver: Callable[..., list[int]],
    farm: payloads.FarmStory
) -> None:
    other = Receiver(statuses=[503])
    with serve_in_thread(other.app()) as base:
        urls = f"{target[1]} {base.replace('http://', 'json://')}/hook"
        settings.PRINTFARM_NOTIFY = {**settings.PRINTFARM_NOTIFY, "urls": urls}
        fail_a_job(deliver, farm)
        sender.send_due()
        sender.send_due(now=timezone.now() + timedelta(minutes=10))
    assert len(target[0].bodies()) == 1
    assert [r["status"] for r in other.received] == [503, 200]


def test_the_rate_limit_holds_the_rest_back(
    settings: Any, notify_to: Receiver, deliver: Callable[..., list[int]],
    farm: payloads.FarmStory
) -> None:
    settings.PRINTFARM_NOTIFY = {**settings.PRINTFARM_NOTIFY, "rate_per_minute": 2}
    for printer in (385, 386, 412):
        fail_a_job(deliver, farm, printer)
    assert sender.send_due() == 2
    assert sender.send_due() == 0
    assert sender.send_due(now=timezone.now() + timedelta(seconds=61)) == 1


def test_ai_flags_offline_printers_and_approvals_are_alerts_too(
    notify_to: Receiver, deliver: Callable[..., list[int]], farm: payloads.FarmStory
) -> None:
    started = farm.job_started(385)
    farm.tick()
    deliver(started, payloads.envelope("printer.ai_failure_detected", {
        "job": started["data"]["job"], "image": "https://cdn.example/frame.jpg",
        "failures": [{"confidence": 0.85, "type": "spaghetti"}]}, farm.now),
        farm.queue_event("queue.item_pending_approval", payloads.queue_item(777)))
    assert sender.send_due() == 2
    titles = sorted(body["title"] for body in notify_to.bodies())
    assert "AI" in titles[1] or "AI" in titles[0]
    assert any("85" in body["message"] and "frame.jpg" in body["message"]
               for body in notify_to.bodies())


def test_nothing_is_recorded_without_a_target(
    deliver: Callable[..., list[int]], farm: payloads.FarmStory
) -> None:
    fail_a_job(deliver, farm)
    assert not Notification.objects.exists()
    assert sender.send_due() == 0


def test_notify_test_command_reports_each_target(target: tuple[Receiver, str]) -> None:
    out = StringIO()
    call_command("notify_test", urls=target[1], stdout=out)
    assert "delivered" in out.getvalue()
    assert target[0].bodies()[0]["title"]

    with pytest.raises(CommandError, match="did not take"):
        call_command("notify_test", urls="json://127.0.0.1:1/closed", stdout=StringIO())
    with pytest.raises(CommandError, match="PRINTFARM_NOTIFY_URLS"):
        call_command("notify_test", urls="", stdout=StringIO())
