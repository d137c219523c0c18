"""The operator actions, in one table (:data:`ACTIONS`). Per action: its kind (the audit row's
``kind``), the URL segment of its endpoint, what it acts on, its permission family, why the
mirror may refuse it (:meth:`ActionSpec.check`), how SimplyPrint is asked (``send``: one call
for every target of a request), and which new state confirms it (``confirm``).

The SimplyPrint calls, their parameters and the choices made where SimplyPrint's sources
disagree are in ``docs/simplyprint.md`` ("Operator actions").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import OperatorAction, Printer, PrintQueue
from ..permissions import MANAGE_QUEUE, OPERATE_PRINTERS
from ..remote.client import SimplePrintClient
from ..state import conditions
from ..state.changes import Cause
from . import next_item

Kind, State, Item = OperatorAction.Kind, Printer.State, PrintQueue.State
Target = Literal["printer", "queue_item"]
#: A printer busy with a print: nothing but pause, resume or cancel applies.
BUSY = frozenset({State.PRINTING, State.PAUSED, State.CANCELLING, State.DOWNLOADING})


class Refusal(Exception):
    """The mirror does not allow the action now; ``code`` says why (``state_changed``: the
    page showed something else, ``not_allowed``: the state does not allow it, ``in_flight``:
    another action on it is not confirmed yet)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Verdict:
    """What a new state says of an open action: ``confirmed``, or ``mismatch`` (SimplyPrint
    did something else than asked), with ``result`` in words and the job it started."""

    status: str
    result: str = ""
    job_sp_id: int | None = None


Row = Any  # a Printer or a PrintQueue row, per the spec's target
Check = Callable[[Row, dict[str, Any]], dict[str, Any]]
Send = Callable[[SimplePrintClient, Sequence[OperatorAction]], dict[str, Any]]
Confirm = Callable[[OperatorAction, Row, Cause | None], Verdict | None]


@dataclass(frozen=True)
class ActionSpec:
    kind: str
    #: The endpoint's last segment: ``printers/<id>/actions/<path>/`` or
    #: ``queue/<id>/actions/<path>/``.
    path: str
    target: Target
    family: str
    summary: str
    #: Raises :class:`Refusal` when the row does not allow it; returns what the service works
    #: out for the call (kept in the audit row's ``plan``).
    check: Check
    send: Send
    confirm: Confirm
    #: Also offered for a selection (one SimplyPrint call for all of it).
    bulk: bool = False


def name_of(row: Row) -> str:
    if isinstance(row, Printer):
        return row.name or _("printer %(id)s") % {"id": row.sp_id}
    return _("queue item %(name)s") % {"name": row.filename or row.sp_id}


def _not(text: Promise | str, row: Row, **extra: Any) -> Refusal:
    return Refusal("not_allowed", str(text) % {"name": name_of(row), **extra})


def _printers(actions: Sequence[OperatorAction]) -> list[int]:
    return [int(a.printer_sp_id or 0) for a in actions]


def _one_item(actions: Sequence[OperatorAction]) -> int:
    (action,) = actions
    return int(action.queue_item_sp_id or 0)


def _params(actions: Sequence[OperatorAction]) -> dict[str, Any]:
    return dict(actions[0].params)


# --- printers ---------------------------------------------------------------------------------

def _online(printer: Printer, text: Promise) -> None:
    if printer.state == State.OFFLINE:
        raise _not(text, printer)


def check_clear_bed(printer: Printer, params: dict[str, Any]) -> dict[str, Any]:
    if printer.state in BUSY:
        raise _not(gettext_lazy("Cannot clear the bed of %(name)s: a print is running on it."),
                   printer)
    if not printer.bed_needs_clearing:
        raise _not(gettext_lazy("%(name)s has no bed to clear."), printer)
    return {}


def send_clear_bed(client: SimplePrintClient, actions: Sequence[OperatorAction]
                   ) -> dict[str, Any]:
    params = _params(actions)
    return client.clear_bed(_printers(actions), success=params["outcome"] == "ok",
                            rating=params.get("rating"))


