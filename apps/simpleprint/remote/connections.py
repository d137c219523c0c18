"""One shared Redis connection pool per URL for the SimplyPrint client's limiter and accounting."""

from __future__ import annotations

from functools import cache

import redis


@cache
def connection(url: str) -> redis.Redis:
    """A client for ``url`` (thread-safe; its pool is shared by every caller in the process)."""
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
