"""Production profile: two server processes share Redis (channel layer, cache) and a database.
A delivery POSTed to one reaches the pages connected to both, with the same sequence number."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import websockets

from tests import payloads
from tests.live_pages import next_message
from tests.servers import WEBHOOK_PATH, WEBHOOK_SECRET, AsgiServer, prepare_database, server_env

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL"),
]

Servers = tuple[AsgiServer, AsgiServer, str]

#: This suite's own Redis database, flushed before the servers start.
REDIS_DB = 3


def redis_url() -> str:
    parts = urlsplit(os.environ["TEST_REDIS_URL"])
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    url = redis_url()
    parts = urlsplit(url)
    subprocess.run(["redis-cli", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379),
                    "-n", str(REDIS_DB), "flushdb"], check=True, capture_output=True)
    env = server_env(Path(tmp_path_factory.mktemp("live-two")), redis_url=url)
    token = prepare_database(env)
    a, b = AsgiServer(env).start(), AsgiServer(env).start()
    yield a, b, token
    a.stop()
    b.stop()


async def test_delivery_to_one_server_reaches_pages_on_both(
        servers: Servers) -> None:
    a, b, token = servers
    async with (
        websockets.connect(f"{a.ws_url}?token={token}", origin=a.http_url) as on_a,  # type: ignore[arg-type]
        websockets.connect(f"{b.ws_url}?token={token}", origin=b.http_url) as on_b,  # type: ignore[arg-type]
    ):
        await next_message(on_a, "snapshot")
        await next_message(on_b, "snapshot")
        async with httpx.AsyncClient(base_url=a.http_url) as http:
            response = await http.post(WEBHOOK_PATH, json=payloads.FarmStory().job_started(
                385, job_id=552500), headers={"X-SP-Secret": WEBHOOK_SECRET})
        assert response.status_code == 200
        got_a = await next_message(on_a, "job.updated")
        got_b = await next_message(on_b, "job.updated")
    assert got_a == got_b
    assert got_a["data"]["sp_id"] == 552500


async def test_ping_counts_pages_on_both_servers(
        servers: Servers) -> None:
    a, b, token = servers
    async with (
        websockets.connect(f"{a.ws_url}?token={token}", origin=a.http_url) as on_a,  # type: ignore[arg-type]
        websockets.connect(f"{b.ws_url}?token={token}", origin=b.http_url) as on_b,  # type: ignore[arg-type]
    ):
        async def answer(ws: Any) -> None:
            ping = await next_message(ws, "ping")
            await ws.send(json.dumps({"type": "pong", "ping_id": ping["ping_id"]}))

        await next_message(on_a, "snapshot")
        await next_message(on_b, "snapshot")
        answers = asyncio.gather(answer(on_a), answer(on_b))
        async with httpx.AsyncClient(base_url=b.http_url) as http:
            response = await http.post("/api/v1/simpleprint/websocket/ping/?wait=3",
                                       headers={"Authorization": f"Token {token}"}, timeout=10)
        await answers
    assert response.json()["listeners"] == 2
