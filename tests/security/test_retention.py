"""Finding 8: the event table was never pruned, and its queries lacked indexes. Applied events
older than the retention are deleted by a periodic job (failed and pending ones are kept until
handled), and the log's queries have their indexes. (Their speed on a large table is measured in
bench/event_log.py, not here.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from apps.simpleprint.models import PrinterWebhookEvent
from apps.simpleprint.runtime import periodic, tasks

pytestmark = pytest.mark.django_db
PRUNE = "simpleprint.prune_webhook_events"


def event(n: int, *, days_old: float, processed: bool = True, ignored: bool = False,
          error: str = "") -> PrinterWebhookEvent:
    row = PrinterWebhookEvent.objects.create(
        event="job.started", category="job", timestamp=1_700_000_000 + n,
        occurred_at=timezone.now(), payload={}, dedup_key=f"{n:064d}", processed=processed,
        ignored=ignored, processing_error=error)
    PrinterWebhookEvent.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(days=days_old))
    return row


def test_the_prune_job_deletes_applied_events_past_the_retention_and_keeps_the_rest(
        settings: Any) -> None:
    settings.PRINTFARM_RETENTION = {"event_days": 90}
    old_processed = event(1, days_old=91)
    old_ignored = event(2, days_old=120, ignored=True)
    old_failed = event(3, days_old=200, processed=False, error="PayloadError: no job")
    old_pending = event(4, days_old=95, processed=False)
    recent = event(5, days_old=89)
    assert tasks.by_name(PRUNE)() == 2
    left = set(PrinterWebhookEvent.objects.values_list("pk", flat=True))
    assert left == {old_failed.pk, old_pending.pk, recent.pk}
    assert not {old_processed.pk, old_ignored.pk} & left


def test_a_failed_event_is_pruned_only_once_handled(settings: Any) -> None:
    settings.PRINTFARM_RETENTION = {"event_days": 30}
    failed = event(6, days_old=60, processed=False, error="boom")
    tasks.by_name(PRUNE)()
    assert PrinterWebhookEvent.objects.filter(pk=failed.pk).exists()
    row = PrinterWebhookEvent.objects.get(pk=failed.pk)
    row.processed, row.processing_error = True, ""
    row.save()
    tasks.by_name(PRUNE)()
    assert not PrinterWebhookEvent.objects.filter(pk=failed.pk).exists()


def test_retention_zero_keeps_everything(settings: Any) -> None:
    settings.PRINTFARM_RETENTION = {"event_days": 0}
    event(7, days_old=3650)
    assert tasks.by_name(PRUNE)() == 0
    assert PrinterWebhookEvent.objects.count() == 1
    assert PRUNE not in {entry["task"] for entry in periodic.beat_schedule().values()}


def test_the_prune_job_is_in_the_one_list_of_periodic_jobs() -> None:
    assert PRUNE in {job.task for job in periodic.PERIODIC}
    assert PRUNE in {entry["task"] for entry in periodic.beat_schedule().values()}


def indexed_columns() -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, PrinterWebhookEvent._meta.db_table)
    return [c["columns"] for c in constraints.values() if c["index"]]


def test_the_queries_of_the_log_the_tick_and_the_retention_have_indexes() -> None:
    columns = indexed_columns()
    assert ["timestamp"] in columns  # the sync tick's Max(timestamp), every tick
    assert ["status"] in columns  # counts by status, ?status=failed
    assert ["received_at"] in columns  # the log's order, the retention's cut-off
