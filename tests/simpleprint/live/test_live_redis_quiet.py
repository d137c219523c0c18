"""Production profile: pages connected to one server over the Redis channel layer keep getting
every change after a quiet period longer than channels_redis' blocking read of a page's
messages (``BZPOPMIN`` with ``RedisChannelLayer.brpop_timeout``, 5 s).

Regression: redis-py 8 reads with a 5 s socket timeout by default. After 5 s without a message
the read failed just before Redis answered "nothing yet"; the error ended the consumer that held
channels_redis' receive lock (the first page connected), and daphne closed its socket (1011).
Every further 5 s of quiet ended the next page (``config.settings.base.redis_channel_layer``)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import websockets
from channels_redis.core import RedisChannelLayer

from tests import payloads
from tests.live_pages import next_message
from tests.servers import WEBHOOK_PATH, WEBHOOK_SECRET, AsgiServer, prepare_database, server_env

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL"),
]

PAGES = 3
#: Longer than one blocking read, and shorter than two: the page that held the receive lock
#: was the one to go.
QUIET = RedisChannelLayer.brpop_timeout + 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AsgiServer, str]]:
    url = os.environ["TEST_REDIS_URL"]
    parts = urlsplit(url)
    # The test Redis database belongs to the tests: no group or channel of an earlier run.
    subprocess.run(["redis-cli", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379),
                    "-n", parts.path.strip("/") or "0", "flushdb"], check=True,
                   capture_output=True)
    env = server_env(Path(tmp_path_factory.mktemp("live-quiet")), redis_url=url)
    token = prepare_database(env)
    running = AsgiServer(env).start()
    yield running, token
    running.stop()


async def test_every_page_gets_the_change_that_ends_a_quiet_spell(
        server: tuple[AsgiServer, str]) -> None:
    running, token = server
    pages = [await websockets.connect(f"{running.ws_url}?token={token}",
                                      origin=running.http_url)  # type: ignore[arg-type]
             for _ in range(PAGES)]
    try:
        for ws in pages:
            await next_message(ws, "snapshot")
        await asyncio.sleep(QUIET)
        async with httpx.AsyncClient(base_url=running.http_url) as http:
            response = await http.post(WEBHOOK_PATH, json=payloads.FarmStory().job_started(
                385, job_id=552600), headers={"X-SP-Secret": WEBHOOK_SECRET})
        assert response.status_code == 200
        for number, ws in enumerate(pages):
            try:
                job = await next_message(ws, "job.updated")
            except websockets.ConnectionClosed as closed:
                pytest.fail(f"page {number} of {PAGES} was closed after {QUIET} s of quiet "
                            f"({closed.rcvd}) instead of getting the change")
            assert job["data"]["sp_id"] == 552600
    finally:
        for ws in pages:
            await ws.close()
