"""Forged and oversized deliveries against a real server (``manage.py serve``, real HTTP, chunked
bodies): every one is refused and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.chaos.harness import Database
from tests.payloads import FarmStory
from tests.servers import WEBHOOK_PATH, WEBHOOK_SECRET, AsgiServer, prepare_database, server_env

pytestmark = pytest.mark.slow

LIMIT = 1024 * 1024
BODY = json.dumps(FarmStory().job_started(385)).encode()
OVERSIZED = json.dumps({**FarmStory().job_started(385), "padding": "x" * LIMIT}).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AsgiServer, Database]]:
    var_dir = Path(tmp_path_factory.mktemp("forged"))
    env = server_env(var_dir)
    prepare_database(env)
    running = AsgiServer(env).start()
    try:
        yield running, Database(env["DATABASE_URL"])
    finally:
        running.stop()


def chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start:start + size]


FORGERIES = {
    "no secret": ({}, ""),
    "wrong secret": ({"X-SP-Secret": "not-the-secret"}, ""),
    "wrong token": ({"X-SP-Token": WEBHOOK_SECRET[:-1]}, ""),
    "secret with a suffix": ({"X-SP-Secret": WEBHOOK_SECRET + "x"}, ""),
    "empty secret": ({"X-SP-Secret": ""}, ""),
    "Authorization bearer": ({"Authorization": f"Bearer {WEBHOOK_SECRET}"}, ""),
    "Authorization bare": ({"Authorization": WEBHOOK_SECRET}, ""),
    "X-Webhook-Secret": ({"X-Webhook-Secret": WEBHOOK_SECRET}, ""),
    "X-Hub-Signature": ({"X-Hub-Signature-256": WEBHOOK_SECRET}, ""),
    "query secret": ({}, f"?secret={WEBHOOK_SECRET}"),
    "query X-SP-Secret": ({}, f"?X-SP-Secret={WEBHOOK_SECRET}"),
    "cookie": ({"Cookie": f"X-SP-Secret={WEBHOOK_SECRET}"}, ""),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_a_delivery_without_the_secret_in_its_header_is_refused(
        server: tuple[AsgiServer, Database], name: str) -> None:
    running, database = server
    headers, query = FORGERIES[name]
    response = httpx.post(running.http_url + WEBHOOK_PATH + query, content=BODY,
                          headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "bad_secret"
    assert database.stored() == 0


@pytest.mark.parametrize("secret", [WEBHOOK_SECRET, "wrong"], ids=["right secret", "wrong"])
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_an_oversized_delivery_is_refused(server: tuple[AsgiServer, Database], secret: str,
                                          framing: str) -> None:
    running, database = server
    content = OVERSIZED if framing == "content-length" else chunks(OVERSIZED)
    response = httpx.post(running.http_url + WEBHOOK_PATH, content=content,
                          headers={"Content-Type": "application/json", "X-SP-Secret": secret})
    assert response.status_code in (401, 413), response.text
    assert response.status_code == 413 or secret == "wrong"
    assert database.stored() == 0


def test_a_huge_chunked_body_is_cut_off(server: tuple[AsgiServer, Database]) -> None:
    running, database = server
    huge = (b"x" * (64 * 1024) for _ in range(16 * 16))  # 16 MiB, no Content-Length
    try:
        response = httpx.post(running.http_url + WEBHOOK_PATH, content=huge, timeout=60,
                              headers={"Content-Type": "application/json",
                                       "X-SP-Secret": WEBHOOK_SECRET})
    except httpx.HTTPError:
        pass  # the server may close the connection while the body is still being sent
    else:
        assert response.status_code == 413, response.text
    assert database.stored() == 0
    assert httpx.post(running.http_url + WEBHOOK_PATH, content=BODY, headers={
        "Content-Type": "application/json", "X-SP-Secret": WEBHOOK_SECRET}).status_code == 200
