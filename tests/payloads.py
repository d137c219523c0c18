"""Builders of realistic SimplyPrint deliveries, following ``simplyprint-api.md`` §9.6 and §10.

Shapes for the events the contract leaves undocumented are the ones the simulator sends (see
``docs/architecture.md``, "Assumed payloads").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

BASE_TS = 1718006400

ALEX = {"id": 7, "sso": False, "first_name": "Alex", "last_name": "Johnson",
        "avatar": "https://www.gravatar.com/avatar/abc123?s=100"}
MARIA = {"id": 9, "sso": False, "first_name": "Maria", "last_name": "Petrova",
         "avatar": "https://www.gravatar.com/avatar/def456?s=100"}

PRINTERS = {
    385: ("MK4 Bay A-1", {"id": 99, "name": "Bay A"}),
    386: ("MK4 Bay A-2", {"id": 99, "name": "Bay A"}),
    412: ("X1C Bay B-1", {"id": 100, "name": "Bay B"}),
    # A bigger farm for the Planning page's browser tests.
    387: ("MK4 Bay A-3", {"id": 99, "name": "Bay A"}),
    388: ("MK4 Bay A-4", {"id": 99, "name": "Bay A"}),
    413: ("X1C Bay B-2", {"id": 100, "name": "Bay B"}),
    414: ("X1C Bay B-3", {"id": 100, "name": "Bay B"}),
    420: ("Voron 2.4 Bay C-1", {"id": 101, "name": "Bay C"}),
    421: ("Voron 2.4 Bay C-2", {"id": 101, "name": "Bay C"}),
}


def envelope(event: str, data: dict[str, Any], timestamp: int = BASE_TS,
             webhook_id: int = 11) -> dict[str, Any]:
    return {"webhook_id": webhook_id, "event": event, "timestamp": timestamp, "data": data}


def job_object(job_id: int, printer_id: int, *, state: str = "printing",
               file: str = "bracket_v2_0.4n_PLA_2h10m.gcode", started: int = BASE_TS,
               ended: int | None = None, percentage: int = 0, estimate: int = 7800,
               skipped: list[int] | None = None) -> dict[str, Any]:
    name, group = PRINTERS.get(printer_id, (f"Printer {printer_id}", None))
    duration = (ended - started) if ended else 0
    return {
        "id": job_id, "uid": f"da69d2a4-e07e-48ff-128a-{job_id:012d}",
        "panel_url": f"https://simplyprint.io/panel/{job_id}",
        "printer_id": printer_id, "state": state, "file": file,
        "percentage": percentage, "time_left": None if ended else max(estimate - duration, 0),
        "current_layer": 0, "analysis": {"estimate": estimate, "totalLayers": 164},
        "started": started, "ended": ended, "ai": None, "autoprint": False,
        "printer": {"id": printer_id, "name": name, "group": group},
        "cost": 0.84, "duration": duration, "skippedObjects": skipped,
    }


def queue_item(item_id: int, *, filename: str = "gear_M3_0.4n_PETG_1h05m.gcode",
               sort_order: int = 1, group: int = 2, left: int = 5, printed: int = 0,
               printers: list[int] | None = None, estimate: int = 3900) -> dict[str, Any]:
    return {
        "id": item_id, "filename": filename, "note": None, "model": False, "printable": True,
        "type": "printable", "zipPrintable": False, "zipNoModel": None,
        "left": left, "printed": printed, "filesystem_id": "c677ebfd2de41c58eec387e3c84e7895",
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


def printer_ref(printer_id: int) -> dict[str, Any]:
    return {"id": printer_id, "name": PRINTERS.get(printer_id, (f"Printer {printer_id}",))[0]}


@dataclass
class FarmStory:
    """Writes deliveries of a plausible farm history with increasing timestamps."""

    now: int = BASE_TS
    _ids: itertools.count = field(default_factory=lambda: itertools.count(552252))

    def tick(self, seconds: int = 60) -> int:
        self.now += seconds
        return self.now

    def job_started(self, printer_id: int, job_id: int | None = None, **kw: Any) -> dict:
        job_id = job_id or next(self._ids)
        job = job_object(job_id, printer_id, started=self.now, **kw)
        return envelope("job.started", {"job": job, "user": ALEX, "started_by": ALEX}, self.now)

    def job_event(self, event: str, started: dict, percentage: int = 50, **data: Any) -> dict:
        job = dict(started["data"]["job"])
        state = {"job.paused": "paused", "job.resumed": "printing", "job.done": "done",
                 "job.failed": "failed", "job.cancelled": "cancelled"}.get(event, job["state"])
        ended = self.now if event in ("job.done", "job.failed", "job.cancelled") else None
        job.update(state=state, percentage=100 if event == "job.done" else percentage,
                   ended=ended, duration=(ended or self.now) - job["started"])
        payload: dict[str, Any] = {"job": job, **data}
        if event == "job.cancelled":
            payload.setdefault("user", MARIA)
        if event == "job.bed_cleared":
            payload.update(printer=printer_ref(job["printer_id"]), user=MARIA, success=True)
        return envelope(event, payload, self.now)

    def printer_event(self, event: str, printer_id: int, **data: Any) -> dict:
        return envelope(event, {"printer": printer_ref(printer_id), "user": ALEX, **data},
                        self.now)

    def queue_event(self, event: str, item: dict, **data: Any) -> dict:
        payload: dict[str, Any] = {"queue_item": item, **data}
        if event == "queue.item_approved":
            payload.setdefault("approved_by", MARIA)
        elif event == "queue.item_denied":
            payload.setdefault("denied_by", MARIA)
            payload.setdefault("reason", "Wrong material")
            payload.setdefault("removed", False)
        else:
            payload.setdefault("user", ALEX)
        return envelope(event, payload, self.now)
