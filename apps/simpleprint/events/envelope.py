"""The webhook envelope and SimplyPrint's event catalogue (``simplyprint-api.md`` §9.2, §9.4).

SimplyPrint's envelope is ``{webhook_id, event, timestamp, data}`` with no event id, so the
dedup key is a hash of the canonical body.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

JOB_EVENTS = (
    "job.started", "job.paused", "job.resumed", "job.cancelled", "job.done", "job.failed",
    "job.bed_cleared", "job.objects_skipped",
)
PRINTER_EVENTS = (
    "printer.autoprint_state_changed", "printer.nozzle_size_changed", "printer.material_changed",
    "printer.custom_tag_assigned", "printer.custom_tag_detached",
    "printer.out_of_order_state_changed", "printer.ai_state_changed",
    "printer.ai_failure_detected", "printer.ai_failure_false_positive",
    "printer.autoprint_max_cycles",
)
COMPANY_EVENTS = (
    "company.autoprint_state_changed", "organization.user_signup", "organization.user_pending",
)
QUEUE_EVENTS = (
    "queue.add_item", "queue.delete_item", "queue.empty_queue", "queue.move_item",
    "queue.revive_item", "queue.item_pending_approval", "queue.item_approved",
    "queue.item_denied",
)
FILAMENT_EVENTS = (
    "filament.create", "filament.update", "filament.delete", "filament.assigned",
    "filament.unassigned",
)
BALANCE_EVENTS = ("balance.charged", "balance.refunded", "balance.topped_up", "balance.adjusted")
QUOTA_EVENTS = ("quota.request_new", "quota.request_resolved", "quota.adjusted", "quota.reset")
MAINTENANCE_EVENTS = tuple(
    f"maintenance.{name}"
    for name in (
        "job_created", "job_updated", "job_started", "job_completed", "job_cancelled",
        "job_reopened", "job_overdue", "job_deleted", "problem_reported", "problem_resolved",
        "low_stock", "task_completed", "task_skipped", "schedule_created", "schedule_updated",
        "schedule_deleted", "spare_part_created", "spare_part_updated", "spare_part_deleted",
        "stock_adjusted",
    )
)
TEST_EVENT = "test"

#: Every event name SimplyPrint knows: 62 plus ``test``.
CATALOGUE: tuple[str, ...] = (
    JOB_EVENTS + PRINTER_EVENTS + COMPANY_EVENTS + QUEUE_EVENTS + FILAMENT_EVENTS
    + BALANCE_EVENTS + QUOTA_EVENTS + MAINTENANCE_EVENTS + (TEST_EVENT,)
)

#: The brief's guessed names that have a real counterpart.
ALIASES: dict[str, str] = {
    "job.completed": "job.done",
    "job.finished": "job.done",
    "job.canceled": "job.cancelled",
    "job.error": "job.failed",
    "job.start": "job.started",
    "job.pause": "job.paused",
    "job.resume": "job.resumed",
    "queue.item_added": "queue.add_item",
    "queue.item_removed": "queue.delete_item",
    "queue.item_deleted": "queue.delete_item",
    "printer.out_of_order": "printer.out_of_order_state_changed",
}

#: The events this service turns into state; registered at SimplyPrint by default.
SUBSCRIBED_EVENTS: tuple[str, ...] = (
    *JOB_EVENTS,
    "printer.autoprint_state_changed", "printer.nozzle_size_changed",
    "printer.material_changed", "printer.custom_tag_assigned",
    "printer.custom_tag_detached", "printer.out_of_order_state_changed",
    "printer.ai_failure_detected",
    *QUEUE_EVENTS,
)


def canonical_name(event: str) -> str:
    """The real event name for ``event``, resolving the brief's aliases."""
    return ALIASES.get(event, event)


def category_of(event: str) -> str:
    name = canonical_name(event)
    if name == TEST_EVENT:
        return "test"
    prefix = name.split(".", 1)[0]
    return prefix if name in CATALOGUE else "unknown"


class EnvelopeError(ValueError):
    """A delivery whose body is not a SimplyPrint envelope; the message says why."""


@dataclass(frozen=True)
class Envelope:
    webhook_id: int | None
    event: str
    timestamp: int
    data: dict[str, Any]
    raw: dict[str, Any]

    @property
    def canonical_event(self) -> str:
        return canonical_name(self.event)

    @property
    def dedup_key(self) -> str:
        """SHA-256 of the canonical JSON of the whole envelope: a retried delivery hashes equal."""
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


