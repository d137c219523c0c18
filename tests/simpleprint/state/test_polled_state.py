"""Polled rows go through the domain writers: ordering against webhooks, no regressions, and
no publication when nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.simpleprint.models import LiveUpdate, Printer, PrintJob, PrintQueue
from apps.simpleprint.state import jobs, printers, queue
from tests import payloads

pytestmark = pytest.mark.django_db


def test_poll_row_sets_printer_state_progress_and_tags() -> None:
    job = jobs.apply_job_row(payloads.printer_job_row(552300), payloads.BASE_TS, 385)
    row = payloads.printer_row(385, state="printing", job=payloads.printer_job_row(552300),
                               nozzle=0.6, custom=[3], out_of_order=True)
    assert printers.apply_poll_row(row, payloads.BASE_TS, job)
    printer = Printer.objects.get(sp_id=385)
    assert (printer.state, printer.online, printer.current_job_id) == ("printing", True, job.pk)
    assert (printer.progress, printer.time_left) == (40, 3000)
    assert (printer.nozzle_size, printer.custom_tags, printer.out_of_order) == (0.6, [3], True)
    assert printer.state_source == "poll" and printer.last_polled_at is not None


def test_offline_row_shows_offline() -> None:
    printers.apply_poll_row(payloads.printer_row(386, state="operational", online=False),
                            payloads.BASE_TS)
    assert Printer.objects.get(sp_id=386).state == Printer.State.OFFLINE


def test_poll_that_changes_nothing_publishes_nothing() -> None:
    row = payloads.printer_row(385)
    printers.apply_poll_row(row, payloads.BASE_TS)
    published = LiveUpdate.objects.count()
    assert not printers.apply_poll_row(row, payloads.BASE_TS + 30)
    assert LiveUpdate.objects.count() == published
    assert Printer.objects.get(sp_id=385).last_polled_at.timestamp() == payloads.BASE_TS + 30


def test_poll_never_regresses_a_finished_job(deliver: Callable[..., Any],
                                             farm: payloads.FarmStory) -> None:
    started = farm.job_started(385, job_id=552400)
    farm.tick(600)
    deliver(started, farm.job_event("job.done", started, percentage=100))
    # A poll fetched later still shows it printing (SimplyPrint lagging, a stale page …).
    jobs.apply_job_row({"id": 552400, "status": "ongoing", "printer": 385,
                        "currentPercentage": 80}, farm.now + 60)
    jobs.apply_job_row(payloads.printer_job_row(552400), farm.now + 90, 385)
    assert PrintJob.objects.get(sp_id=552400).status == PrintJob.Status.DONE


def test_poll_does_not_undo_newer_webhook_state(deliver: Callable[..., Any],
                                                farm: payloads.FarmStory) -> None:
    started = farm.job_started(385, job_id=552401)
    farm.tick(300)
    deliver(started, farm.job_event("job.paused", started, percentage=30))
    fetched_before_pause = farm.now - 10
    job = jobs.apply_job_row(payloads.printer_job_row(552401), fetched_before_pause, 385)
    printers.apply_poll_row(payloads.printer_row(385, state="printing",
                                                 job=payloads.printer_job_row(552401)),
                            fetched_before_pause, job)
    assert PrintJob.objects.get(sp_id=552401).status == PrintJob.Status.PAUSED
    assert Printer.objects.get(sp_id=385).state == Printer.State.PAUSED


def test_poll_after_a_webhook_wins() -> None:
    printers.apply_poll_row(payloads.printer_row(385, nozzle=0.4), payloads.BASE_TS)
    printers.apply_poll_row(payloads.printer_row(385, nozzle=0.8), payloads.BASE_TS + 30)
    assert Printer.objects.get(sp_id=385).nozzle_size == 0.8


def test_queue_snapshot_marks_missing_items_done_or_deleted() -> None:
    queue.apply_queue_snapshot([payloads.queue_item(1), payloads.queue_item(2),
                                payloads.queue_item(3)], payloads.BASE_TS)
    done = {**payloads.queue_item(2, left=0, printed=5), "done": "2024-06-10T09:00:00+00:00"}
    result = queue.apply_queue_snapshot([payloads.queue_item(1)], payloads.BASE_TS + 30, [done])
    states = dict(PrintQueue.objects.values_list("sp_id", "state"))
    assert states == {1: "queued", 2: "done", 3: "deleted"}
    assert (result.changed, result.removed) == (2, 1)


def test_an_incomplete_queue_snapshot_deletes_nothing() -> None:
    queue.apply_queue_snapshot([payloads.queue_item(1), payloads.queue_item(2)],
                               payloads.BASE_TS)
    result = queue.apply_queue_snapshot([payloads.queue_item(1)], payloads.BASE_TS + 30,
                                        complete=False)
    states = dict(PrintQueue.objects.values_list("sp_id", "state"))
    assert states == {1: "queued", 2: "queued"} and result.removed == 0


def test_queue_item_added_after_the_fetch_survives_the_snapshot(
        deliver: Callable[..., Any], farm: payloads.FarmStory) -> None:
    fetched_at = farm.now
    farm.tick(5)
    deliver(farm.queue_event("queue.add_item", payloads.queue_item(77)))
    queue.apply_queue_snapshot([], fetched_at)
    assert PrintQueue.objects.get(sp_id=77).state == PrintQueue.State.QUEUED


def test_queue_snapshot_unchanged_publishes_nothing() -> None:
    snapshot = [payloads.queue_item(1), payloads.queue_item(2, sort_order=2)]
    queue.apply_queue_snapshot(snapshot, payloads.BASE_TS)
    published = LiveUpdate.objects.count()
    assert queue.apply_queue_snapshot(snapshot, payloads.BASE_TS + 30).changed == 0
    assert LiveUpdate.objects.count() == published


def test_a_polled_job_a_webhook_created_meanwhile_is_read_again_not_inserted_twice(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The poll's read found no job, then a webhook's worker committed it before the poll's
    INSERT (PostgreSQL refused that INSERT, and the whole sync tick failed): the poll reads
    the job again and updates it."""
    made = jobs.apply_job_row(payloads.printer_job_row(552300), payloads.BASE_TS, 385)
    get = jobs._LOCKED_JOB.get
    misses = iter([None])  # the first read misses: the webhook's transaction had not committed
    monkeypatch.setattr(jobs._LOCKED_JOB, "get", lambda value: next(misses, None) or get(value))
    again = jobs.apply_job_row(payloads.printer_job_row(552300, state="done"),
                               payloads.BASE_TS + 60, 385)
    assert again is not None and again.pk == made.pk
    assert list(PrintJob.objects.filter(sp_id=552300).values_list("status", flat=True)) \
        == [PrintJob.Status.DONE]
