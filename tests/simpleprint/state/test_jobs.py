"""Job events: each moves the job and its printer to the right state."""

from __future__ import annotations

import pytest

from apps.simpleprint.models import Printer, PrinterWebhookEvent, PrintJob
from tests.payloads import envelope

pytestmark = pytest.mark.django_db(transaction=True)


def test_job_started_creates_job_and_printer(post_delivery, farm):
    post_delivery(farm.job_started(385))
    job = PrintJob.objects.get()
    assert job.status == "printing"
    assert job.file_name == "bracket_v2_0.4n_PLA_2h10m.gcode"
    assert job.started_by_name == "Alex Johnson" and job.started_by_id == 7
    assert job.estimate_seconds == 7800
    printer = Printer.objects.get(sp_id=385)
    assert printer.name == "MK4 Bay A-1" and printer.group_name == "Bay A"
    assert printer.state == "printing" and printer.current_job == job
    assert printer.state_source == "webhook"


@pytest.mark.parametrize("event, job_status, printer_state", [
    ("job.paused", "paused", "paused"),
    ("job.resumed", "printing", "printing"),
])
def test_pause_and_resume(post_delivery, farm, event, job_status, printer_state):
    started = farm.job_started(385)
    post_delivery(started)
    farm.tick()
    post_delivery(farm.job_event(event, started, percentage=40))
    job = PrintJob.objects.get()
    assert job.status == job_status and job.percentage == 40
    printer = Printer.objects.get()
    assert printer.state == printer_state and printer.current_job == job


@pytest.mark.parametrize("event", ["job.done", "job.failed", "job.cancelled"])
def test_terminal_events_end_the_job_and_free_the_printer(post_delivery, farm, event):
    started = farm.job_started(385)
    post_delivery(started)
    farm.tick(3600)
    post_delivery(farm.job_event(event, started, percentage=60))
    job = PrintJob.objects.get()
    assert job.status == event.split(".")[1]
    assert job.ended_at is not None and job.duration == 3600
    printer = Printer.objects.get()
    assert printer.state == "operational" and printer.current_job is None
    assert printer.bed_needs_clearing is True


def test_cancel_records_who_cancelled(post_delivery, farm):
    started = farm.job_started(385)
    post_delivery(started)
    farm.tick()
    post_delivery(farm.job_event("job.cancelled", started))
    assert PrintJob.objects.get().ended_by_name == "Maria Petrova"


def test_bed_cleared_marks_the_printer_ready(post_delivery, farm):
    started = farm.job_started(385)
    post_delivery(started)
    farm.tick(7800)
    post_delivery(farm.job_event("job.done", started))
    farm.tick(300)
    post_delivery(farm.job_event("job.bed_cleared", started))
    assert Printer.objects.get().bed_needs_clearing is False
    assert PrintJob.objects.get().bed_cleared_at is not None


def test_bed_cleared_without_a_job_object_still_clears_the_printer(post_delivery, farm):
    started = farm.job_started(385)
    post_delivery(started)
    farm.tick(7800)
    post_delivery(farm.job_event("job.done", started))
    farm.tick(300)
    post_delivery(envelope("job.bed_cleared", {"printer": {"id": 385, "name": "MK4 Bay A-1"}},
                           farm.now))
    assert Printer.objects.get().bed_needs_clearing is False


@pytest.mark.parametrize("cleared_first", [True, False])
def test_next_job_started_in_the_second_of_the_bed_clear_is_shown(post_delivery, farm,
                                                                  cleared_first):
    first = farm.job_started(385)
    post_delivery(first)
    farm.tick(7800)
    post_delivery(farm.job_event("job.done", first))
    farm.tick(300)
    cleared = farm.job_event("job.bed_cleared", first)
    second = farm.job_started(385)  # AutoPrint starts the next print in the same second
    for delivery in (cleared, second) if cleared_first else (second, cleared):
        post_delivery(delivery)
    printer = Printer.objects.select_related("current_job").get()
    assert printer.state == "printing" and printer.current_job is not None
    assert printer.current_job.sp_id == second["data"]["job"]["id"]


def test_objects_skipped_are_recorded_without_changing_status(post_delivery, farm):
    started = farm.job_started(385)
    post_delivery(started)
    farm.tick()
    skipped = farm.job_event("job.objects_skipped", started, user={"id": 7})
    skipped["data"]["job"]["skippedObjects"] = [2, 5]
    post_delivery(skipped)
    job = PrintJob.objects.get()
    assert job.status == "printing" and job.skipped_objects == [2, 5]


def test_ai_failure_detected_is_applied_to_the_job(post_delivery, farm):
    started = farm.job_started(385)
    post_delivery(started)
    farm.tick()
    detection = envelope("printer.ai_failure_detected", {
        "job": started["data"]["job"], "image": "https://example.com/frame.jpg",
        "failures": [{"confidence": 0.92, "type": "spaghetti"}]}, farm.now)
    post_delivery(detection)
    event = PrinterWebhookEvent.objects.get(event="printer.ai_failure_detected")
    assert event.status == "processed"
    assert PrintJob.objects.get().status == "printing"


@pytest.mark.parametrize("alias, canonical", [("job.completed", "job.done"),
                                              ("job.finished", "job.done")])
def test_the_briefs_guessed_names_are_accepted_as_aliases(post_delivery, farm, alias, canonical):
    started = farm.job_started(385)
    post_delivery(started)
    farm.tick()
    done = farm.job_event("job.done", started)
    done["event"] = alias
    post_delivery(done)
    assert PrintJob.objects.get().status == "done"
    assert PrinterWebhookEvent.objects.get(event=alias).canonical_event == canonical


def test_a_finished_job_never_returns_to_printing(post_delivery, farm):
    started = farm.job_started(385)
    farm.tick()
    paused = farm.job_event("job.paused", started)
    farm.tick()
    resumed = farm.job_event("job.resumed", started)
    farm.tick()
    done = farm.job_event("job.done", started)
    for delivery in (done, resumed, started, paused):
        post_delivery(delivery)
    assert PrintJob.objects.get().status == "done"
    printer = Printer.objects.get()
    assert printer.state == "operational" and printer.current_job is None


def test_a_late_event_of_an_old_job_does_not_touch_the_printers_new_job(post_delivery, farm):
    first = farm.job_started(385)
    farm.tick(3600)
    first_done = farm.job_event("job.done", first)
    farm.tick(600)
    second = farm.job_started(385)
    post_delivery(first)
    post_delivery(second)
    post_delivery(first_done)
    printer = Printer.objects.get()
    assert printer.state == "printing"
    assert printer.current_job.sp_id == second["data"]["job"]["id"]


def test_job_event_without_job_is_visibly_failed_and_not_retried(post_delivery):
    post_delivery(envelope("job.done", {"printer": "nope"}))
    event = PrinterWebhookEvent.objects.get()
    assert event.status == "failed"
    assert "without data.job.id" in event.processing_error
    assert event.next_attempt_at is None
