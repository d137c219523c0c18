"""Recording live changes: one :class:`LiveUpdate` row per change, written in the transaction
that made the change and published to the pages only after it commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..models import LiveUpdate, Printer, PrinterWebhookEvent, PrintJob, PrintQueue
from ..serializers import (
    PrinterSerializer,
    PrinterWebhookEventSerializer,
    PrintJobSerializer,
    PrintQueueSerializer,
)


def record(kind: str, payload: dict[str, Any]) -> LiveUpdate:
    update = LiveUpdate.objects.create(kind=kind, payload=payload)

    def publish() -> None:
        from ..broadcast import publish_update

        publish_update(update)

    transaction.on_commit(publish)
    return update


def printer_changed(printer: Printer) -> LiveUpdate:
    return record("printer.updated", PrinterSerializer(printer).data)


def job_changed(job: PrintJob) -> LiveUpdate:
    return record("job.updated", PrintJobSerializer(job).data)


def queue_changed(item: PrintQueue) -> LiveUpdate:
    return record("queue.updated", PrintQueueSerializer(item).data)


def event_received(event: PrinterWebhookEvent) -> LiveUpdate:
    return record("event.received", PrinterWebhookEventSerializer(event).data)
