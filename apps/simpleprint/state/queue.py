"""The print queue: the only writer of :class:`PrintQueue` rows.

An item has two ordered aspects: its *state* (queued, pending approval, denied, deleted …) and
its *fields* (file, position, group, copies left, constraints), which every event's
``queue_item`` snapshot carries. ``queue.empty_queue`` does not say which items went (active
ones, or only the finished ones): its effect asks for the queue to be re-read, and
:func:`apply_queue_snapshot` applies the answer. A complete answer lists every item still in the
group, so the emptying also leaves a watermark: an ``add_item`` older than it, delivered late, of
an item the answer did not list, does not bring that item back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from ..models import PrintQueue, QueueClearance, StateSource
from . import changes
from .payload import (
    QUEUE_ITEM_KEYS,
    PayloadError,
    RereadNeeded,
    Subject,
    as_datetime,
    as_dict,
    as_int,
    person_name,
)
from .prepared import PreparedGet
from .stamps import EventTime, Stamp, claim_aspect, read_stamp

State = PrintQueue.State

#: The rank of emptying a queue group: after every change to an item in the same second.
EMPTY_RANK = 4

_LOCKED_ITEM = PreparedGet(PrintQueue.objects.select_for_update, "sp_id")


@dataclass(frozen=True)
class QueueEvent:
    """A ``queue.*`` event about one item: the item state it sets (None: only its fields),
    and, for a denial, whether ``data.removed`` means the item was deleted."""

    rank: int
    state: str | None = None
    removal_deletes: bool = False

    def apply(self, name: str, data: dict[str, Any], at: EventTime) -> bool:
        apply_queue_event(name, data, at, self)
        return True


@dataclass(frozen=True)
class QueueEmptied:
    """``queue.empty_queue``: a queue group (or the whole queue) was emptied, of its live or of
    its finished items; the data (``user``, ``group``) does not say which. Processing re-reads
    the group (every group when ``group`` is 0, null, absent or unreadable)."""

    rank: int = EMPTY_RANK

    def apply(self, name: str, data: dict[str, Any], at: EventTime) -> bool:
        group = data.get("group")
        group_id = as_int(group.get("id") if isinstance(group, dict) else group) or None
        raise RereadNeeded(f"{name} does not say which items went",
                           [Subject("queue", group_id)])


def apply_queue_event(event: str, data: dict[str, Any], at: EventTime,
                      effect: QueueEvent) -> None:
    state = effect.state
    stamp = at.stamp(effect.rank)
    item_data = next((data[k] for k in QUEUE_ITEM_KEYS if isinstance(data.get(k), dict)), None)
    sp_id = as_int(item_data.get("id")) if isinstance(item_data, dict) else None
    if not isinstance(item_data, dict) or sp_id is None:
        raise PayloadError(f"{event} without data.queue_item.id")
    if effect.removal_deletes and data.get("removed"):
        state = State.DELETED
    item, _ = _LOCKED_ITEM.get_or_create(sp_id)
    times = item.aspect_times
    if claim_aspect(times, "fields", stamp):
        apply_fields(item, item_data)
    if state is not None and claim_aspect(times, "state", stamp):
        item.state = state
        decider = data.get("approved_by") or data.get("denied_by")
        item.decided_by_name = person_name(decider)
        item.decision_reason = str(data.get("reason") or "")
    cleared_ts = _cleared_since(item.group_id, times)
    if cleared_ts is not None:
        _mark_emptied(item, (cleared_ts, EMPTY_RANK, 0))
    item.raw = item_data
    item.source = StateSource.WEBHOOK
    item.save()
    changes.changed(item)


def apply_fields(item: PrintQueue, item_data: dict[str, Any]) -> None:
    """Copy a SimplyPrint queue item's fields (from a webhook or ``queue/GetItems``)."""
    item.filename = str(item_data.get("filename") or item.filename)
    item.note = str(item_data.get("note") or "")
    position = as_int(item_data.get("sort_order", item_data.get("index")))
    if position is not None:
        item.position = position
    item.group_id = as_int(item_data.get("group"))
    for field in ("left", "printed", "amount"):
        value = as_int(item_data.get(field))
        if value is not None and value >= 0:
            setattr(item, field, value)
    constraints = as_dict(item_data.get("for"))
    item.for_printers = _ids(constraints.get("printers"))
    item.for_models = _ids(constraints.get("models"))
    item.for_groups = _ids(constraints.get("groups"))
    analysis = as_dict(item_data.get("analysis"))
    item.estimate_seconds = as_int(analysis.get("estimate"))
    item.added_by_id = as_int(item_data.get("user_id"))
    user = item_data.get("user")
    item.added_by_name = user if isinstance(user, str) else person_name(user)
    added = as_datetime(item_data.get("added"))
    item.added_at = added or item.added_at


def _record_clearance(group_id: int | None, at: EventTime) -> None:
    """The watermark of an emptying (see :func:`_cleared_since`)."""
    clearance, created = QueueClearance.objects.select_for_update().get_or_create(
        group_id=group_id, defaults={"cleared_ts": at.timestamp}
    )
    if not created and at.timestamp > clearance.cleared_ts:
        clearance.cleared_ts = at.timestamp
        clearance.save(update_fields=["cleared_ts"])


def _mark_emptied(item: PrintQueue, stamp: Stamp) -> None:
    """The state an emptying leaves, whether it is applied before or after the item's events."""
    item.aspect_times["state"] = list(max(read_stamp(item.aspect_times, "state"), stamp))
    item.state = State.DELETED
    item.decided_by_name = item.decision_reason = ""


