"""Which state changes are alerts, once each: the change recorder's follower
(``state.changes.register``, wired in ``SimplePrintConfig.ready``) writes a
:class:`~apps.simpleprint.models.Notification` row in the transaction of the change, keyed so
that the same event seen again (a duplicate delivery, the poll that confirms it) adds nothing.

| alert | when | key |
|---|---|---|
| ``failed`` | a job's status becomes failed | ``failed:<job>`` |
| ``ai_flagged`` | SimplyPrint's AI flags a job | ``ai:<job>`` |
| ``offline`` | a printer goes offline (one per offline episode) | ``offline:<printer>:<since>`` |
| ``approval`` | a queue item awaits approval | ``approval:<item>`` |

Nothing is written while no Apprise URL is configured.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ..models import Notification, Printer, PrintJob, PrintQueue

Kind = Notification.Kind


def enabled() -> bool:
    return bool(settings.PRINTFARM_NOTIFY["urls"].strip())


def alerts_of(row: models.Model) -> list[tuple[str, str, int]]:
    """The alerts ``row`` (just saved) raises: ``(key, kind, SimplyPrint id)`` each."""
    if isinstance(row, PrintJob):
        found: list[tuple[str, str, int]] = []
        if row.status == PrintJob.Status.FAILED:
            found.append((f"failed:{row.sp_id}", Kind.FAILED, row.sp_id))
        if row.ai_detected_at is not None:
            found.append((f"ai:{row.sp_id}", Kind.AI_FLAGGED, row.sp_id))
        return found
    if isinstance(row, Printer) and row.offline_since is not None:
        since = int(row.offline_since.timestamp())
        return [(f"offline:{row.sp_id}:{since}", Kind.OFFLINE, row.sp_id)]
    if isinstance(row, PrintQueue) and row.state == PrintQueue.State.PENDING_APPROVAL:
        return [(f"approval:{row.sp_id}", Kind.APPROVAL, row.sp_id)]
    return []


class AlertRecorder:
    """Follows the state writers' changes (``state.changes``) and records their alerts."""

    def record(self, row: models.Model) -> None:
        if not enabled():
            return
        for key, kind, ref in alerts_of(row):
            Notification.objects.get_or_create(key=key, defaults={"kind": kind, "ref": ref})
