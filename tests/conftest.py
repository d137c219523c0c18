"""Shared fixtures: realistic SimplyPrint deliveries and a client that posts them."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests import payloads
from tests.simplyprint_sim import SimulatedSimplyPrint, running_simulator

WEBHOOK_URL = "/api/v1/simpleprint/webhook/printers/"
#: The ports `make run` serves printfarm and the demo simulator on.
DEMO_PORTS = (8000, 8100)


class Tripwire:
    """Listens on a port no test may use and remembers every connection made to it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.hits: list[str] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:  # closed at the end of the session
                return
            self.hits.append(f"{peer[0]}:{peer[1]} → :{self.port}")
            conn.close()


@pytest.fixture(scope="session", autouse=True)
def demo_ports_untouched() -> Iterator[None]:
    """Tests are hermetic: nothing they start may talk to `make run` (printfarm on 8000, the
    simulator on 8100). While those ports are free, a listener sits on each and the session
    fails if anything connects; while `make run` holds them, the suite must pass beside it."""
    wires = []
    for port in DEMO_PORTS:
        try:
            wires.append(Tripwire(port))
        except OSError:  # in use: `make run` is running; the tests must not notice it
            continue
    yield
    for wire in wires:
        wire.sock.close()
    hits = [hit for wire in wires for hit in wire.hits]
    assert not hits, f"tests connected to the demo's ports: {hits}"


@pytest.fixture
def webhook_secret() -> str:
    return settings.SIMPLEPRINT_CONFIG["webhook_secret"]


@pytest.fixture
def post_delivery(client: Client, webhook_secret: str) -> Callable[..., Any]:
    """POST an envelope (dict or raw bytes) to the receiver with the right secret by default."""

    def post(body: dict[str, Any] | bytes, *, header: str = "X-SP-Secret",
             secret: str | None = None) -> Any:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {header: webhook_secret if secret is None else secret} if header else {}
        return client.post(WEBHOOK_URL, data=raw, content_type="application/json",
                           headers=headers)

    return post


@pytest.fixture
def farm() -> payloads.FarmStory:
    return payloads.FarmStory()


# --- a running SimplyPrint (the bundled simulator) ---------------------------------------------

@pytest.fixture
def simplyprint() -> Iterator[SimulatedSimplyPrint]:
    """A fresh simulator (manual clock, no random activity, five printers) over real HTTP."""
    with running_simulator() as running:
        yield running


@pytest.fixture
def sp_simulator(simplyprint: SimulatedSimplyPrint) -> str:
    """The base URL of a running simulator, for ``SIMPLEPRINT_CONFIG['base_url']``."""
    return simplyprint.url


@pytest.fixture
def sp_settings(settings: Any, simplyprint: SimulatedSimplyPrint) -> Any:
    """Settings whose SimplyPrint account is the running simulator."""
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "base_url": simplyprint.url,
                                   "company_id": simplyprint.company_id,
                                   "api_key": simplyprint.api_key}
    return settings


@pytest.fixture(autouse=True)
def fresh_simplyprint() -> Iterator[None]:
    """Each test meets its own SimplyPrint: forget the clock offset and the webhook registrations
    a previous one showed, and start with a full request budget (failed re-reads of earlier
    tests' odd deliveries must not spend the next test's)."""
    from django.core.cache import cache

    from apps.simpleprint.remote import ratelimit, servertime
    from apps.simpleprint.remote.connections import connection
    from apps.simpleprint.sync import webhook_manager

    def forget() -> None:
        servertime.reset()
        cache.delete(webhook_manager.CACHE_KEY)
        with ratelimit._limiters_lock:
            ratelimit._limiters.clear()
        if settings.REDIS_URL:
            redis = connection(settings.REDIS_URL)
            for key in redis.scan_iter(f"{ratelimit.KEY_PREFIX}*"):
                redis.delete(key)

    forget()
    yield
    forget()
