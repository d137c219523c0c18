"""Publishing committed changes to the Planning pages through the channel layer.

Every page of one SimplyPrint company listens to one group. The message carries the change's
sequence number; a page's consumer that sees a gap fills it from the outbox (see ``consumer``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from ..models import LiveUpdate
from . import messages

logger = logging.getLogger(__name__)

_home_loop: asyncio.AbstractEventLoop | None = None


def set_home_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the ASGI server's event loop, so that threads can publish onto it (the
    in-memory channel layer only works there)."""
    global _home_loop
    _home_loop = loop


def home_loop() -> asyncio.AbstractEventLoop | None:
    return _home_loop

#: At most this many queued messages go out as one batch (keeps channel-layer messages small).
MAX_COALESCED = 64


def company_group(company_id: int | None = None) -> str:
    company = settings.SIMPLEPRINT_CONFIG["company_id"] if company_id is None else company_id
    return f"planning.company-{company}"


def publish_update(update: LiveUpdate) -> None:
    """Publish the change encoded once: every page's consumer forwards the same text, and the
    in-memory layer's per-channel deep copy of a string is cheap."""
    text = messages.encode(update.as_message())
    send({"type": "live.update", "updates": [[update.pk, text]]})


def coalesce(queued: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Merge runs of live updates to the same group into one message, in order.

    Under load the publisher finds several changes waiting (an event usually makes three);
    one group message for them saves a channel-layer send and a dispatch per page for each.
    """
    merged: list[tuple[str, dict[str, Any]]] = []
    for group, message in queued:
        if message["type"] == "live.update" and merged and merged[-1][0] == group \
                and merged[-1][1]["type"] == "live.update":
            merged[-1][1]["updates"].extend(message["updates"])
        else:
            merged.append((group, {**message, "updates": list(message["updates"])}
                           if message["type"] == "live.update" else message))
    return merged


def send(message: dict[str, Any], group: str | None = None) -> None:
    """``group_send`` from synchronous code.

    In a request thread of the ASGI server, the send runs on the server's loop right away.
    Elsewhere (the worker thread, the scheduler, Celery) it is queued to :data:`publisher`,
    which sends in order without blocking the caller; call :func:`flush` to wait for it.
    """
    if get_channel_layer() is None:
        return
    target = group or company_group()
    if getattr(SyncToAsync.threadlocal, "main_event_loop", None) is not None:
        try:
            async_to_sync(_group_send)(target, message)
        except Exception:  # pages catch up from the outbox on their next gap check
            logger.exception("could not publish to %s", target)
        return
    publisher.submit(target, message)


def flush(timeout: float = 5.0) -> bool:
    """Wait until everything this process queued for publishing has been sent."""
    return publisher.flush(timeout)


async def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group, message)


class Publisher:
    """Sends group messages one after another on an event loop: the ASGI server's own loop
    when this process has one (the in-memory layer only works there), else a loop in a daemon
    thread of its own (one Redis connection pool for the life of the process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] | None = None
        self._submitted = 0
        self._sent = 0

    def submit(self, group: str, message: dict[str, Any]) -> None:
        loop, queue = self._ensure_running()
        with self._done:
            self._submitted += 1
        loop.call_soon_threadsafe(queue.put_nowait, (group, message))

    def flush(self, timeout: float) -> bool:
        with self._done:
            target = self._submitted
            return self._done.wait_for(lambda: self._sent >= target, timeout)

    def _ensure_running(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]:
        with self._lock:
            if self._loop is None or self._queue is None or self._loop.is_closed():
                loop = home_loop()
                if loop is None or not loop.is_running():
                    loop = asyncio.new_event_loop()
                    threading.Thread(target=loop.run_forever, name="printfarm-publisher",
                                     daemon=True).start()
                self._loop, self._queue = loop, asyncio.Queue()
                asyncio.run_coroutine_threadsafe(self._drain(self._queue), loop)
            return self._loop, self._queue

    async def _drain(self, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        while True:
            queued = [await queue.get()]
            while not queue.empty() and len(queued) < MAX_COALESCED:
                queued.append(queue.get_nowait())
            for group, message in coalesce(queued):
                try:
                    await _group_send(group, message)
                except Exception:  # pages catch up from the outbox on their next gap check
                    logger.exception("could not publish to %s", group)
            with self._done:
                self._sent += len(queued)
                self._done.notify_all()


publisher = Publisher()
