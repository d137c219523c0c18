"""The inbox: storing deliveries, processing them once, retrying failures, sweeping leftovers.

The event table is the durable queue. Processing claims an event with a conditional UPDATE in
the same transaction that applies it, so two workers given the same id (a duplicated task
message, the sweeper racing the worker) apply it once: the second finds it processed.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..events.envelope import Envelope
from ..events.registry import category_of, spec_of
from ..live import outbox
from ..models import PrinterWebhookEvent
from ..remote import servertime
from ..remote.client import SimplePrintAPIError
from ..state import changes
from ..state.payload import (
    PayloadError,
    RereadNeeded,
    from_unix,
    job_id_of,
    printer_id_of,
    queue_item_id_of,
)
from ..state.prepared import Insert, Returning
from ..state.stamps import EventTime
from . import rereads, writers

logger = logging.getLogger(__name__)

Status = PrinterWebhookEvent.Status
#: Hands a stored event's id to the processor; set at start-up by the runtime
#: (``SimplePrintConfig.ready``), which knows whether that is a thread, Celery or inline.
Dispatcher = Callable[[int], None]
_dispatcher: Dispatcher | None = None


def set_dispatcher(dispatcher: Dispatcher) -> None:
    global _dispatcher
    _dispatcher = dispatcher


def schedule_processing(event_id: int) -> None:
    """Dispatch ``event_id`` once the current transaction commits."""
    transaction.on_commit(lambda: dispatch(event_id))


def dispatch(event_id: int) -> None:
    """Hand ``event_id`` to the processor now. A lost hand-off only delays the event: the
    sweeper finds it in the inbox."""
    if _dispatcher is None:
        raise RuntimeError("no event dispatcher registered: apps.simpleprint is not ready")
    _dispatcher(event_id)


@dataclass(frozen=True)
class StoredDelivery:
    event: PrinterWebhookEvent
    duplicate: bool


def ordering_time(timestamp: int, received: float) -> tuple[int, bool]:
    """The SimplyPrint second a delivery received at our ``received`` is ordered by, and
    whether its ``timestamp`` had to be replaced: a time further ahead of the receipt (in
    SimplyPrint's clock) than ``max_clock_skew`` would win over every poll until that time
    comes, so the receipt time stands in for it."""
    receipt = int(received + servertime.offset())
    if timestamp > receipt + settings.SIMPLEPRINT_CONFIG["max_clock_skew"]:
        return receipt, True
    return timestamp, False


#: The receiver's INSERT, its statement built once (``Model.save()`` builds it for every row).
_INSERT = Insert(PrinterWebhookEvent)


def store_delivery(envelope: Envelope, headers: dict[str, str]) -> StoredDelivery:
    """Insert the delivery once; a retried identical delivery is counted, not stored again.

    Processing is scheduled for after the commit. Outside a transaction (the receiver) the
    INSERT is one statement that commits on its own: the delivery is stored when this returns.
    Inside one, the INSERT runs in a savepoint, so a duplicate leaves the transaction usable.
    """
    event_name = envelope.canonical_event
    category = category_of(envelope.event)
    about_print = category in ("job", "printer")
    ordered_by, clamped = ordering_time(envelope.timestamp, time.time())
    if clamped:
        logger.warning("%s stamped %s, more than %.0f s ahead of its receipt: ordered by the "
                       "receipt time %s", envelope.event, envelope.timestamp,
                       settings.SIMPLEPRINT_CONFIG["max_clock_skew"], ordered_by)
    in_transaction = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic() if in_transaction else writers.turn():
            event = PrinterWebhookEvent(
                webhook_id=envelope.webhook_id,
                event=envelope.event,
                canonical_event=event_name,
                category=category,
                timestamp=envelope.timestamp,
                ordering_timestamp=ordered_by,
                timestamp_clamped=clamped,
                occurred_at=from_unix(envelope.timestamp) or timezone.now(),
                payload=envelope.raw,
                headers=headers,
                dedup_key=envelope.dedup_key,
                printer_sp_id=printer_id_of(envelope.data) if about_print else None,
                job_sp_id=job_id_of(envelope.data) if about_print else None,
                queue_item_sp_id=queue_item_id_of(envelope.data),
            )
            event.derive()
            _INSERT.run(event)
    except IntegrityError:
        PrinterWebhookEvent.objects.filter(dedup_key=envelope.dedup_key).update(
            deliveries=F("deliveries") + 1
        )
        existing = PrinterWebhookEvent.objects.get(dedup_key=envelope.dedup_key)
        return StoredDelivery(existing, duplicate=True)
    schedule_processing(event.pk)
    return StoredDelivery(event, duplicate=False)


def apply_event(event: PrinterWebhookEvent) -> bool:
    """Turn one stored event into domain state. Returns False when the event changes nothing
    this service keeps (unknown or informational events), which marks it ignored."""
    name = event.canonical_event or event.event
    spec = spec_of(name)
    if spec is None or spec.effect is None:
        return False
    with changes.caused_by(event.pk, spec.name):
        return spec.effect.apply(spec.name, _data(event), event_time(event))


def event_time(event: PrinterWebhookEvent) -> EventTime:
    return EventTime(event.ordering_timestamp, int(event.dedup_key[:12], 16))


def _data(event: PrinterWebhookEvent) -> dict[str, Any]:
    """The event's ``data`` (``[]``, PHP's empty object, counts as ``{}``)."""
    data = event.payload.get("data")
    return data if isinstance(data, dict) else {}


class RereadFailed(Exception):
    """SimplyPrint could not be asked what the event left out: retried like any failure."""


_CLAIMED = Returning(PrinterWebhookEvent)


def _claim(event_id: int) -> PrinterWebhookEvent | None:
    """Claim the event for this attempt, and mark it processed, in one statement (``UPDATE …
    RETURNING`` the row; inside the transaction that applies it, so a failure rolls both
    back); None if it is processed already."""
    claimed = _CLAIMED.run(_claim_sql(connection.vendor), [
        True, False, Status.PROCESSED, "", "",
        connection.ops.adapt_datetimefield_value(timezone.now()), event_id])
    return claimed[0] if claimed else None


@functools.cache
def _claim_sql(vendor: str) -> str:
    """The claim's statement, built once for the database in use (``vendor``)."""
    return (f"UPDATE {connection.ops.quote_name(PrinterWebhookEvent._meta.db_table)} SET "
            "attempts = attempts + 1, processed = %s, ignored = %s, status = %s, "
            "processing_error = %s, processing_note = %s, next_attempt_at = NULL, "
            f"processed_at = %s WHERE id = %s AND NOT processed RETURNING {_CLAIMED.columns()}")


