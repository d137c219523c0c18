"""Selectors: read-only queries of the mirror for the API, the page, the admin and the commands."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, F, Max, Q, QuerySet

from ..models import OperatorAction, Printer, PrinterWebhookEvent, PrintJob, PrintQueue


def event_counts() -> dict[str, object]:
    """Counts of the event log by status, their total, and the time of the last delivery.

    Two queries that each use an index: one count per status (``GROUP BY status``, read from
    the status index) and the newest ``received_at``. One aggregate with a filtered count per
    status read the whole table: 298 ms against 125 ms for a million events (bench/README.md,
    event_log)."""
    by_status = dict(PrinterWebhookEvent.objects.order_by().values_list("status")
                     .annotate(n=Count("*")).values_list("status", "n"))
    counts: dict[str, object] = {"received": sum(by_status.values())}
    counts.update({status: by_status.get(status, 0)
                   for status in PrinterWebhookEvent.Status.values})
    counts["last_received_at"] = PrinterWebhookEvent.objects.aggregate(
        last=Max("received_at"))["last"]
    return counts


def printers_with_jobs() -> QuerySet[Printer]:
    return Printer.objects.select_related("current_job", "current_job__printer", "last_job",
                                          "last_job__printer")


def printer_jobs(printer: Printer, limit: int) -> QuerySet[PrintJob]:
    """The printer's ``limit`` latest jobs, newest first (by start; a job never started last)."""
    return (PrintJob.objects.filter(printer=printer).select_related("printer")
            .order_by(F("started_at").desc(nulls_last=True), "-sp_id")[:limit])


def printer_actions(printer: Printer, limit: int) -> QuerySet[OperatorAction]:
    """The ``limit`` latest operator actions on the printer (the audit trail), newest first."""
    return OperatorAction.objects.filter(printer_sp_id=printer.sp_id).order_by("-id")[:limit]


def job_outcomes(printer: Printer, now: datetime, days: tuple[int, ...]
                 ) -> dict[int, dict[str, int]]:
    """How the printer's jobs that ended in each of the last ``days`` days ended: counts of
    done, failed and cancelled, per window (one query). A job stamped a little after ``now``
    (SimplyPrint's clock ahead of ours) counts as ended now."""
    counts = {f"{status}_{window}": Count("pk", filter=Q(
        status=status, ended_at__gte=now - timedelta(days=window)))
        for window in days for status in PrintJob.TERMINAL}
    row = PrintJob.objects.filter(
        printer=printer, ended_at__gte=now - timedelta(days=max(days))).aggregate(**counts)
    return {window: {str(status): row[f"{status}_{window}"] for status in PrintJob.TERMINAL}
            for window in days}


def active_queue() -> QuerySet[PrintQueue]:
    return PrintQueue.objects.filter(state__in=PrintQueue.ACTIVE).order_by("position", "sp_id")


def all_queue_items() -> QuerySet[PrintQueue]:
    return PrintQueue.objects.order_by("position", "sp_id")


def job_history() -> QuerySet[PrintJob]:
    return PrintJob.objects.select_related("printer")


def event_log() -> QuerySet[PrinterWebhookEvent]:
    """The event log for lists: everything but the (possibly large) payload and headers."""
    return PrinterWebhookEvent.objects.defer("payload", "headers")


def event_detail() -> QuerySet[PrinterWebhookEvent]:
    return PrinterWebhookEvent.objects.all()
