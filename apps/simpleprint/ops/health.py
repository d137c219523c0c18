"""Liveness and readiness checks (``/healthz``, ``/readyz``) and the Celery worker heartbeat."""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from ..remote import servertime
from ..sync import modes

HEARTBEAT_KEY = "printfarm:worker-heartbeat"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def record_heartbeat() -> float:
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


def heartbeat_age() -> float | None:
    """Seconds since a worker last ran the heartbeat task, or None if none ever did."""
    beat = cache.get(HEARTBEAT_KEY)
    return None if beat is None else max(time.time() - float(beat), 0.0)


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check("database", False, f"{type(exc).__name__}: {exc}")
    return Check("database", True)


def check_redis(url: str) -> Check:
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return Check("redis", False, f"{type(exc).__name__}: {exc}")
    return Check("redis", True)


def check_worker_heartbeat() -> Check:
    max_age = settings.PRINTFARM_HEARTBEAT["max_age_seconds"]
    try:
        age = heartbeat_age()
    except Exception as exc:
        return Check("worker_heartbeat", False, f"cache unavailable: {exc}")
    if age is None:
        return Check("worker_heartbeat", False,
                     "no heartbeat yet: is `celery -A config worker` and `beat` running?")
    if age > max_age:
        return Check("worker_heartbeat", False,
                     f"last heartbeat {age:.0f} s ago (limit {max_age:.0f} s)")
    return Check("worker_heartbeat", True, f"{age:.1f} s ago")


def check_sync() -> Check:
    """How state reaches the service and why, for the operator ("polling for 600 s: SimplyPrint's
    webhook API refused (HTTP error 403: ...): this API key lacks the webhooks_manage
    permission ..."). Informational, never failed: polling is a working mode, SimplyPrint being
    unreachable must not take this service out of rotation, and a database that cannot be read
    is the ``database`` check's failure."""
    try:
        return Check("sync", True, modes.summary(servertime.now()))
    except Exception as exc:
        return Check("sync", True, f"unknown: the sync state cannot be read "
                                   f"({type(exc).__name__})")


def readiness_checks() -> list[Check]:
    """The database always; Redis when configured; the worker when processing runs on Celery;
    the sync (informational) when it runs."""
    checks = [check_database()]
    if settings.REDIS_URL:
        checks.append(check_redis(settings.REDIS_URL))
    if settings.PRINTFARM_WORKER == "celery":
        checks.append(check_worker_heartbeat())
    if settings.PRINTFARM_SYNC["enabled"]:
        checks.append(check_sync())
    return checks
