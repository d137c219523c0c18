"""Values too long or too large for their columns are stored fitted, never a crash: the same on
SQLite and on PostgreSQL (the production profile runs this module too), from webhooks and from
polls alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.simpleprint.models import Printer, PrinterWebhookEvent, PrintJob, PrintQueue
from apps.simpleprint.state import jobs, printers, queue
from tests import payloads

pytestmark = pytest.mark.django_db

INT_MAX = 2**31 - 1
LONG_NAME = "P" * 201


def test_an_over_long_and_out_of_range_job_event_is_stored_fitted(
        deliver: Callable[..., list[int]], farm: payloads.FarmStory) -> None:
    started = farm.job_started(385, job_id=552400, file="x" * 600, percentage=40000)
    job = started["data"]["job"]
    job["printer"]["name"] = LONG_NAME
    job.update(time_left=2**31, duration=2**40, cost=1e308, uid="u" * 100,
               analysis={"estimate": 2**40})
    [event_id] = deliver(started)

    assert PrinterWebhookEvent.objects.get(pk=event_id).status == "processed"
    stored = PrintJob.objects.get(sp_id=552400)
    assert (len(stored.file_name), stored.percentage, len(stored.uid)) == (500, 100, 64)
    assert (stored.duration, stored.estimate_seconds) == (INT_MAX, INT_MAX)
    printer = Printer.objects.get(sp_id=385)
    assert (printer.name, printer.progress, printer.time_left) == ("P" * 200, 100, INT_MAX)


def test_an_out_of_range_queue_item_is_stored_fitted(
        deliver: Callable[..., list[int]], farm: payloads.FarmStory) -> None:
    item = payloads.queue_item(77, filename="q" * 700, left=2**40, printed=2**33,
                               sort_order=-(2**40), estimate=2**40)
    item.update(amount=2**40, user="U" * 300, added="2024-02-30T10:00:00+00:00")
    [event_id] = deliver(farm.queue_event("queue.add_item", item))

    assert PrinterWebhookEvent.objects.get(pk=event_id).status == "processed"
    stored = PrintQueue.objects.get(sp_id=77)
    assert (len(stored.filename), stored.left, stored.printed, stored.amount) == (
        500, INT_MAX, INT_MAX, INT_MAX)
    assert (stored.position, stored.estimate_seconds) == (-(2**31), INT_MAX)
    assert (len(stored.added_by_name), stored.added_at) == (200, None)


def test_an_out_of_range_poll_is_stored_fitted() -> None:
    row = payloads.printer_row(412, state="printing", job=payloads.printer_job_row(
        552401, percentage=40000, time_left=2**31))
    row["printer"].update(name=LONG_NAME, state="s" * 80)
    row["sort_order"] = 2**40
    row["tags"]["nozzle"] = "NaN"
    job = jobs.apply_job_row(row["job"], payloads.BASE_TS, printer_sp_id=412)
    printers.apply_poll_row(row, payloads.BASE_TS, job)

    stored = Printer.objects.get(sp_id=412)
    assert (len(stored.name), len(stored.raw_state), stored.sort_order) == (200, 50, INT_MAX)
    assert (stored.progress, stored.time_left, stored.nozzle_size) == (100, INT_MAX, None)
    # A second identical poll changes nothing: it compares what would be stored.
    assert not printers.apply_poll_row(row, payloads.BASE_TS + 30, job)


@pytest.mark.parametrize("nozzle", ["NaN", "Infinity", "-1", "wide", None])
def test_a_nozzle_that_is_not_a_size_is_not_stored(
        deliver: Callable[..., list[int]], farm: payloads.FarmStory, nozzle: Any) -> None:
    deliver(farm.printer_event("printer.nozzle_size_changed", 385, nozzle=0.4))
    farm.tick()
    [event_id] = deliver(farm.printer_event("printer.nozzle_size_changed", 385, nozzle=nozzle))
    # The event lacks a size: it waits for a re-read (SimplyPrint is a closed port here).
    assert PrinterWebhookEvent.objects.get(pk=event_id).status == "failed"
    assert Printer.objects.get(sp_id=385).nozzle_size == 0.4


def test_a_queue_snapshot_with_impossible_dates_is_stored() -> None:
    item = {**payloads.queue_item(78), "added": "2024-13-45T99:00:00"}
    assert queue.apply_queue_snapshot([item], payloads.BASE_TS).changed == 1
    assert PrintQueue.objects.get(sp_id=78).added_at is None
