"""Recording live changes: one :class:`LiveUpdate` row per change, written in the transaction
that made the change and published to the pages only after it commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
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


# One instance each: a ModelSerializer builds its fields on first use and keeps them, which
# would otherwise be the largest cost of processing an event.
_PRINTER = PrinterSerializer()
_JOB = PrintJobSerializer()
_QUEUE_ITEM = PrintQueueSerializer()
_EVENT = PrinterWebhookEventSerializer()


def printer_changed(printer: Printer) -> LiveUpdate:
    return record("printer.updated", _PRINTER.to_representation(printer))


def job_changed(job: PrintJob) -> LiveUpdate:
    return record("job.updated", _JOB.to_representation(job))


def queue_changed(item: PrintQueue) -> LiveUpdate:
    return record("queue.updated", _QUEUE_ITEM.to_representation(item))


def event_received(event: PrinterWebhookEvent) -> LiveUpdate:
    return record("event.received", _EVENT.to_representation(event))


def prune_live_updates(keep: int | None = None) -> int:
    """Delete all but the newest ``keep`` rows (default: ``PRINTFARM_LIVE['retention']``).

    Pages that were away longer than the retention get a fresh snapshot instead of a replay.
    """
    keep = settings.PRINTFARM_LIVE["retention"] if keep is None else keep
    newest_dropped = (LiveUpdate.objects.order_by("-id").values_list("id", flat=True)
                      [keep:keep + 1].first())
    if newest_dropped is None:
        return 0
    deleted, _ = LiveUpdate.objects.filter(id__lte=newest_dropped).delete()
    return deleted
