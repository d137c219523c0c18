"""Request counters read by the benchmarks (with the deliveries' counters), and the per-key rate
limiter."""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict, deque
from collections.abc import Mapping
from typing import Any

from simulator.contract.payloads import iso


class Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.since = time.time()
        self.by_endpoint: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.by_endpoint_status: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.per_minute: Counter[int] = Counter()

    def record_request(self, endpoint: str, status: int) -> None:
        self.by_endpoint[endpoint] += 1
        self.by_status[str(status)] += 1
        self.by_endpoint_status[endpoint][str(status)] += 1
        self.per_minute[int(time.time() // 60)] += 1

    def snapshot(self, deliveries: Mapping[str, int]) -> dict[str, Any]:
        """The ``/_sim/stats`` answer; ``deliveries`` are the delivery service's counters."""
        return {
            "since": iso(self.since),
            "requests": {
                "total": sum(self.by_endpoint.values()),
                "by_endpoint": dict(self.by_endpoint),
                "by_status": dict(self.by_status),
                "by_endpoint_status": {k: dict(v) for k, v in self.by_endpoint_status.items()},
                "rate_limited": self.by_status.get("429", 0),
                "per_minute": [{"minute": iso(m * 60), "count": n}
                               for m, n in sorted(self.per_minute.items())],
            },
            "deliveries": dict(deliveries),
        }


class RateLimiter:
    """Sliding 60-second window of accepted requests per API key (real time)."""

    def __init__(self, per_minute: int, window: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)

    def retry_after(self, key: str) -> int | None:
        """Record a request; return seconds to wait if it is over the limit (not recorded)."""
        if self.per_minute <= 0:
            return None
        now = time.monotonic()
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return None
