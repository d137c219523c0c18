"""Retention of the event log: applied events (processed or ignored) received more than
``PRINTFARM_EVENT_RETENTION_DAYS`` ago are deleted, a bounded batch at a time; failed and
pending events are kept whatever their age, until they are handled (reprocessed and applied).
A periodic job (``runtime/periodic.py``) runs :func:`prune_events`.

Each batch selects ids through the ``received_at`` index and deletes them by primary key, so a
run holds no long lock and never scans the whole table (about 0.1–0.2 s per batch of 5 000 on a
table of a million events: bench/README.md, event_log).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..models import PrinterWebhookEvent

logger = logging.getLogger(__name__)

Status = PrinterWebhookEvent.Status
#: Only these are ever deleted; failed and pending events wait for an operator or a retry.
APPLIED = (Status.PROCESSED, Status.IGNORED)
BATCH = 5000
#: At most this many batches a run (250 000 rows); the next run goes on.
MAX_BATCHES = 50


def cutoff(now: datetime | None = None) -> datetime | None:
    """Events applied and received before this are deleted; None: retention is off."""
    days = settings.PRINTFARM_RETENTION["event_days"]
    if days <= 0:
        return None
    return (now or timezone.now()) - timedelta(days=days)


def prune_events(now: datetime | None = None) -> int:
    """Delete the applied events older than the retention; returns how many."""
    before = cutoff(now)
    if before is None:
        return 0
    expired = PrinterWebhookEvent.objects.filter(status__in=APPLIED, received_at__lt=before)
    deleted = 0
    for _ in range(MAX_BATCHES):
        ids = list(expired.order_by().values_list("id", flat=True)[:BATCH])
        if not ids:
            break
        count, _ = PrinterWebhookEvent.objects.filter(pk__in=ids).delete()
        deleted += count
    if deleted:
        logger.info("retention: deleted %d applied event(s) received before %s", deleted,
                    before.isoformat())
    return deleted
