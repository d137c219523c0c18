"""Processing stored events: once, with retries, and nothing lost when a worker dies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from apps.simpleprint.live import outbox
from apps.simpleprint.models import LiveUpdate, PrinterWebhookEvent, PrintJob
from apps.simpleprint.processing import inbox
from apps.simpleprint.state import jobs
from tests.payloads import envelope

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def deferred_processing(monkeypatch):
    """Store deliveries without handing them to the worker (as if the task message was lost)."""
    monkeypatch.setattr(inbox, "schedule_processing", lambda event_id: None)


def make_due(*events: PrinterWebhookEvent) -> None:
    past = timezone.now() - timedelta(hours=1)
    PrinterWebhookEvent.objects.filter(pk__in=[e.pk for e in events]).update(
        received_at=past, next_attempt_at=None
    )


def test_test_event_is_recorded_and_changes_nothing(post_delivery):
    post_delivery(envelope("test", {}))
    assert PrinterWebhookEvent.objects.get().status == "processed"
    assert not PrintJob.objects.exists()


def test_processing_the_same_event_twice_applies_it_once(post_delivery, farm,
                                                          deferred_processing):
    post_delivery(farm.job_started(385))
    assert PrinterWebhookEvent.objects.get().status == "pending"
    event = PrinterWebhookEvent.objects.get()
    assert inbox.process_event(event.pk) == "processed"
    updates = LiveUpdate.objects.count()
    assert inbox.process_event(event.pk) == "processed"
    event.refresh_from_db()
    assert event.attempts == 1
    assert LiveUpdate.objects.count() == updates


def test_failure_is_recorded_with_a_retry_time(post_delivery, farm, monkeypatch):
    def flaky(*args, **kwargs):
        raise ConnectionError("database hiccup")

    monkeypatch.setattr(jobs, "apply_job_event", flaky)
    post_delivery(farm.job_started(385))
    event = PrinterWebhookEvent.objects.get()
    assert event.status == "failed"
    assert event.attempts == 1
    assert event.processing_error == "ConnectionError: database hiccup"
    assert event.next_attempt_at > timezone.now()


def test_a_failed_event_is_retried_by_the_sweeper_and_then_succeeds(post_delivery, farm,
                                                                     monkeypatch):
    real = jobs.apply_job_event
    calls = {"n": 0}

    def fails_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database hiccup")
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "apply_job_event", fails_once)
    post_delivery(farm.job_started(385))
    PrinterWebhookEvent.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert inbox.sweep() == 1
    event = PrinterWebhookEvent.objects.get()
    assert event.status == "processed" and event.attempts == 2
    assert event.processing_error == ""
    assert PrintJob.objects.get().status == "printing"


def test_an_event_that_keeps_failing_stays_visibly_failed(post_delivery, farm, monkeypatch):
    monkeypatch.setattr(jobs, "apply_job_event",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("bug")))
    policy = {**settings.PRINTFARM_PROCESSING, "max_attempts": 3}
    with override_settings(PRINTFARM_PROCESSING=policy):
        post_delivery(farm.job_started(385))
        for _ in range(5):
            PrinterWebhookEvent.objects.filter(next_attempt_at__isnull=False).update(
                next_attempt_at=timezone.now() - timedelta(seconds=1))
            inbox.sweep()
    event = PrinterWebhookEvent.objects.get()
    assert event.status == "failed" and event.attempts == 3
    assert event.next_attempt_at is None
    assert inbox.due_event_ids() == []


def test_backoff_grows_exponentially(post_delivery, farm, monkeypatch):
    monkeypatch.setattr(jobs, "apply_job_event",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("bug")))
    post_delivery(farm.job_started(385))
    event = PrinterWebhookEvent.objects.get()
    first_delay = event.next_attempt_at - timezone.now()
    PrinterWebhookEvent.objects.update(next_attempt_at=timezone.now())
    inbox.sweep()
    event.refresh_from_db()
    second_delay = event.next_attempt_at - timezone.now()
    assert second_delay > first_delay * 1.5


def test_a_worker_dying_mid_processing_loses_nothing(post_delivery, farm, monkeypatch):
    """The worker is killed inside the transaction: nothing is half-applied, and the sweeper
    finds the event after the grace period and finishes it."""
    real = jobs.apply_job_event

    def dies(*args, **kwargs):
        real(*args, **kwargs)
        raise SystemExit("worker killed")

    monkeypatch.setattr(jobs, "apply_job_event", dies)
    with pytest.raises(SystemExit):
        post_delivery(farm.job_started(385))
    event = PrinterWebhookEvent.objects.get()
    assert event.status == "pending" and event.attempts == 0
    assert not PrintJob.objects.exists()

    monkeypatch.setattr(jobs, "apply_job_event", real)
    assert inbox.due_event_ids() == []
    make_due(event)
    assert inbox.sweep() == 1
    assert PrinterWebhookEvent.objects.get().status == "processed"
    assert PrintJob.objects.get().status == "printing"


def test_the_sweeper_picks_up_events_whose_task_was_lost(post_delivery, farm,
                                                          deferred_processing, monkeypatch):
    post_delivery(farm.job_started(385))
    event = PrinterWebhookEvent.objects.get()
    assert inbox.due_event_ids() == []
    make_due(event)
    monkeypatch.undo()
    inbox.sweep()
    assert PrinterWebhookEvent.objects.get().status == "processed"


def test_a_backlogged_event_is_swept_once_per_lease_not_at_every_sweep(
        post_delivery, farm, deferred_processing, monkeypatch) -> None:
    monkeypatch.setattr(inbox, "dispatch", lambda event_id: None)  # a queue that never drains
    post_delivery(farm.job_started(385))
    make_due(PrinterWebhookEvent.objects.get())
    assert inbox.sweep() == 1  # its task is lost, or queued behind a long backlog
    assert inbox.sweep() == 0  # still queued: not dispatched again
    PrinterWebhookEvent.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert inbox.sweep() == 1  # a retry is due: a new lease


def test_reprocess_command_applies_failed_events_again(post_delivery, farm, monkeypatch,
                                                       capsys):
    monkeypatch.setattr(jobs, "apply_job_event",
                        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("bug")))
    post_delivery(farm.job_started(385))
    monkeypatch.undo()
    call_command("reprocess_webhook_events", "--failed")
    assert PrinterWebhookEvent.objects.get().status == "processed"
    assert "1 processed" in capsys.readouterr().out


def test_reprocess_command_by_id(post_delivery, farm, capsys):
    post_delivery(farm.job_started(385))
    event = PrinterWebhookEvent.objects.get()
    call_command("reprocess_webhook_events", str(event.pk), "999999")
    captured = capsys.readouterr()
    assert "No such event(s): [999999]" in captured.err
    assert "1 processed" in captured.out


def test_reprocess_command_without_selection_explains_itself():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="ids, --failed or --all"):
        call_command("reprocess_webhook_events")


def test_waiting_events_are_applied_together_in_order_and_once(post_delivery, farm,
                                                               deferred_processing, monkeypatch):
    started = farm.job_started(385, job_id=552401)
    for body in (started, farm.job_event("job.done", started), farm.job_started(386)):
        farm.tick()
        post_delivery(body)
    ids = list(PrinterWebhookEvent.objects.order_by("id").values_list("id", flat=True))
    published: list[list[int]] = []
    monkeypatch.setattr(outbox.publisher, "publish_updates",
                        lambda updates: published.append([u.pk for u in updates]))
    assert inbox.process_events([*ids, ids[0]]) == ["processed"] * 4
    rows = list(LiveUpdate.objects.order_by("id"))
    # One INSERT, one publish after the commit: every change, numbered in order, no holes.
    assert published == [[row.pk for row in rows]]
    assert [row.pk for row in rows] == list(range(rows[0].pk, rows[0].pk + len(rows)))
    assert [row.payload["id"] for row in rows if row.kind == "event.received"] == ids
    assert PrintJob.objects.get(sp_id=552401).status == "done"
    assert set(PrinterWebhookEvent.objects.values_list("attempts", flat=True)) == {1}
    assert inbox.process_events(ids) == ["processed"] * 3
    assert LiveUpdate.objects.count() == len(rows) and len(published) == 1


def test_a_failure_in_a_batch_applies_the_others_one_by_one(post_delivery, farm,
                                                            deferred_processing, monkeypatch):
    for printer in (385, 386, 387):
        farm.tick()
        post_delivery(farm.job_started(printer))
    first, broken, last = PrinterWebhookEvent.objects.order_by("id")
    apply = inbox.apply_event

    def failing(event):
        if event.pk == broken.pk:
            raise ConnectionError("database hiccup")
        return apply(event)

    monkeypatch.setattr(inbox, "apply_event", failing)
    assert inbox.process_events([first.pk, broken.pk, last.pk]) == [
        "processed", "failed", "processed"]
    assert set(PrintJob.objects.values_list("printer__sp_id", flat=True)) == {385, 387}
    broken.refresh_from_db()
    assert broken.attempts == 1 and "database hiccup" in broken.processing_error
    statuses = [row.payload["status"] for row in LiveUpdate.objects.filter(
        kind="event.received").order_by("id")]
    assert statuses == ["processed", "failed", "processed"]


def test_a_task_applies_the_events_waiting_behind_it_and_theirs_find_them_done(
        post_delivery, farm, deferred_processing, monkeypatch):
    from apps.simpleprint.runtime.tasks import process_webhook_event

    started = farm.job_started(385, job_id=552402)
    for body in (started, farm.job_event("job.paused", started), farm.job_started(386)):
        farm.tick()
        post_delivery(body)
    first, second, third = PrinterWebhookEvent.objects.order_by("id")
    batches: list[list[int]] = []
    process_events = inbox.process_events

    def recorded(ids):
        batches.append(ids)
        return process_events(ids)

    monkeypatch.setattr(inbox, "process_events", recorded)

    assert process_webhook_event(second.pk) == "processed"  # the first one's task runs later
    assert batches == [[second.pk, third.pk]]
    assert process_webhook_event(first.pk) == "processed"
    assert process_webhook_event(third.pk) == "processed"
    assert batches[1:] == [[first.pk], [third.pk]]
    assert set(PrinterWebhookEvent.objects.values_list("attempts", flat=True)) == {1}
    assert PrintJob.objects.get(sp_id=552402).status == "paused"
