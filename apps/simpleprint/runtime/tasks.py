"""Celery tasks (production); the in-process scheduler calls the same functions. A task
carries only an event id: the inbox row is the truth."""

from __future__ import annotations

from collections.abc import Callable

from celery import shared_task

from ..actions import confirm
from ..live import outbox, publisher
from ..notify import sender
from ..ops import health
from ..processing import inbox, retention
from ..sync import details, polling


@shared_task(name="simpleprint.process_webhook_event", acks_late=True)
def process_webhook_event(event_id: int) -> str:
    """Apply one stored event, and the events received after it that wait for their own
    tasks, in one transaction (``inbox.process_events``: under a burst, one commit and one
    publish for up to ``BATCH_LIMIT`` events). Failures are recorded on the event and retried
    by the sweeper at the event's ``next_attempt_at``, so the task itself never needs Celery's
    retry. Returns the status of its own event."""
    status = inbox.process_events([event_id, *inbox.waiting_after(event_id)])[0]
    publisher.flush()  # the changes reach the pages before the task is acknowledged
    return status


@shared_task(name="simpleprint.sweep_unprocessed_events")
def sweep_unprocessed_events() -> int:
    return inbox.sweep()


@shared_task(name="simpleprint.prune_live_updates")
def prune_live_updates() -> int:
    return outbox.prune()


@shared_task(name="simpleprint.prune_webhook_events")
def prune_webhook_events() -> int:
    """Delete applied events older than the retention (failed ones are kept)."""
    return retention.prune_events()


@shared_task(name="simpleprint.worker_heartbeat")
def worker_heartbeat() -> float:
    """Sent by beat, run by a worker: a fresh heartbeat proves both are alive (see /readyz)."""
    return health.record_heartbeat()


@shared_task(name="simpleprint.sync_tick", ignore_result=True)
def sync_tick() -> str:
    """Poll or reconcile when due (one worker at a time: ``remote.locks.exclusive``)."""
    return polling.tick()


@shared_task(name="simpleprint.fetch_job_details", ignore_result=True)
def fetch_job_details() -> int:
    """Read why recently failed or cancelled jobs ended (``sync.details``)."""
    return details.fetch_end_details()


@shared_task(name="simpleprint.send_notifications", ignore_result=True)
def send_notifications() -> int:
    """Send the alerts that are due through Apprise (``notify.sender``)."""
    sent = sender.send_due()
    sender.prune()
    return sent


@shared_task(name="simpleprint.expire_actions", ignore_result=True)
def expire_actions() -> int:
    """Show operator actions nothing confirmed in time as unconfirmed (``actions.confirm``)."""
    return confirm.expire_overdue()


def by_name(name: str) -> Callable[[], object]:
    """The function of the periodic task ``name`` (for the in-process scheduler)."""
    tasks: dict[str, Callable[[], object]] = {
        task.name: task for task in (sweep_unprocessed_events, prune_live_updates,
                                     prune_webhook_events, worker_heartbeat, sync_tick,
                                     fetch_job_details, send_notifications, expire_actions)}
    return tasks[name]