#: Deepest nesting of arrays and objects accepted in a delivery (SimplyPrint's are ~4 deep).
MAX_DEPTH = 32
#: Integers that identify something are stored in 64-bit columns.
BIGINT_LIMIT = 2**63


def _reject_constant(name: str) -> Any:
    raise EnvelopeError(f"The body contains {name}, which JSON does not allow.")


def _check_storable(value: Any) -> None:
    """Refuse what parses as JSON in Python but cannot be stored faithfully (PostgreSQL's jsonb
    refuses it, and a 503 would make SimplyPrint retry a hopeless delivery forever): nesting
    deeper than :data:`MAX_DEPTH`, infinite numbers (``1e999``), NUL characters and unpaired
    surrogates (``"\\ud800"``) in strings or keys."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise EnvelopeError("The body contains a NUL character (\\u0000).")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise EnvelopeError("The body contains an unpaired UTF-16 surrogate.") from None
        elif isinstance(item, float) and not math.isfinite(item):
            raise EnvelopeError("The body contains a number too large for a float.")
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise EnvelopeError(f"The body is nested deeper than {MAX_DEPTH} levels.")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def parse_envelope(body: bytes) -> Envelope:
    """Parse and validate a delivery body. Raises :class:`EnvelopeError` with a clear message."""
    try:
        raw = json.loads(body, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, too many digits
        raise EnvelopeError(f"The body is not valid JSON: {exc}") from None
    except RecursionError:
        raise EnvelopeError(f"The body is nested deeper than {MAX_DEPTH} levels.") from None
    _check_storable(raw)
    if not isinstance(raw, dict):
        raise EnvelopeError("The body must be a JSON object with event, timestamp and data.")
    missing = [key for key in ("event", "timestamp", "data") if key not in raw]
    if missing:
        raise EnvelopeError(f"The envelope is missing: {', '.join(missing)}.")
    event, timestamp, data = raw["event"], raw["timestamp"], raw["data"]
    if not isinstance(event, str) or not event.strip() or len(event) > 100:
        raise EnvelopeError("'event' must be a non-empty string of at most 100 characters.")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise EnvelopeError("'timestamp' must be an integer (Unix seconds).")
    if not 0 <= timestamp < 2**42:
        raise EnvelopeError("'timestamp' is out of range for Unix seconds.")
    if not isinstance(data, dict):
        raise EnvelopeError("'data' must be a JSON object.")
    webhook_id = raw.get("webhook_id")
    if webhook_id is not None and (isinstance(webhook_id, bool) or not isinstance(webhook_id, int)
                                   or not -BIGINT_LIMIT <= webhook_id < BIGINT_LIMIT):
        raise EnvelopeError("'webhook_id' must be a 64-bit integer when present.")
    return Envelope(webhook_id=webhook_id, event=event, timestamp=timestamp, data=data, raw=raw)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_int(value: Any) -> int | None:
    """An id as a number that fits the 64-bit columns, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    if isinstance(value, int) and -BIGINT_LIMIT <= value < BIGINT_LIMIT:
        return value
    return None


def printer_id_of(data: dict[str, Any]) -> int | None:
    """The printer an event is about, wherever the payload keeps it."""
    job = _as_dict(data.get("job"))
    printer = _as_dict(data.get("printer"))
    job_printer = _as_dict(job.get("printer"))
    for candidate in (
        printer.get("id"), data.get("printer_id"), job.get("printer_id"), job_printer.get("id"),
        data.get("pid"),
    ):
        found = _as_int(candidate)
        if found is not None:
            return found
    return None


def job_id_of(data: dict[str, Any]) -> int | None:
    job = data.get("job")
    return _as_int(job.get("id")) if isinstance(job, dict) else None


def queue_item_id_of(data: dict[str, Any]) -> int | None:
    item = data.get("queue_item")
    return _as_int(item.get("id")) if isinstance(item, dict) else None

#: Every value of ``PrinterWebhookEvent.category``.
CATEGORIES: tuple[str, ...] = tuple(
    sorted({name.split(".", 1)[0] for name in CATALOGUE} | {"unknown"})
)


def received_names(event: str) -> list[str]:
    """Every name a delivery of ``event`` may arrive under: the real one and its aliases."""
    name = canonical_name(event)
    return [name, *(alias for alias, real in ALIASES.items() if real == name)]
