"""Reading SimplyPrint's API into the domain state: the polling fallback, the reconciliation
that heals lost deliveries, and the one-off full sync.

Polled rows go through the same writers and ordering rules as webhooks (``apply_poll_row``,
``apply_job_row``, ``apply_queue_snapshot``), stamped with SimplyPrint's time of the answer
(its ``Date`` header; :mod:`..remote.servertime`), the clock deliveries are stamped with, and
publish only what changed. Every call goes through ``SimplePrintClient`` (its shared rate
limit); :func:`tick` is the scheduled entry point, run by one worker at a time.

Budget (see bench/README.md): with webhooks, a reconcile is one ``printers/Get`` call (all
printers, page size 100) every ``reconcile_interval``, the queue every
``queue_reconcile_interval``, and ``jobs/GetPaginatedPrintJobs`` only for jobs the service
still thinks are running but the printers no longer show. Progress between reconciles is
extrapolated from the last known progress and time left (see ``state.rules.shown_progress``).
No webhook reports connectivity: ``connectivity_interval`` (always; 30 s by default) and
``progress_interval`` (while printers are busy) add a ``printers/Get``-only read in between
(``read_printers``), one call per 100 printers, so online/offline and progress are that fresh.
The queue is read every ``queue_reconcile_interval``, and ``queue_after_jobs`` seconds after a
print started or ended (a print takes a copy of a queue item, and no queue event says so).
Names (printer groups, custom tags, queue groups) are read every ``names_interval``, and sooner
when a printer shows a group whose name is not known.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from ..live import outbox
from ..models import NamedRef, Printer, PrinterWebhookEvent, PrintJob, SyncState
from ..remote import locks, servertime
from ..remote.client import SimplePrintAPIError, SimplePrintClient
from ..state import jobs, names, printers, queue
from ..state.payload import as_dict, as_int, from_unix
from ..state.stamps import read_stamp
from . import modes

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Mode = SyncState.Mode
LOCK_NAME = "simpleprint-sync"
#: Longer than any sync takes; a crashed holder frees the lock after it.
LOCK_TTL_SECONDS = 300
PAGE_SIZE = 100
#: Seconds between two attempts to name a printer group nobody named yet.
UNKNOWN_GROUP_RETRY = 300.0


@dataclass
class SyncResult:
    printers: int = 0
    printers_changed: int = 0
    jobs: int = 0
    queue: int = 0
    queue_changed: int = 0
    #: Live changes published (printers, jobs and queue items together).
    changes: int = 0
    calls: int = 0
    errors: list[str] = field(default_factory=list)


def _fetched_at(client: SimplePrintClient, asked_at: float) -> float:
    """The SimplyPrint time of the latest answer (its ``Date``), else when it was asked."""
    return client.last_date if client.last_date is not None else asked_at


def default_client() -> SimplePrintClient:
    """A client that tries each call once: the next tick is the retry, so a tick never holds a
    worker (which also processes webhook events) through a round of backoffs."""
    return SimplePrintClient(max_attempts=1)


# --- the three readers -------------------------------------------------------------------------

def sync_printers(client: SimplePrintClient, clock: Clock, result: SyncResult,
                  on_page: Callable[[int, int, int], None] | None = None) -> set[int]:
    """Read every printer page by page; returns the ids of the jobs shown as running."""
    running: set[int] = set()
    page, pages = 1, 1
    while page <= pages:
        asked_at = clock()
        answer = client.get_printers(page=page, page_size=PAGE_SIZE)
        fetched_at = _fetched_at(client, asked_at)
        result.calls += 1
        pages = max(1, int(answer.page_amount or 1))
        with transaction.atomic():
            names.remember({names.Kind.MODELS: names.pairs(
                as_dict(row.get("printer")).get("model") for row in answer.items),
                names.Kind.MATERIAL_TYPES: names.pairs(
                    as_dict(row.get("filament")).get("type") for row in answer.items)})
        for row in answer.items:
            running |= _apply_printer_row(row, fetched_at, result)
        if on_page is not None:
            on_page(page, pages, len(answer.items))
        page += 1
    return running


def _apply_printer_row(row: dict[str, Any], fetched_at: float, result: SyncResult) -> set[int]:
    job_row = row.get("job") if isinstance(row.get("job"), dict) else None
    with transaction.atomic():
        job = None
        if job_row is not None:
            job = jobs.apply_job_row(job_row, fetched_at, printer_sp_id=as_int(row.get("id")))
        result.printers += 1
        result.printers_changed += printers.apply_poll_row(row, fetched_at, job)
    active = job_row is not None and str(job_row.get("state") or "").lower() \
        in printers.ACTIVE_JOB_STATES
    return {job.sp_id} if job is not None and active else set()


def sync_jobs(client: SimplePrintClient, clock: Clock, result: SyncResult, *, running: set[int],
              ongoing: bool) -> None:
    """Read the ongoing jobs (when ``ongoing``), then the history of the printers whose job the
    service still thinks running but SimplyPrint no longer shows (a lost ``job.done`` …)."""
    started = clock()
    if ongoing:
        running |= _read_jobs(client, clock, result, statuses=["ongoing"])
    unsettled = [
        job for job in PrintJob.objects.filter(status__in=(PrintJob.Status.PRINTING,
                                                           PrintJob.Status.PAUSED))
        .exclude(sp_id__in=running).select_related("printer")
        if read_stamp(job.aspect_times, "status")[0] < started and job.printer is not None
    ]
    if not unsettled:
        return
    earliest = min((j.started_at.timestamp() for j in unsettled if j.started_at), default=None)
    _read_jobs(client, clock, result, printer_ids=sorted({j.printer.sp_id for j in unsettled
                                                          if j.printer is not None}),
               start_date=int(earliest) - 60 if earliest else None,
               only={j.sp_id for j in unsettled})


def _read_jobs(client: SimplePrintClient, clock: Clock, result: SyncResult, *,
               statuses: list[str] | None = None, printer_ids: list[int] | None = None,
               start_date: int | None = None, only: set[int] | None = None) -> set[int]:
    seen: set[int] = set()
    page, pages = 1, 1
    while page <= pages:
        asked_at = clock()
        answer = client.get_jobs(page=page, page_size=PAGE_SIZE, statuses=statuses,
                                 start_date=start_date, printer_ids=printer_ids)
        fetched_at = _fetched_at(client, asked_at)
        result.calls += 1
        pages = max(1, int(answer.page_amount or 1))
        for row in answer.items:
            sp_id = as_int(row.get("id"))
            if sp_id is None or (only is not None and sp_id not in only):
                continue
            seen.add(sp_id)
            with transaction.atomic():
                jobs.apply_job_row(row, fetched_at)
            result.jobs += 1
        page += 1
    return seen


def sync_queue(client: SimplePrintClient, clock: Clock, result: SyncResult) -> None:
    """Read the whole queue as ``queue/GetItems`` documents it (every page of the live items,
    then the done items and the queue groups). Items missing from a complete answer were
    deleted; from an incomplete one nothing is."""
    asked_at = clock()
    calls = client.api_calls
    snapshot = client.get_queue(page_size=PAGE_SIZE)
    fetched_at = _fetched_at(client, asked_at)
    result.calls += client.api_calls - calls
    if not snapshot.complete:
        logger.warning("queue/GetItems answered incompletely (pages disagreed on the total): "
                       "no item is marked deleted this time")
    with transaction.atomic():
        names.remember({names.Kind.QUEUE_GROUPS: names.pairs(snapshot.groups)})
        applied = queue.apply_queue_snapshot(snapshot.items, fetched_at, snapshot.done_items,
                                             complete=snapshot.complete)
    result.queue_changed += applied.changed
    result.queue += len(snapshot.items)


def sync_names(client: SimplePrintClient, result: SyncResult) -> None:
    """Read the names of printer groups, custom tags and queue groups (each on its own: one
    refused call does not keep the others)."""
    reads = ((names.Kind.GROUPS, client.get_printer_groups),
             (names.Kind.TAGS, client.get_tags),
             (names.Kind.QUEUE_GROUPS, client.get_queue_groups))
    found: dict[str, dict[int, str]] = {}
    for kind, read in reads:
        try:
            found[kind] = names.pairs(read())
        except SimplePrintAPIError as exc:
            if exc.status == 429:
                raise
            logger.warning("could not read the names of %s: %s", kind, exc)
        finally:
            result.calls += 1
    with transaction.atomic():
        names.remember(found)


#: The events after which a queue item may have a copy less or more left: a print that starts
#: from the queue takes one, one that fails or is cancelled gives it back; no queue event says so.
PRINT_EVENTS = ("job.started", "job.done", "job.failed", "job.cancelled")


def _prints_moved_since(timestamp: float) -> bool:
    """Whether a print started or ended since SimplyPrint time ``timestamp`` (in its second
    too: it may have come after the read)."""
    return PrinterWebhookEvent.objects.filter(canonical_event__in=PRINT_EVENTS,
                                              ordering_timestamp__gte=int(timestamp)).exists()


def _unnamed_group() -> bool:
    """Whether a printer shows a group whose name is not known."""
    named = NamedRef.objects.filter(kind=names.Kind.GROUPS).values("sp_id")
    return Printer.objects.filter(group_id__isnull=False).exclude(group_id__in=named).exists()


def _changes() -> int:
    """The outbox's newest id: how many live changes were published so far."""
    return outbox.latest_seq()


