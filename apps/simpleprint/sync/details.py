"""Why a job failed or was cancelled: no delivery says it (``job.failed`` carries only the job;
``job.cancelled`` the job and who), so for each job that ended so, ``jobs/GetDetails`` is read
once, shortly after, for ``failedReason`` and ``cancelInfo`` (a periodic job,
``runtime/periodic.py``; one call per failed or cancelled job, a few per hundred prints).

Only jobs that ended within ``RECENT`` are read: a job whose details could not be read then
(SimplyPrint down, a job it no longer has) keeps what the deliveries said.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from ..models import PrintJob
from ..remote import locks
from ..remote.client import SimplePrintAPIError, SimplePrintClient
from ..state import jobs

logger = logging.getLogger(__name__)

#: Jobs that ended longer ago than this are not read any more.
RECENT = timedelta(hours=1)
#: At most this many reads per run (the next run takes the rest).
PER_RUN = 10
LOCK_NAME = "simpleprint-job-details"


class DetailsClient(Protocol):
    def get_job_details(self, uid: str) -> dict[str, Any]: ...


def wanted() -> list[PrintJob]:
    """Failed or cancelled jobs whose details were not read yet, ended recently, oldest first."""
    since = timezone.now() - RECENT
    return list(PrintJob.objects.filter(
        status__in=(PrintJob.Status.FAILED, PrintJob.Status.CANCELLED),
        details_fetched_at__isnull=True, updated_at__gte=since).exclude(uid="")
        .order_by("updated_at")[:PER_RUN])


def fetch_end_details(client: DetailsClient | None = None) -> int:
    """Read the details of the jobs :func:`wanted` returns; returns how many were read."""
    with locks.exclusive(LOCK_NAME, 120) as held:
        if not held:
            return 0
        todo = wanted()
        if not todo:
            return 0
        if client is not None:
            return _fetch(client, todo)
        with SimplePrintClient(max_attempts=1) as own:
            return _fetch(own, todo)


def _fetch(client: DetailsClient, todo: list[PrintJob]) -> int:
    done = 0
    for job in todo:
        try:
            details = client.get_job_details(job.uid)
        except SimplePrintAPIError as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                details = {}  # SimplyPrint has nothing to say about it: do not ask again
            else:
                logger.warning("job details of %s not read (%s); next run", job.sp_id, exc)
                return done
        with transaction.atomic():
            locked = PrintJob.objects.select_for_update().get(pk=job.pk)
            jobs.apply_details(locked, details, timezone.now())
        done += 1
    return done
