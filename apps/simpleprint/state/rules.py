"""Two rules the page shows, defined once: whether a printer's state is fresh, and the progress
of its print between reports.

The page runs the same rules in ``apps/planning/static/planning/rules.js``; the table of cases
``tests/fixtures/rules_cases.json`` is run against both (pytest here, Chromium there), so the
two cannot drift. The staleness limit is the server's (``sync.modes.stale_limit``), sent to the
page with the mode.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ..models import Printer, StateSource
from .stamps import read_stamp

Freshness = Literal["none", "live", "polled", "stale"]


def heard_at(printer: Printer) -> float | None:
    """When the service last heard of the printer: the SimplyPrint time of the newest change
    applied to any part of its state, or its last poll; None if never."""
    heard = max((read_stamp(printer.aspect_times, aspect)[0] for aspect in printer.aspect_times),
                default=0)
    if printer.last_polled_at is not None:
        heard = max(heard, int(printer.last_polled_at.timestamp()))
    return float(heard) if heard else None


def freshness(heard: float | None, source: str, now: float, limit: float) -> Freshness:
    """``none`` (never heard of), ``stale`` (not heard of for more than ``limit`` seconds),
    else ``live`` (a webhook changed it last) or ``polled``. A stale printer is never shown as
    simply online."""
    if heard is None:
        return "none"
    if now - heard > limit:
        return "stale"
    return "live" if source == StateSource.WEBHOOK else "polled"


def shown_progress(state: str, progress: int | None, time_left: int | None,
                   progress_at: float | None, started_at: float | None,
                   estimate: int | None, now: float) -> tuple[int | None, int | None]:
    """(progress %, seconds left) now: SimplyPrint sends no progress webhooks, so while a
    printer prints the last known progress is extrapolated towards 100 % at the last known end
    (``time_left`` after ``progress_at``, or the job's start + estimate). Never past 99 %
    before SimplyPrint says the job is done; a paused print's clock stands still."""
    if state != Printer.State.PRINTING or progress_at is None:
        return progress, time_left
    elapsed = max(0.0, now - progress_at)
    left = time_left
    if left is None and started_at is not None and estimate:
        left = max(0, int(started_at + estimate - progress_at))
    if not left:
        return progress, left
    base = progress or 0
    share = min(1.0, elapsed / left)
    return min(99, int(base + (100 - base) * share)), max(0, int(left - elapsed))


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def printer_freshness(printer: Printer, now: float, limit: float) -> Freshness:
    """:func:`freshness` of a printer row."""
    return freshness(heard_at(printer), printer.state_source, now, limit)


def printer_progress(printer: Printer, now: float) -> tuple[int | None, int | None]:
    """:func:`shown_progress` of a printer row (its current job gives start and estimate)."""
    job = printer.current_job
    return shown_progress(
        printer.state, printer.progress, printer.time_left, _ts(printer.progress_at),
        _ts(job.started_at) if job is not None else None,
        job.estimate_seconds if job is not None else None, now)
