"""Selectors: read-only queries of the mirror for the API, the page, the admin and the commands."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from ..models import Printer, PrinterWebhookEvent, PrintJob, PrintQueue


def event_counts() -> dict[str, object]:
    """Counts of the event log by status, their total, and the time of the last delivery, in
    one query."""
    # Aliases that are also field names ("processed", "ignored") would clash with the filters.
    counts = PrinterWebhookEvent.objects.aggregate(
        n_received=Count("id"),
        **{f"n_{status}": Count("id", filter=Q(status=status))
           for status in PrinterWebhookEvent.Status.values},
        last_received_at=Max("received_at"),
    )
    return {name.removeprefix("n_"): value for name, value in counts.items()}


def printers_with_jobs() -> QuerySet[Printer]:
    return Printer.objects.select_related("current_job", "current_job__printer", "last_job",
                                          "last_job__printer")


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
