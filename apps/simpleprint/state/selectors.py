"""Selectors: read-only queries for the API, the page and the commands."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet

from . import presence
from .models import LiveUpdate, Printer, PrinterWebhookEvent, PrintJob, PrintQueue, StateSource
from .serializers import (
    PrinterSerializer,
    PrinterWebhookEventSerializer,
    PrintJobSerializer,
    PrintQueueSerializer,
)
from .services.stamps import read_stamp

#: How many recent jobs and events a snapshot carries (the page fetches more over the API).
SNAPSHOT_RECENT = 50


def event_counts() -> dict[str, object]:
    """Counts of the event log by outcome, and the time of the last delivery, in one query."""
    # Aliases that are also field names ("processed", "ignored") would clash with the filters.
    counts = PrinterWebhookEvent.objects.aggregate(
        n_received=Count("id"),
        n_processed=Count("id", filter=Q(processed=True, ignored=False)),
        n_ignored=Count("id", filter=Q(processed=True, ignored=True)),
        n_failed=Count("id", filter=Q(processed=False) & ~Q(processing_error="")),
        n_pending=Count("id", filter=Q(processed=False, processing_error="")),
        last_received_at=Max("received_at"),
    )
    return {name.removeprefix("n_"): value for name, value in counts.items()}


def printers_with_jobs() -> QuerySet[Printer]:
    return Printer.objects.select_related("current_job", "current_job__printer")


def active_queue() -> QuerySet[PrintQueue]:
    return PrintQueue.objects.filter(state__in=PrintQueue.ACTIVE).order_by("position", "sp_id")


def job_history() -> QuerySet[PrintJob]:
    return PrintJob.objects.select_related("printer")


def current_mode() -> str:
    """How state reaches this service: ``"webhooks"`` or ``"polling"`` (the fallback when
    deliveries stop). Webhooks until the poller decides otherwise (services/modes.py)."""
    from .services import modes

    return modes.current_mode()


def mode_info() -> dict[str, object]:
    """The mode with its reason, last poll, last reconcile, next poll and the API budget."""
    from .services import modes

    return modes.mode_info()


def freshness(printer: Printer, now: float | None = None, mode: str | None = None) -> str:
    """``live`` (a webhook changed it last), ``polled`` or ``stale``: not heard from (no event,
    no poll) within ``stale_after`` seconds in polling mode, or within a reconcile interval plus
    ``stale_after`` with webhooks (a connectivity interval when set). A stale printer is never
    shown as simply online."""
    from .services import modes

    config = settings.PRINTFARM_SYNC
    now = time.time() if now is None else now
    mode = mode or current_mode()
    limit = config["stale_after"]
    if mode == "webhooks":
        limit += modes.printers_interval(busy=False)
    heard = max((read_stamp(printer.aspect_times, aspect)[0] for aspect in printer.aspect_times),
                default=0)
    if printer.last_polled_at is not None:
        heard = max(heard, int(printer.last_polled_at.timestamp()))
    if now - heard > limit:
        return "stale"
    return "live" if printer.state_source == StateSource.WEBHOOK else "polled"


def shown_progress(printer: Printer, now: float | None = None) -> tuple[int | None, int | None]:
    """(progress %, seconds left) now: SimplyPrint sends no progress webhooks, so between polls
    the last known progress is extrapolated towards 100 % at the last known end time (or the
    job's start + estimate). Never past 99 % before SimplyPrint says the job is done."""
    if printer.state != Printer.State.PRINTING or printer.progress_at is None:
        return printer.progress, printer.time_left
    now = time.time() if now is None else now
    elapsed = max(0.0, now - printer.progress_at.timestamp())
    progress, left = printer.progress or 0, printer.time_left
    job = printer.current_job
    if left is None and job is not None and job.started_at and job.estimate_seconds:
        left = max(0, int(job.started_at.timestamp() + job.estimate_seconds
                          - printer.progress_at.timestamp()))
    if not left:
        return printer.progress, left
    share = min(1.0, elapsed / left)
    return min(99, int(progress + (100 - progress) * share)), max(0, int(left - elapsed))


def event_log() -> QuerySet[PrinterWebhookEvent]:
    """The event log for lists: everything but the (possibly large) payload and headers."""
    return PrinterWebhookEvent.objects.defer("payload", "headers")


def event_detail() -> QuerySet[PrinterWebhookEvent]:
    return PrinterWebhookEvent.objects.all()


def all_queue_items() -> QuerySet[PrintQueue]:
    return PrintQueue.objects.order_by("position", "sp_id")


def event_status_q(status: str) -> Q:
    """The condition for events whose :attr:`PrinterWebhookEvent.status` is ``status``."""
    statuses = PrinterWebhookEvent.Status
    return {
        statuses.PROCESSED: Q(processed=True, ignored=False),
        statuses.IGNORED: Q(processed=True, ignored=True),
        statuses.FAILED: Q(processed=False) & ~Q(processing_error=""),
        statuses.PENDING: Q(processed=False, processing_error=""),
    }[statuses(status)]


def latest_live_seq() -> int:
    return LiveUpdate.objects.aggregate(seq=Max("id"))["seq"] or 0


def farm_snapshot() -> dict[str, Any]:
    """The whole state a Planning page starts from, with the sequence number it is current to.

    The sequence number is read first: a change committed meanwhile is then both in the state
    and replayed as a delta, which is harmless, instead of being in neither.
    """
    seq = latest_live_seq()
    return {
        "type": "snapshot",
        "seq": seq,
        "data": {
            "printers": PrinterSerializer(printers_with_jobs(), many=True).data,
            "queue": PrintQueueSerializer(active_queue(), many=True).data,
            "recent_jobs": PrintJobSerializer(
                job_history().order_by("-updated_at", "-id")[:SNAPSHOT_RECENT], many=True
            ).data,
            "recent_events": PrinterWebhookEventSerializer(
                PrinterWebhookEvent.objects.order_by("-id")[:SNAPSHOT_RECENT], many=True
            ).data,
        },
    }


def live_updates_between(after: int, before: int | None = None,
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
    return live_updates_between(last_seq)


def can_replay_from(last_seq: int, limit: int) -> bool:
    """Whether every change after ``last_seq`` is still kept, and there are at most ``limit``."""
    bounds = LiveUpdate.objects.aggregate(first=Min("id"), last=Max("id"))
    first, last = bounds["first"], bounds["last"]
    if last is None:
        return last_seq == 0
    if last_seq > last or first > last_seq + 1:
        return False
    return LiveUpdate.objects.filter(id__gt=last_seq).count() <= limit


def live_client_count() -> int:
    """Planning pages connected to the live channel (all processes, with a shared cache)."""
    return presence.client_count()
