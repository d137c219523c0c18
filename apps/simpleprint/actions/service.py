"""Performing an operator action (:func:`perform`), in this order:

1. **Once per key**: a request key (``Idempotency-Key``) already used by the user answers the
   rows it recorded then (a double click, a retried request), and nothing is sent again; the
   same key for another action or target is refused (``key_reused``).
2. **Checked against the mirror**, each target locked: what the page showed (``expected``)
   must still be so (``state_changed``: "the printer is now …"), the state must allow the
   action (``not_allowed``), and no other action on the target may be unconfirmed
   (``in_flight``: one still being sent, or the same action pending).
3. **Recorded** before SimplyPrint is asked, refused targets too: nothing an operator did is
   lost, whatever happens next.
4. **Sent**: one call for every accepted target, through ``SimplePrintClient`` (the shared rate
   limit), waiting at most ``PRINTFARM_ACTIONS["max_wait_seconds"]`` for a slot.
5. **Answered**: the rows become *pending* (or *failed*, with SimplyPrint's status and message;
   nothing else changed on this side) and wait for the webhook or poll that confirms them
   (``actions.confirm``). Every status change is a live message ``action.updated``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..live import outbox
from ..models import OperatorAction, Printer, PrintQueue
from ..remote.client import (
    SimplePrintAPIError,
    SimplePrintClient,
    SimplePrintConnectionError,
    SimplePrintOutcomeUnknown,
)
from ..state import conditions
from ..sync import polling
from .registry import ACTIONS, ActionSpec, Refusal, name_of, other_job, started_job_ids

logger = logging.getLogger(__name__)

Status = OperatorAction.Status


@dataclass(frozen=True)
class Target:
    """A printer or queue item the request names, with what the page showed of it."""

    sp_id: int
    expected: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What became of a request. ``code``: ``accepted`` (sent; the rows are pending),
    ``replayed`` (the key was used before: the rows of then), ``refused`` (by this service;
    nothing sent), ``key_reused``, ``failed`` (SimplyPrint refused), ``unavailable``
    (SimplyPrint did not answer, or rate limited: ``retry_after``)."""

    code: str
    actions: list[OperatorAction]
    detail: str
    #: The targets' rows as they are now, for a refusal (the page shows what changed).
    current: list[Any] = field(default_factory=list)
    simplyprint_status: int | None = None
    retry_after: float | None = None


class UnknownTargets(LookupError):
    """Ids the mirror does not know (404)."""

    def __init__(self, spec: ActionSpec, ids: Sequence[int]) -> None:
        what = _("printer") if spec.target == "printer" else _("queue item")
        super().__init__(_("No %(what)s with SimplyPrint id %(ids)s is known to this service.")
                         % {"what": what, "ids": ", ".join(map(str, ids))})


def target_key(spec: ActionSpec, sp_id: int) -> str:
    return f"{'printer' if spec.target == 'printer' else 'queue'}:{sp_id}"


def client() -> SimplePrintClient:
    """A client that tries a refused-for-rate call once more, waiting at most a few seconds:
    an operator waits for the answer."""
    return SimplePrintClient(max_attempts=2,
                             max_wait=float(settings.PRINTFARM_ACTIONS["max_wait_seconds"]))


def perform(kind: str, user: Any, targets: Sequence[Target], params: dict[str, Any],
            key: str | None = None) -> Outcome:
    """Do ``kind`` on ``targets`` for ``user`` (who holds the permission: the caller checks
    it). ``params`` are the action's own (validated by the caller). Raises
    :class:`UnknownTargets` for ids the mirror does not know (nothing is recorded)."""
    spec = ACTIONS[kind]
    key = key or uuid.uuid4().hex
    ids = [target.sp_id for target in targets]
    replayed = _replay(spec, user, key, ids)
    if replayed is not None:
        return replayed
    try:
        with transaction.atomic():
            rows = _locked(spec, ids)
            batch = uuid.uuid4()
            actions = [_record(spec, user, key, batch, target, params, rows[target.sp_id])
                       for target in targets]
    except IntegrityError:  # the same key, at the same moment (a double click): replay it
        replayed = _replay(spec, user, key, ids)
        if replayed is None:
            raise
        return replayed
    sending = [action for action in actions if action.status == Status.SENDING]
    refused = [action for action in actions if action.status == Status.REFUSED]
    current = [rows[target.sp_id] for target in targets]
    if not sending:
        return Outcome("refused", actions, " ".join(a.error for a in refused), current)
    outcome = _send(spec, sending)
    outcome.actions = [_fresh(action) for action in actions]
    outcome.current = current
    if refused:
        outcome.detail = " ".join([outcome.detail, *(a.error for a in refused)])
    return outcome


