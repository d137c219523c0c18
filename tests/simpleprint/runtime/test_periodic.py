"""The periodic jobs are listed once: Celery beat's schedule and the in-process scheduler are
both built from that list."""

from __future__ import annotations

from typing import Any

import pytest

from apps.simpleprint.runtime import inprocess, periodic, tasks
from config.celery import app


@pytest.fixture
def alerts_on(settings: Any) -> None:
    """An Apprise target, so that the alert sender is scheduled too."""
    settings.PRINTFARM_NOTIFY = {**settings.PRINTFARM_NOTIFY, "urls": "json://127.0.0.1:1/x"}


def test_beat_runs_every_periodic_task_at_its_setting(settings: Any, alerts_on: None) -> None:
    settings.PRINTFARM_PROCESSING = {**settings.PRINTFARM_PROCESSING, "sweep_interval_seconds": 7}
    schedule = periodic.beat_schedule()
    assert {entry["task"] for entry in schedule.values()} == {job.task for job in periodic.PERIODIC}
    assert schedule["sweep_unprocessed_events"]["schedule"] == 7
    assert schedule["sync_tick"]["options"] == {"expires": settings.PRINTFARM_SYNC["tick_interval"]}


def test_the_celery_app_uses_that_schedule_and_knows_each_task() -> None:
    assert app.conf.beat_schedule == periodic.beat_schedule()
    for job in periodic.PERIODIC:
        assert job.task in app.tasks


def test_a_disabled_sync_is_not_scheduled(settings: Any) -> None:
    settings.PRINTFARM_SYNC = {**settings.PRINTFARM_SYNC, "enabled": False}
    assert "simpleprint.sync_tick" not in {e["task"] for e in periodic.beat_schedule().values()}


def test_without_an_apprise_target_no_alert_sender_is_scheduled(settings: Any) -> None:
    settings.PRINTFARM_NOTIFY = {**settings.PRINTFARM_NOTIFY, "urls": ""}
    assert "simpleprint.send_notifications" not in {
        e["task"] for e in periodic.beat_schedule().values()}


def test_the_in_process_scheduler_runs_the_same_tasks_but_the_celery_heartbeat(
        settings: Any, monkeypatch: pytest.MonkeyPatch, alerts_on: None) -> None:
    settings.PRINTFARM_WORKER = "thread"
    scheduler = inprocess.Scheduler()
    monkeypatch.setattr(inprocess, "scheduler", scheduler)
    monkeypatch.setattr(scheduler, "start", lambda: None)
    monkeypatch.setattr(inprocess.worker, "start", lambda: None)
    inprocess.start_background()
    expected = {job.task for job in periodic.PERIODIC if not job.celery_only}
    assert scheduler.names() == expected
    assert "simpleprint.worker_heartbeat" not in expected
    assert tasks.by_name("simpleprint.sync_tick") is tasks.sync_tick
