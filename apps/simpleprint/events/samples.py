"""Realistic sample deliveries (``simplyprint-api.md`` §9.4–§9.6, §10) for local injection.

An operator checks the whole store-and-process path without SimplyPrint by injecting one of
these. They describe a dedicated sample printer and queue group, so an injected
``queue.empty_queue`` or ``job.started`` never touches the real farm's printers or queue.
"""

from __future__ import annotations

from typing import Any

from .events import SUBSCRIBED_EVENTS, TEST_EVENT

#: Every event a sample exists for: what the service subscribes to, plus ``test``.
SAMPLE_EVENTS: tuple[str, ...] = (*SUBSCRIBED_EVENTS, TEST_EVENT)

SAMPLE_PRINTER_ID = 900001
SAMPLE_GROUP = {"id": 900001, "name": "Samples (local injection)"}
SAMPLE_QUEUE_GROUP_ID = 900001

OPERATOR = {"id": 7, "sso": False, "first_name": "Alex", "last_name": "Johnson",
            "avatar": "https://www.gravatar.com/avatar/abc123?s=100"}
APPROVER = {"id": 9, "sso": False, "first_name": "Maria", "last_name": "Petrova",
            "avatar": "https://www.gravatar.com/avatar/def456?s=100"}

_JOB_STATES = {
    "job.started": "printing", "job.paused": "paused", "job.resumed": "printing",
    "job.cancelled": "cancelled", "job.done": "done", "job.failed": "failed",
    "job.bed_cleared": "done", "job.objects_skipped": "printing",
    "printer.ai_failure_detected": "printing",
}
_ENDED = frozenset({"job.cancelled", "job.done", "job.failed", "job.bed_cleared"})


def printer_short() -> dict[str, Any]:
    return {"id": SAMPLE_PRINTER_ID, "name": "Sample printer"}


def job_object(job_id: int, *, printer: dict[str, Any], state: str, started: int,
               ended: int | None, now: int, percentage: int, layer: int = 0,
               file: str = "bracket_v2_0.4n_PLA_2h10m.gcode", estimate: int = 7800,
               skipped: list[int] | None = None) -> dict[str, Any]:
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


def queue_item(item_id: int, *, filename: str = "gear_M3_0.4n_PETG_1h05m.gcode",
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


def _sample_job(event: str, job_id: int, timestamp: int) -> dict[str, Any]:
    """The sample printer's job as it looks when ``event`` happens."""
    done = event in ("job.done", "job.bed_cleared")
    return job_object(
        job_id, printer={**printer_short(), "group": SAMPLE_GROUP},
        state=_JOB_STATES.get(event, "printing"), started=timestamp - 3600,
        ended=timestamp if event in _ENDED else None, now=timestamp,
        percentage=100 if done else 46, layer=164 if done else 75,
        file="sample_bracket_0.4n_PLA_2h10m.gcode",
        skipped=[2] if event == "job.objects_skipped" else None,
    )


def _job_data(event: str, ref: int, timestamp: int) -> dict[str, Any]:
    data: dict[str, Any] = {"job": _sample_job(event, ref, timestamp)}
    if event == "job.started":
        data.update(user=OPERATOR, started_by=OPERATOR)
    elif event == "job.cancelled":
        data["user"] = APPROVER
    elif event == "job.bed_cleared":
        data.update(printer=printer_short(), user=APPROVER, success=True)
    elif event == "printer.ai_failure_detected":
        data.update(image="https://simplyprint.io/ai/frames/sample.jpg",
                    failures=[{"confidence": 0.92, "type": "spaghetti"}])
    return data


def _printer_data(event: str) -> dict[str, Any]:
    base: dict[str, Any] = {"printer": printer_short(), "user": OPERATOR}
    if event == "printer.autoprint_state_changed":
        return {**base, "state": "enabled"}
    if event == "printer.nozzle_size_changed":
        return {**base, "nozzle": 0.6}
    if event == "printer.material_changed":
        return {**base, "material": [{"ext": 0, "type": "PETG", "color": "Black",
                                      "hex": "#000000"}]}
    if event in ("printer.custom_tag_assigned", "printer.custom_tag_detached"):
        return {**base, "tag": {"id": 31, "name": "Sample tag"}}
    if event == "printer.out_of_order_state_changed":
        return {**base, "out_of_order": False}
    raise ValueError(f"no sample for {event}")


def _queue_data(event: str, ref: int) -> dict[str, Any]:
    if event == "queue.empty_queue":
        return {"user": OPERATOR, "group": SAMPLE_QUEUE_GROUP_ID}
    data: dict[str, Any] = {"queue_item": queue_item(
        ref, filename="sample_gear_M3_0.4n_PETG_1h05m.gcode", printers=[SAMPLE_PRINTER_ID])}
    if event == "queue.item_approved":
        data["approved_by"] = APPROVER
    elif event == "queue.item_denied":
        data.update(denied_by=APPROVER, reason="Wrong material", removed=False)
    else:
        data["user"] = OPERATOR
    return data


def sample_data(event: str, ref: int, timestamp: int) -> dict[str, Any]:
    """The ``data`` object of a sample ``event``; ``ref`` is used as its job or queue item id."""
    if event == TEST_EVENT:
        return {}
    if event.startswith("job.") or event == "printer.ai_failure_detected":
        return _job_data(event, ref, timestamp)
    if event.startswith("printer."):
        return _printer_data(event)
    if event.startswith("queue."):
        return _queue_data(event, ref)
    raise ValueError(f"no sample for {event}")


def sample_envelope(event: str, *, ref: int, timestamp: int, webhook_id: int = 0
                    ) -> dict[str, Any]:
    """A whole delivery body (§9.2) for ``event``. ``webhook_id`` 0 marks it a sample (§8.5)."""
    if event not in SAMPLE_EVENTS:
        raise ValueError(f"no sample for {event}")
    return {"webhook_id": webhook_id, "event": event, "timestamp": timestamp,
            "data": sample_data(event, ref, timestamp)}
