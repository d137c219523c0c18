"""``manage.py serve``, the ASGI server of ``make run`` and deploy/: its log has a line per
request and per page connected, never a query string (a page's ``?token=``), and
``--access-log FILE`` puts the request lines in that file."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from tests.live_pages import next_message
from tests.servers import AsgiServer, prepare_database, serve_command, server_env
from tests.stack import ROOT, free_port, wait_for_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], str]:
    env = server_env(Path(tmp_path_factory.mktemp("serve")), LOG_LEVEL="INFO")
    return env, prepare_database(env)


@pytest.fixture
def logging_server(prepared: tuple[dict[str, str], str]) -> Iterator[tuple[AsgiServer, str]]:
    env, token = prepared
    server = AsgiServer(env).start()
    yield server, token
    server.stop()


async def visit(http_url: str, ws_url: str, token: str) -> None:
    """A page connected with its token in the query, and an API read with a query string."""
    async with websockets.connect(f"{ws_url}?token={token}", origin=http_url) as ws:  # type: ignore[arg-type]
        await next_message(ws, "snapshot")
    async with httpx.AsyncClient(base_url=http_url) as http:
        response = await http.get("/api/v1/simpleprint/printers/?search=secret-query",
                                  headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200


def log_of(server: AsgiServer) -> str:
    return (Path(server.env["PRINTFARM_VAR_DIR"]) / f"uvicorn-{server.port}.log").read_text()


async def test_the_log_has_requests_and_pages_without_their_queries(
        logging_server: tuple[AsgiServer, str]) -> None:
    server, token = logging_server
    await visit(server.http_url, server.ws_url, token)
    server.stop()  # its log is complete
    log = log_of(server)
    assert '"WebSocket /ws/planning/" [accepted]' in log
    assert '"GET /api/v1/simpleprint/printers/ HTTP/1.1" 200' in log
    assert token not in log and "secret-query" not in log


async def test_the_access_log_option_writes_the_request_lines_to_a_file(
        prepared: tuple[dict[str, str], str], tmp_path: Path) -> None:
    env, token = prepared
    port, access_log = free_port(), tmp_path / "access.log"
    process = subprocess.Popen(
        serve_command(port, "--access-log", str(access_log)), env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process)
        await visit(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws/planning/", token)
    finally:
        process.terminate()
        process.wait(timeout=10)
    lines = access_log.read_text()
    assert '"GET /api/v1/simpleprint/printers/ HTTP/1.1" 200' in lines
    assert "secret-query" not in lines
