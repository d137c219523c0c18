"""The live message format: what a page is shown of each row.

One place for the outbox (a change) and the snapshot (the whole farm). A row's message is
its REST representation (``apps.simpleprint.serializers``), so the API and the page agree.
:func:`differs` says whether a page would notice a change: it compares messages, ignoring only
the bookkeeping fields listed in :data:`BOOKKEEPING` (when a row was last touched or polled).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from ..models import OperatorAction, Printer, PrinterWebhookEvent, PrintJob, PrintQueue
from ..serializers import (
    OperatorActionSerializer,
    PrinterSerializer,
    PrinterWebhookEventSerializer,
    PrintJobSerializer,
    PrintQueueSerializer,
)

#: Fields that say when a row was last touched, not what it is: a poll that changes only
#: these is not a change a page needs to hear about.
BOOKKEEPING = frozenset({"updated_at", "state_updated_at", "last_polled_at", "progress_at",
                         "heard_at", "state_source", "source"})

# One instance each: a ModelSerializer builds its fields on first use and keeps them, which
# would otherwise be the largest cost of processing an event.
_PRINTER = PrinterSerializer()
_JOB = PrintJobSerializer()
_QUEUE_ITEM = PrintQueueSerializer()
_EVENT = PrinterWebhookEventSerializer()
_ACTION = OperatorActionSerializer()

#: Row class → (message type, serializer).
KINDS: dict[type[models.Model], tuple[str, Any]] = {
    Printer: ("printer.updated", _PRINTER),
    PrintJob: ("job.updated", _JOB),
    PrintQueue: ("queue.updated", _QUEUE_ITEM),
    PrinterWebhookEvent: ("event.received", _EVENT),
    OperatorAction: ("action.updated", _ACTION),
}


def message(row: models.Model) -> tuple[str, dict[str, Any]]:
    """The message type and data a page receives when ``row`` changes."""
    kind, serializer = KINDS[type(row)]
    return kind, serializer.to_representation(row)


def shown(row: models.Model) -> dict[str, Any]:
    """What a page is shown of ``row``, bookkeeping aside."""
    return _without_bookkeeping(message(row)[1])


def _without_bookkeeping(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _without_bookkeeping(value) for key, value in data.items()
                if key not in BOOKKEEPING}
    return data


def snapshot_data(printers: Any, queue: Any, jobs: Any, events: Any,
                  actions: Any = ()) -> dict[str, Any]:
    """The ``data`` of a snapshot message, from the rows to show; ``open_actions`` are the
    operator actions still waiting for SimplyPrint to confirm them (shown pending)."""
    return {
        "printers": PrinterSerializer(printers, many=True).data,
        "queue": PrintQueueSerializer(queue, many=True).data,
        "recent_jobs": PrintJobSerializer(jobs, many=True).data,
        "recent_events": PrinterWebhookEventSerializer(events, many=True).data,
        "open_actions": OperatorActionSerializer(actions, many=True).data,
    }
