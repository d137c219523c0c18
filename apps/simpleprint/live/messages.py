"""The live message format: what a page is shown of each row.

One place for the outbox (a change) and the snapshot (the whole farm). A row's message is the
part of its REST representation (``apps.simpleprint.serializers``) that the page shows: the
same field names and value formats as the API, fewer fields (the printer drawer reads the rest
from its own endpoint), and no empty values (``null``, ``""``, ``[]``: a page reads a missing
field as empty). The snapshot packs each list as a table (``{"fields": [...], "rows":
[[...], ...]}``, :func:`pack`; :func:`unpack` reverses it): a row unpacked is exactly the
message of that row, without the field names repeated a thousand times.

:func:`shown` is what the outbox compares: a change a page would not notice (a field it is not
sent, or only bookkeeping, :data:`BOOKKEEPING`) is not sent to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from rest_framework import serializers

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

class WholeSeconds(serializers.DateTimeField):
    """A time to the second (SimplyPrint's own times are whole seconds): the API's format
    without the fraction, 7 characters less each."""

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, datetime):
            value = value.replace(microsecond=0)
        return super().to_representation(value)


class Message(serializers.ModelSerializer):
    """What every message class shares: times to the second."""

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DateTimeField: WholeSeconds}

    def time(self, value: datetime) -> str:
        return str(WholeSeconds().to_representation(value))


_AI = ["ai_confidence", "ai_type", "ai_image_url", "ai_detected_at"]


class RunningJobMessage(Message, PrintJobSerializer):
    """A printer's current job, inside the printer's message: what its card shows (progress
    and time left are the printer's)."""

    class Meta(PrintJobSerializer.Meta):
        fields = ["sp_id", "file_name", "percentage", "started_at", "estimate_seconds", *_AI]


class EndedJobMessage(Message, PrintJobSerializer):
    """The job that ended on a printer whose bed is still to be cleared: how and why."""

    class Meta(PrintJobSerializer.Meta):
        fields = ["sp_id", "file_name", "status", "ended_at", "ended_by_name", "panel_url",
                  "end_reason", *_AI]


class JobMessage(Message, PrintJobSerializer):
    """A job of the history (``job.updated``, the snapshot's ``recent_jobs``)."""

    class Meta(PrintJobSerializer.Meta):
        fields = ["sp_id", "printer_id", "file_name", "status", "started_at", "ended_at",
                  "duration", "panel_url", "ended_by_name", "end_reason", "ai_type"]


class PrinterMessage(Message, PrinterSerializer):
    current_job = RunningJobMessage(read_only=True)
    last_job = EndedJobMessage(read_only=True)

    class Meta(PrinterSerializer.Meta):
        # The condition says what the page needs of ``online``; the rarely set fields last (a
        # packed row leaves out its trailing empty values).
        fields = ["sp_id", "name", "group_id", "group_name", "model_id", "model_name",
                  "sort_order", "state", "condition", "state_source", "heard_at", "progress",
                  "time_left", "progress_at", "bed_needs_clearing", "out_of_order", "material",
                  "nozzle_size", "custom_tags", "current_job", "last_job", "raw_state",
                  "autoprint_state", "out_of_order_reason", "out_of_order_by", "offline_since"]

    def to_representation(self, instance: Printer) -> dict[str, Any]:
        """The job that ended (``last_job``) only while its bed is still to be cleared: what
        the card shows of it."""
        data: dict[str, Any] = super().to_representation(instance)
        if not instance.bed_needs_clearing:
            data["last_job"] = None
        return data


class QueueItemMessage(Message, PrintQueueSerializer):
    class Meta(PrintQueueSerializer.Meta):
        fields = ["sp_id", "filename", "position", "state", "amount", "left", "printed",
                  "added_by_name", "added_at", "group_id", "note", "for_printers", "for_models",
                  "for_groups"]


class EventMessage(Message, PrinterWebhookEventSerializer):
    """A row of the debug panel's event log; its detail is read on click."""

    class Meta(PrinterWebhookEventSerializer.Meta):
        fields = ["id", "event", "canonical_event", "status", "received_at", "printer_sp_id"]


# One instance each: a ModelSerializer builds its fields on first use and keeps them, which
# would otherwise be the largest cost of processing an event.
_PRINTER = PrinterMessage()
_JOB = JobMessage()
_QUEUE_ITEM = QueueItemMessage()
_EVENT = EventMessage()
_ACTION = OperatorActionSerializer()

#: Row class → (message type, serializer).
KINDS: dict[type[models.Model], tuple[str, Any]] = {
    Printer: ("printer.updated", _PRINTER),
    PrintJob: ("job.updated", _JOB),
    PrintQueue: ("queue.updated", _QUEUE_ITEM),
    PrinterWebhookEvent: ("event.received", _EVENT),
    OperatorAction: ("action.updated", _ACTION),
}

def _empty(value: Any) -> bool:
    """A value a message leaves out (``null``, ``""``, ``[]``); ``0`` and ``false`` are kept."""
    return value is None or (isinstance(value, str | list) and not value)


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without empty values, and so the jobs nested in it."""
    return {key: _compact(value) if key in ("current_job", "last_job") else value
            for key, value in data.items() if not _empty(value)}


def message(row: models.Model) -> tuple[str, dict[str, Any]]:
    """The message type and data a page receives when ``row`` changes."""
    kind, serializer = KINDS[type(row)]
    return kind, _compact(serializer.to_representation(row))


def encode(message: dict[str, Any]) -> str:
    """A message as sent on the socket: compact JSON (the snapshot, every delta)."""
    return json.dumps(message, cls=DjangoJSONEncoder, separators=(",", ":"))


def shown(row: models.Model) -> dict[str, Any]:
    """What a page is shown of ``row``, bookkeeping aside."""
    return _without_bookkeeping(message(row)[1])


def _without_bookkeeping(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _without_bookkeeping(value) for key, value in data.items()
                if key not in BOOKKEEPING}
    return data


#: The message of names that changed: ``{kind: {"<id>": name}}``, only what changed (kinds
#: as in the snapshot's ``names``: groups, models, tags, material_types, queue_groups).
NAMES_UPDATED = "names.updated"


def pack(serializer: Any, rows: Iterable[models.Model]) -> dict[str, Any]:
    """Rows as one table: the message fields once, then one list of values per row, ``null``
    where a message leaves the field out, and without its trailing ``null`` values (the rarely
    set fields come last in each message class)."""
    fields = list(serializer.Meta.fields)
    packed = []
    for row in rows:
        data = _compact(serializer.to_representation(row))
        values = [data.get(name) for name in fields]
        while values and values[-1] is None:
            values.pop()
        packed.append(values)
    return {"fields": fields, "rows": packed}


def unpack(table: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages of a packed table (what the page's ``store.js`` does)."""
    fields = table["fields"]
    return [{name: value for name, value in zip(fields, row, strict=False) if value is not None}
            for row in table["rows"]]


def snapshot_data(printers: Any, queue: Any, jobs: Any, events: Any,
                  names: dict[str, dict[str, str]], actions: Any = ()) -> dict[str, Any]:
    """The ``data`` of a snapshot message: the rows to show, each list packed, every known
    name, and the operator actions still waiting for SimplyPrint to confirm them
    (``open_actions``, shown pending)."""
    return {
        "printers": pack(_PRINTER, printers),
        "queue": pack(_QUEUE_ITEM, queue),
        "recent_jobs": pack(_JOB, jobs),
        "recent_events": pack(_EVENT, events),
        "names": names,
        "open_actions": pack(_ACTION, actions),
    }