def confirm_clear_bed(action: OperatorAction, printer: Printer, cause: Cause | None
                      ) -> Verdict | None:
    return None if printer.bed_needs_clearing else Verdict(OperatorAction.Status.CONFIRMED)


def check_pause(printer: Printer, params: dict[str, Any]) -> dict[str, Any]:
    _online(printer, gettext_lazy("Cannot pause %(name)s: it is offline."))
    if printer.state != State.PRINTING:
        raise _not(gettext_lazy("Cannot pause %(name)s: it is not printing."), printer)
    return {}


def check_resume(printer: Printer, params: dict[str, Any]) -> dict[str, Any]:
    _online(printer, gettext_lazy("Cannot resume %(name)s: it is offline."))
    if printer.state != State.PAUSED:
        raise _not(gettext_lazy("Cannot resume %(name)s: it is not paused."), printer)
    return {}


def check_cancel(printer: Printer, params: dict[str, Any]) -> dict[str, Any]:
    _online(printer, gettext_lazy("Cannot cancel the print of %(name)s: it is offline."))
    if printer.state not in (State.PRINTING, State.PAUSED):
        raise _not(gettext_lazy("Cannot cancel a print on %(name)s: none is running."), printer)
    return {}


def _state_is(state: str) -> Confirm:
    def confirm(action: OperatorAction, printer: Printer, cause: Cause | None
                ) -> Verdict | None:
        return Verdict(OperatorAction.Status.CONFIRMED) if printer.state == state else None
    return confirm


def confirm_cancel(action: OperatorAction, printer: Printer, cause: Cause | None
                   ) -> Verdict | None:
    """The print stopped: the printer is neither busy nor merely out of reach."""
    if printer.state in BUSY or printer.state == State.OFFLINE:
        return None
    return Verdict(OperatorAction.Status.CONFIRMED)


def check_start(printer: Printer, params: dict[str, Any]) -> dict[str, Any]:
    """A ready printer, and the queue item to print: the one given, or the one the planning
    projection shows next for it (``next_item``)."""
    _online(printer, gettext_lazy("Cannot start a print on %(name)s: it is offline."))
    condition = conditions.condition(printer)
    if condition != "ready":
        raise _not(gettext_lazy("Cannot start a print on %(name)s: it is %(condition)s."),
                   printer, condition=conditions.LABELS[condition])
    item_id = params.get("queue_item_id")
    if item_id is None:
        item_id = next_item.next_item_for(printer.sp_id)
        if item_id is None:
            raise _not(gettext_lazy("Nothing in the queue is for %(name)s."), printer)
    item = PrintQueue.objects.filter(sp_id=item_id).first()
    if item is None or item.state not in (Item.QUEUED, Item.APPROVED) or item.left < 1:
        state = item.get_state_display() if item is not None else gettext_lazy("unknown")
        raise Refusal("not_allowed", _(
            "Queue item %(item)s cannot be printed: it is %(state)s with %(left)s copies left."
        ) % {"item": item_id, "state": state, "left": item.left if item else 0})
    shown = printer.current_job or printer.last_job
    return {"queue_item_id": item_id, "filename": item.filename,
            "job_before": shown.sp_id if shown is not None else None}


def send_start(client: SimplePrintClient, actions: Sequence[OperatorAction]) -> dict[str, Any]:
    (action,) = actions
    return client.create_job(int(action.printer_sp_id or 0),
                             queue_file=int(action.plan["queue_item_id"]))


def started_job_ids(answer: dict[str, Any]) -> list[int]:
    """The new job ids of a CreateJob answer (the client reads ``jobIds``, ``job_ids`` or
    ``jobs`` into ``jobIds``)."""
    return [int(j) for j in answer.get("jobIds") or [] if str(j).isdigit()]