def _mark_processed(event: PrinterWebhookEvent, *, applied: bool, note: str = "") -> str:
    """Finish the claimed event: the claim marked it processed; an event that changed nothing
    is marked ignored, and a note (what a recovery re-read) is kept."""
    if not applied or note:
        event.ignored = not applied
        event.processing_note = note[:4000]
        event.save(update_fields=["ignored", "processing_note"])
    outbox.event_received(event)
    return event.status


def process_event(event_id: int) -> str:
    """Apply a stored event exactly once. Returns its status afterwards. An event whose data
    lacks what it needs is applied by re-reading what it names (:func:`_recover`)."""
    try:
        with writers.turn(), transaction.atomic(), outbox.collected():
            event = _claim(event_id)
            if event is None:
                return _status_of(event_id)
            return _mark_processed(event, applied=apply_event(event))
    except (PayloadError, RereadNeeded) as exc:
        return _recover(event_id, exc)
    except Exception as exc:  # the error is recorded on the event and retried
        logger.warning("event %s failed: %s", event_id, exc, exc_info=True,
                       extra={"event_id": event_id})
        return _record_failure(event_id, exc)


#: At most this many waiting events are applied in one transaction (:func:`process_events`):
#: on SQLite the transaction holds the write lock that the receiver's INSERTs wait for.
BATCH_LIMIT = 16


