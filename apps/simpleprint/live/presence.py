"""Who is listening on the live channel: a count of connected Planning pages, and the replies
to broadcast pings. Both live in the cache, so with Redis they cover every server process (a
process that dies without closing its sockets leaves its clients counted)."""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache

CLIENTS_KEY = "ws_clients"
PING_TTL = 120
#: The longest a ping waits for pongs, whatever it is asked for.
MAX_WAIT_SECONDS = 10.0


def _ping_key(ping_id: str, suffix: str) -> str:
    return f"ws_ping:{ping_id}:{suffix}"


def client_connected() -> None:
    cache.add(CLIENTS_KEY, 0, timeout=None)
    cache.incr(CLIENTS_KEY)


def client_disconnected() -> None:
    cache.add(CLIENTS_KEY, 1, timeout=None)
    cache.decr(CLIENTS_KEY)


def client_count() -> int:
    return max(int(cache.get(CLIENTS_KEY) or 0), 0)


def new_ping() -> tuple[str, float]:
    """A fresh ping id with its counter of replies, and the wall-clock time it is sent at."""
    ping_id = uuid.uuid4().hex
    cache.set(_ping_key(ping_id, "n"), 0, timeout=PING_TTL)
    return ping_id, time.time()


def record_pong(ping_id: str, sent_at: float) -> None:
    """Store one page's round trip (server send → page reply) in milliseconds."""
    rtt_ms = round((time.time() - sent_at) * 1000, 2)
    try:
        index = cache.incr(_ping_key(ping_id, "n"))
    except ValueError:  # unknown or expired ping
        return
    cache.set(_ping_key(ping_id, str(index)), rtt_ms, timeout=PING_TTL)


@dataclass(frozen=True)
class PingResult:
    ping_id: str
    sent_at: float
    round_trips_ms: list[float]


def collect_pongs(ping_id: str, sent_at: float, wait: float, expected: int) -> PingResult:
    """Wait up to ``wait`` seconds, or until ``expected`` pages answered, and return the round
    trips recorded so far, fastest first. ``wait`` is bounded to 0..``MAX_WAIT_SECONDS``; NaN
    (which passes ``min``/``max`` and made the deadline unreachable) counts as 0."""
    wait = min(max(wait, 0.0), MAX_WAIT_SECONDS) if math.isfinite(wait) else 0.0
    deadline = time.monotonic() + wait
    while True:
        trips = _round_trips(ping_id)
        if (expected > 0 and len(trips) >= expected) or time.monotonic() >= deadline:
            return PingResult(ping_id, sent_at, trips)
        time.sleep(0.01)


def _round_trips(ping_id: str) -> list[float]:
    count = int(cache.get(_ping_key(ping_id, "n")) or 0)
    values = cache.get_many([_ping_key(ping_id, str(i)) for i in range(1, count + 1)])
    return sorted(float(v) for v in values.values())
