"""The farm's records (printers, jobs, queue items, users, webhooks, spools) and its events.

Plain data with the arithmetic that belongs to it (a job's progress at a given time); no JSON
shapes: ``simulator.contract.payloads`` renders these records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PRINTER_STATES_BUSY = ("printing", "paused")


@dataclass
class User:
    id: int
    first_name: str
    last_name: str
    avatar: str
    sso: bool = False

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Spool:
    """A filament spool: its own ids and the material it was taken for."""

    id: int
    uid: str
    type_id: int
    color: str
    hex: str

    @classmethod
    def of(cls, spool_id: int, uid: str, material: Mapping[str, Any]) -> Spool:
        """A spool of ``material`` (a printer's ``{type, color, hex}`` entry)."""
        return cls(spool_id, uid, int(material.get("type", 1)), material.get("color", "Black"),
                   material.get("hex", "#101010"))


@dataclass
class Printer:
    id: int
    name: str
    group_id: int
    position: int
    model_id: int
    ip: str
    nozzle: float
    material: list[dict[str, Any]]
    custom_tags: list[int]
    autoprint: str = "enabled"
    out_of_order: bool = False
    online: bool = True
    has_cam: bool = False
    job_id: int | None = None  # current job, or the last one until the bed is cleared
    bed_clear: bool = True
    filament: Spool | None = None
    # scheduled natural consequences (simulated Unix seconds)
    bed_clear_at: float | None = None
    online_at: float | None = None
    back_in_order_at: float | None = None


@dataclass
class Job:
    id: int
    uid: str
    printer_id: int
    file: str
    estimate: int
    duration: int  # planned printing seconds (estimate +- noise)
    total_layers: int
    started: float
    user_id: int
    autoprint: bool
    queue_item_id: int | None
    analysis: dict[str, Any]
    cost: float
    state: str = "printing"
    ended: float | None = None
    printed_before: float = 0.0  # printing seconds accumulated before the last resume
    resumed_at: float | None = None  # None while paused or ended
    outcome: str = "done"  # planned natural outcome: done, failed or cancelled
    outcome_at: float = 1.0  # fraction of ``duration`` at which the outcome happens
    pause_at: float | None = None  # printing seconds at which a natural pause happens
    pause_len: float = 0.0
    resume_at: float | None = None
    skip_at: float | None = None
    cancel_reason: int | None = None
    cancel_comment: str = ""
    cancelled_by: int | None = None
    failed_reason: str | None = None
    skipped_objects: list[int] | None = None
    ai: dict[str, Any] | None = None
    rating: int = 0
    pauses: list[dict[str, Any]] = field(default_factory=list)

    def printed(self, now: float) -> float:
        running = now - self.resumed_at if self.resumed_at is not None else 0.0
        return self.printed_before + max(0.0, running)

    def percentage(self, now: float) -> int:
        if self.state == "done":
            return 100
        end = self.ended if self.ended is not None else now
        return min(99, int(100 * self.printed(end) / self.duration))

    def time_left(self, now: float) -> int | None:
        """Printing seconds left while the job is active, else None."""
        return max(0, int(self.duration - self.printed(now))) if self.active else None

    def layer(self, now: float) -> int:
        if self.state == "done":
            return self.total_layers
        end = self.ended if self.ended is not None else now
        return min(self.total_layers, int(self.total_layers * self.printed(end) / self.duration))

    def elapsed(self, now: float) -> int:
        """Seconds from start to end (or to ``now`` while not ended), pauses included."""
        return int((self.ended if self.ended is not None else now) - self.started)

    @property
    def active(self) -> bool:
        return self.state in PRINTER_STATES_BUSY


@dataclass
class QueueItem:
    id: int
    filename: str
    amount: int
    group: int
    user_id: int
    added: float
    sort_order: int
    analysis: dict[str, Any]
    size: int
    filesystem_id: str | None
    for_printers: list[int] | None = None
    for_models: list[int] | None = None
    for_groups: list[int] | None = None
    tags: dict[str, Any] | None = None
    note: str | None = None
    left: int = 0
    printed: int = 0
    approval: str = "approved"  # approved, pending or denied
    decide_at: float | None = None  # natural approval decision time
    done_at: float | None = None

    @property
    def is_done(self) -> bool:
        return self.left <= 0


@dataclass
class Webhook:
    id: int
    name: str
    url: str
    events: list[str]
    secret: str | None
    enabled: bool
    description: str
    created_by: int
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class FarmEvent:
    """Something that happened, as named facts: the webhook ``data`` keys, holding domain objects
    (``Job``, ``Printer``, ``User``, ``QueueItem``, ``Spool``) or plain values.

    The objects are the live ones and keep changing, so a listener reads them when called."""

    seq: int
    event: str
    timestamp: int
    facts: dict[str, Any]
