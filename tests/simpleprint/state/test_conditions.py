"""What a printer needs at a glance (``state/conditions.py``), and the facts behind it: how its
last job ended, an AI detection, an offline episode, an out-of-order reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from apps.simpleprint.live import messages, outbox
from apps.simpleprint.models import LiveUpdate, Printer, PrintJob
from apps.simpleprint.state import conditions, jobs, printers
from tests import payloads

pytestmark = pytest.mark.django_db(transaction=True)


def condition_of(sp_id: int = 385) -> str:
    printer = Printer.objects.select_related("current_job", "last_job").get(sp_id=sp_id)
    shown = messages.message(printer)[1]
    assert shown["condition"] == conditions.condition(printer)
    return str(shown["condition"])


def ended(post_delivery: Any, farm: payloads.FarmStory, event: str, **data: Any) -> dict:
    started = farm.job_started(385)
    post_delivery(started)
    farm.tick()
    post_delivery(farm.job_event(event, started, percentage=37, **data))
    return started


@pytest.mark.parametrize(("event", "expected"), [
    ("job.failed", "failed"), ("job.cancelled", "cancelled"), ("job.done", "bed_to_clear")])
def test_an_ended_job_is_not_ready_until_the_bed_is_cleared(
    post_delivery: Any, farm: payloads.FarmStory, event: str, expected: str
) -> None:
    started = ended(post_delivery, farm, event)
    printer = Printer.objects.get()
    assert printer.state == "operational"  # what SimplyPrint reports …
    assert condition_of() == expected  # … and what a person must know
    last = messages.message(printer)[1]["last_job"]
    assert last["file_name"] == "bracket_v2_0.4n_PLA_2h10m.gcode"
    assert last["panel_url"] == f"https://simplyprint.io/panel/{started['data']['job']['id']}"
    assert last["ended_at"] is not None

    farm.tick()
    post_delivery(farm.job_event("job.bed_cleared", started))
    assert condition_of() == "ready"


def test_a_cancelled_job_remembers_who_and_a_reason_the_delivery_gives(
    post_delivery: Any, farm: payloads.FarmStory
) -> None:
    ended(post_delivery, farm, "job.cancelled", comment="warped corner")
    job = PrintJob.objects.get()
    assert job.ended_by_name == "Maria Petrova"
    assert job.end_reason == "warped corner"


def ai_detected(farm: payloads.FarmStory, started: dict, confidence: float) -> dict:
    return payloads.envelope("printer.ai_failure_detected", {
        "job": started["data"]["job"], "image": f"https://cdn.example/frames/{confidence}.jpg",
        "failures": [{"confidence": 0.3, "type": "stringing"},
                     {"confidence": confidence, "type": "spaghetti"}]}, farm.now)


def test_an_ai_detection_flags_the_job_and_its_printer(
    post_delivery: Any, farm: payloads.FarmStory
) -> None:
    started = farm.job_started(385)
    post_delivery(started)
    farm.tick()
    before = outbox.latest_seq()
    post_delivery(ai_detected(farm, started, 0.85))
    job = PrintJob.objects.get()
    assert (job.ai_confidence, job.ai_type) == (0.85, "spaghetti")
    assert job.ai_image_url == "https://cdn.example/frames/0.85.jpg"
    assert job.ai_detected_at is not None and job.status == "printing"
    assert condition_of() == "ai_flagged"
    sent = [u.payload for u in LiveUpdate.objects.filter(id__gt=before, kind="printer.updated")]
    assert sent and sent[-1]["current_job"]["ai_confidence"] == 0.85  # the card hears of it

    farm.tick()
    post_delivery(ai_detected(farm, started, 0.6))  # a weaker one later keeps the strongest
    assert PrintJob.objects.get().ai_confidence == 0.85
    farm.tick()
    post_delivery(farm.job_event("job.paused", started))
    assert condition_of() == "ai_flagged"
    farm.tick()
    post_delivery(farm.job_event("job.failed", started))
    assert condition_of() == "failed"


def test_an_ai_detection_without_a_job_only_notes_the_printer(
    post_delivery: Any, farm: payloads.FarmStory
) -> None:
    response = post_delivery(payloads.envelope("printer.ai_failure_detected", {
        "printer": payloads.printer_ref(386), "failures": []}, farm.now))
    assert response.status_code == 200
    assert Printer.objects.filter(sp_id=386).exists() and not PrintJob.objects.exists()


def test_an_offline_printer_keeps_its_job_and_when_it_went_offline() -> None:
    job_row = payloads.printer_job_row(552300)
    with transaction.atomic():
        job = jobs.apply_job_row(job_row, payloads.BASE_TS, printer_sp_id=385)
        printers.apply_poll_row(payloads.printer_row(385, state="printing", job=job_row),
                                payloads.BASE_TS, job)
    assert condition_of() == "printing"
    with transaction.atomic():
        printers.apply_poll_row(payloads.printer_row(385, online=False, job=job_row),
                                payloads.BASE_TS + 60, job)
    printer = Printer.objects.get()
    assert condition_of() == "offline"
    assert printer.current_job == job
    first = printer.offline_since
    assert first is not None and int(first.timestamp()) == payloads.BASE_TS + 60
    with transaction.atomic():
        printers.apply_poll_row(payloads.printer_row(385, online=False, job=job_row),
                                payloads.BASE_TS + 120, job)
    assert Printer.objects.get().offline_since == first  # one episode, one start
    with transaction.atomic():
        printers.apply_poll_row(payloads.printer_row(385, state="printing", job=job_row),
                                payloads.BASE_TS + 180, job)
    assert Printer.objects.get().offline_since is None


def test_out_of_order_says_who_and_why(post_delivery: Any, farm: payloads.FarmStory) -> None:
    post_delivery(farm.printer_event("printer.out_of_order_state_changed", 385,
                                     out_of_order=True, reason="Nozzle clogged"))
    printer = Printer.objects.get()
    assert (printer.out_of_order_reason, printer.out_of_order_by) == ("Nozzle clogged",
                                                                      "Alex Johnson")
    assert condition_of() == "out_of_order"
    farm.tick()
    post_delivery(farm.printer_event("printer.out_of_order_state_changed", 385,
                                     out_of_order=False))
    assert Printer.objects.get().out_of_order_reason == ""


def test_a_polled_cancelled_job_gets_its_reason_from_the_code() -> None:
    row = {"id": 552400, "uid": "abc", "status": "cancelled", "cancelReasonType": "4",
           "filename": "part.gcode", "printer": 385, "startDate": "2026-01-01T10:00:00+00:00",
           "endDate": "2026-01-01T11:00:00+00:00"}
    with transaction.atomic():
        jobs.apply_job_row(row, payloads.BASE_TS)
    assert PrintJob.objects.get().end_reason == "Fell off the plate"


def test_details_give_the_reason_and_who_and_the_printer_hears_of_it(
    post_delivery: Any, farm: payloads.FarmStory
) -> None:
    ended(post_delivery, farm, "job.cancelled")
    before = outbox.latest_seq()
    with transaction.atomic():
        job = PrintJob.objects.select_for_update().get()
        jobs.apply_details(job, {"failedReason": None, "cancelInfo": {
            "reason": "Not enough filament", "comment": "spool ran out", "by": "Sam Lee"}},
            job.updated_at)
    job = PrintJob.objects.get()
    assert job.end_reason == "Not enough filament — spool ran out"
    assert job.ended_by_name == "Maria Petrova"  # the delivery said who already
    assert job.details_fetched_at is not None
    kinds = list(LiveUpdate.objects.filter(id__gt=before).values_list("kind", flat=True))
    assert kinds == ["job.updated", "printer.updated"]
