"""The SimplyPrint request budget: at most ``limit`` requests in any ``window`` seconds.

A sliding window of granted slots. With Redis (``settings.REDIS_URL``) the window is a sorted set
updated by one Lua script (check + grant is atomic, timed by the Redis server's clock), so every
process and host sharing that Redis shares one budget. Without Redis (the embedded single
process) it is a deque under a lock. After a 429 the client calls :meth:`RateLimiter.pause`: a
shared pause that holds every caller back until SimplyPrint's ``Retry-After`` has passed.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import deque

from django.conf import settings

from .connections import connection

KEY_PREFIX = "printfarm:sp:ratelimit:"

#: KEYS: window zset, pause key. ARGV: window µs, limit, unique member.
#: Returns 0 when a slot was granted, else the µs until one may be free.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return paused - now end
if tonumber(ARGV[2]) <= 0 then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""

#: KEYS: pause key. ARGV: pause µs. Extends the pause, never shortens it.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_at = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_at > current then
  local ttl_ms = math.ceil(tonumber(ARGV[1]) / 1000) + 1000
  redis.call('SET', KEYS[1], string.format('%d', until_at), 'PX', ttl_ms)
end
return 0
"""

#: KEYS: window zset. ARGV: window µs. Returns the slots used in the current window.
_USED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')
"""


class RateLimitTimeout(Exception):
    """The next free slot is further away than the caller is willing to wait."""

    def __init__(self, wait: float, max_wait: float) -> None:
        super().__init__(f"SimplyPrint rate limit: the next free request slot is {wait:.1f} s "
                         f"away, longer than the {max_wait:.1f} s this call may wait")
        self.wait, self.max_wait = wait, max_wait


class RateLimiter:
    """``limit`` requests per ``window`` seconds; ``limit <= 0`` means unlimited (a pause
    still holds callers back)."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window

    def try_acquire(self) -> float:
        """Take a slot if one is free (returns 0), else return the seconds until one may be."""
        raise NotImplementedError

    def pause(self, seconds: float) -> None:
        """Grant nothing to anyone for ``seconds`` (after a 429)."""
        raise NotImplementedError

    def used(self) -> int:
        """Slots granted in the current window."""
        raise NotImplementedError

    def acquire(self, max_wait: float = 60.0) -> float:
        """Block until a slot is granted; returns the seconds waited. Raises
        :class:`RateLimitTimeout` at once if the wait would go past ``max_wait``."""
        started = time.monotonic()
        while True:
            wait = self.try_acquire()
            waited = time.monotonic() - started
            if wait <= 0:
                return waited
            if waited + wait > max_wait:
                raise RateLimitTimeout(wait, max_wait)
            # A little jitter so that callers woken together do not all retry in lockstep.
            time.sleep(wait + random.uniform(0, min(0.02, wait / 10)))


class LocalRateLimiter(RateLimiter):
    """Thread-safe, for one process."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        super().__init__(limit, window)
        self._granted: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def try_acquire(self) -> float:
        with self._lock:
            now = time.monotonic()
            if self._paused_until > now:
                return self._paused_until - now
            if self.limit <= 0:
                return 0.0
            while self._granted and self._granted[0] <= now - self.window:
                self._granted.popleft()
            if len(self._granted) < self.limit:
                self._granted.append(now)
                return 0.0
            return max(1e-3, self._granted[0] + self.window - now)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def used(self) -> int:
        with self._lock:
            horizon = time.monotonic() - self.window
            return sum(1 for granted in self._granted if granted > horizon)


class RedisRateLimiter(RateLimiter):
    """Shared by every process using the same Redis and ``name``."""

    def __init__(self, url: str, name: str, limit: int, window: float = 60.0) -> None:
        super().__init__(limit, window)
        self._redis = connection(url)
        self._key = KEY_PREFIX + name
        self._pause_key = self._key + ":pause"
        self._window_us = int(window * 1_000_000)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._pause = self._redis.register_script(_PAUSE)
        self._used = self._redis.register_script(_USED)

    def try_acquire(self) -> float:
        wait_us = self._acquire(keys=[self._key, self._pause_key],
                                args=[self._window_us, self.limit, secrets.token_hex(8)])
        return int(wait_us) / 1_000_000

    def pause(self, seconds: float) -> None:
        self._pause(keys=[self._pause_key], args=[max(1, int(seconds * 1_000_000))])

    def used(self) -> int:
        return int(self._used(keys=[self._key], args=[self._window_us]))


_limiters: dict[tuple[str, str, int, float], RateLimiter] = {}
_limiters_lock = threading.Lock()


def get_limiter(name: str, limit: int, window: float = 60.0,
                redis_url: str | None = None) -> RateLimiter:
    """The process's limiter for budget ``name``: Redis-backed when Redis is configured."""
    url = settings.REDIS_URL if redis_url is None else redis_url
    key = (url, name, limit, window)
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = (RedisRateLimiter(url, name, limit, window) if url
                       else LocalRateLimiter(limit, window))
            _limiters[key] = limiter
        return limiter
