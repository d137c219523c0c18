"""permessage-deflate on the pages' WebSockets, through real server processes: daphne (with the
hook of live/compression.py, and without it) and uvicorn as ``manage.py serve`` runs it (with
live/compression.py's protocol)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.frames import Frame, Opcode

from apps.simpleprint.live.compression import MAX_INFLATED_BYTES
from tests import payloads
from tests.live_pages import next_message
from tests.servers import WEBHOOK_PATH, WEBHOOK_SECRET, AsgiServer, prepare_database, server_env

pytestmark = pytest.mark.slow
#: A new job for each delivery (the servers of this module share one database).
JOB_IDS = itertools.count(552400)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    var_dir = Path(tmp_path_factory.mktemp("live-deflate"))
    return var_dir, prepare_database(server_env(var_dir))


SERVERS = ["daphne", "uvicorn"]


@pytest.fixture(params=SERVERS)
def running(request: pytest.FixtureRequest, database: tuple[Path, str]
            ) -> Iterator[tuple[AsgiServer, str]]:
    var_dir, token = database
    server = AsgiServer(server_env(var_dir), server=request.param).start()
    yield server, token
    server.stop()


async def extensions_and_delta(server: AsgiServer, token: str,
                               compression: str | None = "deflate") -> tuple[str, dict]:
    """The extensions the server accepted, and a delta received after a delivery."""
    async with websockets.connect(f"{server.ws_url}?token={token}", origin=server.http_url,  # type: ignore[arg-type]
                                  compression=compression) as ws:
        accepted = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        snapshot = await next_message(ws, "snapshot")
        assert set(snapshot["data"]) >= {"printers", "queue", "recent_jobs", "recent_events"}
        story = payloads.FarmStory()
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            job = story.job_started(412, job_id=next(JOB_IDS))
            response = await http.post(WEBHOOK_PATH, json=job,
                                       headers={"X-SP-Secret": WEBHOOK_SECRET})
        assert response.status_code == 200
        delta = await next_message(ws, "job.updated")
        await ws.send(json.dumps({"type": "ping", "id": "p1", "t": 1}))  # compressed, too
        assert (await next_message(ws, "pong"))["id"] == "p1"
        return accepted, delta


async def test_the_server_accepts_permessage_deflate(running: tuple[AsgiServer, str]) -> None:
    server, token = running
    accepted, delta = await extensions_and_delta(server, token)
    assert accepted.startswith("permessage-deflate")
    assert delta["data"]["file_name"]


async def test_a_client_that_does_not_offer_it_gets_plain_frames(
    running: tuple[AsgiServer, str]
) -> None:
    server, token = running
    accepted, delta = await extensions_and_delta(server, token, compression=None)
    assert accepted == ""
    assert delta["data"]["file_name"]


@pytest.mark.parametrize("name", SERVERS)
async def test_switched_off_no_compression_is_offered(
    database: tuple[Path, str], name: str
) -> None:
    var_dir, token = database
    server = AsgiServer(server_env(var_dir, PRINTFARM_LIVE_DEFLATE="false"), server=name).start()
    try:
        accepted, _ = await extensions_and_delta(server, token)
    finally:
        server.stop()
    assert accepted == ""


@pytest.mark.parametrize("name", SERVERS)
async def test_only_the_messages_worth_it_are_deflated(
    database: tuple[Path, str], name: str
) -> None:
    """Deflating costs CPU for each page: a message smaller than
    ``PRINTFARM_LIVE_DEFLATE_MIN_BYTES`` (a one-event delta) goes plain (RFC 7692's RSV1 bit
    clear), a larger one (a snapshot) deflated, and each inflates right after the other."""
    var_dir, token = database
    least = 1100
    server = AsgiServer(server_env(var_dir, PRINTFARM_LIVE_DEFLATE_MIN_BYTES=str(least)),
                        server=name).start()
    frames: list[tuple[int, bool]] = []  # (size of the message, sent deflated)
    try:
        async with websockets.connect(f"{server.ws_url}?token={token}",
                                      origin=server.http_url) as ws:  # type: ignore[arg-type]
            [deflate] = ws.protocol.extensions
            decode = deflate.decode

            def recorded(frame: Frame, *, max_size: int | None = None) -> Frame:
                decoded = decode(frame, max_size=max_size)
                if frame.opcode is Opcode.TEXT:
                    frames.append((len(decoded.data), frame.rsv1))
                return decoded

            deflate.decode = recorded  # type: ignore[method-assign]
            for _ in range(2):
                await ws.send(json.dumps({"type": "resync"}))
                await next_message(ws, "snapshot")
                async with httpx.AsyncClient(base_url=server.http_url) as http:
                    response = await http.post(
                        WEBHOOK_PATH, headers={"X-SP-Secret": WEBHOOK_SECRET},
                        json=payloads.FarmStory().job_started(412, job_id=next(JOB_IDS)))
                assert response.status_code == 200
                await next_message(ws, "job.updated")
    finally:
        server.stop()
    assert {deflated for _, deflated in frames} == {True, False}
    assert all(deflated == (size >= least) for size, deflated in frames), frames


async def test_uvicorn_closes_a_socket_whose_message_inflates_beyond_the_cap(
    database: tuple[Path, str]
) -> None:
    """uvicorn would hold up to 16 MiB of one page's message before the consumer can refuse
    it; ``manage.py serve`` caps it at ``MAX_INFLATED_BYTES`` (1009: message too big)."""
    var_dir, token = database
    server = AsgiServer(server_env(var_dir), server="uvicorn").start()
    try:
        async with websockets.connect(f"{server.ws_url}?token={token}",
                                      origin=server.http_url) as ws:  # type: ignore[arg-type]
            await next_message(ws, "snapshot")
            await ws.send(" " * (MAX_INFLATED_BYTES + 1))  # deflates to a few hundred bytes
            with pytest.raises(websockets.ConnectionClosed) as closed:
                for _ in range(100):
                    await ws.recv()
    finally:
        server.stop()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
