"""Builders of realistic SimplyPrint deliveries, following ``simplyprint-api.md`` §9.6 and §10.

Shapes for the events the contract leaves undocumented are the ones the simulator sends (see
``docs/architecture.md``, "Assumed payloads").
"""

from __future__ import annotations

import itertools
import random
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


def farm_stream(count: int, seed: int = 1, printers: int = 12) -> list[dict[str, Any]]:
    """``count`` distinct deliveries of a busy farm, in event order: jobs that start, pause,
    resume, end and get their beds cleared on ``printers`` printers, printer settings that
    change, queue items that come and go. The same ``seed`` gives the same stream."""
    rng = random.Random(seed)
    story = FarmStory()
    printer_ids = [1000 + n for n in range(printers)]
    running: dict[int, tuple[dict[str, Any], str]] = {}
    stream: list[dict[str, Any]] = []
    item_ids = itertools.count(50_000)
    queued: list[dict[str, Any]] = []
    while len(stream) < count:
        story.tick(rng.choice((1, 1, 2, 5, 30)))
        printer = rng.choice(printer_ids)
        roll = rng.random()
        if roll < 0.6:
            started, phase = running.get(printer, (None, "idle"))
            if started is None:
                started = story.job_started(printer, percentage=0)
                running[printer] = (started, "printing")
                stream.append(started)
            elif phase == "printing":
                ending = rng.choice(("job.paused", "job.done", "job.done", "job.failed",
                                     "job.cancelled"))
                stream.append(story.job_event(ending, started, rng.randint(1, 99)))
                running[printer] = (started, "paused" if ending == "job.paused" else "ended")
            elif phase == "paused":
                stream.append(story.job_event("job.resumed", started, rng.randint(1, 99)))
                running[printer] = (started, "printing")
            else:
                stream.append(story.job_event("job.bed_cleared", started))
                del running[printer]
        elif roll < 0.8:
            event, data = rng.choice((
                ("printer.nozzle_size_changed", {"nozzle": rng.choice((0.4, 0.6, 0.8))}),
                ("printer.out_of_order_state_changed", {"out_of_order": rng.random() < 0.3}),
                ("printer.autoprint_state_changed", {"state": rng.choice(("enabled", "paused"))}),
                ("printer.custom_tag_assigned", {"tag": {"id": rng.randint(1, 4)}}),
                ("printer.material_changed", {"material": [{
                    "ext": 0, "type": rng.randint(1, 4), "color": "Black", "hex": "#000000"}]}),
            ))
            stream.append(story.printer_event(event, printer, **data))
        elif queued and rng.random() < 0.5:
            item = queued.pop(rng.randrange(len(queued)))
            event = rng.choice(("queue.delete_item", "queue.move_item"))
            if event == "queue.move_item":
                item = {**item, "sort_order": rng.randint(1, 9)}
                queued.append(item)
            stream.append(story.queue_event(event, item))
        else:
            item = queue_item(next(item_ids), sort_order=rng.randint(1, 9), group=2)
            queued.append(item)
            stream.append(story.queue_event("queue.add_item", item))
    return stream
