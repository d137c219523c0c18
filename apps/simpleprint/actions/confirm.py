"""Confirming operator actions: when the mirror shows the state an open action asked for.

:class:`ActionConfirmer` follows the state writers' changes (``state.changes.register``, wired
in ``SimplePrintConfig.ready``): each changed printer or queue item is checked against the open
actions on it (sending or pending), in the transaction of the change. A match confirms the
action and links what caused it: the webhook event being applied (``state.changes.cause``), or
a poll. The registry's ``confirm`` says what matches (``actions/registry.py``).

:func:`expire_overdue` (a periodic job) gives up on actions nothing confirmed within
``PRINTFARM_ACTIONS["confirm_timeout_seconds"]`` (or, still *sending*, within
:data:`SENDING_LIMIT`: the process stopped during the call): they become *unconfirmed*, so that
no page shows "pending" for ever and no target stays blocked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..live import outbox
from ..models import OperatorAction, Printer, PrintQueue
from ..state import changes
from .registry import ACTIONS

Status = OperatorAction.Status
#: Longer than any call takes (the client's timeout, a retry, the wait for a rate-limit slot):
#: an action still *sending* after it was left by a process that stopped.
SENDING_LIMIT = 120
_PRINTER_KINDS = [kind for kind, spec in ACTIONS.items() if spec.target == "printer"]
_QUEUE_KINDS = [kind for kind, spec in ACTIONS.items() if spec.target == "queue_item"]


def _any_open(column: str, sp_id: int) -> bool:
    """Whether an action is open on the row (``column`` = ``sp_id``): one short statement on
    the (target, status) index, without building an ORM query. Every change of a printer or
    queue item asks, and nearly always none is open."""
    open_statuses = sorted(OperatorAction.OPEN)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {connection.ops.quote_name(OperatorAction._meta.db_table)} "
            f"WHERE {column} = %s AND status IN ({', '.join(['%s'] * len(open_statuses))}) "
            "LIMIT 1", [sp_id, *open_statuses])
        return cursor.fetchone() is not None


class ActionConfirmer:
    """A follower of the state writers: confirms the open actions a changed row satisfies."""

    def record(self, row: models.Model) -> None:
        if isinstance(row, Printer):
            if not _any_open("printer_sp_id", row.sp_id):
                return
            open_actions = OperatorAction.objects.filter(
                printer_sp_id=row.sp_id, status__in=OperatorAction.OPEN, kind__in=_PRINTER_KINDS)
        elif isinstance(row, PrintQueue):
            if not _any_open("queue_item_sp_id", row.sp_id):
                return
            open_actions = OperatorAction.objects.filter(
                queue_item_sp_id=row.sp_id, status__in=OperatorAction.OPEN,
                kind__in=_QUEUE_KINDS)
        else:
            return
        cause = changes.cause()
        for action in open_actions.select_for_update().order_by("id"):
            verdict = ACTIONS[action.kind].confirm(action, row, cause)
            if verdict is None:
                continue
            action.status = verdict.status
            action.result = verdict.result
            action.job_sp_id = verdict.job_sp_id or action.job_sp_id
            action.confirmed_at = timezone.now()
            action.confirmed_via = "webhook" if cause is not None else "poll"
            if cause is not None:
                action.confirmed_by_event_id = cause.event_id
                action.confirmed_by_event = cause.event
            action.save()
            outbox.record_row(action)


def expire_overdue(now: datetime | None = None) -> int:
    """Mark the open actions older than the confirmation timeout unconfirmed; how many."""
    seconds = settings.PRINTFARM_ACTIONS["confirm_timeout_seconds"]
    now = now or timezone.now()
    overdue = models.Q(status__in=OperatorAction.OPEN,
                       created_at__lt=now - timedelta(seconds=seconds)) \
        | models.Q(status=Status.SENDING, created_at__lt=now - timedelta(seconds=SENDING_LIMIT))
    expired = 0
    with transaction.atomic():
        for action in OperatorAction.objects.select_for_update().filter(overdue):
            if action.status == Status.SENDING:
                why = _("The service stopped before SimplyPrint answered: whether it happened "
                        "is unknown. Look at the printer or the queue.")
            else:
                why = _("SimplyPrint accepted it, but neither a webhook nor a poll showed the "
                        "new state within %(seconds)s s.") % {"seconds": seconds}
            action.status = Status.UNCONFIRMED
            action.error = " ".join(filter(None, [action.error, why]))
            action.save()
            outbox.record_row(action)
            expired += 1
    return expired
