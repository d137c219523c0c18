"""Real Planning pages for end-to-end tests: WebSocket clients (through nginx's TLS or straight
to a server) that record every message they receive, in a thread with its own event loop."""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any

import websockets


@dataclass
class LivePages:
    """``count`` pages connected one after another to ``url`` with ``?token=`` and an Origin."""

    url: str
    token: str
    origin: str
    count: int = 2
    messages: list[list[dict[str, Any]]] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    _sockets: list[Any] = field(default_factory=list)

    def __enter__(self) -> LivePages:
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._connect(), self._loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _connect(self) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        for _ in range(self.count):
            received: list[dict[str, Any]] = []
            ws = await websockets.connect(
                f"{self.url}?token={self.token}", origin=self.origin,  # type: ignore[arg-type]
                ssl=context if self.url.startswith("wss://") else None, max_queue=None)
            self._sockets.append(ws)
            self.messages.append(received)
            first = json.loads(await ws.recv())
            assert first["type"] == "snapshot", first
            received.append(first)
            asyncio.get_running_loop().create_task(self._listen(ws, received))

    @staticmethod
    async def _listen(ws: Any, received: list[dict[str, Any]]) -> None:
        """Record deltas as the Planning page applies them (``live.js``): a ``skip`` advances
        the sequence; a hole it did not announce is answered with a request for a snapshot."""
        last, resyncing = received[0]["seq"], False
        async for raw in ws:
            for message in frame_messages(raw):
                seq = message.get("seq")
                if message.get("type") == "snapshot":
                    last, resyncing = seq, False
                elif message.get("type") == "skip":
                    last = max(last, seq)
                    continue
                elif seq is not None:
                    if resyncing or seq <= last:
                        continue
                    if seq > last + 1:
                        resyncing = True
                        await ws.send(json.dumps({"type": "resync", "last_seq": None}))
                        continue
                    last = seq
                received.append(message)

    async def _close(self) -> None:
        for ws in self._sockets:
            await ws.close()

    def event_ids(self, page: int) -> set[int]:
        return {m["data"]["id"] for m in list(self.messages[page])
                if m.get("type") == "event.received"}

    def deltas(self, page: int) -> list[int]:
        """The sequence numbers of the page's deltas, in arrival order."""
        return [m["seq"] for m in list(self.messages[page])
                if "seq" in m and m.get("type") != "snapshot"]


def frame_messages(raw: str | bytes) -> list[dict[str, Any]]:
    """The messages of one frame: a message, or an array of them (``live.js`` reads both)."""
    data = json.loads(raw)
    return list(data) if isinstance(data, list) else [data]


async def next_message(ws: Any, wanted: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next message of type ``wanted`` on a page's socket, skipping others."""
    while True:
        for message in frame_messages(await asyncio.wait_for(ws.recv(), timeout=timeout)):
            if message["type"] == wanted:
                return dict(message)
