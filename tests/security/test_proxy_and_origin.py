"""Finding 10, the proxy and the socket's origin:

- The DRF token in ``/ws/planning/?token=`` landed in nginx's access log: /ws/ is logged
  without its query string (deploy/nginx.conf, rendered and run in front of a real server).
- ``X-Forwarded-For`` was believed from anyone (``daphne --proxy-headers`` takes its first
  entry): only a trusted proxy's is, and the stored ``Remote-Addr`` is the address so
  resolved. The server is started with the arguments of deploy/Procfile.
- The WebSocket Origin check compared host names only: scheme and port count too."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from channels.testing import WebsocketCommunicator

from config.asgi import application
from tests.servers import WEBHOOK_PATH, WEBHOOK_SECRET, AsgiServer, prepare_database, server_env
from tests.stack import ROOT, Processes, free_port, render_nginx, wait_for_port

pytestmark = pytest.mark.slow


class DeployedServer(AsgiServer):
    """The server started with deploy/Procfile's command (bind address and port replaced)."""

    def start(self, timeout: float = 20.0) -> DeployedServer:
        line = next(line for line in (ROOT / "deploy" / "Procfile").read_text().splitlines()
                    if line.startswith("web1:"))
        args = shlex.split(line.split(":", 1)[1])
        assert args[:3] == ["python", "manage.py", "serve"], args
        args[args.index("--port") + 1] = str(self.port)
        args[args.index("--host") + 1] = "127.0.0.1"
        log = open(Path(self.env["PRINTFARM_VAR_DIR"]) / "server.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen([sys.executable, *args[1:]], env=self.env, cwd=ROOT,
                                        stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, timeout)
        return self


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DeployedServer, str]]:
    env = server_env(tmp_path_factory.mktemp("proxy"),
                     PRINTFARM_TRUSTED_PROXIES="127.0.0.1,127.0.0.2")
    token = prepare_database(env)
    running = DeployedServer(env).start()
    yield running, token
    running.stop()


def post_from(source: str, port: int, forwarded: str) -> dict[str, Any]:
    """POST a delivery from local address ``source`` with ``X-Forwarded-For: forwarded``
    (the server trusts 127.0.0.1, where nginx runs, and 127.0.0.2)."""
    body = json.dumps({"webhook_id": 1, "event": "test", "timestamp": 1718000000,
                       "data": {"from": source, "xff": forwarded}}).encode()
    head = "\r\n".join([
        f"POST {WEBHOOK_PATH} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
        f"X-SP-Secret: {WEBHOOK_SECRET}", f"X-Forwarded-For: {forwarded}",
        f"Content-Length: {len(body)}", "Connection: close", "", ""]).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5,
                                  source_address=(source, 0)) as sock:
        sock.sendall(head + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    return dict(json.loads(answer.split(b"\r\n\r\n", 1)[1]))


def stored_headers(server: AsgiServer, token: str, event_id: int) -> dict[str, str]:
    response = httpx.get(f"{server.http_url}/api/v1/simpleprint/webhook/events/{event_id}/",
                         headers={"Authorization": f"Token {token}"}, timeout=10)
    return dict(response.json()["headers"])


def test_a_clients_own_forwarded_for_is_not_believed(backend: tuple[DeployedServer, str]
                                                     ) -> None:
    server, token = backend
    stored = post_from("127.0.0.3", server.port, "6.6.6.6")  # not a trusted proxy
    assert stored_headers(server, token, stored["id"])["Remote-Addr"] == "127.0.0.3"


def test_a_trusted_proxys_forwarded_for_gives_the_client_address(
        backend: tuple[DeployedServer, str]) -> None:
    server, token = backend
    stored = post_from("127.0.0.2", server.port, "6.6.6.6, 203.0.113.7")
    assert stored_headers(server, token, stored["id"])["Remote-Addr"] == "203.0.113.7"


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_the_ws_token_never_reaches_nginxs_access_log(
        backend: tuple[DeployedServer, str]) -> None:
    server, token = backend
    workdir = Path(tempfile.mkdtemp(prefix="printfarm-nginx-"))
    workdir.chmod(0o755)
    (workdir / "static").mkdir()
    https_port = free_port()
    conf = render_nginx(workdir, http_port=free_port(), https_port=https_port,
                        upstreams=[f"127.0.0.1:{server.port}"], static_root=workdir / "static")
    for temp in ("client_body", "proxy"):
        (workdir / temp).chmod(0o777)
    processes = Processes(env=dict(os.environ), logdir=workdir)
    try:
        nginx = processes.start("nginx", ["nginx", "-c", str(conf), "-e",
                                          str(workdir / "error.log")])
        wait_for_port(https_port, nginx)
        base = f"127.0.0.1:{https_port}"

        async def open_page() -> None:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            async with websockets.connect(f"wss://{base}/ws/planning/?token={token}",
                                          origin=f"https://{base}",  # type: ignore[arg-type]
                                          ssl=context) as ws:
                assert json.loads(await ws.recv())["type"] == "snapshot"

        asyncio.run(open_page())
        httpx.get(f"https://{base}/api/v1/simpleprint/printers/?ordering=name", verify=False,
                  headers={"Authorization": f"Token {token}"})
        processes.stop_all()
        log = (workdir / "access.log").read_text()
        assert "GET /ws/planning/ HTTP/1.1" in log
        assert "/printers/?ordering=name" in log  # other paths keep their query strings
        assert token not in log
    finally:
        processes.stop_all()


# --- the WebSocket's Origin (in-process) ------------------------------------------------------

async def origin_accepted(origin: str, *, host: str = "testserver",
                          scheme: str = "ws") -> bool:
    ws = WebsocketCommunicator(application, "/ws/planning/",
                               headers=[(b"origin", origin.encode()), (b"host", host.encode())])
    ws.scope["scheme"] = scheme
    accepted, _ = await ws.connect()
    if accepted:
        await ws.disconnect()
    return bool(accepted)


@pytest.mark.parametrize(("origin", "host", "scheme", "accepted"), [
    ("http://testserver", "testserver", "ws", True),
    ("http://testserver:80", "testserver", "ws", True),
    ("https://testserver", "testserver", "wss", True),
    ("http://testserver:8000", "testserver:8000", "ws", True),
    ("https://testserver", "testserver", "ws", False),      # another scheme
    ("http://testserver", "testserver", "wss", False),
    ("http://testserver:8001", "testserver:8000", "ws", False),  # another port
    ("http://testserver:8000", "testserver", "ws", False),
    ("http://evil.example", "testserver", "ws", False),     # another host
    ("null", "testserver", "ws", False),
    ("", "testserver", "ws", False),
])
@pytest.mark.django_db(transaction=True)
async def test_a_socket_is_accepted_only_from_the_servers_own_origin(
        origin: str, host: str, scheme: str, accepted: bool) -> None:
    assert await origin_accepted(origin, host=host, scheme=scheme) is accepted


@pytest.mark.django_db(transaction=True)
async def test_a_listed_trusted_origin_is_accepted(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://wall.example.com", "https://*.farm.example"]
    assert await origin_accepted("https://wall.example.com")
    assert await origin_accepted("https://screen1.farm.example")
    assert not await origin_accepted("http://wall.example.com")
