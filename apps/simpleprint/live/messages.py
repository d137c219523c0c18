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
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

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

_ZERO = timedelta(0)


class WholeSeconds(serializers.DateTimeField):
    """A time to the second (SimplyPrint's own times are whole seconds): the API's format
    without the fraction, 7 characters less each."""

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, datetime):
            if value.utcoffset() == _ZERO and self._iso_in_utc():  # as the database gives it
                return f"{value.replace(microsecond=0, tzinfo=None).isoformat()}Z"
            value = value.replace(microsecond=0)
        return super().to_representation(value)

    def _iso_in_utc(self) -> bool:
        """Whether DRF would write ISO 8601 in UTC (the defaults): its steps for every time
        of every message (time zone lookups, a conversion, a string replaced) then give what
        ``isoformat`` gives with a ``Z``."""
        return getattr(self, "format", api_settings.DATETIME_FORMAT) == ISO_8601 \
            and getattr(timezone.get_current_timezone(), "key", None) == "UTC"


class Message(serializers.ModelSerializer):
    """What every message class shares: times to the second."""

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DateTimeField: WholeSeconds}

    def time(self, value: datetime) -> str:
        return str(WholeSeconds().to_representation(value))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        self.adjust(instance, data)
        return data

    def adjust(self, instance: Any, data: dict[str, Any]) -> None:
        """Change what the fields gave (a rule across fields); the same for :class:`Fields`."""


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

    def adjust(self, instance: Printer, data: dict[str, Any]) -> None:
        """The job that ended (``last_job``) only while its bed is still to be cleared: what
        the card shows of it."""
        if not instance.bed_needs_clearing:
            data["last_job"] = None


class QueueItemMessage(Message, PrintQueueSerializer):
    class Meta(PrintQueueSerializer.Meta):
        fields = ["sp_id", "filename", "position", "state", "amount", "left", "printed",
                  "added_by_name", "added_at", "group_id", "note", "for_printers", "for_models",
                  "for_groups"]


class EventMessage(Message, PrinterWebhookEventSerializer):
    """A row of the debug panel's event log; its detail is read on click."""

    class Meta(PrinterWebhookEventSerializer.Meta):
        fields = ["id", "event", "canonical_event", "status", "received_at", "printer_sp_id"]


#: How a field of these (exact) classes writes a model's value, without DRF's call; any other
#: field writes through its own ``to_representation``.
_PLAIN: dict[type[serializers.Field], Callable[[Any], Any]] = {
    serializers.IntegerField: int,
    serializers.CharField: str,
    serializers.FloatField: float,
    serializers.BooleanField: bool,
    serializers.JSONField: lambda value: value,
}


class Fields:
    """A serializer's representation, planned once: for each readable field its name, the
    attributes its value is read through and how it is written (nested serializers planned in
    turn). What ``serializer.to_representation`` gives a model row, without DRF's generic
    steps for every field of every message (a fifth of the worker's time). A missing related
    row gives None where DRF leaves the field out: the same message once compacted, which is
    all :func:`message` and :func:`pack` send (a test compares both for every kind)."""

    def __init__(self, serializer: Any) -> None:
        self.adjust: Callable[[Any, dict[str, Any]], None] | None = getattr(
            serializer, "adjust", None)
        self.fields: list[str] = list(serializer.Meta.fields)
        self.plan: list[tuple[str, list[str], Callable[[Any], Any], Fields | None]] = []
        for field in serializer._readable_fields:
            nested = Fields(field) if isinstance(field, serializers.BaseSerializer) else None
            write = _PLAIN.get(type(field), field.to_representation)
            self.plan.append((field.field_name, list(field.source_attrs), write, nested))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, attributes, write, nested in self.plan:
            value = instance
            for attribute in attributes:
                value = None if value is None else getattr(value, attribute)
            if value is None:
                data[name] = None
            elif nested is not None:
                data[name] = nested.to_representation(value)
            else:
                data[name] = write(value)
        if self.adjust is not None:
            self.adjust(instance, data)
        return data


#: Row class → (message type, serializer class).
KINDS: dict[type[models.Model], tuple[str, type[serializers.ModelSerializer]]] = {
    Printer: ("printer.updated", PrinterMessage),
    PrintJob: ("job.updated", JobMessage),
    PrintQueue: ("queue.updated", QueueItemMessage),
    PrinterWebhookEvent: ("event.received", EventMessage),
    OperatorAction: ("action.updated", OperatorActionSerializer),
}

#: Row class → its serializer's planned fields (planned on first use, once: a serializer's
#: fields need the apps ready, and building them is costly).
_FIELDS: dict[type[models.Model], Fields] = {}


def fields_of(model: type[models.Model]) -> Fields:
    """The planned fields of ``model``'s message."""
    planned = _FIELDS.get(model)
    if planned is None:
        planned = _FIELDS[model] = Fields(KINDS[model][1]())
    return planned


def _empty(value: Any) -> bool:
    """A value a message leaves out (``null``, ``""``, ``[]``); ``0`` and ``false`` are kept."""
    return value is None or (isinstance(value, str | list) and not value)


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without empty values, and so the jobs nested in it."""
    return {key: _compact(value) if key in ("current_job", "last_job") else value
            for key, value in data.items() if not _empty(value)}


def message(row: models.Model) -> tuple[str, dict[str, Any]]:
    """The message type and data a page receives when ``row`` changes."""
    return KINDS[type(row)][0], _compact(fields_of(type(row)).to_representation(row))


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


def pack(model: type[models.Model], rows: Iterable[models.Model]) -> dict[str, Any]:
    """Rows of ``model`` as one table: the message fields once, then one list of values per
    row, ``null`` where a message leaves the field out, and without its trailing ``null``
    values (the rarely set fields come last in each message class)."""
    planned = fields_of(model)
    fields = planned.fields
    packed = []
    for row in rows:
        data = _compact(planned.to_representation(row))
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
        "printers": pack(Printer, printers),
        "queue": pack(PrintQueue, queue),
        "recent_jobs": pack(PrintJob, jobs),
        "recent_events": pack(PrinterWebhookEvent, events),
        "names": names,
        "open_actions": pack(OperatorAction, actions),
    }
