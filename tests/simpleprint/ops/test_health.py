"""/healthz and /readyz: liveness without the database; readiness names what failed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from apps.simpleprint.ops.health import HEARTBEAT_KEY, record_heartbeat


@pytest.fixture(autouse=True)
def no_heartbeat() -> Iterator[None]:
    cache.delete(HEARTBEAT_KEY)
    yield
    cache.delete(HEARTBEAT_KEY)


def test_healthz_answers_without_the_database(client: Client) -> None:
    response = client.get("/healthz")  # no django_db mark: a query would fail the test
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_the_database_answers(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["ok"] is True


@pytest.fixture
def staff_client(client: Client) -> Client:
    client.force_login(User.objects.create_user("ops", is_staff=True))
    return client


@pytest.mark.django_db
def test_readyz_names_a_missing_worker_heartbeat(staff_client: Client, settings) -> None:
    settings.PRINTFARM_WORKER = "celery"
    response = staff_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["worker_heartbeat"]
    assert "celery" in response.json()["checks"]["worker_heartbeat"]["detail"]


@pytest.mark.django_db
def test_readyz_is_ok_with_a_fresh_heartbeat(client: Client, settings) -> None:
    settings.PRINTFARM_WORKER = "celery"
    record_heartbeat()
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_fails_on_a_stale_heartbeat(staff_client: Client, settings) -> None:
    settings.PRINTFARM_WORKER = "celery"
    settings.PRINTFARM_HEARTBEAT = {"interval_seconds": 15, "max_age_seconds": 60}
    cache.set(HEARTBEAT_KEY, time.time() - 120, timeout=None)
    response = staff_client.get("/readyz")
    assert response.status_code == 503
    assert "ago" in response.json()["checks"]["worker_heartbeat"]["detail"]


@pytest.mark.django_db
def test_readyz_names_an_unreachable_redis(client: Client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]


def test_the_heartbeat_task_writes_the_heartbeat() -> None:
    from apps.simpleprint.runtime.tasks import worker_heartbeat

    before = time.time()
    worker_heartbeat.apply()
    assert cache.get(HEARTBEAT_KEY) >= before


@pytest.mark.django_db
def test_the_sync_check_says_how_state_arrives_and_why_without_failing() -> None:
    from apps.simpleprint.ops.health import readiness_checks
    from apps.simpleprint.sync import modes

    [before] = [c for c in readiness_checks() if c.name == "sync"]
    assert before.ok and before.detail == "the sync has not run yet"
    modes.refused("SimplyPrint's webhook API refused (HTTP error 403: no): this API key lacks "
                  "the webhooks_manage permission", time.time() - 90)
    [check] = [c for c in readiness_checks() if c.name == "sync"]
    assert check.ok  # polling is a working mode: it never takes the service out of rotation
    assert check.detail.startswith("polling for 9")
    assert check.detail.endswith("this API key lacks the webhooks_manage permission")
