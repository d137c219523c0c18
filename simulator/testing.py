"""Helpers to serve ASGI apps on a free loopback port in a background thread (for tests)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.app import create_app
from simulator.config import SimConfig


@contextlib.contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Run ``app`` with uvicorn in a daemon thread; yield its base URL; stop it on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    # server.run picks uvicorn's loop (uvloop when installed); a plain asyncio loop in a thread
    # answered loopback requests ~40 ms slower here.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextlib.contextmanager
def run_in_thread(config: SimConfig | None = None) -> Iterator[str]:
    """Serve a fresh simulator; yield ``http://127.0.0.1:<port>`` (append ``/{company_id}/...``)."""
    with serve_in_thread(create_app(config or SimConfig(clock="manual"))) as base_url:
        yield base_url


@dataclass
class Receiver:
    """A webhook endpoint that records every request; ``statuses`` scripts its answers."""

    statuses: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            raw = await request.body()
            with self.lock:
                status = self.statuses.pop(0) if self.statuses else 200
                self.received.append({"headers": dict(request.headers), "body": raw,
                                      "status": status, "at": time.monotonic()})
            return JSONResponse({"ok": status < 300}, status_code=status)
        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def bodies(self, ok_only: bool = False) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.received
                    if not ok_only or r["status"] < 300]


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> Any:
    """Poll ``predicate`` until it returns something truthy; raise ``TimeoutError`` if never."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)
