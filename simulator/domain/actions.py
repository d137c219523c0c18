"""How the operator actions behave where SimplyPrint's own sources disagree or are silent: one
switch per unknown, each value an alternative nobody has ruled out, so that the service's tests
run against each and a guess of the service is never confirmed by construction.

The switches are set while running (``/_sim/actions``, ``SimulatorClient.actions``) and read by
the farm (what a cleared bed means for the queue) and the contract (which parameter an endpoint
reads, what it answers, what it refuses). The defaults are the service's documented choices
(``docs/simplyprint.md``, "Operator actions"); the other values are the alternatives.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

#: The values each multiple-choice switch takes (the first is the default).
CHOICES: dict[str, tuple[str, ...]] = {
    # ClearBed ``success``: the print was good (docs, SimplyPrint's clear-bed feature page: a
    # bad print's queue item goes back to the queue) or the bed was really cleared
    # (SimplyPrint's Activepieces piece: false leaves the printer waiting; a failed or
    # cancelled print gives its copy back when it ends).
    "clear_bed_success": ("print", "cleared"),
    # ClearBed on a printer whose bed is already clear: refused (400) or accepted, doing nothing.
    "clear_bed_when_clear": ("refuse", "accept"),
    # DenyItem reads the item from ``job`` (Activepieces), ``jobs`` (n8n), or either.
    "deny_param": ("both", "job", "jobs"),
    # DenyItem ``comment``: optional (n8n) or required (Activepieces' form).
    "deny_comment": ("optional", "required"),
    # SetOrder ``from``/``to``: 1-based (as AddItem's ``position``) or 0-based positions.
    "set_order_base": ("1", "0"),
    # MoveItem ``moveTo``: a queue group id (Activepieces) or a 0-based position (n8n).
    "move_item": ("group", "position"),
    # CreateJob's new job ids: ``jobIds`` (docs), ``job_ids`` or ``jobs`` (read by Activepieces).
    "create_job_ids": ("jobIds", "job_ids", "jobs"),
    # Cancel ``reason``: optional, or required (the organisation's require_cancel_reason).
    "cancel_reason": ("optional", "required"),
}


@dataclass
class ActionRules:
    clear_bed_success: str = "print"
    clear_bed_when_clear: str = "refuse"
    deny_param: str = "both"
    deny_comment: str = "optional"
    set_order_base: str = "1"
    move_item: str = "group"
    create_job_ids: str = "jobIds"
    cancel_reason: str = "optional"
    #: The account has the Print Farm plan: off, the queue's write endpoints (and approvals)
    #: answer 403, as for a Pro account.
    print_farm_plan: bool = True
    #: The API key's user may cancel prints other users started (``cancel_others_prints``).
    cancel_others: bool = True

    def update(self, values: dict[str, Any]) -> None:
        """Set switches from ``values``; a ``ValueError`` names the first bad one (nothing is
        changed then)."""
        known = {f.name: f for f in fields(self)}
        checked: dict[str, Any] = {}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"{name}: Unknown switch")
            if name in CHOICES:
                value = str(value)
                if value not in CHOICES[name]:
                    raise ValueError(f"{name}: Must be one of {', '.join(CHOICES[name])}")
            elif not isinstance(value, bool):
                raise ValueError(f"{name}: Must be a boolean")
            checked[name] = value
        for name, value in checked.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
