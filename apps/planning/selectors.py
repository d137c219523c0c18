"""Reads for the Planning page: the farm as the projection's inputs, and the projection."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from apps.simpleprint.models import Printer
from apps.simpleprint.ops import diagnostics
from apps.simpleprint.serializers import (
    OperatorActionSerializer,
    PrinterSerializer,
    PrintJobSerializer,
)
from apps.simpleprint.state import selectors as sp_selectors
from apps.simpleprint.sync import modes, webhook_manager

from .schedule import SCHEDULABLE_QUEUE_STATES, FarmPrinter, Projection, QueueEntry, project

#: The printer drawer: its latest jobs, the windows of its failure rate (days), and how many
#: queue items it may take next.
DETAIL_JOBS = 20
FAILURE_WINDOWS = (7, 30)
NEXT_ITEMS = 10
#: How many of the printer's latest operator actions the drawer shows.
DETAIL_ACTIONS = 10


def _ts(value: Any) -> float | None:
    return value.timestamp() if value is not None else None


def farm_printers() -> list[FarmPrinter]:
    """Every printer in board order, with its current job (one query)."""
    printers = Printer.objects.select_related("current_job").only(
        "sp_id", "name", "state", "group_id", "model_id", "online", "out_of_order",
        "bed_needs_clearing", "time_left", "progress_at", "sort_order",
        "current_job__sp_id", "current_job__file_name", "current_job__started_at",
        "current_job__estimate_seconds",
    )
    farm = []
    for printer in printers:
        job = printer.current_job
        farm.append(FarmPrinter(
            sp_id=printer.sp_id, name=printer.name, state=printer.state,
            group_id=printer.group_id, model_id=printer.model_id, online=printer.online,
            out_of_order=printer.out_of_order, bed_needs_clearing=printer.bed_needs_clearing,
            job_sp_id=job.sp_id if job else None, job_file=job.file_name if job else "",
            job_started=_ts(job.started_at) if job else None,
            job_estimate=job.estimate_seconds if job else None,
            time_left=printer.time_left, progress_at=_ts(printer.progress_at),
        ))
    return farm


def _ids(values: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in values or () if str(v).lstrip("-").isdigit())


def queue_entries() -> list[QueueEntry]:
    """The active queue in queue order (one query)."""
    items = sp_selectors.active_queue().only(
        "sp_id", "filename", "state", "left", "estimate_seconds", "for_printers", "for_models",
        "for_groups", "position",
    )
    return [QueueEntry(
        sp_id=item.sp_id, filename=item.filename, state=item.state, left=item.left,
        estimate_seconds=item.estimate_seconds, for_printers=_ids(item.for_printers),
        for_models=_ids(item.for_models), for_groups=_ids(item.for_groups),
    ) for item in items]


def current_projection(now: float | None = None, farm: list[FarmPrinter] | None = None,
                       queue: list[QueueEntry] | None = None) -> Projection:
    config = settings.PRINTFARM_PLANNING
    return project(farm_printers() if farm is None else farm,
                   queue_entries() if queue is None else queue,
                   now=time.time() if now is None else now,
                   turnaround=config["turnaround_seconds"],
                   default_estimate=config["default_estimate_seconds"])


def printer_detail(sp_id: int, now: float | None = None) -> dict[str, Any] | None:
    """What the printer drawer shows beyond the live state: the whole printer, its latest
    jobs with how each ended, its failure rate over the last 7 and 30 days, the queue items it
    may take next, the latest operator actions on it (the audit trail), and its page in
    SimplyPrint. None for an unknown printer."""
    printer = sp_selectors.printers_with_jobs().filter(sp_id=sp_id).first()
    if printer is None:
        return None
    moment = time.time() if now is None else now
    outcomes = sp_selectors.job_outcomes(printer, datetime.fromtimestamp(moment, tz=UTC),
                                         FAILURE_WINDOWS)
    farm, queue = farm_printers(), queue_entries()
    plan = current_projection(moment, farm, queue).printer(sp_id)
    return {
        "printer": PrinterSerializer(printer).data,
        "jobs": PrintJobSerializer(sp_selectors.printer_jobs(printer, DETAIL_JOBS),
                                   many=True).data,
        "failure_rates": [failure_rate(days, counts) for days, counts in outcomes.items()],
        "plan": {"available": plan.available, "reason": plan.reason,
                 "free_from": None if plan.free_from is None else round(plan.free_from),
                 "free_at": None if plan.free_at is None else round(plan.free_at)},
        "next": next_items(plan, next(p for p in farm if p.sp_id == sp_id), queue),
        "actions": OperatorActionSerializer(sp_selectors.printer_actions(printer, DETAIL_ACTIONS),
                                            many=True).data,
        "simplyprint_url": settings.SIMPLEPRINT_CONFIG["printer_url"].replace(
            "{id}", str(sp_id)),
    }


def failure_rate(days: int, counts: dict[str, int]) -> dict[str, Any]:
    """Of the jobs that ended in the last ``days`` days, how many failed (cancelled ones are
    counted apart: a person stopped them)."""
    ended = sum(counts.values())
    return {"days": days, "ended": ended, **counts,
            "rate": round(counts["failed"] / ended, 3) if ended else None}


def next_items(plan: Any, printer: FarmPrinter, queue: list[QueueEntry]) -> list[dict[str, Any]]:
    """The queue copies the projection gives this printer next; for a printer that takes
    nothing now (offline, out of order…), the items it may print once it can."""
    if plan.available:
        return [{"sp_id": block.sp_id, "filename": block.label, "copy": block.copy,
                 "start": round(block.start), "end": round(block.end),
                 "estimated": block.estimated}
                for block in plan.blocks if block.kind == "queue"][:NEXT_ITEMS]
    return [{"sp_id": entry.sp_id, "filename": entry.filename, "left": entry.left}
            for entry in queue
            if entry.state in SCHEDULABLE_QUEUE_STATES and entry.left > 0
            and entry.allows(printer)][:NEXT_ITEMS]


def next_item_for(printer_sp_id: int) -> int | None:
    """The queue item the projection gives ``printer_sp_id`` next (what its timeline shows
    after its current job), or None."""
    plan = next((p for p in current_projection().printers if p.sp_id == printer_sp_id), None)
    block = next((b for b in plan.blocks if b.kind == "queue"), None) if plan else None
    return block.sp_id if block is not None else None


def mode_status() -> dict[str, Any]:
    """How state reaches the service: the mode with its reason, schedule and API budget
    (``info``), and after how many seconds without news a printer is shown stale."""
    info = modes.mode_info()
    return {"mode": info["mode"], "info": info, "stale_after": modes.stale_limit(info["mode"])}



#: How long the page's view of the webhook registration is reused (each read asks SimplyPrint).
OVERVIEW_CACHE_SECONDS = 30


def webhook_overview(fresh: bool = False) -> dict[str, Any]:
    """``ops.diagnostics.webhook_overview``, shared by every page for a few seconds."""
    key = "printfarm:planning:webhook-overview"
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return dict(cached)
    overview = diagnostics.webhook_overview()
    cache.set(key, overview, OVERVIEW_CACHE_SECONDS)
    return overview


def webhook_warnings(overview: dict[str, Any], info: dict[str, Any], busy: int,
                     now: float) -> list[dict[str, str]]:
    """What an operator must know about how changes reach the page, worst first: our webhook
    missing, pointing elsewhere or disabled at SimplyPrint, or silent while printers print;
    and whether polling has taken over (or when it will)."""
    warnings: list[dict[str, str]] = []
    hooks, receiver = overview.get("webhooks"), overview.get("receiver_url") or ""
    if hooks is None:
        warnings.append({"code": "unknown", "text": _(
            "SimplyPrint could not be asked about our webhook: %(error)s")
            % {"error": overview.get("webhooks_error") or "?"}})
    else:
        ours = [h for h in hooks if webhook_manager.same_url(h.get("url"), receiver)]
        if not ours and hooks:
            warnings.append({"code": "elsewhere", "text": _(
                "No webhook at SimplyPrint points at this server (%(url)s); %(n)s point "
                "elsewhere: %(others)s.") % {"url": receiver, "n": len(hooks), "others": ", ".join(
                    str(h.get("url")) for h in hooks[:3])}})
        elif not ours:
            warnings.append({"code": "missing", "text": _(
                "No webhook is registered at SimplyPrint for this server: nothing is delivered. "
                "Register it with manage.py register_webhooks.")})
        elif not any(h.get("enabled") for h in ours):
            warnings.append({"code": "disabled", "text": _(
                "Our webhook #%(id)s is disabled at SimplyPrint: nothing is delivered.")
                % {"id": ours[0].get("id")}})
    silence = modes.config()["silence_threshold"]
    last = overview.get("last_received_at")
    quiet = now - last.timestamp() if last is not None else None
    if busy and (quiet is None or quiet > silence) and info["mode"] != "polling":
        warnings.append({"code": "silent", "text": _(
            "No delivery for %(minutes)s min while %(busy)s printers print.")
            % {"minutes": "∞" if quiet is None else int(quiet // 60), "busy": busy}})
    if info["mode"] == "polling":
        warnings.append({"code": "polling", "text": _(
            "Polling has taken over: state is read from SimplyPrint's API every %(seconds)s s "
            "(%(reason)s).") % {"seconds": int(modes.config()["poll_interval"]),
                                "reason": info.get("reason") or "—"}})
    elif warnings:
        warnings.append({"code": "until_polling", "text": _(
            "Polling takes over after %(minutes)s min without deliveries while printers "
            "print; until then changes may be missed.") % {"minutes": int(silence // 60)}})
    return warnings


def health(now: float | None = None, fresh: bool = False) -> dict[str, Any]:
    """The page's warning banner: the mode and the warnings about our webhook."""
    info = modes.mode_info()
    busy = Printer.objects.filter(state__in=modes.BUSY).count()
    warnings = webhook_warnings(webhook_overview(fresh), info, busy,
                                time.time() if now is None else now)
    return {"mode": info["mode"], "warnings": warnings}
