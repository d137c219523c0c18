"""Finding 9: request bodies were read whole before anything was checked. daphne (Twisted)
buffers a body, into a temporary file above 100 kB, before the application is called: a 300 MB
body without a secret got its 413 only after the upload, and ``POST /healthz`` without any
credentials wrote a 1.3 GB temporary file. Now the limit is checked on the headers and as the
body arrives, under daphne and under uvicorn: 405/413 come back before the body is sent.

Real server processes on loopback ports, spoken to over raw sockets (the body is announced and
then not sent: an answer can only come from a server that did not wait for it)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import WEBHOOK_PATH, WEBHOOK_SECRET, AsgiServer, prepare_database, server_env

pytestmark = pytest.mark.slow
HUGE = 300 * 1024 * 1024


@pytest.fixture(scope="module", params=["daphne", "uvicorn"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[AsgiServer]:
    var = tmp_path_factory.mktemp(f"bodies-{request.param}")
    (var / "tmp").mkdir()
    env = server_env(var, TMPDIR=str(var / "tmp"))
    prepare_database(env)
    running = AsgiServer(env, server=request.param).start()
    yield running
    running.stop()


def exchange(port: int, head: str, body: bytes = b"", wait: float = 3.0) -> bytes:
    """Send ``head`` and the start of a body; what the server answers within ``wait`` s."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head.encode("latin1") + b"\r\n" + body)
        answer = b""
        deadline = time.monotonic() + wait
        try:
            while time.monotonic() < deadline and not answer.endswith(b"}"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return answer


def request_head(method: str, path: str, *headers: str) -> str:
    return "\r\n".join([f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers, ""])


def status(answer: bytes) -> int | None:
    return int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else None


def test_post_to_healthz_is_refused_before_its_body(server: AsgiServer) -> None:
    answer = exchange(server.port, request_head("POST", "/healthz", f"Content-Length: {HUGE}"),
                      b"x" * 1000)
    assert status(answer) == 405, answer[:300]


def test_an_oversized_delivery_without_a_secret_is_refused_before_its_body(
        server: AsgiServer) -> None:
    answer = exchange(server.port, request_head(
        "POST", WEBHOOK_PATH, "Content-Type: application/json", f"Content-Length: {HUGE}"),
        b"{" * 1000)
    assert status(answer) in (401, 413), answer[:300]


def test_an_oversized_body_elsewhere_is_refused_before_it_is_read(server: AsgiServer) -> None:
    answer = exchange(server.port, request_head(
        "POST", "/accounts/login/", "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {HUGE}"), b"username=" + b"a" * 1000)
    assert status(answer) == 413, answer[:300]


def test_a_chunked_body_is_cut_off_at_the_limit(server: AsgiServer) -> None:
    chunk = b"a" * 65536
    body = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") * 20  # 1.25 MiB, never ended
    answer = exchange(server.port, request_head(
        "POST", "/accounts/login/", "Content-Type: application/x-www-form-urlencoded",
        "Transfer-Encoding: chunked"), body)
    assert status(answer) == 413, answer[:300]


def test_a_delivery_within_the_limit_is_still_accepted(server: AsgiServer) -> None:
    body = b'{"webhook_id": 1, "event": "test", "timestamp": 1718000000, "data": {}}'
    answer = exchange(server.port, request_head(
        "POST", WEBHOOK_PATH, "Content-Type: application/json", f"X-SP-Secret: {WEBHOOK_SECRET}",
        f"Content-Length: {len(body)}", "Connection: close"), body)
    assert status(answer) == 200, answer[:300]


def temporary_files(pid: int, directory: Path) -> list[str]:
    """Files under ``directory`` the process holds open (Twisted's are unlinked at once)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(directory)):
            found.append(target)
    return found


def test_an_unauthenticated_post_to_healthz_writes_no_temporary_file(server: AsgiServer) -> None:
    assert server.process is not None
    tmp = Path(server.env["PRINTFARM_VAR_DIR"]) / "tmp"
    with socket.create_connection(("127.0.0.1", server.port), timeout=3) as sock:
        sock.sendall((request_head("POST", "/healthz", f"Content-Length: {HUGE}") + "\r\n")
                     .encode())
        try:
            for _ in range(8):  # 2 MiB of the announced 300 MB, while the socket stays open
                sock.sendall(b"x" * 262144)
        except OSError:
            pass  # refused and closed: nothing more is read
        time.sleep(0.3)
        assert temporary_files(server.process.pid, tmp) == []
