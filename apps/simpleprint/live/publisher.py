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
    publish_updates([update])


def publish_updates(updates: list[LiveUpdate]) -> None:
    """Publish committed changes (in sequence order) as one group message, each encoded once:
    every page's consumer forwards the same text, and the in-memory layer's per-channel deep
    copy of a string is cheap."""
    send({"type": "live.update",
          "updates": [[update.pk, messages.encode(update.as_message())] for update in updates]})


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


#: Put in a private loop's queue when the publisher moves to the server's loop: that loop
#: sends what it still holds, then stops.
_RETIRE = None


def _run_until_retired(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_forever()
    loop.close()


class Publisher:
    """Sends group messages one after another on an event loop: the ASGI server's own loop
    when this process has one (the in-memory layer only works there), else a loop in a daemon
    thread of its own (one Redis connection pool for the life of the process). The background
    work starts before the server's loop is known (it is known at the first connection): the
    publisher then starts on a loop of its own and moves to the server's as soon as it is."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]] | None] | None = None
        self._private = False
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
            home = home_loop()
            on_home = home is not None and home.is_running()
            current = self._loop
            if current is not None and self._queue is not None and not current.is_closed() \
                    and (current is home or not on_home):
                return current, self._queue
            retired = (current, self._queue) if self._private else None
            if on_home:
                assert home is not None
                loop, self._private = home, False
            else:
                loop, self._private = asyncio.new_event_loop(), True
                threading.Thread(target=_run_until_retired, args=(loop,),
                                 name="printfarm-publisher", daemon=True).start()
            self._loop, self._queue = loop, asyncio.Queue()
            asyncio.run_coroutine_threadsafe(self._drain(self._queue), loop)
            if retired is not None and retired[0] is not None and retired[1] is not None \
                    and not retired[0].is_closed():
                retired[0].call_soon_threadsafe(retired[1].put_nowait, _RETIRE)
            return self._loop, self._queue

    async def _drain(self, queue: asyncio.Queue[tuple[str, dict[str, Any]] | None]) -> None:
        while True:
            first = await queue.get()
            if first is _RETIRE:  # moved to the server's loop: this private loop ends here
                asyncio.get_running_loop().stop()
                return
            queued = [first]
            retire = False
            while not queue.empty() and len(queued) < MAX_COALESCED:
                item = queue.get_nowait()
                if item is _RETIRE:
                    retire = True
                    break
                queued.append(item)
            for group, message in coalesce(queued):
                try:
                    await _group_send(group, message)
                except Exception:  # pages catch up from the outbox on their next gap check
                    logger.exception("could not publish to %s", group)
            with self._done:
                self._sent += len(queued)
                self._done.notify_all()
            if retire:
                asyncio.get_running_loop().stop()
                return


publisher = Publisher()
