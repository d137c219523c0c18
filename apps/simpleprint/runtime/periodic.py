"""The periodic jobs, listed once: Celery beat's schedule (production) and the in-process
scheduler (the embedded default) are both built from :data:`PERIODIC`.

Each job is a Celery task; the in-process scheduler calls the task's function directly. This
module reads settings only when asked, so ``config.celery`` can use it before Django is set up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Periodic:
    """A task run every ``interval()`` seconds. ``first_run_in`` delays the in-process
    scheduler's first run (default: one interval); ``expires`` drops a beat run not started
    within its interval (the next one does the same work); ``celery_only`` jobs concern the
    Celery worker itself."""

    task: str
    interval: Callable[[], float]
    first_run_in: float | None = None
    expires: bool = False
    celery_only: bool = False
    enabled: Callable[[], bool] = lambda: True


PERIODIC: tuple[Periodic, ...] = (
    Periodic("simpleprint.sweep_unprocessed_events",
             lambda: settings.PRINTFARM_PROCESSING["sweep_interval_seconds"], first_run_in=1.0),
    Periodic("simpleprint.worker_heartbeat",
             lambda: settings.PRINTFARM_HEARTBEAT["interval_seconds"], celery_only=True),
    Periodic("simpleprint.prune_live_updates", lambda: 60.0),
    Periodic("simpleprint.prune_webhook_events", lambda: 3600.0, first_run_in=60.0, expires=True,
             enabled=lambda: settings.PRINTFARM_RETENTION["event_days"] > 0),
    Periodic("simpleprint.sync_tick", lambda: settings.PRINTFARM_SYNC["tick_interval"],
             first_run_in=2.0, expires=True,
             enabled=lambda: bool(settings.PRINTFARM_SYNC["enabled"])),
    Periodic("simpleprint.fetch_job_details", lambda: settings.PRINTFARM_SYNC["tick_interval"],
             expires=True, enabled=lambda: bool(settings.PRINTFARM_SYNC["enabled"])),
    Periodic("simpleprint.expire_actions", lambda: 30.0, expires=True),
    Periodic("simpleprint.send_notifications", lambda: settings.PRINTFARM_NOTIFY["interval"],
             expires=True, enabled=lambda: bool(settings.PRINTFARM_NOTIFY["urls"].strip())),
)


def beat_schedule() -> dict[str, dict[str, Any]]:
    """``CELERY_BEAT_SCHEDULE``: one entry per enabled periodic job, named after its task."""
    schedule: dict[str, dict[str, Any]] = {}
    for job in PERIODIC:
        if not job.enabled():
            continue
        entry: dict[str, Any] = {"task": job.task, "schedule": job.interval()}
        if job.expires:
            entry["options"] = {"expires": job.interval()}
        schedule[job.task.removeprefix("simpleprint.")] = entry
    return schedule
