"""Re-reading from SimplyPrint what an event names, when its data does not say enough.

SimplyPrint publishes no sample for many events (the ``printer.*`` settings, ``job.bed_cleared``,
``job.objects_skipped``, ``queue.revive_item`` ...): where a delivery lacks what the service
expects, the event is not a dead end. The inbox asks this module for the *subjects* the event
names (a printer, a job, a queue item), reads their authoritative state through the one client
(``printers/Get?pid=``, ``jobs/GetDetails``, ``queue/GetItem``, ``queue/GetItems``: the shared
rate limit applies) and applies it with the poll writers, stamped with SimplyPrint's time of the
answer. ``queue.empty_queue`` always takes this path (its data does not say which items went).

Reading happens outside any database transaction (an HTTP call must not hold the database's
write lock); applying happens inside the inbox's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..remote import servertime
from ..remote.client import QueueSnapshot, SimplePrintAPIError, SimplePrintClient
from ..state import jobs, names, printers, queue
from ..state.payload import (
    Subject,
    job_id_of,
    job_uid_of,
    printer_id_of,
    queue_item_id_of,
)
from ..state.stamps import EventTime

#: The longest a re-read waits for a slot of the shared rate limit; beyond it the event is
#: retried later (the worker thread also processes other events).
MAX_WAIT_SECONDS = 5.0


def subjects_of(event: str, data: dict[str, Any]) -> list[Subject]:
    """What ``event`` names that SimplyPrint can be asked about again (empty: nothing)."""
    if event.startswith("queue."):
        item_id = queue_item_id_of(data)
        return [Subject("queue_item", item_id)] if item_id is not None else []
    subjects: list[Subject] = []
    uid = job_uid_of(data)
    if uid:
        subjects.append(Subject("job", job_id_of(data), uid))
    printer_id = printer_id_of(data)
    if printer_id is not None:
        subjects.append(Subject("printer", printer_id))
    return subjects


def describe(subject: Subject) -> str:
    if subject.kind == "queue":
        return "the queue" if subject.sp_id is None else f"queue group {subject.sp_id}"
    label = {"printer": "printer", "job": "job", "queue_item": "queue item"}[subject.kind]
    return f"{label} {subject.sp_id if subject.sp_id is not None else subject.uid}"


@dataclass(frozen=True)
class Reading:
    """What SimplyPrint said about one subject, at its time ``fetched_at``; ``found`` is None
    when it no longer knows the subject."""

    subject: Subject
    found: Any
    fetched_at: float


def _not_found(error: SimplePrintAPIError) -> bool:
    return error.status in (400, 404) and "not found" in error.message.lower()


def read(client: SimplePrintClient, subject: Subject) -> Reading:
    """Ask SimplyPrint about ``subject``. Raises ``SimplePrintAPIError`` when it cannot say."""
    asked_at = servertime.now()
    found: Any
    if subject.kind == "printer":
        assert subject.sp_id is not None
        found = client.get_printer(subject.sp_id)
    elif subject.kind == "job":
        found = client.get_job_details(subject.uid) or None
    elif subject.kind == "queue_item":
        assert subject.sp_id is not None
        try:
            found = client.get_queue_item(subject.sp_id) or None
        except SimplePrintAPIError as exc:
            if not _not_found(exc):
                raise
            found = None
    else:
        found = client.get_queue(subject.sp_id)
    return Reading(subject, found, client.last_date or asked_at)


def read_all(subjects: list[Subject]) -> list[Reading]:
    """Read every subject with one client that tries each call once (the inbox retries)."""
    with SimplePrintClient(max_attempts=1, max_wait=MAX_WAIT_SECONDS) as client:
        return [read(client, subject) for subject in subjects]


def apply(reading: Reading, at: EventTime) -> str:
    """Apply a reading with the poll writers (call inside a transaction); returns what it did,
    for the event's note. ``at`` is the event's time (an emptying's watermark)."""
    subject, found, fetched_at = reading.subject, reading.found, reading.fetched_at
    what = describe(subject)
    if subject.kind == "printer":
        row: dict[str, Any] = found
        job_row = row.get("job") if isinstance(row.get("job"), dict) else None
        job = jobs.apply_job_row(job_row, fetched_at, printer_sp_id=subject.sp_id) \
            if job_row is not None else None
        printers.apply_poll_row(row, fetched_at, job)
        return f"{what} re-read from printers/Get"
    if subject.kind == "job":
        if found is None:
            return f"{what}: jobs/GetDetails knows no such job"
        jobs.apply_job_row(found, fetched_at)
        return f"{what} re-read from jobs/GetDetails (state {found.get('state')!s})"
    if subject.kind == "queue_item":
        assert subject.sp_id is not None
        queue.apply_item(subject.sp_id, found, fetched_at)
        return f"{what} re-read from queue/GetItem" if found is not None \
            else f"{what} is gone from the queue: marked deleted"
    snapshot: QueueSnapshot = found
    names.remember({names.Kind.QUEUE_GROUPS: names.pairs(snapshot.groups)})
    result = queue.apply_queue_snapshot(snapshot.items, fetched_at, snapshot.done_items,
                                        complete=snapshot.complete, group_id=subject.sp_id,
                                        emptied=at)
    if not snapshot.complete:
        return (f"{what} re-read from queue/GetItems, but the answer was incomplete: nothing "
                "marked deleted")
    return (f"{what} re-read from queue/GetItems: {result.removed} live item(s) went, "
            f"{len(snapshot.items)} live and {len(snapshot.done_items)} done listed")
