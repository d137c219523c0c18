"""The print queue: the only writer of :class:`PrintQueue` rows.

An item has two ordered aspects: its *state* (queued, pending approval, denied, deleted …) and
its *fields* (file, position, group, copies left, constraints), which every event's
``queue_item`` snapshot carries. Emptying a queue group leaves a watermark so that an
``add_item`` older than the clearance, delivered late, does not bring the item back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q
from django.utils.dateparse import parse_datetime

from ..models import PrintQueue, QueueClearance, StateSource
from . import changes
from .payload import PayloadError, as_dict, as_int, person_name
from .stamps import EventTime, Stamp, claim_aspect, read_stamp

State = PrintQueue.State

#: The rank of emptying a queue group: after every change to an item in the same second.
EMPTY_RANK = 4


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
    """``queue.empty_queue``: a queue group (or the whole queue) was emptied."""

    rank: int = EMPTY_RANK

    def apply(self, name: str, data: dict[str, Any], at: EventTime) -> bool:
        empty_queue(data.get("group"), at)
        return True


def apply_queue_event(event: str, data: dict[str, Any], at: EventTime,
                      effect: QueueEvent) -> None:
    state = effect.state
    stamp = at.stamp(effect.rank)
    item_data = data.get("queue_item")
    sp_id = as_int(item_data.get("id")) if isinstance(item_data, dict) else None
    if not isinstance(item_data, dict) or sp_id is None:
        raise PayloadError(f"{event} without data.queue_item.id")
    if effect.removal_deletes and data.get("removed"):
        state = State.DELETED
    item, _ = PrintQueue.objects.select_for_update().get_or_create(sp_id=sp_id)
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
    added = item_data.get("added")
    item.added_at = parse_datetime(added) if isinstance(added, str) else item.added_at


def empty_queue(group: Any, at: EventTime) -> None:
    """``queue.empty_queue``: delete every item of the group (all groups when none is given)."""
    group_id = as_int(group.get("id") if isinstance(group, dict) else group)
    clearance, created = QueueClearance.objects.select_for_update().get_or_create(
        group_id=group_id, defaults={"cleared_ts": at.timestamp}
    )
    if not created and at.timestamp > clearance.cleared_ts:
        clearance.cleared_ts = at.timestamp
        clearance.save(update_fields=["cleared_ts"])
    items = PrintQueue.objects.select_for_update().exclude(state=State.DELETED)
    if group_id is not None:
        items = items.filter(group_id=group_id)
    stamp = at.stamp(EMPTY_RANK)
    for item in items:
        # An item moved or re-added after the emptying (delivered earlier) stays.
        if _last_seen(item.aspect_times) < stamp:
            _mark_emptied(item, stamp)
            item.save()
            changes.changed(item)


def _mark_emptied(item: PrintQueue, stamp: Stamp) -> None:
    """The state an emptying leaves, whether it is applied before or after the item's events."""
    item.aspect_times["state"] = list(max(read_stamp(item.aspect_times, "state"), stamp))
    item.state = State.DELETED
    item.decided_by_name = item.decision_reason = ""


def _last_seen(times: dict[str, Any]) -> Stamp:
    """The stamp of the latest sign of an item's life: a state change or a fields snapshot."""
    return max(read_stamp(times, "state"), read_stamp(times, "fields"))


def _cleared_since(group_id: int | None, times: dict[str, Any]) -> int | None:
    """When the item's group was emptied at or after the last sign of the item's life, if so."""
    return QueueClearance.objects.filter(
        Q(group_id__isnull=True) | Q(group_id=group_id), cleared_ts__gte=_last_seen(times)[0]
    ).aggregate(latest=Max("cleared_ts"))["latest"]


def _ids(value: Any) -> list[int]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return [i for i in (as_int(v) for v in value) if i is not None]



# --- polled state ------------------------------------------------------------------------------

def apply_queue_snapshot(items: list[dict[str, Any]], fetched_at: float,
                         done_items: list[dict[str, Any]] | None = None) -> int:
    """Apply a full ``queue/GetItems`` answer fetched at SimplyPrint time ``fetched_at``.

    Listed items are live (an item the service thought finished or deleted comes back, as
    ``queue.revive_item`` would); ``done_items`` are done; a live item missing from both was
    deleted. Each change is claimed with the poll's stamp ``(fetched_at, 0, 0)``, so an
    ``add_item`` delivered after the fetch is not deleted by it. Returns how many items changed
    (each one published)."""
    stamp = EventTime(int(fetched_at), 0).stamp(0)
    seen: set[int] = set()
    changed = 0
    for item_data, listed_state in [*((i, None) for i in items),
                                    *((i, State.DONE) for i in done_items or [])]:
        sp_id = as_int(item_data.get("id"))
        if sp_id is None or sp_id in seen:
            continue
        seen.add(sp_id)
        item, created = PrintQueue.objects.select_for_update().get_or_create(sp_id=sp_id)
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
        changed += _save_polled(item, before)
    gone = PrintQueue.objects.select_for_update().filter(state__in=PrintQueue.ACTIVE) \
        .exclude(sp_id__in=seen)
    for item in gone:
        before = changes.capture(item)
        if claim_aspect(item.aspect_times, "state", stamp):
            item.state = State.DELETED
        changed += _save_polled(item, before)
    return changed


def _save_polled(item: PrintQueue, before: object | None) -> int:
    if before is not None and not changes.differs(item, before):
        item.save(update_fields=["aspect_times"])
        return 0
    item.source = StateSource.POLL
    item.save()
    changes.changed(item)
    return 1