# --- composed runs ------------------------------------------------------------------------------

def full_sync(client: SimplePrintClient | None = None, clock: Clock = servertime.now, *,
              on_page: Callable[[int, int, int], None] | None = None,
              with_names: bool = True) -> SyncResult:
    """Everything: printers, ongoing jobs (and unsettled ones), the queue, and (unless told
    not to) the names."""
    client = client or default_client()
    result, first = SyncResult(), _changes()
    running = sync_printers(client, clock, result, on_page)
    sync_jobs(client, clock, result, running=running, ongoing=True)
    sync_queue(client, clock, result)
    if with_names:
        sync_names(client, result)
    result.changes = _changes() - first
    return result


def read_printers(client: SimplePrintClient, clock: Clock) -> SyncResult:
    """Only ``printers/Get``: connectivity, state and progress between reconciles."""
    result, first = SyncResult(), _changes()
    sync_printers(client, clock, result)
    result.changes = _changes() - first
    return result


def reconcile(client: SimplePrintClient, clock: Clock, *, with_queue: bool) -> SyncResult:
    """The cheap check in webhooks mode: printers, unsettled jobs, the queue when due."""
    result, first = SyncResult(), _changes()
    running = sync_printers(client, clock, result)
    sync_jobs(client, clock, result, running=running, ongoing=False)
    if with_queue:
        sync_queue(client, clock, result)
    result.changes = _changes() - first
    return result


