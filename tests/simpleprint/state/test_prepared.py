"""Prepared reads give the rows and instances the queryset gives, without building its SQL
again."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.simpleprint.models import Printer, PrinterWebhookEvent, PrintJob
from apps.simpleprint.state.prepared import Insert, PreparedGet, Returning

pytestmark = pytest.mark.django_db


def _locked_printers() -> models.QuerySet[Printer]:
    return Printer.objects.select_for_update(of=("self",)).select_related(
        "current_job", "last_job").defer("current_job__raw", "last_job__raw")


PRINTER = PreparedGet(_locked_printers, "sp_id")


@pytest.fixture
def printing() -> Printer:
    printer = Printer.objects.create(sp_id=386, name="MK4 Bay A-2", nozzle_size=0.4,
                                     aspect_times={"job": [1_700_000_000, 2, 0]})
    job = PrintJob.objects.create(sp_id=552400, printer=printer, file_name="bracket.gcode",
                                  raw={"id": 552400})
    printer.current_job = job
    printer.save()
    return printer


@transaction.atomic
def test_a_prepared_read_makes_the_instances_the_queryset_makes(printing: Printer) -> None:
    expected = _locked_printers().get(sp_id=386)
    for _ in range(2):  # compiled on the first read, reused on the second
        got = PRINTER.get(386)
        assert got is not None
        assert [(f.attname, getattr(got, f.attname)) for f in Printer._meta.concrete_fields] \
            == [(f.attname, getattr(expected, f.attname)) for f in Printer._meta.concrete_fields]
        with CaptureQueriesContext(connection) as queries:
            assert got.current_job.file_name == "bracket.gcode"
            assert got.last_job is None
        assert not queries.captured_queries  # both jobs came with the printer
        assert got.current_job.get_deferred_fields() == {"raw"}


@transaction.atomic
def test_a_missing_row_reads_as_none_and_is_created_on_demand(printing: Printer) -> None:
    assert PRINTER.get(999) is None
    created, was_created = PRINTER.get_or_create(999, defaults={"name": "new"})
    found, found_created = PRINTER.get_or_create(999)
    assert (was_created, found_created, found.pk, found.name) == (True, False, created.pk, "new")


@pytest.mark.django_db(transaction=True)
def test_a_read_for_update_outside_a_transaction_is_refused(printing: Printer) -> None:
    with pytest.raises(RuntimeError, match="outside a transaction"):
        PRINTER.get(386)


def test_a_returning_statement_makes_the_instance_the_orm_reads() -> None:
    event = PrinterWebhookEvent.objects.create(
        event="job.started", dedup_key="k1", payload={"event": "job.started", "data": {}},
        headers={"Secret-Header": "x"}, timestamp=1_700_000_000,
        occurred_at=timezone.now())
    returning = Returning(PrinterWebhookEvent)
    table = connection.ops.quote_name(PrinterWebhookEvent._meta.db_table)
    [got] = returning.run(f"UPDATE {table} SET attempts = attempts + 1 WHERE id = %s "
                          f"RETURNING {returning.columns()}", [event.pk])
    expected = PrinterWebhookEvent.objects.get(pk=event.pk)
    columns = [field.attname for field in PrinterWebhookEvent._meta.concrete_fields]
    assert [getattr(got, name) for name in columns] == [getattr(expected, name)
                                                        for name in columns]
    assert (got.attempts, got.received_at.tzinfo is not None) == (1, True)


@transaction.atomic
def test_a_row_another_writer_created_first_is_read_not_duplicated(
        printing: Printer, monkeypatch: pytest.MonkeyPatch) -> None:
    get = PRINTER.get
    answers = iter([None])  # the first read misses: the other writer had not committed yet
    monkeypatch.setattr(PRINTER, "get", lambda value: next(answers, None) or get(value))
    found, created = PRINTER.get_or_create(386, defaults={"name": "duplicate"})
    assert (created, found.pk, found.name) == (False, printing.pk, "MK4 Bay A-2")
    assert Printer.objects.filter(sp_id=386).count() == 1


OCCURRED = timezone.now()


def _event(dedup_key: str) -> PrinterWebhookEvent:
    event = PrinterWebhookEvent(
        webhook_id=91, event="job.started", canonical_event="job.started", category="job",
        timestamp=1_718_006_432, occurred_at=OCCURRED, dedup_key=dedup_key,
        payload={"event": "job.started", "data": {"job": {"id": 552254, "file": "bracket.gcode"},
                                                   "printer": {"id": 1018}}},
        headers={"User-Agent": "SimplyPrint-Webhooks"}, printer_sp_id=1018, job_sp_id=552254)
    event.derive()
    return event


def test_a_prepared_insert_writes_the_row_save_writes() -> None:
    inserted = Insert(PrinterWebhookEvent).run(_event("a" * 64))
    saved = _event("b" * 64)
    saved.save()
    assert inserted.pk is not None and not inserted._state.adding
    first, second = (PrinterWebhookEvent.objects.filter(pk=pk).values().get()
                     for pk in (inserted.pk, saved.pk))
    assert first["received_at"] is not None
    differ = {"id", "dedup_key", "received_at"}
    assert {k: v for k, v in first.items() if k not in differ} == \
        {k: v for k, v in second.items() if k not in differ}
    assert first["status"] == PrinterWebhookEvent.Status.PENDING
    assert first["ordering_timestamp"] == 1_718_006_432


def test_a_prepared_insert_of_a_duplicate_fails_as_save_does() -> None:
    Insert(PrinterWebhookEvent).run(_event("c" * 64))
    with pytest.raises(IntegrityError), transaction.atomic():
        Insert(PrinterWebhookEvent).run(_event("c" * 64))
    assert PrinterWebhookEvent.objects.filter(dedup_key="c" * 64).count() == 1