def confirm_start(action: OperatorAction, printer: Printer, cause: Cause | None
                  ) -> Verdict | None:
    """The printer prints a job other than the one it showed when the operator acted; a job
    other than the one SimplyPrint answered with (AutoPrint was quicker) is a mismatch."""
    job = printer.current_job
    if printer.state not in BUSY or job is None or job.sp_id == action.plan.get("job_before"):
        return None
    answered = started_job_ids(action.answer)
    if answered and job.sp_id not in answered:
        return Verdict(OperatorAction.Status.MISMATCH, other_job(job.sp_id, answered), job.sp_id)
    return Verdict(OperatorAction.Status.CONFIRMED, job_sp_id=job.sp_id)


def other_job(job: int, answered: Sequence[int]) -> str:
    return _("The printer started job %(job)s, not the one SimplyPrint answered with "
             "(%(ids)s): another start (AutoPrint, or someone in SimplyPrint) came first.") % {
                 "job": job, "ids": ", ".join(map(str, answered))}


# --- the queue --------------------------------------------------------------------------------

def _item_state(*states: str, text: Promise) -> Check:
    def check(item: PrintQueue, params: dict[str, Any]) -> dict[str, Any]:
        if item.state not in states:
            raise _not(text, item, state=item.get_state_display())
        return {}
    return check


def _item_confirmed(*states: str) -> Confirm:
    def confirm(action: OperatorAction, item: PrintQueue, cause: Cause | None
                ) -> Verdict | None:
        return Verdict(OperatorAction.Status.CONFIRMED) if item.state in states else None
    return confirm


def send_approve(client: SimplePrintClient, actions: Sequence[OperatorAction]
                 ) -> dict[str, Any]:
    return client.approve_queue_items([int(a.queue_item_sp_id or 0) for a in actions],
                                      comment=_params(actions).get("comment") or None)


def send_deny(client: SimplePrintClient, actions: Sequence[OperatorAction]) -> dict[str, Any]:
    params = _params(actions)
    return client.deny_queue_item(_one_item(actions), comment=params["reason"],
                                  remove=bool(params.get("remove")))


def check_move(item: PrintQueue, params: dict[str, Any]) -> dict[str, Any]:
    """Where the item is now: its position in the active queue (1 = the top; SetOrder's
    ``from``) and its ``position`` as SimplyPrint numbers it (to see it move)."""
    if item.state not in PrintQueue.ACTIVE:
        raise _not(gettext_lazy("Cannot move %(name)s: it is %(state)s."), item,
                   state=item.get_state_display())
    if "group" in params:
        if item.group_id == params["group"]:
            raise _not(gettext_lazy("%(name)s is in queue group %(group)s already."), item,
                       group=params["group"])
        return {"was_at": item.position, "was_in": item.group_id}
    ahead = PrintQueue.objects.filter(state__in=PrintQueue.ACTIVE).filter(_before(item)).count()
    if ahead + 1 == params["position"]:
        raise _not(gettext_lazy("%(name)s is at position %(position)s already."), item,
                   position=params["position"])
    return {"from_position": ahead + 1, "was_at": item.position}


def _before(item: PrintQueue) -> Q:
    """The items before ``item`` in queue order (``position``, then id)."""
    return Q(position__lt=item.position) | Q(position=item.position, sp_id__lt=item.sp_id)


def send_move(client: SimplePrintClient, actions: Sequence[OperatorAction]) -> dict[str, Any]:
    params = _params(actions)
    if "group" in params:
        return client.move_queue_items([_one_item(actions)], int(params["group"]))
    return client.set_queue_order(_one_item(actions), int(actions[0].plan["from_position"]),
                                  int(params["position"]))