def _last_seen(times: dict[str, Any]) -> Stamp:
    """The stamp of the latest sign of an item's life: a state change or a fields snapshot."""
    return max(read_stamp(times, "state"), read_stamp(times, "fields"))


def _cleared_since(group_id: int | None, times: dict[str, Any]) -> int | None:
    """When the item's group was emptied after the last sign of the item's life, if so (the
    emptying's stamp ``(cleared_ts, EMPTY_RANK, 0)`` against the item's)."""
    last = _last_seen(times)
    # One short statement on a table of a row per group, without building an ORM query:
    # every change of a queue item asks. ``group_id = NULL`` matches nothing, as the ORM's.
    table = connection.ops.quote_name(QueueClearance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(cleared_ts) FROM {table}"
            " WHERE (group_id IS NULL OR group_id = %s) AND cleared_ts >= %s",
            [group_id, last[0]])
        (latest,) = cursor.fetchone()
    if latest is None or (latest, EMPTY_RANK, 0) <= last:
        return None
    return int(latest)


def _ids(value: Any) -> list[int]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return [i for i in (as_int(v) for v in value) if i is not None]



# --- polled state ------------------------------------------------------------------------------

def is_done_item(item: dict[str, Any]) -> bool:
    """Done items carry ``ongoing``/``done``/``expires`` (API notes 7.1); live ones do not."""
    return "done" in item or "expires" in item


@dataclass
class SnapshotResult:
    #: Items whose shown state changed (each one published).
    changed: int = 0
    #: Live items marked deleted because SimplyPrint no longer lists them.
    removed: int = 0


def apply_queue_snapshot(items: list[dict[str, Any]], fetched_at: float,
                         done_items: list[dict[str, Any]] | None = None, *,
                         complete: bool = True, group_id: int | None = None,
                         emptied: EventTime | None = None) -> SnapshotResult:
    """Apply a ``queue/GetItems`` answer fetched at SimplyPrint time ``fetched_at``: the whole
    queue, or only queue group ``group_id``.

    Listed items are live (an item the service thought finished or deleted comes back, as
    ``queue.revive_item`` would); ``done_items`` are done. When the answer is ``complete``, a
    live item of the scope missing from it was deleted, and so was a done item missing from
    ``done_items`` (when given); from an incomplete answer nothing is deleted (an item may have
    moved to a page already read). Each change is claimed with the poll's stamp
    ``(fetched_at, 0, 0)``, so an ``add_item`` delivered after the fetch is not undone by it.
    ``emptied`` is the time of the ``queue.empty_queue`` this answer follows: a complete answer
    leaves the group's watermark (items it lists are seen after the emptying)."""
    stamp = EventTime(int(fetched_at), 0).stamp(0)
    if emptied is not None:
        stamp = max(stamp, emptied.stamp(EMPTY_RANK + 1))
    seen: set[int] = set()
    result = SnapshotResult()
    for item_data, listed_state in [*((i, None) for i in items),
                                    *((i, State.DONE) for i in done_items or [])]:
        sp_id = as_int(item_data.get("id"))
        if sp_id is None or sp_id in seen:
            continue
        seen.add(sp_id)
        result.changed += _apply_listed(sp_id, item_data, listed_state, stamp)
    if complete:
        scope = PrintQueue.objects.select_for_update().exclude(sp_id__in=seen)
        if group_id is not None:
            scope = scope.filter(group_id=group_id)
        gone = [*scope.filter(state__in=PrintQueue.ACTIVE),
                *(scope.filter(state=State.DONE) if done_items is not None else [])]
        for item in gone:
            before = changes.capture(item)
            if claim_aspect(item.aspect_times, "state", stamp):
                result.removed += item.state in PrintQueue.ACTIVE
                item.state = State.DELETED
            result.changed += _save_polled(item, before)
    if emptied is not None and complete:
        _record_clearance(group_id, emptied)
    return result


def apply_item(sp_id: int, item_data: dict[str, Any] | None, fetched_at: float) -> int:
    """Apply ``queue/GetItem``'s answer for item ``sp_id`` (None: SimplyPrint does not know it,
    so it was deleted); returns 1 when something shown changed."""
    stamp = EventTime(int(fetched_at), 0).stamp(0)
    if item_data is not None:
        return _apply_listed(sp_id, item_data, State.DONE if is_done_item(item_data) else None,
                             stamp)
    item = _LOCKED_ITEM.get(sp_id)
    if item is None:
        return 0
    before = changes.capture(item)
    if claim_aspect(item.aspect_times, "state", stamp):
        item.state = State.DELETED
    return _save_polled(item, before)


def _apply_listed(sp_id: int, item_data: dict[str, Any], listed_state: str | None,
                  stamp: Stamp) -> int:
    item, created = _LOCKED_ITEM.get_or_create(sp_id)
    before = None if created else changes.capture(item)
    if claim_aspect(item.aspect_times, "fields", stamp):
        apply_fields(item, item_data)
        amount = as_int(item_data.get("amount"))
        if amount is None and created:
            item.amount = item.left + item.printed
    if listed_state is None and item.state in (State.DONE, State.DELETED):
        state: str | None = State.QUEUED
    elif listed_state is None and created:
        state = State.QUEUED
    else:
        state = listed_state
    if state is not None and state != item.state and claim_aspect(item.aspect_times,
                                                                  "state", stamp):
        item.state = state
    return _save_polled(item, before)


def _save_polled(item: PrintQueue, before: object | None) -> int:
    if before is not None and not changes.differs(item, before):
        item.save(update_fields=["aspect_times"])
        return 0
    item.source = StateSource.POLL
    item.save()
    changes.changed(item)
    return 1