# --- the scheduled entry point ------------------------------------------------------------------

def tick(client: SimplePrintClient | None = None, clock: Clock = servertime.now) -> str:
    """Decide the mode, and poll or reconcile when due. Returns what it did. ``clock`` is
    SimplyPrint's (by default our clock corrected by the offset its answers show)."""
    with locks.exclusive(LOCK_NAME, LOCK_TTL_SECONDS) as held:
        if not held:
            return "locked"
        if client is not None:
            return _tick(client, clock)
        with default_client() as own:
            return _tick(own, clock)


def _tick(client: SimplePrintClient, clock: Clock) -> str:
    cfg = modes.config()
    now = clock()
    state = modes.load(now)
    try:
        modes.evaluate(state, now, client)
    except SimplePrintAPIError as exc:
        return _failed(state, exc, now)
    if not _due(state, now):
        return "idle"
    polling = state.mode == Mode.POLLING
    # Between reconciles (webhooks mode) a due tick only reads the printers.
    full = polling or _age(now, state.last_reconcile_at) >= cfg["reconcile_interval"]
    since_queue = _age(now, state.last_queue_sync_at)
    with_queue = polling or (full and since_queue >= cfg["queue_reconcile_interval"]) or (
        0 < cfg["queue_after_jobs"] <= since_queue
        and _prints_moved_since(_ts(state.last_queue_sync_at)))
    names_due = _age(now, state.last_names_at) >= cfg["names_interval"]
    try:
        if polling:
            result = full_sync(client, clock, with_names=False)
        elif full:
            result = reconcile(client, clock, with_queue=with_queue)
        else:
            result = read_printers(client, clock)
            if with_queue:
                sync_queue(client, clock, result)
        if not names_due and _unnamed_group():
            names_due = _age(now, state.last_names_at) >= UNKNOWN_GROUP_RETRY
        if names_due:
            sync_names(client, result)
    except SimplePrintAPIError as exc:
        return _failed(state, exc, now)
    state.backoff, state.last_error = 1, ""
    stamp = from_unix(now)
    if full:
        state.last_reconcile_at = stamp
    if polling:
        state.last_poll_at = stamp
    if with_queue:
        state.last_queue_sync_at = stamp
    if names_due:
        state.last_names_at = stamp
    state.next_poll_at = from_unix(now + _interval(state))
    state.save()
    done = "polled" if polling else "reconciled" if full else "read printers"
    logger.info("sync %s: %s", done, result)
    return done


def _interval(state: SyncState) -> float:
    """Seconds to the next run: the mode's interval (with webhooks, that of the printers-only
    reads when enabled; the reconcile is then the first run due ``reconcile_interval`` after the
    last one), times the 429 backoff, capped."""
    cfg = modes.config()
    if state.mode == Mode.POLLING:
        base = cfg["poll_interval"]
    else:
        busy = Printer.objects.filter(state__in=modes.BUSY).exists()
        base = modes.printers_interval(busy=busy)
    if state.backoff > 1:
        return float(min(base * state.backoff, max(base, cfg["backoff_max_interval"])))
    return float(base)


def _failed(state: SyncState, exc: Exception, now: float) -> str:
    status = getattr(exc, "status", None)
    if status == 429:
        state.backoff = min(state.backoff * 2, 1024)
    state.last_error = str(exc)[:2000]
    state.next_poll_at = from_unix(now + _interval(state))
    state.save()
    logger.warning("sync failed (%s); next try in %.0f s", exc, _interval(state))
    return "rate-limited" if status == 429 else "failed"


def _due(state: SyncState, now: float) -> bool:
    """Whether a read is due at ``now``. SimplyPrint's clock is known from its answers only:
    when the first answer shows it far from ours, the schedule set before jumps with it; a next
    run further ahead than any interval (or a run stamped ahead of now) is due at once."""
    if state.next_poll_at is None:
        return True
    cfg = modes.config()
    wait = _ts(state.next_poll_at) - now
    longest = max(cfg["reconcile_interval"], cfg["poll_interval"], cfg["backoff_max_interval"])
    return wait <= 0.001 or wait > longest  # 1 ms: a datetime keeps whole microseconds


def _age(now: float, value: datetime | None) -> float:
    """Seconds since ``value`` (infinite: never, or stamped ahead of ``now`` by a clock that
    has since been corrected)."""
    since = now - _ts(value)
    return since if value is not None and since >= 0 else float("inf")


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value else 0.0
