"""Selectors: read-only queries for the API, the page and the commands."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from .models import Printer, PrinterWebhookEvent, PrintJob, PrintQueue


def event_counts() -> dict[str, object]:
    """Counts of the event log by outcome, and the time of the last delivery, in one query."""
    # Aliases that are also field names ("processed", "ignored") would clash with the filters.
    counts = PrinterWebhookEvent.objects.aggregate(
        n_received=Count("id"),
        n_processed=Count("id", filter=Q(processed=True, ignored=False)),
        n_ignored=Count("id", filter=Q(processed=True, ignored=True)),
        n_failed=Count("id", filter=Q(processed=False) & ~Q(processing_error="")),
        n_pending=Count("id", filter=Q(processed=False, processing_error="")),
        last_received_at=Max("received_at"),
    )
    return {name.removeprefix("n_"): value for name, value in counts.items()}


def printers_with_jobs() -> QuerySet[Printer]:
    return Printer.objects.select_related("current_job", "current_job__printer")


def active_queue() -> QuerySet[PrintQueue]:
    return PrintQueue.objects.filter(state__in=PrintQueue.ACTIVE).order_by("position", "sp_id")


def job_history() -> QuerySet[PrintJob]:
    return PrintJob.objects.select_related("printer")


def current_mode() -> str:
    """How state reaches this service: ``"webhooks"`` or ``"polling"`` (the fallback when
    deliveries stop). Webhooks until the poller decides otherwise."""
    return "webhooks"


def event_log() -> QuerySet[PrinterWebhookEvent]:
    """The event log for lists: everything but the (possibly large) payload and headers."""
    return PrinterWebhookEvent.objects.defer("payload", "headers")


def event_detail() -> QuerySet[PrinterWebhookEvent]:
    return PrinterWebhookEvent.objects.all()


def all_queue_items() -> QuerySet[PrintQueue]:
    return PrintQueue.objects.order_by("position", "sp_id")


def event_status_q(status: str) -> Q:
    """The condition for events whose :attr:`PrinterWebhookEvent.status` is ``status``."""
    statuses = PrinterWebhookEvent.Status
    return {
        statuses.PROCESSED: Q(processed=True, ignored=False),
        statuses.IGNORED: Q(processed=True, ignored=True),
        statuses.FAILED: Q(processed=False) & ~Q(processing_error=""),
        statuses.PENDING: Q(processed=False, processing_error=""),
    }[statuses(status)]
