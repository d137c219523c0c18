"""The planning projection: when each printer frees up and when each queued part will be done.

A pure function of the farm's state, modelled on how SimplyPrint hands out its queue: whenever
a printer becomes free (its current job ends, plus the bed turnaround), it takes the **first**
item in queue order that it may print and that still has copies ``left``. Printers free up in
time order (ties: the board's order), so this is an event-driven greedy simulation.

Rules:

- A printer that is offline, in error, of unknown state or marked out of order takes nothing.
- A busy printer (printing, paused, downloading, cancelling) is free at its job's expected end
  (``progress_at + time_left``; a paused job's clock stands still, so ``now + time_left``;
  without ``time_left``: ``started + estimate``), plus ``turnaround`` to clear the bed.
- An idle printer whose bed still needs clearing is free at ``now + turnaround``.
- A queue item may go to a printer when it has no restriction, or when the printer is in its
  ``for_printers``, or of a model in ``for_models``, or in a group in ``for_groups`` (any one).
- Items pending approval (or denied, done, deleted) are not scheduled; each copy of ``left``
  is one print of ``estimate_seconds`` (``default_estimate`` when the file has none).

Per printer a cursor only moves forward through the queue: every item before it is either not
printable there or used up, and the queue only shrinks, so the whole projection costs
O(printers x items + copies x log printers).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

BUSY_STATES = frozenset({"printing", "paused", "downloading", "cancelling"})
IDLE_STATES = frozenset({"operational"})
SCHEDULABLE_QUEUE_STATES = frozenset({"queued", "approved"})
#: Copies projected at most: a runaway ``left`` must not make the page slow.
MAX_COPIES = 5000


@dataclass(frozen=True)
class FarmPrinter:
    sp_id: int
    name: str = ""
    state: str = "operational"
    group_id: int | None = None
    model_id: int | None = None
    online: bool | None = True
    out_of_order: bool = False
    bed_needs_clearing: bool = False
    job_sp_id: int | None = None
    job_file: str = ""
    job_started: float | None = None
    job_estimate: int | None = None
    time_left: int | None = None
    progress_at: float | None = None


@dataclass(frozen=True)
class QueueEntry:
    sp_id: int
    filename: str = ""
    state: str = "queued"
    left: int = 1
    estimate_seconds: int | None = None
    for_printers: Sequence[int] = ()
    for_models: Sequence[int] = ()
    for_groups: Sequence[int] = ()

    def allows(self, printer: FarmPrinter) -> bool:
        if not (self.for_printers or self.for_models or self.for_groups):
            return True
        return (printer.sp_id in self.for_printers
                or (printer.model_id is not None and printer.model_id in self.for_models)
                or (printer.group_id is not None and printer.group_id in self.for_groups))


@dataclass
class Block:
    """One stretch of a printer's timeline: its current job, or one copy of a queue item."""

    kind: str  # "job" | "queue"
    sp_id: int
    label: str
    start: float
    end: float
    copy: int = 0  # which copy of the queue item (1-based); 0 for a job
    estimated: bool = True  # False when the duration is a default guess

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "sp_id": self.sp_id, "label": self.label,
                "start": round(self.start), "end": round(self.end), "copy": self.copy,
                "estimated": self.estimated}


@dataclass
class PrinterPlan:
    sp_id: int
    available: bool
    reason: str  # why it takes nothing: "offline", "error", "out_of_order", "unknown"; or ""
    #: When it runs out of queued work (after the queue copies it is given).
    free_at: float | None
    #: When it is free for new work: now, or at the end of its job (plus the turnaround).
    free_from: float | None = None
    blocks: list[Block] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"sp_id": self.sp_id, "available": self.available, "reason": self.reason,
                "free_at": None if self.free_at is None else round(self.free_at),
                "free_from": None if self.free_from is None else round(self.free_from),
                "blocks": [block.as_dict() for block in self.blocks]}


@dataclass
class ItemPlan:
    sp_id: int
    status: str  # "scheduled" | "partly_scheduled" | "pending_approval" | "no_printer" | ...
    copies: list[tuple[int, float, float]] = field(default_factory=list)  # (printer, start, end)
    unscheduled: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "sp_id": self.sp_id, "status": self.status, "unscheduled": self.unscheduled,
            "copies": [{"printer_id": p, "start": round(s), "end": round(e)}
                       for p, s, e in self.copies],
            "start": round(self.copies[0][1]) if self.copies else None,
            "done_at": round(max(e for _, _, e in self.copies)) if self.copies else None,
        }


