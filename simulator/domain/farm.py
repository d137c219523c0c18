"""The simulated print farm: a pure, deterministic domain model driven by ``advance_to``.

Everything random comes from one ``random.Random(seed)``; time only moves through
``advance_to``, processed on a fixed grid of ``STEP`` simulated seconds (divided by the pace),
so the same seed and the same sequence of advances and actions always produce the same event
sequence.
Every change is announced as a ``FarmEvent`` (named domain facts) to ``listeners``, which turn it
into whatever they need (``simulator.contract.event_log`` renders the webhook ``data``).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

from simulator.domain.actions import ActionRules
from simulator.domain.catalog import (
    COLORS,
    CUSTOM_TAGS,
    DONE_ITEM_TTL,
    GROUP_MODELS,
    MATERIAL_TYPES,
    MODEL_SHORT,
    QUEUE_GROUPS,
)
from simulator.domain.model import (
    PRINTER_STATES_BUSY,
    FarmEvent,
    Job,
    Printer,
    QueueItem,
    Spool,
    User,
    Webhook,
)

STEP = 10  # simulated seconds per farm step
HOUR = 3600.0

AUTOPRINT_STATES = ("enabled", "paused", "disabled")


def _length(seconds: int) -> str:
    """How long a print takes, as slicers put it in file names: ``2h10m``, or ``3m20s``."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes}m" if hours else f"{minutes}m{secs}s"


class FarmError(Exception):
    """An action the farm refuses; the API answers 400 with this message."""


PART_NAMES = ("bracket_v2", "hinge_left", "cable_clip", "enclosure_lid", "gear_32t", "spool_holder",
              "fan_duct", "knob_m6", "phone_stand", "benchy", "drawer_handle", "sensor_mount",
              "lamp_shade", "tool_tray", "pcb_case")
USERS = (("Alex", "Johnson"), ("Maria", "Ivanova"), ("Sam", "Lee"), ("Priya", "Natarajan"),
         ("Tom", "Becker"))
SLICERS = {304: "PrusaSlicer", 512: "BambuStudio"}

# Natural rates, per hour.
RATE_NEW_ITEM_PER_PRINTER = 0.15
RATE_OFFLINE = 0.02
RATE_OUT_OF_ORDER = 0.004
RATE_MATERIAL = 0.04
RATE_NOZZLE = 0.004
RATE_TAG = 0.004
RATE_AUTOPRINT = 0.006
RATE_MANUAL_START = 0.6
RATE_DELETE_ITEM = 0.05
RATE_MOVE_ITEM = 0.1
P_FAIL, P_CANCEL, P_PAUSE, P_SKIP, P_PENDING, P_APPROVE = 0.05, 0.03, 0.04, 0.02, 0.15, 0.85