def process_events(event_ids: list[int]) -> list[str]:
    """Apply events waiting in the inbox, in the order given, in one transaction: one
    BEGIN/COMMIT, one outbox INSERT and one publish for all of them. Each is claimed as by
    :func:`process_event` (exactly once: a duplicate id finds its event processed). If any
    fails (an error, data that needs a re-read), the whole transaction rolls back and the
    events are applied one by one by :func:`process_event`, which records each outcome.
    Returns their statuses."""
    if len(event_ids) == 1:
        return [process_event(event_ids[0])]
    try:
        with writers.turn(), transaction.atomic(), outbox.collected():
            statuses = []
            for event_id in event_ids:
                event = _claim(event_id)
                statuses.append(_status_of(event_id) if event is None
                                else _mark_processed(event, applied=apply_event(event)))
            return statuses
    except Exception:  # each is applied (and its failure recorded) on its own
        logger.info("a batch of %d events rolled back; applying them one by one",
                    len(event_ids), exc_info=True)
        return [process_event(event_id) for event_id in event_ids]


def waiting_after(event_id: int, limit: int = BATCH_LIMIT - 1) -> list[int]:
    """Up to ``limit`` events received after ``event_id`` and never attempted, oldest first:
    under load a task applies these with its own (their tasks, still queued behind it, then
    find them processed and stop at the claim)."""
    return list(PrinterWebhookEvent.objects.filter(
        processed=False, next_attempt_at__isnull=True, attempts=0, pk__gt=event_id,
    ).order_by("pk").values_list("pk", flat=True)[:limit])


def _recover(event_id: int, reason: PayloadError | RereadNeeded) -> str:
    """Apply the event by re-reading from SimplyPrint what it names, and note what was
    recovered. An event that names nothing re-readable stays failed (a ``PayloadError``: not
    retried); a re-read SimplyPrint cannot answer now is retried like any failure."""
    event = PrinterWebhookEvent.objects.filter(pk=event_id, processed=False).first()
    if event is None:
        return _status_of(event_id)
    name = event.canonical_event or event.event
    subjects = reason.subjects if isinstance(reason, RereadNeeded) \
        else rereads.subjects_of(name, _data(event))
    if not subjects:
        logger.warning("event %s failed: %s, and it names nothing to re-read", event_id, reason)
        return _record_failure(event_id, PayloadError(f"{reason}; it names no printer, job or "
                                                      "queue item to re-read"))
    try:
        readings = rereads.read_all(subjects)
    except SimplePrintAPIError as exc:
        asked = ", ".join(rereads.describe(subject) for subject in subjects)
        logger.warning("event %s: %s; re-reading %s failed: %s", event_id, reason, asked, exc)
        return _record_failure(event_id, RereadFailed(f"{reason}; re-reading {asked} from "
                                                      f"SimplyPrint failed: {exc}"))
    try:
        with writers.turn(), transaction.atomic(), outbox.collected():
            event = _claim(event_id)
            if event is None:
                return _status_of(event_id)
            at = event_time(event)
            done = [rereads.apply(reading, at) for reading in readings]
            note = f"{reason}: " + "; ".join(done)
            logger.info("event %s recovered: %s", event_id, note, extra={"event_id": event_id})
            return _mark_processed(event, applied=True, note=note)
    except Exception as exc:  # the error is recorded on the event and retried
        logger.warning("event %s failed: %s", event_id, exc, exc_info=True,
                       extra={"event_id": event_id})
        return _record_failure(event_id, exc)


