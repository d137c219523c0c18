"""Test helpers: serve ASGI apps on a free loopback port in a background thread, drive a running
simulator over HTTP (:class:`SimulatorClient`), record webhook deliveries."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.config import SimConfig
from simulator.server.app import create_app


@contextlib.contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Run ``app`` with uvicorn in a daemon thread; yield its base URL; stop it on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    # No Date header of uvicorn's: the simulator sends SimplyPrint's (its simulated clock).
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                           date_header=False))
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


class SimulatorClient(httpx.Client):
    """An HTTP client on one running simulator: its control endpoints (``/_sim/...``, each
    answer asserted 200), raw contract calls (:meth:`api`) and the manual clock's ``now``."""

    def __init__(self, base_url: str, *, api_key: str, company_id: int, **kwargs: Any) -> None:
        super().__init__(base_url=base_url, headers={"X-API-KEY": api_key}, **kwargs)
        self.url = base_url
        self.api_key = api_key
        self.company_id = company_id
        self._now: float | None = None

    def _sim(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.request(method, f"/_sim/{path}", **kwargs)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def api(self, method: str, endpoint: str, **kwargs: Any) -> httpx.Response:
        """A SimplyPrint API call, ``endpoint`` after the company id (``printers/Get``)."""
        return self.request(method, f"/{self.company_id}/{endpoint}", **kwargs)

    def control(self, **fields: Any) -> dict[str, Any]:
        """Set control fields; returns every control field as it now stands."""
        return dict(self._sim("POST", "control", json=fields)["control"])

    def scenario(self, action: str, **fields: Any) -> dict[str, Any]:
        return self._sim("POST", "scenario", json={"action": action, **fields})

    def actions(self, **switches: Any) -> dict[str, Any]:
        """Set how the operator actions behave (``/_sim/actions``); returns every switch."""
        return dict(self._sim("POST", "actions", json=switches)["actions"])

    def stats(self) -> dict[str, Any]:
        return self._sim("GET", "stats")

    def reset_stats(self) -> None:
        self._sim("POST", "stats/reset")

    def state(self) -> dict[str, Any]:
        return self._sim("GET", "state")

    def printer(self, pid: int) -> dict[str, Any]:
        return next(p for p in self.state()["printers"] if p["id"] == pid)

    def requests_to(self, endpoint: str) -> dict[str, int]:
        """Answers per HTTP status the simulator gave to ``endpoint``."""
        return dict(self.stats()["requests"]["by_endpoint_status"].get(endpoint, {}))

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the manual clock, update ``now`` and :meth:`settle`; returns ``{now, events}``."""
        answer = self._sim("POST", "advance", json={"seconds": seconds})
        self._now = float(answer["now"])
        self.settle()
        return answer

    @property
    def now(self) -> float:
        """The manual clock's now: read once, then moved by :meth:`advance`."""
        if self._now is None:
            self._now = float(self.state()["now"])
        return self._now

    def clock(self) -> float:
        """``now`` as a clock function, for code under test that takes one."""
        return self.now

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until every delivery the simulator queued was answered (or given up)."""
        deadline = time.monotonic() + timeout
        while self.stats()["deliveries"]["pending"] and time.monotonic() < deadline:
            time.sleep(0.02)

    def create_webhook(self, url: str, events: list[str], *, name: str = "test",
                       secret: str | None = None, enabled: bool = True) -> int:
        """Register a webhook (``webhooks/Create``); returns its id."""
        body: dict[str, Any] = {"name": name, "url": url, "events": events, "enabled": enabled}
        if secret is not None:
            body["secret"] = secret
        response = self.api("POST", "webhooks/Create", json=body)
        assert response.status_code == 200, response.text
        return int(response.json()["webhook"]["id"])


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
