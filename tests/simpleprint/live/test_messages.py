"""The live messages: what a page is shown of each row (a part of its REST representation), and
the snapshot's packed tables."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.fields import DateTimeField

from apps.simpleprint.live import messages, outbox
from apps.simpleprint.models import (
    OperatorAction,
    Printer,
    PrinterWebhookEvent,
    PrintJob,
    PrintQueue,
)
from apps.simpleprint.serializers import (
    PrinterSerializer,
    PrinterWebhookEventSerializer,
    PrintJobSerializer,
    PrintQueueSerializer,
)
from bench.page_time import build_farm
from tests.payloads import farm_stream
from tests.simpleprint.conftest import History

pytestmark = pytest.mark.django_db

REST = {Printer: PrinterSerializer, PrintJob: PrintJobSerializer, PrintQueue: PrintQueueSerializer,
        PrinterWebhookEvent: PrinterWebhookEventSerializer}
FRACTION = re.compile(r"\.\d+(?=Z$|[+-]\d\d:\d\d$)")


def whole_seconds(value: Any) -> Any:
    """The API's value as a message writes it: times without the fraction of a second."""
    if isinstance(value, str):
        return FRACTION.sub("", value)
    if isinstance(value, dict):
        return {key: whole_seconds(item) for key, item in value.items()}
    return value


def rows() -> list[Any]:
    return [*Printer.objects.all(), *PrintJob.objects.all(), *PrintQueue.objects.all(),
            *PrinterWebhookEvent.objects.all()]


def test_a_message_is_part_of_the_rows_rest_representation(farm_history: History) -> None:
    """Same names, same values (to the second), no empty ones; nested jobs likewise."""
    checked = 0
    for row in rows():
        _, data = messages.message(row)
        rest = REST[type(row)](row).data
        for name, value in data.items():
            if isinstance(value, dict):
                assert value.items() <= whole_seconds(dict(rest[name])).items(), (row, name)
            else:
                assert value == whole_seconds(rest[name]), (row, name)
            assert value not in (None, "", []), (row, name)
            checked += 1
    assert checked > 100


def test_the_planned_fields_give_the_message_drf_gives(
        deliver: Callable[..., list[int]]) -> None:
    """``messages.Fields`` (the worker's fast way) against the serializer, for every row of
    every kind after a busy farm's stream, and an operator action in each state."""
    deliver(*farm_stream(300, seed=7, printers=8))
    for n, status in enumerate(OperatorAction.Status):
        OperatorAction.objects.create(
            kind="clear_bed", status=status, username="shift", target="printer:1000",
            printer_sp_id=1000, idempotency_key=f"k{n}", params={"ok": n % 2 == 0},
            batch=f"00000000-0000-4000-8000-{n:012d}", answered_at=timezone.now())
    compared = 0
    for model, (_, serializer) in messages.KINDS.items():
        for row in model._default_manager.all():
            expected = messages._compact(serializer().to_representation(row))
            assert messages._compact(messages.fields_of(model).to_representation(row)) \
                == expected, row
            compared += 1
    assert compared > 300


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_a_time_is_written_as_drf_writes_it_to_the_second(zone: str) -> None:
    """``WholeSeconds`` writes a UTC time itself (every time of every message): the same text
    as DRF's field, whatever the time's zone and the zone active."""
    moment = datetime(2024, 6, 10, 8, 0, 32, 517_204)
    times = [moment.replace(tzinfo=UTC), moment.replace(tzinfo=ZoneInfo("UTC")),
             moment.replace(tzinfo=ZoneInfo("Europe/Berlin")),
             moment.replace(tzinfo=dt_timezone(timedelta(hours=-5))), moment]
    with timezone.override(zone):
        for value in times:
            assert messages.WholeSeconds().to_representation(value) \
                == DateTimeField().to_representation(value.replace(microsecond=0)), value
    assert messages.WholeSeconds().to_representation(times[0]) == "2024-06-10T08:00:32Z"


def test_the_card_gets_the_ended_job_only_while_its_bed_is_to_be_cleared(
    farm_history: History
) -> None:
    printer = Printer.objects.get(sp_id=386)  # its job failed; the bed was not cleared
    assert printer.last_job is not None and printer.bed_needs_clearing
    ended = messages.message(printer)[1]["last_job"]
    assert (ended["sp_id"], ended["status"]) == (farm_history.failed_job, "failed")
    cleared = Printer.objects.get(sp_id=385)  # done, then the bed was cleared
    assert cleared.last_job is not None and not cleared.bed_needs_clearing
    assert "last_job" not in messages.message(cleared)[1]


def test_a_change_the_page_is_not_shown_is_no_change_for_it(farm_history: History) -> None:
    job = PrintJob.objects.get(sp_id=farm_history.done_job)
    before = messages.shown(job)
    job.cost = 1.25
    assert messages.shown(job) == before
    job.end_reason = "Nozzle clog"
    assert messages.shown(job) != before


def test_a_packed_table_unpacks_into_the_messages_of_its_rows(farm_history: History) -> None:
    snapshot = outbox.snapshot()
    printers = messages.unpack(snapshot["data"]["printers"])
    assert printers == [messages.message(p)[1] for p in Printer.objects.all()]
    assert messages.unpack(snapshot["data"]["queue"]) == [
        messages.message(item)[1] for item in PrintQueue.objects.filter(
            state__in=PrintQueue.ACTIVE).order_by("position", "sp_id")]
    assert all(row[-1] is not None for name, table in snapshot["data"].items()
               if name != "names" for row in table["rows"] if row)  # no trailing nulls


def test_the_first_message_for_200_printers_and_10_000_jobs_is_under_150_kb() -> None:
    """bench.page_time's farm (500 queue items, 100 events): issue 17's limit, uncompressed."""
    farm = build_farm(200)
    assert (farm["printers"], farm["jobs"], farm["queue"]) == (200, 10_000, 500)
    text = messages.encode(outbox.snapshot())
    assert len(text.encode()) < 150_000
