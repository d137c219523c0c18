"""The live channel of the Planning page: ``/ws/planning/``.

Each page gets a snapshot (or a replay of what it missed) and then every change as a delta
numbered by its :class:`~apps.simpleprint.models.LiveUpdate` id. The consumer forwards a
strictly increasing, gap-free sequence: a number it skipped (a message dropped by the channel
layer, or published out of order by another process) is filled from the outbox first, and a
number already sent is dropped. The protocol is described in ``docs/live-updates.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from . import heartbeat, messages, outbox, presence
from .auth import still_authorised
from .compression import SEND_TEXT_NOW
from .publisher import company_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
#: A frame that is not text (RFC 6455 1003: unsupported data).
CLOSE_UNSUPPORTED = 1003
#: Too many resyncs on one connection: the page reconnects after its backoff and resumes.
CLOSE_TOO_MANY = 4429
#: The longest text frame a page sends is a few dozen bytes.
MAX_FRAME_CHARS = 4096
#: Broadcast pings remembered per page while waiting for its pong.
MAX_OPEN_PINGS = 16


def parse_seq(value: Any) -> int | None:
    """A sequence number sent by a page, or None when absent or not a non-negative integer."""
    if isinstance(value, bool):
        return None
    try:
        seq = int(value)
    except (TypeError, ValueError):
        return None
    return seq if seq >= 0 else None


def frame_text(texts: list[str]) -> str:
    """One message as itself; several as one JSON array (one frame, one compression)."""
    return texts[0] if len(texts) == 1 else f"[{','.join(texts)}]"


class PlanningConsumer(AsyncJsonWebsocketConsumer):
    last_seq: int = 0
    counted: bool = False
    keeper: asyncio.Task[None]
    beater: asyncio.Task[None] | None = None
    #: A handler is running (Channels runs one at a time): group messages handed over
    #: meanwhile wait in :attr:`waiting` (see :meth:`take`).
    handling: bool = False
    attached: bool = False
    #: Writes a text frame now, or returns False (the server's ``compression.SEND_TEXT_NOW``).
    send_text_now: Callable[[str], bool]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting: deque[dict[str, Any]] = deque()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Run the connection; whatever ends it (a clean close, a handler's exception, a
        cancelled task), :meth:`disconnect` runs: the count of connected pages, the rejoin
        task and the group membership never outlive the socket."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.disconnect(1011))

    @classmethod
    async def encode_json(cls, content: Any) -> str:
        """Every message as compact JSON (``live.messages.encode``, as the publisher's)."""
        return messages.encode(content)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler without Channels' ``aclose_old_connections()`` before each message.

        That call hops to a thread for every message of every page (at 100 changes a second
        with 20 pages, 6 000 hops a second on the server's loop: its largest cost). Database
        work here runs through ``database_sync_to_async``, which closes stale connections in
        the thread that uses them; the other handlers never touch the database. Group messages
        handed over while it runs (:meth:`take`) are handled right after, in order.
        """
        self.handling = True
        try:
            await self.handle(message)
            while self.waiting:  # what was handed over meanwhile (see take)
                await self.handle(self.waiting.popleft())
        finally:
            self.handling = False

    async def handle(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def take(self, message: dict[str, Any]) -> None:
        """A group message, handed over by the channel layer as it is sent (attached in
        :meth:`connect`), on the server's loop.

        Changes that continue the page's sequence go out at once as one frame, written by the
        server (``compression.SEND_TEXT_NOW``). Anything else waits in :attr:`waiting`, in
        order, for the handlers: while one runs, after a gap, another kind of message, or a
        socket that cannot take a frame now (closing, or its buffer full). Each waiting message
        is handled after the running handler, or after a ``live.waiting`` nudge sent through
        the layer when none runs. A page too far behind loses what exceeds the layer's
        capacity, as with a queue: it fills the gap from the outbox.
        """
        if not self.handling and not self.waiting and message["type"] == "live.update":
            continued = self.continuing(message["updates"])
            if continued is not None and (not continued[1]
                                          or self.send_text_now(frame_text(continued[1]))):
                self.last_seq = continued[0]
                return
        if len(self.waiting) >= self.channel_layer.get_capacity(self.channel_name):
            return
        self.waiting.append(message)
        if not self.handling and len(self.waiting) == 1:
            self.channel_layer.send_nowait(self.channel_name, {"type": "live.waiting"})

    async def live_waiting(self, event: dict[str, Any]) -> None:
        """Nudge from :meth:`take`: :meth:`dispatch` handles what waits."""

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = company_group()
        self.open_pings: dict[str, float] = {}
        self.syncs: deque[float] = deque()
        send_now = self.scope.get("extensions", {}).get(SEND_TEXT_NOW)
        if send_now is not None and hasattr(self.channel_layer, "attach"):
            self.send_text_now = send_now
            self.channel_layer.attach(self.channel_name, self.take)
            self.attached = True
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.counted = True
        self.keeper = asyncio.create_task(self.keep_joined())
        await sync_to_async(presence.client_connected, thread_sensitive=False)()
        query = parse_qs(self.scope.get("query_string", b"").decode())
        await self.sync(parse_seq(query.get("last_seq", [None])[0]))
        self.beater = asyncio.create_task(self.send_heartbeats())

    async def disconnect(self, code: int) -> None:
        """Undo what :meth:`connect` did, once (it also runs when a handler failed)."""
        await self.stop_heartbeat()
        if self.counted:
            self.counted = False
            if self.keeper is not asyncio.current_task():
                self.keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self.keeper
            if self.attached:
                self.channel_layer.detach(self.channel_name)
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            finally:
                await sync_to_async(presence.client_disconnected, thread_sensitive=False)()

    async def keep_joined(self) -> None:
        """Join the group again every ``rejoin_seconds`` and ask this consumer to catch up.

        Redis forgets every group when it restarts, and channels_redis expires a membership
        after a day: without this a page would silently stop getting changes. The catch-up
        goes through the consumer's own channel, so it runs between two handled messages.
        Each round also checks that the user may still listen (logged out, deactivated, token
        deleted, password changed: closed with 4401).
        """
        while True:
            await asyncio.sleep(settings.PRINTFARM_LIVE["rejoin_seconds"])
            try:
                allowed = await still_authorised(self.scope)
            except Exception:  # the database is down: check again at the next round
                logger.warning("could not re-check the user of %s", self.channel_name,
                               exc_info=True)
                allowed = True
            if not allowed:
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            try:
                await self.channel_layer.group_add(self.group, self.channel_name)
                await self.channel_layer.send(self.channel_name, {"type": "live.catch_up"})
            except Exception:  # the channel layer is down: try again at the next round
                logger.warning("could not rejoin %s", self.group, exc_info=True)

    async def send_heartbeats(self) -> None:
        """Send a heartbeat every interval (``live.heartbeat``): the page shows "Stale" when
        two are missed, whatever the socket says."""
        while True:
            await asyncio.sleep(heartbeat.interval())
            try:
                status = heartbeat.fresh_status() or \
                    await database_sync_to_async(heartbeat.status)()
                await self.send_json(heartbeat.message(status))
            except Exception:  # the database is away: the page turns stale, which is true
                logger.warning("heartbeat not sent", exc_info=True)

    async def stop_heartbeat(self) -> None:
        if self.beater is not None:
            self.beater.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.beater
            self.beater = None

    # --- from the page ------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None,
                      **kwargs: Any) -> None:
        """A frame from the page: text that is a JSON message. A binary frame closes the
        connection (1003); text that is too long or not JSON gets an error message."""
        if not self.counted:
            return
        if text_data is None:
            await self.close(code=CLOSE_UNSUPPORTED)
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send_json({"type": "error", "detail": f"message longer than "
                                  f"{MAX_FRAME_CHARS} characters ignored"})
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):
            await self.send_json({"type": "error", "detail": "message is not JSON; ignored"})
            return
        await self.receive_json(content, **kwargs)

    def sync_allowed(self) -> bool:
        """At most ``resyncs_per_minute`` snapshots or replays asked for by this page."""
        now = time.monotonic()
        while self.syncs and now - self.syncs[0] > 60:
            self.syncs.popleft()
        if len(self.syncs) >= settings.PRINTFARM_LIVE["resyncs_per_minute"]:
            return False
        self.syncs.append(now)
        return True

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not self.counted:
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind in ("hello", "resync"):
            if not self.sync_allowed():
                await self.send_json({"type": "error", "detail": "too many resync/hello "
                                      "requests on this connection; reconnect later"})
                await self.close(code=CLOSE_TOO_MANY)
                return
            await self.sync(parse_seq(content.get("last_seq")))
        elif kind == "ping":
            await self.send_json({"type": "pong", "id": content.get("id"), "t": content.get("t"),
                                  "server_time": time.time()})
        elif kind == "pong":
            sent_at = self.open_pings.pop(str(content.get("ping_id")), None)
            if sent_at is not None:
                await sync_to_async(presence.record_pong, thread_sensitive=False)(
                    str(content["ping_id"]), sent_at)
        else:
            await self.send_json({"type": "error", "detail": f"unknown message type {kind!r}"})

    async def sync(self, last_seq: int | None) -> None:
        """Bring the page up to date: replay after ``last_seq`` if possible, else a snapshot."""
        if last_seq is not None:
            limit = settings.PRINTFARM_LIVE["replay_limit"]
            missed = await database_sync_to_async(outbox.replay_after)(last_seq, limit)
            if missed is not None:
                self.last_seq = last_seq
                for message in missed:
                    await self.forward(message["seq"], await self.encode_json(message))
                return
        snapshot = await database_sync_to_async(outbox.snapshot)()
        await self.send_json(snapshot)
        self.last_seq = snapshot["seq"]

    # --- from the channel layer -----------------------------------------------------------------

    async def live_update(self, event: dict[str, Any]) -> None:
        """Changes ``{"updates": [[seq, text], ...]}`` in order; each ``text`` is the page
        message, already encoded. What goes on together (an event's changes; under load, the
        changes of several) goes to the page as one frame: a JSON array of the messages."""
        frame: list[str] = []
        for seq, text in event["updates"]:
            if seq <= self.last_seq:
                continue
            if seq > self.last_seq + 1:
                await self.send_frame(frame)
                frame = []
                await self.fill_gap(seq)
                if seq <= self.last_seq:
                    continue
            frame.extend(self.numbered(seq, text))
        await self.send_frame(frame)

    def continuing(self, updates: list[list[Any]]) -> tuple[int, list[str]] | None:
        """The number of the last of ``updates`` and the texts of those after the last change
        sent, when they continue the page's sequence without a gap; None when they do not."""
        last, texts = self.last_seq, []
        for seq, text in updates:
            if seq <= last:
                continue
            if seq > last + 1:
                return None
            last = seq
            texts.append(text)
        return last, texts

    async def forward(self, seq: int, text: str) -> None:
        """Send change ``seq`` (its message ``text``, encoded) in a frame of its own."""
        await self.send_frame(self.numbered(seq, text))

    def numbered(self, seq: int, text: str) -> list[str]:
        """The messages that send change ``seq`` next. Numbers between the last one sent and
        ``seq`` are not in the outbox (rolled back, or not committed in time): a ``skip``
        message says so first, so that the page's sequence has no holes."""
        skipped = seq > self.last_seq + 1
        self.last_seq = seq
        return [messages.encode({"type": "skip", "seq": seq - 1}), text] if skipped else [text]

    async def send_frame(self, texts: list[str]) -> None:
        """The messages ``texts`` as one frame (:func:`frame_text`)."""
        if texts:
            await self.send(text_data=frame_text(texts))

    async def live_catch_up(self, event: dict[str, Any]) -> None:
        """Send what the outbox has beyond the last change sent (lost while not joined)."""
        latest = await database_sync_to_async(outbox.latest_seq)()
        if latest > self.last_seq:
            await self.fill_gap(latest + 1)

    async def fill_gap(self, seq: int) -> None:
        """Send the changes numbered between the last one sent and ``seq`` from the outbox.

        A number not yet in the outbox belongs to a transaction still committing elsewhere, or
        to one rolled back: wait a little for it, then go on without it.
        """
        expected = seq - self.last_seq - 1
        live = settings.PRINTFARM_LIVE
        if expected > live["replay_limit"]:
            await self.sync(None)
            return
        deadline = time.monotonic() + live["gap_wait_seconds"]
        while True:
            missing = await database_sync_to_async(outbox.between)(
                self.last_seq, seq)
            if len(missing) >= expected or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.02)
        for message in missing:
            await self.forward(message["seq"], await self.encode_json(message))

    async def live_ping(self, event: dict[str, Any]) -> None:
        if len(self.open_pings) >= MAX_OPEN_PINGS:
            self.open_pings.pop(next(iter(self.open_pings)))
        self.open_pings[event["ping_id"]] = event["sent_at"]
        await self.send_json({"type": "ping", "ping_id": event["ping_id"],
                              "sent_at": event["sent_at"]})