def _replay(spec: ActionSpec, user: Any, key: str, ids: Sequence[int]) -> Outcome | None:
    earlier = list(OperatorAction.objects.filter(user=user, idempotency_key=key)
                   .order_by("id"))
    if not earlier:
        return None
    wanted = {target_key(spec, sp_id) for sp_id in ids}
    if {a.kind for a in earlier} != {spec.kind} or {a.target for a in earlier} != wanted:
        return Outcome("key_reused", [], _(
            "This request key was used for another action (%(kind)s on %(targets)s): send a "
            "new key for a new action.") % {"kind": earlier[0].get_kind_display(),
                                             "targets": ", ".join(a.target for a in earlier)})
    return Outcome("replayed", earlier, _(
        "Already asked with this request key at %(time)s: nothing was sent again.")
        % {"time": timezone.localtime(earlier[0].created_at).strftime("%H:%M:%S")})


def _locked(spec: ActionSpec, ids: Sequence[int]) -> dict[int, Any]:
    """The targets' rows, locked until the request is recorded (so that two requests on one
    target are checked one after the other)."""
    rows: models.QuerySet[Any]
    if spec.target == "printer":
        rows = Printer.objects.select_related("current_job", "last_job") \
            .select_for_update(of=("self",))
    else:
        rows = PrintQueue.objects.select_for_update()
    found = {row.sp_id: row for row in rows.filter(sp_id__in=ids)}
    missing = [sp_id for sp_id in ids if sp_id not in found]
    if missing:
        raise UnknownTargets(spec, missing)
    return found


def _record(spec: ActionSpec, user: Any, key: str, batch: uuid.UUID, target: Target,
            params: dict[str, Any], row: Any) -> OperatorAction:
    action = OperatorAction(
        kind=spec.kind, user=user, username=user.get_username(),
        target=target_key(spec, target.sp_id), idempotency_key=key, batch=batch,
        printer_sp_id=row.sp_id if spec.target == "printer" else None,
        queue_item_sp_id=row.sp_id if spec.target == "queue_item" else None,
        params=dict(params), expected=dict(target.expected))
    if spec.target == "printer" and spec.kind != OperatorAction.Kind.START:
        shown = row.current_job or row.last_job  # the job it acts on (a start: the new one)
        action.job_sp_id = shown.sp_id if shown is not None else None
    try:
        _check_expected(spec, row, target.expected)
        action.plan = spec.check(row, action.params)
        _check_in_flight(spec, action)
        if "queue_item_id" in target.expected \
                and target.expected["queue_item_id"] != action.plan.get("queue_item_id"):
            raise Refusal("state_changed", _(
                "The next item for %(name)s is now %(now)s, not %(then)s as the page showed: "
                "look again before starting it.") % {
                    "name": name_of(row), "now": action.plan.get("filename"),
                    "then": target.expected["queue_item_id"]})
    except Refusal as refusal:
        action.status = Status.REFUSED
        action.error = refusal.message
        action.refusal = refusal.code
    action.save()
    outbox.record_row(action)
    return action


def _check_expected(spec: ActionSpec, row: Any, expected: dict[str, Any]) -> None:
    """What the page showed must still be so: the printer's condition, state and shown job,
    or the item's state. Otherwise the action is refused with what it is now."""
    if spec.target == "printer":
        shown = row.current_job or row.last_job
        now = {"condition": conditions.condition(row), "state": row.state,
               "job_id": shown.sp_id if shown is not None else None}
        label = {"condition": lambda v: conditions.LABELS.get(v, v),
                 "state": lambda v: dict(Printer.State.choices).get(v, v),
                 "job_id": lambda v: _("showing job %(job)s") % {"job": v} if v
                 else _("showing no job")}
    else:
        now = {"state": row.state}
        label = {"state": lambda v: dict(PrintQueue.State.choices).get(v, v)}
    for name, then in expected.items():
        if name in now and now[name] != then:
            describe = label[name]
            raise Refusal("state_changed", _(
                "%(name)s is now %(now)s; the page showed it %(then)s. Look again before "
                "acting.") % {"name": name_of(row), "now": describe(now[name]),
                              "then": describe(then)})


