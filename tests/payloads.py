"""Builders of realistic SimplyPrint deliveries, following ``simplyprint-api.md`` §9.6 and §10.

Shapes for the events the contract leaves undocumented are the ones the simulator sends (see
``docs/architecture.md``, "Assumed payloads").
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from apps.simpleprint.events.samples import APPROVER as MARIA
from apps.simpleprint.events.samples import OPERATOR as ALEX
from apps.simpleprint.events.samples import job_object as sample_job_object
from apps.simpleprint.events.samples import queue_item_object as sample_queue_item

BASE_TS = 1718006400

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

__all__ = ["ALEX", "MARIA", "FarmStory", "envelope", "job_object", "queue_item"]


def envelope(event: str, data: dict[str, Any], timestamp: int = BASE_TS,
             webhook_id: int = 11) -> dict[str, Any]:
    return {"webhook_id": webhook_id, "event": event, "timestamp": timestamp, "data": data}


def queue_item(item_id: int, **kwargs: Any) -> dict[str, Any]:
    """A queue item of the farm's queue group 2 (not the samples' group), five copies left."""
    return sample_queue_item(item_id, **{"group": 2, "left": 5, **kwargs})


def job_object(job_id: int, printer_id: int, *, state: str = "printing",
               started: int = BASE_TS, ended: int | None = None, percentage: int = 0,
               **kwargs: Any) -> dict[str, Any]:
    name, group = PRINTERS.get(printer_id, (f"Printer {printer_id}", None))
    return sample_job_object(job_id, printer={"id": printer_id, "name": name, "group": group},
                             state=state, started=started, ended=ended, now=ended or started,
                             percentage=percentage, **kwargs)


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


def printer_row(printer_id: int, *, state: str = "operational", online: bool = True,
                job: dict[str, Any] | None = None, nozzle: float = 0.4,
                material: list[dict[str, Any]] | None = None, custom: list[int] | None = None,
                out_of_order: bool = False) -> dict[str, Any]:
    """One ``printers/Get`` row (API notes §5.1, §10.1); ``job`` is its short job object."""
    name, group = PRINTERS.get(printer_id, (f"Printer {printer_id}", None))
    return {
        "id": printer_id, "sort_order": printer_id,
        "printer": {
            "name": name, "state": state, "group": (group or {}).get("id", 0), "position": 1,
            "api": "OctoPrint", "ui": "OctoPrint", "ip": "10.78.16.41", "public": 0,
            "online": online, "region": "eu-west-2", "firmware": "Prusa-Firmware 6.1.3",
            "model": {"id": 304, "name": "MK4", "brand": "Prusa", "extruders": 1},
            "hasCam": 0, "hasQueue": {"items": 2, "fits": True}, "outOfOrder": int(out_of_order),
            "latency": 42 if online else None,
        },
        "filament": None,
        "job": job,
        "tags": {"nozzle": nozzle,
                 "material": material if material is not None else
                 [{"ext": 0, "type": 1, "color": "Black", "hex": "#101010"}],
                 "custom": custom or []},
    }


def printer_job_row(job_id: int, *, state: str = "printing", percentage: int = 40,
                    time_left: int = 3000, file: str = "bracket_v2_0.4n_PLA_2h10m.gcode"
                    ) -> dict[str, Any]:
    """The ``job`` of a ``printers/Get`` row (``time`` = seconds left while printing)."""
    return {"id": job_id, "uid": f"da69d2a4-e07e-48ff-128a-{job_id:012d}", "state": state,
            "file": file, "percentage": percentage, "time": time_left, "canPreview": True,
            "layer": 12}


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