def _record_failure(event_id: int, exc: Exception) -> str:
    policy = settings.PRINTFARM_PROCESSING
    with writers.turn(), transaction.atomic():
        event = PrinterWebhookEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.processed:
            return _status_of(event_id)
        event.attempts += 1
        event.processing_error = f"{type(exc).__name__}: {exc}"[:4000]
        permanent = isinstance(exc, PayloadError) or event.attempts >= policy["max_attempts"]
        if permanent:
            event.next_attempt_at = None
        else:
            delay = min(
                policy["backoff_base_seconds"] * 2 ** (event.attempts - 1),
                policy["backoff_max_seconds"],
            )
            event.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        event.save(update_fields=["attempts", "processing_error", "next_attempt_at"])
        outbox.event_received(event)
        return event.status


def _status_of(event_id: int) -> str:
    event = PrinterWebhookEvent.objects.filter(pk=event_id).first()
    return event.status if event else "missing"


def due_event_ids(limit: int = 500) -> list[int]:
    """Events the sweeper should (re)dispatch: retries whose time has come, and events never
    attempted that have waited longer than the grace period (their task was lost)."""
    now = timezone.now()
    grace = timedelta(seconds=settings.PRINTFARM_PROCESSING["sweep_grace_seconds"])
    due = PrinterWebhookEvent.objects.filter(status__in=(Status.PENDING, Status.FAILED)).filter(
        Q(next_attempt_at__lte=now)
        | Q(status=Status.PENDING, next_attempt_at__isnull=True, received_at__lte=now - grace)
    )
    return list(due.order_by("ordering_timestamp", "id").values_list("id", flat=True)[:limit])


def _not_swept_recently(event_ids: list[int]) -> list[int]:
    """The events the sweeper has not dispatched within the lease period (shared through the
    cache, so several sweepers agree). Without it, a backlog longer than the grace period made
    every sweep queue every backlogged event again: the chaos run saw 20 000 queued tasks for
    4 000 events, and the worker crawled through duplicates. A retry (a new ``next_attempt_at``)
    is a new lease. When the cache is unreachable, everything due is dispatched."""
    grace = settings.PRINTFARM_PROCESSING["sweep_grace_seconds"]
    lease = max(60.0, 5 * grace)
    retries = {pk: at.timestamp() for pk, at in PrinterWebhookEvent.objects.filter(
        pk__in=event_ids, next_attempt_at__isnull=False).values_list("pk", "next_attempt_at")
        if at is not None}
    try:
        return [event_id for event_id in event_ids if cache.add(
            f"printfarm:swept:{event_id}:{retries.get(event_id, 'first')}", 1, timeout=lease)]
    except Exception:
        logger.warning("sweep lease unavailable; dispatching every due event", exc_info=True)
        return event_ids


def sweep() -> int:
    """Dispatch every due event again (once per lease period); returns how many."""
    ids = _not_swept_recently(due_event_ids())
    for event_id in ids:
        dispatch(event_id)
    if ids:
        logger.info("sweeper re-dispatched %d event(s)", len(ids))
    return len(ids)


def reset_for_reprocessing(ids: Iterable[int] | None = None, *, failed: bool = False) -> list[int]:
    """Mark events to be applied again (by id, or every failed one); returns their ids."""
    events = PrinterWebhookEvent.objects.all()
    if ids is not None:
        events = events.filter(pk__in=list(ids))
    if failed:
        events = events.filter(status=Status.FAILED)
    selected = list(events.order_by("ordering_timestamp", "id").values_list("id", flat=True))
    reset = PrinterWebhookEvent.objects.filter(pk__in=selected)
    for rows, error in ((reset.filter(processing_error=""), ""),
                        (reset.exclude(processing_error=""), "kept")):
        rows.update(processed=False, ignored=False, next_attempt_at=timezone.now(),
                    processed_at=None, status=PrinterWebhookEvent.status_for(
                        processed=False, ignored=False, processing_error=error))
    return selected
