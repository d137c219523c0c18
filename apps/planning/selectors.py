"""Reads for the Planning page: the farm as the projection's inputs, and the projection."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from apps.simpleprint.models import Printer
from apps.simpleprint.ops import diagnostics
from apps.simpleprint.state import selectors as sp_selectors
from apps.simpleprint.sync import modes, webhook_manager

from .schedule import FarmPrinter, Projection, QueueEntry, project


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


def current_projection(now: float | None = None) -> Projection:
    config = settings.PRINTFARM_PLANNING
    return project(farm_printers(), queue_entries(), now=time.time() if now is None else now,
                   turnaround=config["turnaround_seconds"],
                   default_estimate=config["default_estimate_seconds"])


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