class Farm:
    def __init__(self, *, printers: int = 12, seed: int = 1, start: float, company_id: int = 1,
                 natural: bool = True, pace: float = 1.0) -> None:
        self.rng = random.Random(seed)
        # Durations and gaps are divided by ``pace`` (rates multiplied), the clock is not: a
        # demo at pace 60 prints a 2 h part in 2 min, and every timestamp is the wall clock's.
        self.pace = float(pace)
        self.step = max(1, round(STEP / self.pace))
        self.company_id = company_id
        self.natural = natural
        self.now = float(start)
        self._next_step = float(start)
        self._steps = 0
        self._seq = 0
        self._ids: dict[str, int] = {"job": 552000, "item": 880, "webhook": 10, "spool": 7000}
        self.listeners: list[Callable[[FarmEvent], None]] = []
        self.users = {i: User(i, first, last, f"https://www.gravatar.com/avatar/{i:032x}?s=100")
                      for i, (first, last) in enumerate(USERS, start=1)}
        self.api_user_id = 1
        self.groups: dict[int, str] = {}
        self.printers: dict[int, Printer] = {}
        self.jobs: dict[int, Job] = {}
        self.jobs_by_uid: dict[str, Job] = {}
        self.queue: dict[int, QueueItem] = {}
        self.webhooks: dict[int, Webhook] = {}
        #: Where SimplyPrint's behaviour for the operator actions is unknown: the alternative
        #: this farm follows (``simulator.domain.actions``).
        self.rules = ActionRules()
        self._booting = True
        self._build_printers(printers)
        for _ in range(2 * printers):
            self._natural_new_item(allow_pending=False)
        self._boot_running_jobs()
        self._booting = False

    # ------------------------------------------------------------------ helpers

    def _next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def _chance(self, rate_per_hour: float) -> bool:
        return self.rng.random() < rate_per_hour * self.pace * self.step / HOUR

    def _span(self, seconds: float) -> float:
        """A duration or gap of the farm, compressed by the pace."""
        return seconds / self.pace

    def _hex(self, nbytes: int) -> str:
        return f"{self.rng.getrandbits(nbytes * 8):0{nbytes * 2}x}"

    def user(self, user_id: int | None) -> User:
        return self.users.get(user_id or self.api_user_id) or self.users[self.api_user_id]

    def _random_user(self) -> User:
        return self.users[self.rng.randint(1, len(self.users))]

    def printer(self, printer_id: int) -> Printer:
        try:
            return self.printers[int(printer_id)]
        except (KeyError, TypeError, ValueError):
            raise FarmError(f"Printer {printer_id} not found") from None

    def item(self, item_id: int) -> QueueItem:
        try:
            return self.queue[int(item_id)]
        except (KeyError, TypeError, ValueError):
            raise FarmError(f"Queue item {item_id} not found") from None

    def current_job(self, printer: Printer) -> Job | None:
        return self.jobs.get(printer.job_id) if printer.job_id is not None else None

    def active_job(self, printer: Printer) -> Job | None:
        job = self.current_job(printer)
        return job if job is not None and job.active else None

    def printer_state(self, printer: Printer) -> str:
        if not printer.online:
            return "offline"
        job = self.active_job(printer)
        return job.state if job is not None else "operational"

    def can_start(self, printer: Printer) -> bool:
        return printer.online and self.active_job(printer) is None and printer.bed_clear

    def emit(self, event: str, **facts: Any) -> None:
        if self._booting:
            return
        self._seq += 1
        happened = FarmEvent(self._seq, event, int(self.now), facts)
        for listener in self.listeners:
            listener(happened)

    def sorted_items(self) -> list[QueueItem]:
        return sorted(self.queue.values(), key=lambda i: (i.sort_order, i.id))

    def active_items(self) -> list[QueueItem]:
        return [i for i in self.sorted_items() if not i.is_done]

    def fits(self, item: QueueItem, printer: Printer) -> bool:
        constraints = (item.for_printers, item.for_models, item.for_groups)
        if any(c is not None for c in constraints) and not (
            printer.id in (item.for_printers or ())
            or printer.model_id in (item.for_models or ())
            or printer.group_id in (item.for_groups or ())
        ):
            return False
        nozzle = (item.tags or {}).get("nozzle")
        return nozzle is None or abs(float(nozzle) - printer.nozzle) < 1e-6

    def next_item_for(self, printer: Printer) -> QueueItem | None:
        for item in self.active_items():
            if item.approval == "approved" and self.fits(item, printer):
                return item
        return None

    # ------------------------------------------------------------------ setup

    def _build_printers(self, count: int) -> None:
        for index in range(count):
            group_no, position = divmod(index, 4)
            # Bay A … Bay Z, then Bay A2 … (names stay unique beyond 104 printers)
            cycle, letter = divmod(group_no, 26)
            bay = chr(ord("A") + letter) + (str(cycle + 1) if cycle else "")
            group_id = group_no + 1
            self.groups[group_id] = f"Bay {bay}"
            model_id = GROUP_MODELS[group_no % len(GROUP_MODELS)]
            color, hex_ = self.rng.choice(COLORS)
            pid = index + 1
            self.printers[pid] = Printer(
                id=pid, name=f"{MODEL_SHORT[model_id]} Bay {bay}-{position + 1}",
                group_id=group_id, position=position + 1, model_id=model_id,
                ip=f"10.78.16.{40 + pid}",
                nozzle=0.6 if self.rng.random() < 0.15 else 0.4,
                material=[{"ext": 0, "type": self.rng.choice((1, 1, 1, 2)), "color": color,
                           "hex": hex_}],
                custom_tags=[3] if self.rng.random() < 0.2 else [],
                autoprint="enabled" if self.rng.random() < 0.7 else "disabled",
                has_cam=self.rng.random() < 0.5,
            )

    def _boot_running_jobs(self) -> None:
        for printer in self.printers.values():
            if self.rng.random() < 0.5:
                item = self.next_item_for(printer)
                if item is not None:
                    job = self._start(printer, item=item, user_id=item.user_id,
                                      autoprint=printer.autoprint == "enabled")
                    head_start = self.rng.uniform(0.05, 0.8) * job.duration
                    job.started -= head_start
                    job.resumed_at = job.started

    # ------------------------------------------------------------------ time

    def advance_to(self, t: float) -> None:
        """Process every grid step up to simulated time ``t``."""
        while self._next_step <= t:
            self.now = self._next_step
            self._step()
            self._steps += 1
            self._next_step += self.step
        self.now = max(self.now, t)

    def _step(self) -> None:
        now = self.now
        for printer in self.printers.values():
            self._step_printer(printer, now)
        if self.natural:
            self._step_queue(now)

    def _step_printer(self, printer: Printer, now: float) -> None:
        job = self.active_job(printer)
        if job is not None and printer.online:
            self._step_job(printer, job, now)
        if not self.natural:
            if self.can_start(printer) and printer.autoprint == "enabled" \
                    and not printer.out_of_order:
                self._autoprint(printer)
            return
        if printer.online_at is not None and now >= printer.online_at:
            self.set_online(printer.id, True)
        if printer.back_in_order_at is not None and now >= printer.back_in_order_at:
            self.set_out_of_order(printer.id, False, user_id=self._random_user().id)
        if printer.bed_clear_at is not None and now >= printer.bed_clear_at:
            last = self.current_job(printer)
            # The bed is cleared; the print was good when it finished ("success" says so
            # when it means the print, "cleared" when it means the bed).
            good = last is not None and last.state == "done"
            self.clear_bed(printer.id, success=good or self.rules.clear_bed_success == "cleared",
                           user_id=self._random_user().id)
        if printer.online and self._chance(RATE_OFFLINE):
            # A running print carries on unseen and reports in when the printer is back.
            self.set_online(printer.id, False)
            printer.online_at = now + self._span(self.rng.uniform(120, 1800))
            return
        idle = printer.online and self.active_job(printer) is None
        if idle and not printer.out_of_order and self._chance(RATE_OUT_OF_ORDER):
            self.set_out_of_order(printer.id, True, user_id=self._random_user().id)
            printer.back_in_order_at = now + self._span(self.rng.uniform(3600, 4 * 3600))
        if idle and self._chance(RATE_MATERIAL):
            color, hex_ = self.rng.choice(COLORS)
            self.set_material(printer.id, [{"ext": 0, "type": self.rng.choice(list(MATERIAL_TYPES)),
                                            "color": color, "hex": hex_}],
                              user_id=self._random_user().id)
            if self.rng.random() < 0.5:
                self.assign_filament(printer.id, user_id=self._random_user().id)
        if idle and self._chance(RATE_NOZZLE):
            self.set_nozzle(printer.id, 0.6 if printer.nozzle == 0.4 else 0.4,
                            user_id=self._random_user().id)
        if self._chance(RATE_TAG):
            tag = self.rng.choice(list(CUSTOM_TAGS))
            if tag in printer.custom_tags:
                self.detach_tag(printer.id, tag, user_id=self._random_user().id)
            else:
                self.assign_tag(printer.id, tag, user_id=self._random_user().id)
        if self._chance(RATE_AUTOPRINT):
            state = "disabled" if printer.autoprint == "enabled" else "enabled"
            self.set_autoprint(printer.id, state, user_id=self._random_user().id)
        if self.can_start(printer) and not printer.out_of_order:
            if printer.autoprint == "enabled":
                self._autoprint(printer)
            elif self._chance(RATE_MANUAL_START):
                item = self.next_item_for(printer)
                if item is not None:
                    user = self._random_user()
                    self._start(printer, item=item, user_id=user.id, autoprint=False)

    def _autoprint(self, printer: Printer) -> None:
        item = self.next_item_for(printer)
        if item is not None:
            self._start(printer, item=item, user_id=item.user_id, autoprint=True)

    def _step_job(self, printer: Printer, job: Job, now: float) -> None:
        if job.state == "paused":
            if self.natural and job.resume_at is not None and now >= job.resume_at:
                self.resume_job(printer.id, user_id=job.user_id)
            return
        printed = job.printed(now)
        if self.natural and job.pause_at is not None and printed >= job.pause_at:
            job.pause_at = None
            self.pause_job(printer.id, user_id=job.user_id)
            job.resume_at = now + job.pause_len
            return
        if self.natural and job.skip_at is not None and printed >= job.skip_at:
            job.skip_at = None
            self.skip_objects(printer.id, [self.rng.randint(1, 6)], user_id=job.user_id)
        outcome = job.outcome if self.natural else "done"
        at = job.outcome_at if self.natural else 1.0
        if printed >= job.duration * at:
            if outcome == "failed":
                if self.rng.random() < 0.6:
                    self.ai_failure(printer.id)
                self.fail_job(printer.id, reason="Print failed")
            elif outcome == "cancelled":
                user = self._random_user()
                self.cancel_job(printer.id, user_id=user.id, reason=self.rng.randint(1, 6))
            else:
                self.finish_job(printer.id)

    def _step_queue(self, now: float) -> None:
        if self._chance(RATE_NEW_ITEM_PER_PRINTER * len(self.printers)):
            self._natural_new_item(allow_pending=True)
        if self._steps % max(1, int(HOUR / self.pace / self.step)) == 0:
            for item in [i for i in self.queue.values() if i.done_at is not None
                         and now - i.done_at > self._span(DONE_ITEM_TTL)]:
                del self.queue[item.id]
        for item in [i for i in self.queue.values() if i.approval == "pending"]:
            if item.decide_at is not None and now >= item.decide_at:
                approver = self.users[1]
                if self.rng.random() < P_APPROVE:
                    self.approve_items([item.id], user_id=approver.id)
                else:
                    self.deny_items([item.id], user_id=approver.id,
                                    comment="Wrong material for this group",
                                    remove=self.rng.random() < 0.5)
        active = [i for i in self.active_items() if i.approval == "approved"]
        if active and self._chance(RATE_DELETE_ITEM):
            self.delete_items([self.rng.choice(active).id], user_id=self._random_user().id)
        active = self.active_items()
        if len(active) > 1 and self._chance(RATE_MOVE_ITEM):
            item = self.rng.choice(active)
            self.set_order(item.id, self.rng.randint(1, len(active)),
                           user_id=self._random_user().id)

    def _natural_new_item(self, *, allow_pending: bool) -> None:
        user = self._random_user()
        printer = self.rng.choice(list(self.printers.values()))
        roll = self.rng.random()
        for_printers = for_models = for_groups = None
        if roll < 0.25:
            for_models = [printer.model_id]
        elif roll < 0.4:
            for_groups = [printer.group_id]
        elif roll < 0.5:
            for_printers = [printer.id]
        part = self.rng.choice(PART_NAMES)
        estimate = int(self._span(self.rng.uniform(20 * 60, 6 * 3600)))
        nozzle = 0.6 if self.rng.random() < 0.1 else 0.4
        material = MATERIAL_TYPES[self.rng.choice((1, 1, 1, 2))]
        self.add_item(
            filename=f"{part}_{nozzle}n_{material}_{_length(estimate)}.gcode",
            amount=self.rng.choice((1, 1, 1, 2, 3, 5)),
            group=1 if self.rng.random() < 0.8 else 2,
            user_id=user.id, estimate=estimate, for_printers=for_printers,
            for_models=for_models, for_groups=for_groups, tags={"nozzle": nozzle},
            pending=allow_pending and self.rng.random() < P_PENDING,
        )

    # ------------------------------------------------------------------ jobs

    def _analysis(self, estimate: int, model_id: int = 304) -> dict[str, Any]:
        return {
            "slicer": SLICERS.get(model_id, "PrusaSlicer"),
            "filament": [round(estimate * self.pace * self.rng.uniform(0.3, 0.7), 1)],
            "estimate": estimate,
            "temps": {"tool": {"T0": 215}, "bed": 60},
            "modelSize": {"x": self.rng.randint(20, 200), "y": self.rng.randint(20, 200),
                          "z": self.rng.randint(5, 150)},
        }

    def _start(self, printer: Printer, *, item: QueueItem | None = None, file: str | None = None,
               estimate: int | None = None, user_id: int, autoprint: bool) -> Job:
        if item is not None:
            file = item.filename
            analysis = dict(item.analysis)
            item.left -= 1
        else:
            estimate = estimate or int(self._span(self.rng.uniform(20 * 60, 4 * 3600)))
            file = file or f"{self.rng.choice(PART_NAMES)}.gcode"
            analysis = self._analysis(estimate, printer.model_id)
        estimate = int(analysis["estimate"])
        total_layers = max(10, int(estimate / 48))
        analysis["totalLayers"] = total_layers
        job_id = self._next_id("job")
        job = Job(
            id=job_id, uid=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            printer_id=printer.id, file=file, estimate=estimate,
            duration=max(self.step, int(estimate * self.rng.uniform(0.93, 1.07))),
            total_layers=total_layers, started=self.now, resumed_at=self.now, user_id=user_id,
            autoprint=autoprint, queue_item_id=item.id if item else None, analysis=analysis,
            cost=round(estimate * self.pace / 3600 * self.rng.uniform(0.3, 0.5), 2),
        )
        roll = self.rng.random()
        if roll < P_FAIL:
            job.outcome, job.outcome_at = "failed", self.rng.uniform(0.05, 0.9)
        elif roll < P_FAIL + P_CANCEL:
            job.outcome, job.outcome_at = "cancelled", self.rng.uniform(0.02, 0.9)
        if self.rng.random() < P_PAUSE:
            job.pause_at = job.duration * self.rng.uniform(0.1, 0.8)
            job.pause_len = self._span(self.rng.uniform(300, 1800))
        if self.rng.random() < P_SKIP:
            job.skip_at = job.duration * self.rng.uniform(0.2, 0.7)
        self.jobs[job.id] = job
        self.jobs_by_uid[job.uid] = job
        printer.job_id = job.id
        printer.bed_clear = False
        printer.bed_clear_at = None
        user = self.user(user_id)
        self.emit("job.started", job=job, user=user, started_by=user)
        return job

    def start_job(self, printer_id: int, *, user_id: int | None = None,
                  queue_item_id: int | None = None, next_queue_item: bool = False,
                  file: str | None = None, estimate: int | None = None,
                  autoprint: bool = False) -> Job:
        printer = self.printer(printer_id)
        if not self.can_start(printer):
            state = self.printer_state(printer)
            detail = "the bed must be cleared first" if state == "operational" else state
            raise FarmError(f"Printer {printer.name} is not ready ({detail})")
        item = None
        if queue_item_id is not None:
            item = self.item(queue_item_id)
            if item.is_done or item.approval != "approved":
                raise FarmError(f"Queue item {item.id} has nothing left to print")
        elif next_queue_item:
            item = self.next_item_for(printer)
            if item is None:
                raise FarmError(f"No queue item fits printer {printer.name}")
        return self._start(printer, item=item, file=file, estimate=estimate,
                           user_id=user_id or self.api_user_id, autoprint=autoprint)

    def require_job(self, printer_id: int, states: tuple[str, ...]) -> tuple[Printer, Job]:
        printer = self.printer(printer_id)
        if not printer.online:
            raise FarmError(f"Printer {printer.name} is offline")
        job = self.active_job(printer)
        if job is None or job.state not in states:
            raise FarmError(f"Printer {printer.name} is not {' or '.join(states)}")
        return printer, job

    def _end(self, printer: Printer, job: Job, state: str) -> None:
        job.printed_before = job.printed(self.now)
        job.resumed_at = None
        job.state = state
        job.ended = self.now
        printer.bed_clear_at = (self.now + self._span(self.rng.uniform(180, 2400))
                                if self.natural else None)
        item = self.queue.get(job.queue_item_id) if job.queue_item_id is not None else None
        if item is not None:
            if state == "done":
                item.printed += 1
            elif self.rules.clear_bed_success == "cleared":
                item.left += 1  # the copy comes back as the print ends
            self._settle_item(item)

    def _settle_item(self, item: QueueItem) -> None:
        if item.is_done and not self.ongoing(item):
            item.done_at = item.done_at or self.now
        elif not item.is_done:
            item.done_at = None

    def _requeue(self, job: Job) -> None:
        """A print marked bad as its bed is cleared: its queue item prints it again."""
        item = self.queue.get(job.queue_item_id) if job.queue_item_id is not None else None
        if item is None:
            return
        if job.state == "done":
            item.printed = max(0, item.printed - 1)
        item.left = min(item.amount, item.left + 1)
        self._settle_item(item)

    def ongoing(self, item: QueueItem) -> bool:
        return any(j.active and j.queue_item_id == item.id for j in self.jobs.values())

    def finish_job(self, printer_id: int) -> Job:
        printer, job = self.require_job(printer_id, PRINTER_STATES_BUSY)
        self._end(printer, job, "done")
        self.emit("job.done", job=job)
        return job

    def fail_job(self, printer_id: int, *, reason: str = "Print failed") -> Job:
        printer, job = self.require_job(printer_id, PRINTER_STATES_BUSY)
        job.failed_reason = reason
        self._end(printer, job, "failed")
        self.emit("job.failed", job=job)
        return job

    def cancel_job(self, printer_id: int, *, user_id: int | None = None, reason: int | None = None,
                   comment: str = "") -> Job:
        printer, job = self.require_job(printer_id, PRINTER_STATES_BUSY)
        job.cancel_reason, job.cancel_comment = reason, comment
        job.cancelled_by = user_id or self.api_user_id
        self._end(printer, job, "cancelled")
        self.emit("job.cancelled", job=job, user=self.user(job.cancelled_by))
        return job

    def pause_job(self, printer_id: int, *, user_id: int | None = None) -> Job:
        _, job = self.require_job(printer_id, ("printing",))
        job.printed_before = job.printed(self.now)
        job.resumed_at = None
        job.state = "paused"
        job.pauses.append({"paused": int(self.now), "resumed": None})
        self.emit("job.paused", job=job)
        return job

    def resume_job(self, printer_id: int, *, user_id: int | None = None) -> Job:
        _, job = self.require_job(printer_id, ("paused",))
        job.state = "printing"
        job.resumed_at = self.now
        job.resume_at = None
        if job.pauses:
            job.pauses[-1]["resumed"] = int(self.now)
        self.emit("job.resumed", job=job)
        return job

    def clear_bed(self, printer_id: int, *, success: bool = False, rating: int | None = None,
                  user_id: int | None = None) -> bool:
        """Mark the bed cleared; returns False (and emits nothing) if it already was, or if
        ``success`` is false where it means "the bed was not really cleared". Where it means
        the print (the default rule), a bad print's queue item gets its copy back."""
        printer = self.printer(printer_id)
        if self.active_job(printer) is not None:
            raise FarmError(f"Printer {printer.name} must be operational or offline")
        if printer.bed_clear or (self.rules.clear_bed_success == "cleared" and not success):
            return False
        printer.bed_clear_at = None
        printer.bed_clear = True
        job = self.current_job(printer)
        if job is None:
            return True
        if rating is not None:
            job.rating = rating
        if self.rules.clear_bed_success == "print" and not success:
            self._requeue(job)
        self.emit("job.bed_cleared", job=job, printer=printer, user=self.user(user_id),
                  success=bool(success))
        return True

    def skip_objects(self, printer_id: int, objects: list[int], *,
                     user_id: int | None = None) -> Job:
        _, job = self.require_job(printer_id, PRINTER_STATES_BUSY)
        job.skipped_objects = sorted({*(job.skipped_objects or []), *objects})
        self.emit("job.objects_skipped", job=job, user=self.user(user_id))
        return job

    def ai_failure(self, printer_id: int) -> Job:
        printer, job = self.require_job(printer_id, PRINTER_STATES_BUSY)
        confidence = round(self.rng.uniform(0.7, 0.99), 2)
        job.ai = {"failure": True, "confidence": confidence, "type": "spaghetti"}
        self.emit("printer.ai_failure_detected", job=job,
                  image=f"https://cdn.simplyprint.io/ai/{printer.id}/{job.id}/{self._hex(8)}.jpg",
                  failures=[{"confidence": confidence, "type": "spaghetti"}])
        return job

    # ------------------------------------------------------------------ printer settings

    def set_online(self, printer_id: int, online: bool) -> None:
        """Connectivity changes are only visible through printers/Get: no webhook exists."""
        printer = self.printer(printer_id)
        printer.online = online
        printer.online_at = None

    def set_out_of_order(self, printer_id: int, value: bool, *,
                         user_id: int | None = None) -> None:
        printer = self.printer(printer_id)
        printer.back_in_order_at = None
        if printer.out_of_order == value:
            return
        printer.out_of_order = value
        self.emit("printer.out_of_order_state_changed", printer=printer, out_of_order=value,
                  user=self.user(user_id))

    def set_material(self, printer_id: int, material: list[dict[str, Any]], *,
                     user_id: int | None = None) -> None:
        printer = self.printer(printer_id)
        printer.material = [dict(m) for m in material]
        self.emit("printer.material_changed", printer=printer,
                  material=[dict(m) for m in printer.material], user=self.user(user_id))

    def set_nozzle(self, printer_id: int, nozzle: float, *, user_id: int | None = None) -> None:
        printer = self.printer(printer_id)
        previous, printer.nozzle = printer.nozzle, float(nozzle)
        self.emit("printer.nozzle_size_changed", printer=printer, nozzle=printer.nozzle,
                  previous=previous, user=self.user(user_id))

    def set_autoprint(self, printer_id: int, state: str, *, user_id: int | None = None) -> None:
        if state not in AUTOPRINT_STATES:
            raise FarmError(f"state: must be one of {', '.join(AUTOPRINT_STATES)}")
        printer = self.printer(printer_id)
        printer.autoprint = state
        self.emit("printer.autoprint_state_changed", printer=printer, state=state,
                  user=self.user(user_id))

    def _tag(self, tag_id: int) -> dict[str, Any]:
        if tag_id not in CUSTOM_TAGS:
            raise FarmError(f"tag: unknown custom tag {tag_id}")
        return {"id": tag_id, "name": CUSTOM_TAGS[tag_id]}

    def assign_tag(self, printer_id: int, tag_id: int, *, user_id: int | None = None) -> None:
        printer, tag = self.printer(printer_id), self._tag(tag_id)
        if tag_id not in printer.custom_tags:
            printer.custom_tags.append(tag_id)
        self.emit("printer.custom_tag_assigned", printer=printer, tag=tag, user=self.user(user_id))

    def detach_tag(self, printer_id: int, tag_id: int, *, user_id: int | None = None) -> None:
        printer, tag = self.printer(printer_id), self._tag(tag_id)
        if tag_id in printer.custom_tags:
            printer.custom_tags.remove(tag_id)
        self.emit("printer.custom_tag_detached", printer=printer, tag=tag, user=self.user(user_id))

    def assign_filament(self, printer_id: int, *, user_id: int | None = None) -> None:
        printer = self.printer(printer_id)
        material = printer.material[0] if printer.material else {"type": 1, "color": "Black",
                                                                 "hex": "#101010"}
        spool = Spool.of(self._next_id("spool"), self._hex(5), material)
        replaced, printer.filament = printer.filament, spool
        self.emit("filament.assigned", filament=spool, printer=printer, user=self.user(user_id),
                  replaced_spool=replaced)

    def unassign_filament(self, printer_id: int, *, user_id: int | None = None) -> None:
        printer = self.printer(printer_id)
        if printer.filament is None:
            raise FarmError(f"Printer {printer.name} has no filament assigned")
        spool, printer.filament = printer.filament, None
        self.emit("filament.unassigned", filament=spool, printer=printer, user=self.user(user_id))

    # ------------------------------------------------------------------ queue

    def add_item(self, *, filename: str, amount: int = 1, group: int = 0,
                 user_id: int | None = None, estimate: int | None = None,
                 for_printers: list[int] | None = None, for_models: list[int] | None = None,
                 for_groups: list[int] | None = None, tags: dict[str, Any] | None = None,
                 note: str | None = None, position: str = "bottom", pending: bool = False,
                 filesystem_id: str | None = None) -> QueueItem:
        orders = [i.sort_order for i in self.queue.values()] or [0]
        sort_order = min(orders) - 1 if position == "top" else max(orders) + 1
        item = QueueItem(
            id=self._next_id("item"), filename=filename, amount=amount, left=amount,
            group=group, user_id=user_id or self.api_user_id, added=self.now,
            sort_order=sort_order,
            analysis=self._analysis(estimate or int(self._span(self.rng.uniform(20 * 60,
                                                                                 6 * 3600)))),
            size=self.rng.randint(200_000, 9_000_000) if filesystem_id is None else 0,
            filesystem_id=filesystem_id or self._hex(16), for_printers=for_printers,
            for_models=for_models, for_groups=for_groups, tags=tags, note=note,
            approval="pending" if pending else "approved",
            decide_at=self.now + self._span(self.rng.uniform(300, 3600)) if pending else None,
        )
        self.queue[item.id] = item
        if position.isdigit():
            self._place(item, int(position))
        event = "queue.item_pending_approval" if pending else "queue.add_item"
        self.emit(event, queue_item=item, user=self.user(item.user_id))
        return item

    def _place(self, item: QueueItem, position: int) -> None:
        """Move ``item`` to 1-based ``position`` among the active items and renumber."""
        others = [i for i in self.active_items() if i.id != item.id]
        position = max(1, min(position, len(others) + 1))
        others.insert(position - 1, item)
        for order, entry in enumerate(others, start=1):
            entry.sort_order = order

    def update_item(self, item_id: int, *, amount: int | None = None, note: str | None = None,
                    for_printers: list[int] | None = None, for_models: list[int] | None = None,
                    for_groups: list[int] | None = None) -> QueueItem:
        item = self.item(item_id)
        if amount is not None:
            item.left = max(0, item.left + amount - item.amount)
            item.amount = amount
        if note is not None:
            item.note = note
        if for_printers is not None:
            item.for_printers = for_printers or None
        if for_models is not None:
            item.for_models = for_models or None
        if for_groups is not None:
            item.for_groups = for_groups or None
        return item

    def delete_items(self, item_ids: list[int], *, user_id: int | None = None) -> None:
        items = [self.item(i) for i in item_ids]
        for item in items:
            del self.queue[item.id]
            self.emit("queue.delete_item", queue_item=item, user=self.user(user_id))

    def set_order(self, item_id: int, to: int, *, user_id: int | None = None) -> QueueItem:
        item = self.item(item_id)
        if item.is_done:
            raise FarmError(f"Queue item {item.id} is done")
        self._place(item, to)
        self.emit("queue.move_item", queue_item=item, user=self.user(user_id))
        return item

    def move_to_group(self, item_ids: list[int], group: int, *,
                      user_id: int | None = None) -> list[QueueItem]:
        """``queue/MoveItem`` read as "to another queue group" (Activepieces)."""
        if group not in {g["id"] for g in QUEUE_GROUPS}:
            raise FarmError(f"Queue group {group} not found")
        items = [self.item(i) for i in item_ids]
        for item in items:
            item.group = group
            self.emit("queue.move_item", queue_item=item, user=self.user(user_id))
        return items

    def empty_queue(self, *, group: int = 0, done_items: bool = False,
                    user_id: int | None = None) -> int:
        doomed = [i for i in self.sorted_items()
                  if (group == 0 or i.group == group) and i.is_done == done_items
                  and not self.ongoing(i)]
        for item in doomed:
            del self.queue[item.id]
        self.emit("queue.empty_queue", user=self.user(user_id), group=group)
        return len(doomed)

    def revive_item(self, item_id: int, *, user_id: int | None = None) -> QueueItem:
        item = self.item(item_id)
        if not item.is_done:
            raise FarmError(f"Queue item {item.id} is not done")
        item.left = item.amount
        item.printed = 0
        item.done_at = None
        item.sort_order = max(i.sort_order for i in self.queue.values()) + 1
        self.emit("queue.revive_item", queue_item=item, user=self.user(user_id))
        return item

    def _pending(self, item_ids: list[int]) -> list[QueueItem]:
        items = [self.item(i) for i in item_ids]
        for item in items:
            if item.approval != "pending":
                raise FarmError(f"Queue item {item.id} is not pending approval")
        return items

    def approve_items(self, item_ids: list[int], *, user_id: int | None = None) -> None:
        for item in self._pending(item_ids):
            item.approval, item.decide_at = "approved", None
            self.emit("queue.item_approved", queue_item=item, approved_by=self.user(user_id))

    def deny_items(self, item_ids: list[int], *, user_id: int | None = None, comment: str = "",
                   remove: bool = False) -> None:
        for item in self._pending(item_ids):
            item.approval, item.decide_at = "denied", None
            if remove:
                del self.queue[item.id]
            self.emit("queue.item_denied", queue_item=item, denied_by=self.user(user_id),
                      reason=comment, removed=remove)

    # ------------------------------------------------------------------ webhooks registry

    def save_webhook(self, *, webhook_id: int | None, name: str, url: str, events: list[str],
                     secret: str | None, enabled: bool, description: str,
                     user_id: int | None = None) -> Webhook:
        if webhook_id is not None:
            hook = self.webhook(webhook_id)
            hook.name, hook.url, hook.events = name, url, list(events)
            hook.secret, hook.enabled, hook.description = secret, enabled, description
            hook.updated_at = self.now
            return hook
        hook = Webhook(id=self._next_id("webhook"), name=name, url=url, events=list(events),
                       secret=secret, enabled=enabled, description=description,
                       created_by=user_id or self.api_user_id, created_at=self.now,
                       updated_at=self.now)
        self.webhooks[hook.id] = hook
        return hook

    def webhook(self, webhook_id: Any) -> Webhook:
        try:
            return self.webhooks[int(webhook_id)]
        except (KeyError, TypeError, ValueError):
            raise FarmError("id: Webhook not found") from None

    # ------------------------------------------------------------------ truth

    def state(self) -> dict[str, Any]:
        """The farm's ground truth, for staleness measurements."""
        printers = []
        for printer in self.printers.values():
            job = self.current_job(printer)
            printers.append({
                "id": printer.id, "name": printer.name, "state": self.printer_state(printer),
                "online": printer.online, "out_of_order": printer.out_of_order,
                "autoprint": printer.autoprint, "bed_clear": printer.bed_clear,
                "nozzle": printer.nozzle, "material": printer.material,
                "custom_tags": list(printer.custom_tags),
                "job": None if job is None else {
                    "id": job.id, "uid": job.uid, "state": job.state,
                    "percentage": job.percentage(self.now)},
            })
        return {
            "now": int(self.now),
            "printers": printers,
            "queue": [{"id": i.id, "left": i.left, "printed": i.printed, "amount": i.amount,
                       "group": i.group, "approval": i.approval, "done": i.is_done}
                      for i in self.sorted_items()],
            "jobs": {"total": len(self.jobs),
                     "ongoing": sum(1 for j in self.jobs.values() if j.active)},
            "events": self._seq,
        }