def confirm_move(action: OperatorAction, item: PrintQueue, cause: Cause | None
                 ) -> Verdict | None:
    """Confirmed when the item is where it was asked to go. When its move event (or a poll)
    shows it elsewhere, SimplyPrint read the call differently: a mismatch, in words."""
    params, was_at = action.params, action.plan.get("was_at")
    moved_event = cause is not None and cause.event == "queue.move_item"
    if "group" in params:
        if item.group_id == params["group"]:
            return Verdict(OperatorAction.Status.CONFIRMED)
        if moved_event or item.position != was_at:
            return Verdict(OperatorAction.Status.MISMATCH, _(
                "SimplyPrint left it in queue group %(group)s (at position %(position)s) "
                "instead of moving it to group %(target)s."
            ) % {"group": item.group_id, "position": item.position, "target": params["group"]})
        return None
    if item.position == params["position"]:
        return Verdict(OperatorAction.Status.CONFIRMED)
    if moved_event or item.position != was_at:
        return Verdict(OperatorAction.Status.MISMATCH, _(
            "SimplyPrint put it at position %(position)s, not %(target)s."
        ) % {"position": item.position, "target": params["position"]})
    return None


ACTIONS: dict[str, ActionSpec] = {spec.kind: spec for spec in (
    ActionSpec(Kind.CLEAR_BED, "clear-bed", "printer", OPERATE_PRINTERS,
               "Clear the bed: the print was OK, or failed (its queue item goes back to the "
               "queue)",
               check_clear_bed, send_clear_bed, confirm_clear_bed, bulk=True),
    ActionSpec(Kind.PAUSE, "pause", "printer", OPERATE_PRINTERS, "Pause the print",
               check_pause, lambda client, actions: client.pause(_printers(actions)),
               _state_is(State.PAUSED)),
    ActionSpec(Kind.RESUME, "resume", "printer", OPERATE_PRINTERS, "Resume the paused print",
               check_resume, lambda client, actions: client.resume(_printers(actions)),
               _state_is(State.PRINTING)),
    ActionSpec(Kind.CANCEL, "cancel", "printer", OPERATE_PRINTERS,
               "Cancel the print, with a reason",
               check_cancel, lambda client, actions: client.cancel(
                   _printers(actions), reason=int(_params(actions)["reason"]),
                   comment=_params(actions).get("comment") or None),
               confirm_cancel),
    ActionSpec(Kind.START, "start", "printer", OPERATE_PRINTERS,
               "Start a print of a queue item on a ready printer",
               check_start, send_start, confirm_start),
    ActionSpec(Kind.APPROVE, "approve", "queue_item", MANAGE_QUEUE,
               "Approve an item awaiting approval",
               _item_state(Item.PENDING_APPROVAL, text=gettext_lazy(
                   "Cannot approve %(name)s: it is %(state)s, not awaiting approval.")),
               send_approve, _item_confirmed(Item.APPROVED), bulk=True),
    ActionSpec(Kind.DENY, "deny", "queue_item", MANAGE_QUEUE,
               "Deny an item awaiting approval, with a reason (remove it, or keep it for "
               "revision)",
               _item_state(Item.PENDING_APPROVAL, text=gettext_lazy(
                   "Cannot deny %(name)s: it is %(state)s, not awaiting approval.")),
               send_deny, _item_confirmed(Item.DENIED, Item.DELETED)),
    ActionSpec(Kind.MOVE, "move", "queue_item", MANAGE_QUEUE,
               "Move an item to a position (1 = the top) or to another queue group",
               check_move, send_move, confirm_move),
    ActionSpec(Kind.REVIVE, "revive", "queue_item", MANAGE_QUEUE,
               "Bring a done item back into the queue",
               _item_state(Item.DONE, text=gettext_lazy(
                   "Cannot revive %(name)s: it is %(state)s, not done.")),
               lambda client, actions: client.revive_queue_item(_one_item(actions)),
               _item_confirmed(*PrintQueue.ACTIVE)),
    ActionSpec(Kind.REMOVE, "remove", "queue_item", MANAGE_QUEUE,
               "Remove an item from the queue",
               _item_state(*PrintQueue.ACTIVE, Item.DENIED, Item.DONE, text=gettext_lazy(
                   "Cannot remove %(name)s: it is %(state)s.")),
               lambda client, actions: client.delete_queue_item(_one_item(actions)),
               _item_confirmed(Item.DELETED)),
)}
assert set(ACTIONS) == set(Kind.values), "every kind of action has its entry"
