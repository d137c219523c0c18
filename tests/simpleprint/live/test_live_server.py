"""The live channel through a real server process (``manage.py serve``): a webhook POSTed over
HTTP reaches a page connected over a real WebSocket, and the ping endpoint counts that page."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from tests import payloads
from tests.live_pages import next_message
from tests.servers import WEBHOOK_PATH, WEBHOOK_SECRET, AsgiServer, prepare_database, server_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AsgiServer, str]]:
    env = server_env(Path(tmp_path_factory.mktemp("live-server")))
    token = prepare_database(env)
    running = AsgiServer(env).start()
    yield running, token
    running.stop()


async def test_webhook_over_http_reaches_a_websocket_page(server: tuple[AsgiServer, str]) -> None:
    running, token = server
    async with websockets.connect(f"{running.ws_url}?token={token}",
                                  origin=running.http_url) as ws:  # type: ignore[arg-type]
        snapshot = await next_message(ws, "snapshot")
        story = payloads.FarmStory()
        async with httpx.AsyncClient(base_url=running.http_url) as http:
            response = await http.post(WEBHOOK_PATH, json=story.job_started(412, job_id=552400),
                                       headers={"X-SP-Secret": WEBHOOK_SECRET})
        assert response.status_code == 200
        job = await next_message(ws, "job.updated")
        assert job["data"]["sp_id"] == 552400
        assert job["seq"] > snapshot["seq"]


async def test_anonymous_websocket_is_closed_with_4401(server: tuple[AsgiServer, str]) -> None:
    running, _ = server
    async with websockets.connect(running.ws_url, origin=running.http_url) as ws:  # type: ignore[arg-type]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


async def test_ping_endpoint_reports_the_answering_page(server: tuple[AsgiServer, str]) -> None:
    running, token = server
    async with websockets.connect(f"{running.ws_url}?token={token}",
                                  origin=running.http_url) as ws:  # type: ignore[arg-type]
        await next_message(ws, "snapshot")

        async def answer() -> None:
            ping = await next_message(ws, "ping")
            await ws.send(json.dumps({"type": "pong", "ping_id": ping["ping_id"]}))

        responder = asyncio.create_task(answer())
        async with httpx.AsyncClient(base_url=running.http_url) as http:
            response = await http.post("/api/v1/simpleprint/websocket/ping/?wait=3",
                                       headers={"Authorization": f"Token {token}"}, timeout=10)
        await responder
    body = response.json()
    assert response.status_code == 200
    assert body["listeners"] == 1
    assert len(body["round_trips_ms"]) == 1
    assert body["median_ms"] == body["round_trips_ms"][0]


async def test_ping_endpoint_requires_authentication(server: tuple[AsgiServer, str]) -> None:
    running, _ = server
    async with httpx.AsyncClient(base_url=running.http_url) as http:
        response = await http.post("/api/v1/simpleprint/websocket/ping/")
    assert response.status_code == 401