@dataclass
class Projection:
    now: float
    turnaround: int
    printers: list[PrinterPlan]
    items: list[ItemPlan]
    truncated: bool = False

    def printer(self, sp_id: int) -> PrinterPlan:
        return next(plan for plan in self.printers if plan.sp_id == sp_id)

    def item(self, sp_id: int) -> ItemPlan:
        return next(plan for plan in self.items if plan.sp_id == sp_id)

    def as_dict(self) -> dict[str, object]:
        return {"now": round(self.now), "turnaround_seconds": self.turnaround,
                "truncated": self.truncated,
                "printers": [plan.as_dict() for plan in self.printers],
                "items": [plan.as_dict() for plan in self.items]}


def unavailable_reason(printer: FarmPrinter) -> str:
    """Why the printer takes no queue item, or "" when it does."""
    if printer.out_of_order:
        return "out_of_order"
    if printer.online is False or printer.state == "offline":
        return "offline"
    if printer.state == "error":
        return "error"
    if printer.state not in BUSY_STATES | IDLE_STATES:
        return "unknown"
    return ""


def job_end(printer: FarmPrinter, now: float, default_estimate: int) -> float:
    """When the printer's current job is expected to end (never before ``now``)."""
    if printer.time_left is not None:
        running = printer.state != "paused" and printer.progress_at is not None
        base = printer.progress_at if running and printer.progress_at is not None else now
        return max(now, base + printer.time_left)
    if printer.job_started is not None:
        return max(now, printer.job_started + (printer.job_estimate or default_estimate))
    return now + default_estimate


def project(printers: Iterable[FarmPrinter], queue: Iterable[QueueEntry], *, now: float,
            turnaround: int = 0, default_estimate: int = 3600) -> Projection:
    """The timeline of every printer and the expected dates of every queue item.

    ``printers`` in board order (it breaks ties between printers free at the same time);
    ``queue`` in queue order.
    """
    farm = list(printers)
    plans: list[PrinterPlan] = []
    ready: list[tuple[float, int]] = []  # (free at, index in farm)
    for index, printer in enumerate(farm):
        reason = unavailable_reason(printer)
        plan = PrinterPlan(printer.sp_id, available=not reason, reason=reason, free_at=None)
        plans.append(plan)
        if reason:
            continue
        free_at = now
        if printer.state in BUSY_STATES:
            end = job_end(printer, now, default_estimate)
            plan.blocks.append(Block(
                "job", printer.job_sp_id or 0, printer.job_file, now, end,
                estimated=printer.time_left is not None or printer.job_estimate is not None))
            free_at = end + turnaround
        elif printer.bed_needs_clearing:
            free_at = now + turnaround
        plan.free_at = plan.free_from = free_at
        ready.append((free_at, index))
    heapq.heapify(ready)

    entries = list(queue)
    items = [ItemPlan(entry.sp_id, status="scheduled") for entry in entries]
    left = [0] * len(entries)
    for i, entry in enumerate(entries):
        if entry.state in SCHEDULABLE_QUEUE_STATES:
            left[i] = max(entry.left, 0)
        else:
            items[i].status = entry.state
    cursors = [0] * len(farm)
    budget = MAX_COPIES
    truncated = False

    while ready:
        free_at, index = heapq.heappop(ready)
        printer = farm[index]
        i = cursors[index]
        while i < len(entries) and not (left[i] and entries[i].allows(printer)):
            i += 1
        cursors[index] = i
        if i == len(entries):
            continue  # nothing left this printer may print: it stays free from free_at
        if budget == 0:
            truncated = True
            break
        budget -= 1
        entry = entries[i]
        duration = entry.estimate_seconds or default_estimate
        end = free_at + duration
        left[i] -= 1
        item = items[i]
        item.copies.append((printer.sp_id, free_at, end))
        plans[index].blocks.append(Block(
            "queue", entry.sp_id, entry.filename, free_at, end, copy=len(item.copies),
            estimated=entry.estimate_seconds is not None))
        plans[index].free_at = end + turnaround
        heapq.heappush(ready, (end + turnaround, index))

    for i, item in enumerate(items):
        if entries[i].state not in SCHEDULABLE_QUEUE_STATES:
            continue
        item.unscheduled = left[i]
        if left[i] and item.copies:
            item.status = "partly_scheduled"
        elif left[i]:
            item.status = "beyond_limit" if truncated else "no_printer"
    return Projection(now=now, turnaround=turnaround, printers=plans, items=items,
                      truncated=truncated)