def _check_in_flight(spec: ActionSpec, action: OperatorAction) -> None:
    """One action at a time on a target until SimplyPrint has answered it, and never the same
    action twice before the first is confirmed (a second start would start a second job)."""
    for other in OperatorAction.objects.filter(target=action.target,
                                               status__in=OperatorAction.OPEN):
        if other.status == Status.SENDING or other.kind == spec.kind:
            raise Refusal("in_flight", _(
                "%(target)s already has %(kind)s %(status)s (asked by %(user)s at %(time)s): "
                "wait until SimplyPrint confirms it.") % {
                    "target": other.target, "kind": other.get_kind_display(),
                    "status": other.get_status_display(), "user": other.username,
                    "time": timezone.localtime(other.created_at).strftime("%H:%M:%S")})


def _send(spec: ActionSpec, actions: Sequence[OperatorAction]) -> Outcome:
    """One SimplyPrint call for ``actions``; the rows record its request and answer."""
    answer: dict[str, Any] = {}
    error: SimplePrintAPIError | None = None
    with client() as sp:
        try:
            answer = spec.send(sp, actions)
        except SimplePrintAPIError as exc:
            error = exc
        request = sp.last_request
        if error is None and spec.kind == OperatorAction.Kind.CLEAR_BED \
                and actions[0].params.get("outcome") == "failed":
            _read_queue(sp)
    unknown = isinstance(error, SimplePrintOutcomeUnknown)
    _answered(actions, request, answer, error)
    if error is None:
        return Outcome("accepted", [], _(
            "SimplyPrint accepted it; waiting for the printer or queue to show it."))
    if unknown:
        return Outcome("accepted", [], _(
            "SimplyPrint did not answer in time: it may or may not have happened. Waiting for "
            "the printer or queue to show it."))
    assert error is not None
    return _refused_by_simplyprint(error)


def _refused_by_simplyprint(error: SimplePrintAPIError) -> Outcome:
    if isinstance(error, SimplePrintConnectionError):
        return Outcome("unavailable", [], _(
            "SimplyPrint could not be reached: %(error)s. Nothing was done; try again later.")
            % {"error": error.message})
    if error.status == 429:
        return Outcome("unavailable", [], _(
            "SimplyPrint is limiting this service's requests (HTTP 429): nothing was done. "
            "Try again in a minute."), simplyprint_status=429,
            retry_after=float(settings.PRINTFARM_ACTIONS["max_wait_seconds"]))
    hint = {403: _(" Check the SimplyPrint plan and what the API key's user may do."),
            401: _(" Check SIMPLEPRINT_API_KEY.")}.get(error.status, "")
    return Outcome("failed", [], _(
        "SimplyPrint refused it (HTTP %(status)s): %(message)s.%(hint)s Nothing was done.")
        % {"status": error.status, "message": error.message.rstrip("."), "hint": hint},
        simplyprint_status=error.status)


def _answered(actions: Sequence[OperatorAction], request: dict[str, Any],
              answer: dict[str, Any], error: SimplePrintAPIError | None) -> None:
    """Record SimplyPrint's answer on the rows. A row the confirming webhook reached first
    (it was processed while the call was answered) stays confirmed."""
    unknown = isinstance(error, SimplePrintOutcomeUnknown)
    with transaction.atomic():
        for action in OperatorAction.objects.select_for_update().filter(
                pk__in=[a.pk for a in actions]):
            action.request = request
            action.answered_at = timezone.now()
            action.answer = answer
            action.http_status = 200 if error is None else (error.status or None)
            if error is not None:
                action.error = str(error)
            if error is not None and not unknown:
                action.status = Status.FAILED
            elif action.status == Status.SENDING:
                action.status = Status.PENDING
            if action.kind == OperatorAction.Kind.START:
                _started(action, started_job_ids(answer))
            action.save()
            outbox.record_row(action)


def _started(action: OperatorAction, jobs: list[int]) -> None:
    """The job a start made: SimplyPrint's answer names it. When the printer was already seen
    printing another one (the confirmation came first), that is a mismatch."""
    if not jobs:
        return
    if action.job_sp_id is None:
        action.job_sp_id = jobs[0]
    elif action.status == Status.CONFIRMED and action.job_sp_id not in jobs:
        action.status = Status.MISMATCH
        action.result = other_job(action.job_sp_id, jobs)


def _read_queue(sp: SimplePrintClient) -> None:
    """A bad print's queue item went back to the queue, and no webhook says so: read the queue
    now (one call) rather than at the next reconcile. A failure only delays it."""
    try:
        polling.sync_queue(sp, time.time, polling.SyncResult())
    except SimplePrintAPIError as exc:
        logger.info("queue not re-read after a failed print's bed was cleared: %s", exc)


def _fresh(action: OperatorAction) -> OperatorAction:
    action.refresh_from_db()
    return action
