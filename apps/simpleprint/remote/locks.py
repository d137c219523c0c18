"""One holder at a time for periodic jobs, even with several workers.

With Redis (``REDIS_URL``): ``SET key token NX PX ttl``, released only by its holder (compare
and delete in one Lua call), so a crashed holder frees the lock when the TTL expires. Without
Redis the embedded default runs one process, so a process-wide threading lock is enough.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator

from django.conf import settings

from .connections import connection

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


@contextlib.contextmanager
def exclusive(name: str, ttl_seconds: float, *, redis_url: str | None = None) -> Iterator[bool]:
    """Try to take the lock ``name`` without waiting; yield whether this caller holds it."""
    url = settings.REDIS_URL if redis_url is None else redis_url
    if url:
        client, key, token = connection(url), f"printfarm:lock:{name}", secrets.token_hex(16)
        acquired = bool(client.set(key, token, nx=True, px=max(1, int(ttl_seconds * 1000))))
        try:
            yield acquired
        finally:
            if acquired:
                client.eval(_RELEASE, 1, key, token)
        return
    with _local_guard:
        lock = _local_locks.setdefault(name, threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()
