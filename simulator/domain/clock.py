"""Simulated time: a manual clock for tests, an accelerated real-time clock for runs."""

from __future__ import annotations

import time

MANUAL_EPOCH = 1767225600  # 2026-01-01T00:00:00Z, the default start of a manual clock


class ManualClock:
    """Time moves only when ``advance`` is called."""

    def __init__(self, start: float = MANUAL_EPOCH) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self._now += seconds
        return self._now


class RealClock:
    """Simulated seconds = real seconds x ``speed``; can be paused and re-speeded at runtime."""

    def __init__(self, start: float | None = None, speed: float = 1.0) -> None:
        self._base = time.time() if start is None else float(start)
        self._anchor = time.monotonic()
        self._speed = float(speed)
        self._paused = False

    def now(self) -> float:
        if self._paused:
            return self._base
        return self._base + (time.monotonic() - self._anchor) * self._speed

    def _rebase(self) -> None:
        self._base = self.now()
        self._anchor = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._rebase()
        self._speed = float(value)

    @property
    def paused(self) -> bool:
        return self._paused

    @paused.setter
    def paused(self, value: bool) -> None:
        self._rebase()
        self._paused = bool(value)
