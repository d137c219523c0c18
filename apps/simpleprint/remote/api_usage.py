"""Accounting of SimplyPrint API calls: every HTTP attempt the client makes, by endpoint and
outcome, in per-minute buckets.

Outcomes: ``ok`` (2xx and ``status: true``), the HTTP status as a string when SimplyPrint refused
(``"429"``, ``"401"``, …; ``"200"`` for a 2xx with ``status: false``), ``error`` when no answer
came (connection refused, timeout). With Redis each minute is one hash (``HINCRBY`` + ``EXPIRE``
in one round trip) shared by every process; without it a dict under a lock.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from typing import Any

from django.conf import settings

from .connections import connection
from .ratelimit import get_limiter

KEY_PREFIX = "printfarm:sp:usage:"
#: Buckets are kept a day: enough for any window the API, the page or the metrics ask for.
RETENTION_SECONDS = 24 * 3600
SEPARATOR = "|"

_local: dict[int, Counter[str]] = {}
_local_lock = threading.Lock()


def account_name(base_url: str, company_id: int, api_key: str) -> str:
    """The budget a client draws from: one per SimplyPrint host, company and key (the key is
    hashed so it never appears in Redis)."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}|{company_id}|{api_key}".encode())
    return f"{company_id}:{digest.hexdigest()[:16]}"


def configured_limiter_name() -> str:
    config = settings.SIMPLEPRINT_CONFIG
    return account_name(config["base_url"], int(config["company_id"]), config["api_key"])


def record(endpoint: str, outcome: str, at: float | None = None) -> None:
    """Count one call to ``endpoint`` that ended with ``outcome``."""
    minute = int((time.time() if at is None else at) // 60)
    field = f"{endpoint}{SEPARATOR}{outcome}"
    if settings.REDIS_URL:
        key = f"{KEY_PREFIX}{minute}"
        pipe = connection(settings.REDIS_URL).pipeline(transaction=False)
        pipe.hincrby(key, field, 1)
        pipe.expire(key, RETENTION_SECONDS)
        pipe.execute()
        return
    with _local_lock:
        _local.setdefault(minute, Counter())[field] += 1
        for old in [m for m in _local if m < minute - RETENTION_SECONDS // 60]:
            del _local[old]


def _buckets(first_minute: int, last_minute: int) -> list[dict[str, int]]:
    minutes = range(first_minute, last_minute + 1)
    if settings.REDIS_URL:
        pipe = connection(settings.REDIS_URL).pipeline(transaction=False)
        for minute in minutes:
            pipe.hgetall(f"{KEY_PREFIX}{minute}")
        return [{k.decode(): int(v) for k, v in raw.items()} for raw in pipe.execute()]
    with _local_lock:
        return [dict(_local.get(minute, {})) for minute in minutes]


def api_usage(window_seconds: int = 3600) -> dict[str, Any]:
    """Calls in the last ``window_seconds`` (whole minutes, the current one included) by
    endpoint and outcome, and the headroom left in the shared rate limit right now."""
    now_minute = int(time.time() // 60)
    minutes = max(1, -(-int(window_seconds) // 60))
    by_endpoint: Counter[str] = Counter()
    by_outcome: Counter[str] = Counter()
    for bucket in _buckets(now_minute - minutes + 1, now_minute):
        for field, count in bucket.items():
            endpoint, _, outcome = field.rpartition(SEPARATOR)
            by_endpoint[endpoint] += count
            by_outcome[outcome] += count
    limit = int(settings.SIMPLEPRINT_CONFIG["rate_limit"])
    used = get_limiter(configured_limiter_name(), limit).used()
    return {
        "window_seconds": int(window_seconds),
        "calls": sum(by_endpoint.values()),
        "by_endpoint": dict(sorted(by_endpoint.items())),
        "by_outcome": dict(sorted(by_outcome.items())),
        "rate_limit_per_minute": limit,
        "used_last_minute": used,
        "headroom_per_minute": max(0, limit - used),
    }


def reset() -> None:
    """Forget every count (tests, and an operator starting a fresh measurement)."""
    if settings.REDIS_URL:
        client = connection(settings.REDIS_URL)
        keys = list(client.scan_iter(match=f"{KEY_PREFIX}*", count=500))
        if keys:
            client.delete(*keys)
        return
    with _local_lock:
        _local.clear()
