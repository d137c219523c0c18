"""Celery tasks (production). A task carries only an event id: the inbox row is the truth."""

from __future__ import annotations

from celery import shared_task

from .services import inbox, live


@shared_task(name="simpleprint.process_webhook_event", acks_late=True)
def process_webhook_event(event_id: int) -> str:
    """Apply one stored event. Failures are recorded on the event and retried by the sweeper
    at the event's ``next_attempt_at``, so the task itself never needs Celery's retry."""
    return inbox.process_event(event_id)


@shared_task(name="simpleprint.sweep_unprocessed_events")
def sweep_unprocessed_events() -> int:
    return inbox.sweep()


@shared_task(name="simpleprint.prune_live_updates")
def prune_live_updates() -> int:
    return live.prune_live_updates()
