"""SimplyPrint's clock, as seen from here: one clock for ordering.

Webhook deliveries carry SimplyPrint's ``timestamp``; the sync stamps what it reads with the
same clock, so that a delivery and a poll are ordered by one time line whatever our own clock
says. Every API answer's ``Date`` header (HTTP's, one-second precision) gives SimplyPrint's time
at that moment: :func:`observe` turns it into the *offset* of SimplyPrint's clock from ours, kept
in this process and shared through the cache (so the receiver, the worker and the sync of every
process agree). :func:`now` is SimplyPrint's now; with no answer seen yet the offset is 0.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

CACHE_KEY = "printfarm:sp:clock-offset"
#: How long a process trusts its own copy of the shared offset before reading the cache again.
REFRESH_SECONDS = 10.0
#: A new measurement differing from the shared one by more than this is written at once.
WRITE_THRESHOLD = 1.0

_lock = threading.Lock()
_offset: float | None = None
_read_at = 0.0
_written: float | None = None
_written_at = 0.0


def parse_date(header: str | None) -> float | None:
    """Unix seconds of an HTTP ``Date`` header; None when absent or unreadable."""
    if not header:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def observe(server_date: float, sent: float, received: float) -> float:
    """Record SimplyPrint's ``Date`` of an answer to a request sent and answered at our
    ``sent``/``received`` (Unix seconds); returns the offset now held. The header is rounded
    down to the second and was written somewhere between the two, so the answer only bounds the
    offset: an offset already held within those bounds is kept (two answers a second apart must
    not move SimplyPrint's clock back and forth), any other is replaced by the bounds' middle.
    """
    global _offset, _read_at, _written, _written_at
    lowest, highest = server_date - received, server_date + 1 - sent
    measured = (lowest + highest) / 2
    now = time.monotonic()
    with _lock:
        if _offset is not None and lowest <= _offset <= highest:
            measured = _offset
        _offset, _read_at = measured, now
        due = _written is None or abs(measured - _written) > WRITE_THRESHOLD \
            or now - _written_at > REFRESH_SECONDS
        if due:
            _written, _written_at = measured, now
    if due:
        try:
            cache.set(CACHE_KEY, measured, timeout=None)
        except Exception:  # the cache is an optimisation here; this process keeps its own copy
            logger.warning("could not share SimplyPrint's clock offset", exc_info=True)
    return measured


def offset() -> float:
    """Seconds SimplyPrint's clock is ahead of ours (negative: behind); 0 until measured."""
    global _offset, _read_at
    now = time.monotonic()
    with _lock:
        if _offset is not None and now - _read_at < REFRESH_SECONDS:
            return _offset
    try:
        shared = cache.get(CACHE_KEY)
    except Exception:
        shared = None
    with _lock:
        if shared is not None:
            _offset = float(shared)
        _read_at = now
        return _offset or 0.0


def now() -> float:
    """SimplyPrint's current Unix time, as far as this process knows."""
    return time.time() + offset()


def reset() -> None:
    """Forget every measurement (tests: each starts with its own SimplyPrint)."""
    global _offset, _read_at, _written, _written_at
    with _lock:
        _offset, _read_at, _written, _written_at = None, 0.0, None, 0.0
    cache.delete(CACHE_KEY)
