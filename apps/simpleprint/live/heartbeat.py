"""The heartbeat on a page's socket: every ``PRINTFARM_LIVE['heartbeat_seconds']`` the server
tells each page it is alive, its time, how state reaches it (the sync mode), after how many
seconds without news a printer is stale, and the newest change committed (``latest_seq``). A
page that misses two turns its "Live" indicator into "Stale since …": an open socket alone does
not prove that the server is working (a frozen process keeps its sockets open). A page still
without the change a heartbeat announced two heartbeats later is stale too: heartbeats alone do
not prove that changes reach it.

The sync mode is the sync layer's, above this one: it is passed in at start-up
(``SimplePrintConfig.ready``: :func:`set_status_source`). It and the newest change number are
read at most once per half interval per process, however many pages are open.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

from . import outbox

#: Returns ``{"mode": ..., "stale_after": ...}`` (read from the database).
StatusSource = Callable[[], dict[str, Any]]

_source: StatusSource | None = None
_cached: tuple[float, dict[str, Any]] = (0.0, {})
_lock = threading.Lock()


def set_status_source(source: StatusSource) -> None:
    global _source, _cached
    _source, _cached = source, (0.0, {})


def interval() -> float:
    return float(settings.PRINTFARM_LIVE["heartbeat_seconds"])


def fresh_status() -> dict[str, Any] | None:
    """The status :func:`status` read less than half an interval ago, without the database;
    None when it must be read again. The pages' heartbeats ask this first, on the loop: of 20
    pages beating once an interval, one or two go to a thread to read it."""
    read_at, value = _cached
    return value if value and time.monotonic() - read_at < interval() / 2 else None


def status() -> dict[str, Any]:
    """The sync status and the newest committed change number (``latest_seq``) to send, read
    again when older than half an interval (an older number is still one the page must have).
    Not ``seq``: a client may take any message with a ``seq`` for a delta."""
    global _cached
    with _lock:
        read_at, value = _cached
        if time.monotonic() - read_at >= interval() / 2:
            value = {**(_source() if _source is not None else {}),
                     "latest_seq": outbox.latest_seq()}
            _cached = (time.monotonic(), value)
        return value


def message(sync_status: dict[str, Any]) -> dict[str, Any]:
    """The heartbeat message: ``{"type": "heartbeat", "server_time", "interval", "mode",
    "stale_after", "latest_seq"}``."""
    return {"type": "heartbeat", "server_time": round(time.time(), 3), "interval": interval(),
            **sync_status}
