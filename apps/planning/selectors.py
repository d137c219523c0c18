"""Reads for the Planning page: the farm as the projection's inputs, and the projection."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from apps.simpleprint.models import Printer
from apps.simpleprint.state import selectors as sp_selectors
from apps.simpleprint.sync import modes

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


def mode_status() -> dict[str, Any]:
    """How state reaches the service: the mode with its reason, schedule and API budget
    (``info``), and after how many seconds without news a printer is shown stale."""
    info = modes.mode_info()
    return {"mode": info["mode"], "info": info, "stale_after": modes.stale_limit(info["mode"])}

