"""One holder at a time: the in-process lock, and the Redis lock when Redis is reachable."""

from __future__ import annotations

import os

import pytest

from apps.simpleprint.remote import locks
from apps.simpleprint.remote.connections import connection

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/8")


def test_second_taker_is_refused_until_release() -> None:
    with locks.exclusive("t", 60, redis_url="") as first, \
            locks.exclusive("t", 60, redis_url="") as second:
        assert first and not second
    with locks.exclusive("t", 60, redis_url="") as again:
        assert again


def _redis_or_skip() -> None:
    try:
        connection(REDIS_URL).ping()
    except Exception:
        pytest.skip("no Redis reachable")


def test_redis_lock_single_holder_and_expiry() -> None:
    _redis_or_skip()
    with locks.exclusive("t-redis", 60, redis_url=REDIS_URL) as first, \
            locks.exclusive("t-redis", 60, redis_url=REDIS_URL) as second:
        assert first and not second
    with locks.exclusive("t-expiring", 0.05, redis_url=REDIS_URL) as held:
        assert held
        import time

        time.sleep(0.1)  # a crashed holder: its TTL frees the lock
        with locks.exclusive("t-expiring", 60, redis_url=REDIS_URL) as taken:
            assert taken
