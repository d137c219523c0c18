"""The outbox of live changes: one :class:`LiveUpdate` row per change, written in the
transaction that made the change and published to the pages only after it commits; and the
reads a page's consumer needs (snapshot, replay, gap filling). A row's id is the sequence
number pages use to notice and fill gaps."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max, Min

from ..models import LiveUpdate, OperatorAction, PrinterWebhookEvent
from ..state import names, selectors
from . import messages, publisher

#: How many recent jobs and events a snapshot carries (the page fetches more over the API).
SNAPSHOT_RECENT = 50


@dataclass
class _Collected:
    """The changes recorded inside :func:`collected`, each with the no-op it registered with
    ``on_commit``: Django drops that callback when a savepoint around the change rolls back,
    so a change rolled back is not written."""

    changes: list[tuple[LiveUpdate, object]] = field(default_factory=list)


_collecting: ContextVar[_Collected | None] = ContextVar("printfarm_outbox_collecting",
                                                        default=None)


def record(kind: str, payload: dict[str, Any]) -> LiveUpdate:
    """Write one change; it is published once the current transaction commits. Inside
    :func:`collected` the row is written (and numbered) when the block ends, with the
    block's others."""
    update = LiveUpdate(kind=kind, payload=payload)
    collecting = _collecting.get()
    if collecting is not None:
        def guard() -> None:  # a callback of its own: does nothing after the commit
            return None
        transaction.on_commit(guard)
        collecting.changes.append((update, guard))
        return update
    update.save()
    transaction.on_commit(lambda: publisher.publish_updates([update]))
    return update


@contextlib.contextmanager
def collected() -> Iterator[None]:
    """Write the changes recorded in the block with one INSERT when it ends, and publish them
    as one message after the commit (inside ``transaction.atomic()``, which must enclose the
    block: the rows get their sequence numbers in the transaction of the changes). A block
    left by an exception writes nothing (its transaction rolls back); a nested block adds its
    changes to the outer one."""
    if _collecting.get() is not None or not transaction.get_connection().in_atomic_block:
        yield  # nested: the outer block writes; outside a transaction: written one by one
        return
    collecting = _Collected()
    token = _collecting.set(collecting)
    try:
        yield
    finally:
        _collecting.reset(token)
    standing = {id(callback) for _, callback, _ in transaction.get_connection().run_on_commit}
    updates = [update for update, guard in collecting.changes if id(guard) in standing]
    if updates:
        LiveUpdate.objects.bulk_create(updates)
        transaction.on_commit(lambda: publisher.publish_updates(updates))


def record_row(row: models.Model) -> LiveUpdate:
    return record(*messages.message(row))


def event_received(event: PrinterWebhookEvent) -> LiveUpdate:
    return record_row(event)


class OutboxRecorder:
    """The state writers' change recorder (``state.changes``), registered at start-up."""

    def capture(self, row: models.Model) -> object:
        return messages.shown(row)

    def differs(self, row: models.Model, before: object) -> bool:
        return messages.shown(row) != before

    def record(self, row: models.Model) -> None:
        record_row(row)

    def names(self, changed: dict[str, dict[str, str]]) -> None:
        record(messages.NAMES_UPDATED, changed)


def prune(keep: int | None = None) -> int:
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


# --- reading it back ---------------------------------------------------------------------------

def latest_seq() -> int:
    return LiveUpdate.objects.aggregate(seq=Max("id"))["seq"] or 0


def snapshot() -> dict[str, Any]:
    """The whole state a Planning page starts from, with the sequence number it is current to.

    The sequence number is read first: a change committed meanwhile is then both in the state
    and replayed as a delta, which is harmless, instead of being in neither.
    """
    seq = latest_seq()
    # SimplyPrint's payloads as received (``raw``, a few kB a printer) and the jobs' stamps
    # are in no message: not read (nor decoded) for a snapshot.
    unread = ("raw", "current_job__raw", "current_job__aspect_times", "last_job__raw",
              "last_job__aspect_times")
    return {
        "type": "snapshot",
        "seq": seq,
        "data": messages.snapshot_data(
            printers=selectors.printers_with_jobs().defer(*unread),
            queue=selectors.active_queue().defer("raw", "aspect_times"),
            jobs=selectors.job_history().defer(
                "raw", "aspect_times", "printer__raw", "printer__aspect_times", "printer__material",
            ).order_by("-updated_at", "-id")[:SNAPSHOT_RECENT],
            events=selectors.event_log().order_by("-id")[:SNAPSHOT_RECENT],
            names=names.all_names(),
            actions=OperatorAction.objects.filter(status__in=OperatorAction.OPEN)
            .order_by("id")[:SNAPSHOT_RECENT],
        ),
    }


def between(after: int, before: int | None = None,
            limit: int | None = None) -> list[dict[str, Any]]:
    """Messages of the changes with ``after < seq < before``, oldest first."""
    rows = LiveUpdate.objects.filter(id__gt=after).order_by("id")
    if before is not None:
        rows = rows.filter(id__lt=before)
    if limit is not None:
        rows = rows[:limit]
    return [row.as_message() for row in rows]


def replay_after(last_seq: int, limit: int) -> list[dict[str, Any]] | None:
    """The messages a page that saw up to ``last_seq`` missed, or None if it needs a snapshot."""
    if not can_replay_from(last_seq, limit):
        return None
    return between(last_seq)


def can_replay_from(last_seq: int, limit: int) -> bool:
    """Whether every change after ``last_seq`` is still kept, and there are at most ``limit``."""
    bounds = LiveUpdate.objects.aggregate(first=Min("id"), last=Max("id"))
    first, last = bounds["first"], bounds["last"]
    if last is None:
        return last_seq == 0
    if last_seq > last or first > last_seq + 1:
        return False
    return LiveUpdate.objects.filter(id__gt=last_seq).count() <= limit
