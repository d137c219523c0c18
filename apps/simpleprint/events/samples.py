"""Realistic sample deliveries (``simplyprint-api.md`` §9.4–§9.6, §10) for local injection.

An operator checks the whole store-and-process path without SimplyPrint by injecting one of
these. They describe a dedicated sample printer and queue group, so an injected
``queue.empty_queue`` or ``job.started`` never touches the real farm's printers or queue.
"""

from __future__ import annotations

from typing import Any

from ..models import PrintJob
from .spec import EventSpec, SampleBuilder

SAMPLE_PRINTER_ID = 900001
SAMPLE_GROUP = {"id": 900001, "name": "Samples (local injection)"}
SAMPLE_QUEUE_GROUP_ID = 900001

OPERATOR = {"id": 7, "sso": False, "first_name": "Alex", "last_name": "Johnson",
            "avatar": "https://www.gravatar.com/avatar/abc123?s=100"}
APPROVER = {"id": 9, "sso": False, "first_name": "Maria", "last_name": "Petrova",
            "avatar": "https://www.gravatar.com/avatar/def456?s=100"}

def printer_short() -> dict[str, Any]:
    return {"id": SAMPLE_PRINTER_ID, "name": "Sample printer"}


#: A spool as ``filament.*`` events carry it (SimplyPrint's published sample, §9.6).
FILAMENT = {"id": 55, "uid": "SP-FILA-000055", "type": {"id": 2, "name": "PETG"},
            "brand": "Prusament", "brandId": 3, "brandFilamentId": 11, "brandColorId": 42,
            "brandVariantId": None, "colorName": "Galaxy Black", "colorHex": "#1B1B1B",
            "dia": 1.75, "note": None, "productionId": None, "batchId": None, "cost": 24.99}


def job_object(job_id: int, *, printer: dict[str, Any], state: str, started: int,
               ended: int | None, now: int, percentage: int, layer: int = 0,
               file: str = "bracket_v2_0.4n_PLA_2h10m.gcode", estimate: int = 7800,
               skipped: list[Any] | None = None) -> dict[str, Any]:
    """A ``job`` object of §9.6 at time ``now``. ``printer`` is ``{id, name, group}``."""
    return {
        "id": job_id, "uid": f"da69d2a4-e07e-48ff-128a-{job_id:012d}",
        "panel_url": f"https://simplyprint.io/panel/{job_id}",
        "printer_id": printer["id"], "state": state, "file": file,
        "percentage": percentage,
        "time_left": None if ended else max(estimate - (now - started), 0),
        "current_layer": layer, "analysis": {"estimate": estimate, "totalLayers": 164},
        "started": started, "ended": ended, "ai": None, "autoprint": False,
        "printer": printer, "cost": 0.84, "duration": (ended or now) - started,
        "skippedObjects": skipped,
    }


def queue_item_object(item_id: int, *, filename: str = "gear_M3_0.4n_PETG_1h05m.gcode",
               left: int = 3, printed: int = 0, sort_order: int = 1,
               group: int = SAMPLE_QUEUE_GROUP_ID, printers: list[int] | None = None,
               estimate: int = 3900) -> dict[str, Any]:
    """A ``queue_item`` with the fields of the verified ``queue.add_item`` sample (§9.6)."""
    return {
        "id": item_id, "filename": filename, "note": None,
        "model": False, "printable": True, "type": "printable", "zipPrintable": False,
        "zipNoModel": None, "left": left, "printed": printed,
        "filesystem_id": "c677ebfd2de41c58eec387e3c84e7895",
        "for": {"printers": printers, "models": None, "groups": None},
        "tags": None, "group": group,
        "analysis": {"slicer": "PrusaSlicer", "filament": [4210.5], "estimate": estimate,
                     "temps": {"tool": {"T0": 240}, "bed": 80},
                     "modelSize": {"x": 80, "y": 40, "z": 25}},
        "added": "2024-06-10T07:03:20+00:00", "size": 2458112, "index": None,
        "sort_order": sort_order, "user": "Alex Johnson", "user_id": 7, "custom_fields": [],
        "quota_warnings": {"over_quota": False, "insufficient_balance": False,
                           "would_exceed": [], "details": []},
    }


#: The job ``state`` SimplyPrint's published samples show for a finished job.
COMPLETED = "completed"


def _job_state(spec: EventSpec) -> str:
    """The sample job's ``state`` as SimplyPrint shows it when the event happens (a finished
    job is ``completed`` there, as in SimplyPrint's published samples)."""
    status = getattr(spec.effect, "status", None)
    if status == PrintJob.Status.DONE or getattr(spec.effect, "clears_bed", False):
        return COMPLETED
    return str(status) if status is not None else "printing"


def job() -> SampleBuilder:
    """A job event of the sample printer: the job as it looks when the event happens."""

    def build(spec: EventSpec, ref: int, timestamp: int) -> dict[str, Any]:
        state = _job_state(spec)
        ended = state in PrintJob.TERMINAL or state == COMPLETED
        done = state == COMPLETED
        data: dict[str, Any] = {"job": job_object(
            ref, printer={**printer_short(), "group": SAMPLE_GROUP}, state=state,
            started=timestamp - 3600, ended=timestamp if ended else None, now=timestamp,
            percentage=100 if done else 46, layer=164 if done else 75,
            file="sample_bracket_0.4n_PLA_2h10m.gcode",
            skipped=[{"id": 2, "name": "object 2"}] if spec.name == "job.objects_skipped"
            else None,
        )}
        if spec.name == "job.started":
            data.update(user=OPERATOR, started_by=OPERATOR)
        elif spec.name == "job.cancelled":
            data["user"] = APPROVER
        elif spec.name == "job.bed_cleared":
            data.update(printer=printer_short(), user=APPROVER, success=True)
        elif spec.name == "printer.ai_failure_detected":
            data.update(image="https://simplyprint.io/ai/frames/sample.jpg",
                        failures=[{"confidence": 0.92, "type": "spaghetti"}])
        return data

    return build


def printer(extra: dict[str, Any]) -> SampleBuilder:
    """A setting event of the sample printer carrying ``extra``."""

    def build(spec: EventSpec, ref: int, timestamp: int) -> dict[str, Any]:
        return {"printer": printer_short(), "user": OPERATOR, **extra}

    return build


def queue_item(extra: dict[str, Any] | None = None) -> SampleBuilder:
    """An event about one item of the samples' queue group; ``extra`` replaces the ``user``."""

    def build(spec: EventSpec, ref: int, timestamp: int) -> dict[str, Any]:
        item = queue_item_object(ref, filename="sample_gear_M3_0.4n_PETG_1h05m.gcode",
                                 printers=[SAMPLE_PRINTER_ID])
        return {"queue_item": item, **(extra if extra is not None else {"user": OPERATOR})}

    return build


def empty_queue() -> SampleBuilder:
    def build(spec: EventSpec, ref: int, timestamp: int) -> dict[str, Any]:
        return {"user": OPERATOR, "group": SAMPLE_QUEUE_GROUP_ID}

    return build


def test() -> SampleBuilder:
    def build(spec: EventSpec, ref: int, timestamp: int) -> dict[str, Any]:
        return {}

    return build
