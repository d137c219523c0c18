"""Print jobs: the only writer of :class:`PrintJob` rows.

Rules that make delivery order irrelevant:
- a job's status and snapshot come from the status event with the newest stamp, except that
- a terminal event (done, failed, cancelled) always beats a non-terminal one, so a finished job
  never returns to printing whatever arrives late;
- events that carry no status (objects skipped, bed cleared) only add facts (set union, max).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..models import PrintJob, StateSource
from . import changes, printers
from .payload import (
    PayloadError,
    as_datetime,
    as_dict,
    as_int,
    as_number,
    as_percentage,
    from_unix,
    job_id_of,
    person_name,
    printer_id_of,
)
from .prepared import PreparedGet
from .stamps import EventTime, Stamp, is_not_older, read_stamp

_LOCKED_JOB = PreparedGet(PrintJob.objects.select_for_update, "sp_id")

#: More than the highest rank of a job event (see events/registry.py).
RANKS = 8


@dataclass(frozen=True)
class JobEvent:
    """How a ``job.*`` event (or one about a job) changes the mirror.

    ``status`` is the job status it sets (None: it only adds facts); ``printer_state`` the
    state it implies for the printer (None: the printer's job state is untouched), which keeps
    the job as current when ``keeps_job``; ``clears_bed`` marks the bed cleared;
    ``records_user`` keeps ``data.user`` as who ended the job. ``without_job`` says what an
    event without a job object means: ``"fail"`` (a payload error), ``"bed"`` (a bed cleared
    on the printer it names) or ``"printer"`` (only about the printer: noted, then ignored)."""

    rank: int
    status: str | None = None
    printer_state: str | None = None
    keeps_job: bool = False
    clears_bed: bool = False
    records_user: bool = False
    without_job: Literal["fail", "bed", "printer"] = "fail"
    #: The event is about skipped objects: without ``job.skippedObjects`` (a list, or null when
    #: there is nothing to name) it says nothing.
    skips_objects: bool = False

    def apply(self, name: str, data: dict[str, Any], at: EventTime) -> bool:
        if self.without_job == "printer" and not isinstance(data.get("job"), dict):
            return printers.PrinterEvent(self.rank).apply(name, data, at)
        apply_job_event(name, data, at, self)
        return True


def apply_job_event(event: str, data: dict[str, Any], at: EventTime,
                    effect: JobEvent) -> PrintJob | None:
    """Apply a ``job.*`` delivery to the job and its printer."""
    status = effect.status
    stamp = at.stamp(effect.rank)
    job_data = data.get("job")
    printer_sp_id = printer_id_of(data)
    sp_id = as_int(job_data.get("id")) if isinstance(job_data, dict) else None
    if not isinstance(job_data, dict) or sp_id is None:
        if effect.without_job == "bed" and printer_sp_id is not None:
            _bed_cleared_without_job(printer_sp_id, data, stamp)
            return None
        raise PayloadError(f"{event} without data.job.id")
    if printer_sp_id is None:
        raise PayloadError(f"{event} without a printer id (data.job.printer_id)")
    if effect.skips_objects and not isinstance(job_data.get("skippedObjects", ""),
                                               list | None):
        raise PayloadError(f"{event} without data.job.skippedObjects")

    job_printer = as_dict(job_data.get("printer"))
    printer = printers.ensure_printer(
        printer_sp_id, name=job_printer.get("name") or "", group=job_printer.get("group")
    )
    job, _ = _LOCKED_JOB.get_or_create(sp_id, defaults={"printer": printer})
    _fill_missing(job, job_data, data)
    if status is not None and _status_applies(job, status, stamp):
        job.status = status
        job.aspect_times["status"] = list(max(read_stamp(job.aspect_times, "status"), stamp))
        _apply_snapshot(job, job_data)
        if effect.records_user:
            job.ended_by_name = person_name(data.get("user")) or job.ended_by_name
        if status in PrintJob.TERMINAL:
            job.end_reason = job.end_reason or _reason_in(job_data, data)
    _add_facts(job, effect, job_data, stamp)
    if job.printer_id in (None, printer.pk):
        job.printer = printer  # the row in hand: its message reads no printer again
    job.source = StateSource.WEBHOOK
    job.save()
    changes.changed(job)
    _apply_to_printer(printer, job, effect, _printer_stamp(stamp, job.sp_id), job_data)
    return job


def _apply_to_printer(printer: printers.Printer, job: PrintJob | None, effect: JobEvent,
                      stamp: Stamp, job_data: dict[str, Any] | None = None) -> None:
    if effect.printer_state is not None:
        printers.apply_job_state(
            printer, job if effect.keeps_job else None, effect.printer_state, stamp,
            bed_needs_clearing=effect.status in PrintJob.TERMINAL,
            job_data=job_data if effect.keeps_job else None,
            ended=job if effect.status in PrintJob.TERMINAL else None)


def _printer_stamp(stamp: Stamp, job_sp_id: int) -> Stamp:
    """The stamp of a job event on its printer, where one job follows another: within one
    second a later job's events (AutoPrint starting the next print as the bed is cleared) come
    after every event of an earlier job (SimplyPrint's job ids increase), and a job's own
    events keep their rank. A bed clear without a job object ranks as job 0."""
    timestamp, rank, tiebreak = stamp
    return (timestamp, job_sp_id * RANKS + rank, tiebreak)


def _status_applies(job: PrintJob, status: str, stamp: Stamp) -> bool:
    terminal_now = job.status in PrintJob.TERMINAL
    terminal_incoming = status in PrintJob.TERMINAL
    if terminal_incoming and not terminal_now:
        return True
    if terminal_now and not terminal_incoming:
        return False
    return is_not_older(read_stamp(job.aspect_times, "status"), stamp)


def _apply_snapshot(job: PrintJob, job_data: dict[str, Any]) -> None:
    """Take the fields that change during a print from the job object of the winning event."""
    percentage = as_percentage(job_data.get("percentage", job_data.get("progress")))
    if percentage is not None:
        job.percentage = percentage
    for field, key in (("started_at", "started"), ("ended_at", "ended")):
        value = from_unix(job_data.get(key))
        if value is not None:
            setattr(job, field, value)
    duration = as_int(job_data.get("duration"))
    if duration is not None:
        job.duration = duration
    cost = as_number(job_data.get("cost")) if not isinstance(job_data.get("cost"), str) else None
    if cost is not None:
        job.cost = cost
    job.raw = job_data


def _fill_missing(job: PrintJob, job_data: dict[str, Any], data: dict[str, Any]) -> None:
    """Facts that never change during a job, taken from whichever event brings them first."""
    job.uid = job.uid or str(job_data.get("uid") or "")
    job.file_name = job.file_name or str(job_data.get("file") or job_data.get("filename") or "")
    job.panel_url = job.panel_url or _link(job_data.get("panel_url"))
    if job.started_at is None:
        job.started_at = from_unix(job_data.get("started"))
    analysis = as_dict(job_data.get("analysis"))
    if job.estimate_seconds is None:
        job.estimate_seconds = as_int(analysis.get("estimate"))
    job.autoprint = job.autoprint or bool(job_data.get("autoprint"))
    starter = data.get("started_by")
    if isinstance(starter, dict) and not job.started_by_name:
        job.started_by_id = as_int(starter.get("id"))
        job.started_by_name = person_name(starter)
    if not job.raw:
        job.raw = job_data


#: Keys of a skipped object kept with the job (SimplyPrint types the elements as objects but
#: publishes none; ids, numbers and names are what an operator can use).
SKIPPED_OBJECT_KEYS = 8


def skipped_object(value: Any) -> Any:
    """One element of ``skippedObjects`` as kept: an id or name as is, an object with its
    scalar fields (at most :data:`SKIPPED_OBJECT_KEYS`); None for anything else."""
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    if isinstance(value, dict):
        kept = {k: v for k, v in value.items()
                if isinstance(v, int | float | str | bool) or v is None}
        return dict(list(kept.items())[:SKIPPED_OBJECT_KEYS]) or None
    return None


def _skipped_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _add_facts(job: PrintJob, effect: JobEvent, job_data: dict[str, Any], stamp: Stamp) -> None:
    skipped = job_data.get("skippedObjects")
    if isinstance(skipped, list) and skipped:
        found = [v for v in (skipped_object(s) for s in skipped) if v is not None]
        merged = {_skipped_key(v): v for v in [*job.skipped_objects, *found]}
        job.skipped_objects = [merged[k] for k in sorted(merged)]
    if effect.clears_bed:
        cleared = from_unix(stamp[0])
        if cleared and (job.bed_cleared_at is None or cleared > job.bed_cleared_at):
            job.bed_cleared_at = cleared


def _link(value: Any) -> str:
    """A web address from a payload (the job's page, the AI's frame), only if it is one: the
    page shows it as a link."""
    url = value if isinstance(value, str) else ""
    return url[:500] if url.startswith(("https://", "http://")) else ""


def _reason_in(job_data: dict[str, Any], data: dict[str, Any]) -> str:
    """A reason a delivery may carry for a failed or cancelled job (none is documented: the
    reason usually comes from ``jobs/GetDetails``, see :func:`apply_details`)."""
    for source, key in ((job_data, "failedReason"), (job_data, "failed_reason"),
                        (data, "reason"), (data, "comment")):
        value = source.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:1000]
    return ""


#: ``cancelReasonType`` of the job list and ``reason`` of Cancel (API notes 5.4).
CANCEL_REASONS: dict[int, str] = {
    1: "Print failed", 2: "Regretted print", 3: "No filament extruded / nozzle clog",
    4: "Fell off the plate", 5: "Not enough filament", 6: "Other",
}


def _cancel_reason(value: Any) -> str:
    code = as_int(value)
    return CANCEL_REASONS.get(code, "") if code is not None else ""


@dataclass(frozen=True)
class AiFailure:
    """``printer.ai_failure_detected``: SimplyPrint's AI flagged the running print. Recorded on
    the job (the strongest detection, its type, the frame image and when), and the printer is
    announced again so that its card shows the flag. Without a job object it is only about
    the printer (noted, then ignored)."""

    rank: int

    def apply(self, name: str, data: dict[str, Any], at: EventTime) -> bool:
        sp_id = job_id_of(data)
        if sp_id is None:
            return printers.PrinterEvent(self.rank).apply(name, data, at)
        JobEvent(self.rank).apply(name, data, at)  # the job and its printer, as any job event
        job = PrintJob.objects.select_for_update().get(sp_id=sp_id)
        failures = [f for f in data.get("failures") or () if isinstance(f, dict)]
        strongest = max(failures, key=lambda f: _confidence(f.get("confidence")), default={})
        confidence = _confidence(strongest.get("confidence"))
        if job.ai_confidence is not None and confidence < job.ai_confidence:
            return True
        job.ai_confidence = confidence
        job.ai_type = str(strongest.get("type") or "")[:100]
        job.ai_image_url = _link(data.get("image")) or job.ai_image_url
        job.ai_detected_at = from_unix(at.timestamp) or job.ai_detected_at
        job.save()
        changes.changed(job)
        printers.announce_job(job)
        return True


def _confidence(value: Any) -> float:
    """A detection's confidence as 0…1 (SimplyPrint sends 0.92; a percentage is scaled)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    number = float(value)
    number = number / 100 if number > 1 else number
    return max(0.0, min(1.0, number))


def apply_details(job: PrintJob, details: dict[str, Any], fetched_at: datetime) -> None:
    """Take why a failed or cancelled job ended, and who cancelled it, from its
    ``jobs/GetDetails`` answer (``failedReason``, ``cancelInfo {reason, comment, by}``)."""
    cancel = as_dict(details.get("cancelInfo"))
    parts = [str(cancel.get(k) or "").strip() for k in ("reason", "comment")]
    reason = str(details.get("failedReason") or "").strip() or " — ".join(p for p in parts if p)
    job.end_reason = reason[:1000] or job.end_reason
    job.ended_by_name = job.ended_by_name or str(cancel.get("by") or "")[:200]
    job.details_fetched_at = fetched_at
    job.save()
    changes.changed(job)
    printers.announce_job(job)


def _bed_cleared_without_job(printer_sp_id: int, data: dict[str, Any], stamp: Stamp) -> None:
    printer_data = as_dict(data.get("printer"))
    printer = printers.ensure_printer(printer_sp_id, name=printer_data.get("name") or "")
    printers.apply_job_state(printer, None, printers.Printer.State.OPERATIONAL, stamp,
                             bed_needs_clearing=False)


# --- polled state ------------------------------------------------------------------------------

#: Job status strings of the API (job list ``status``, ``printers/Get`` ``job.state``) → status.
#: ``ongoing`` means printing or paused: it keeps a paused job paused.
_POLLED_STATUS: dict[str, str] = {
    "printing": PrintJob.Status.PRINTING, "resuming": PrintJob.Status.PRINTING,
    "downloading": PrintJob.Status.PRINTING, "cancelling": PrintJob.Status.PRINTING,
    "paused": PrintJob.Status.PAUSED, "pausing": PrintJob.Status.PAUSED,
    "done": PrintJob.Status.DONE, "finished": PrintJob.Status.DONE,
    "completed": PrintJob.Status.DONE, "failed": PrintJob.Status.FAILED,
    "error": PrintJob.Status.FAILED, "cancelled": PrintJob.Status.CANCELLED,
    "canceled": PrintJob.Status.CANCELLED,
}
#: Every job state string of the API this service knows (``ongoing`` and the above).
POLLED_STATUSES = frozenset({*_POLLED_STATUS, "ongoing"})


def apply_job_row(row: dict[str, Any], fetched_at: float,
                  printer_sp_id: int | None = None) -> PrintJob | None:
    """Apply one polled job: a ``jobs/GetPaginatedPrintJobs`` row, or the ``job`` of a
    ``printers/Get`` row (then ``printer_sp_id`` says whose). Same rules as webhooks, with the
    poll's stamp ``(fetched_at, 0, 0)``: a finished job never returns to printing, and a newer
    webhook status is not undone. Publishes only when something shown changed."""
    sp_id = as_int(row.get("id"))
    if sp_id is None:
        return None
    if printer_sp_id is None:
        printer = row.get("printer")
        printer_sp_id = as_int(printer.get("id") if isinstance(printer, dict) else printer)
    raw_status = str(row.get("status", row.get("state")) or "").lower()
    status = _POLLED_STATUS.get(raw_status)
    # As a webhook's job is found or made: a webhook applied meanwhile may have created the
    # same job (on PostgreSQL the poll's INSERT then failed on the unique sp_id).
    job, created = _LOCKED_JOB.get_or_create(sp_id, defaults={"source": StateSource.POLL})
    before = None if created else changes.capture(job)
    if job.printer_id is None and printer_sp_id is not None:
        job.printer = printers.ensure_printer(printer_sp_id)
    job.uid = job.uid or str(row.get("uid") or "")
    job.file_name = job.file_name or str(row.get("filename") or row.get("file") or "")
    job.autoprint = job.autoprint or bool(row.get("autoprint"))
    if job.started_at is None:
        job.started_at = as_datetime(row.get("startDate"))
    stamp = EventTime(int(fetched_at), 0).stamp(0)
    if raw_status == "ongoing":
        status = job.status if job.status in (PrintJob.Status.PRINTING,
                                              PrintJob.Status.PAUSED) else PrintJob.Status.PRINTING
    if status is not None and _status_applies(job, status, stamp):
        job.status = status
        job.aspect_times["status"] = list(max(read_stamp(job.aspect_times, "status"), stamp))
        percentage = as_percentage(row.get("currentPercentage", row.get("percentage")))
        if percentage is not None:
            job.percentage = percentage
        ended = as_datetime(row.get("endDate"))
        if ended is not None:
            job.ended_at = ended
        if status == PrintJob.Status.CANCELLED:
            job.end_reason = job.end_reason or _cancel_reason(row.get("cancelReasonType"))
        printed = as_int(row.get("printTime"))
        if printed is not None and status in PrintJob.TERMINAL:
            job.duration = printed
        cost = as_dict(row.get("cost")).get("total_cost")
        if isinstance(cost, int | float) and as_number(cost) is not None:
            job.cost = as_number(cost)
    if before is not None and not changes.differs(job, before):
        if not job.is_terminal:
            job.save(update_fields=["aspect_times"])
        return job
    job.source = job.source or StateSource.POLL
    job.save()
    changes.changed(job)
    return job

