"""A database that stops for 10 s mid-stream: the receiver answers 503 fast (never 500, never
a hang), /readyz names the database, and the sender's retries deliver everything afterwards.
The service runs on a PostgreSQL cluster of its own, so stopping it disturbs nobody."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.chaos.harness import Database, Sender, audit, wait_until
from tests.payloads import farm_stream
from tests.servers import WEBHOOK_PATH, WEBHOOK_SECRET, AsgiServer, prepare_database, server_env
from tests.stack import PostgresServer

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                       reason="runs with the production profile (TEST_DATABASE_URL)"),
    pytest.mark.skipif(not PostgresServer.available(), reason="needs PostgreSQL 15 binaries"),
]

OUTAGE_SECONDS = 10.0


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().init()
    server.start()
    try:
        yield server
    finally:
        server.remove()


def test_a_stopped_database_gives_fast_503s_and_retries_deliver_everything(
        postgres: PostgresServer, tmp_path: Path) -> None:
    database_url = postgres.create_database("printfarm")
    env = server_env(tmp_path, database_url=database_url, PRINTFARM_SWEEP_GRACE="2",
                     PRINTFARM_SWEEP_INTERVAL="1", DATABASE_CONN_MAX_AGE="60")
    prepare_database(env)
    server = AsgiServer(env).start()
    try:
        sender = Sender(server.http_url, WEBHOOK_SECRET, farm_stream(150), concurrency=2,
                        rate=30)
        with sender.run_in_thread(), httpx.Client(base_url=server.http_url, timeout=30) as http:
            sender.wait_accepted(40)
            postgres.stop()
            down_at = time.monotonic()
            started = time.monotonic()
            refused = http.post(WEBHOOK_PATH, json=farm_stream(151)[-1],
                                headers={"X-SP-Secret": WEBHOOK_SECRET})
            answer_seconds = time.monotonic() - started
            readiness = http.get("/readyz")
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
            postgres.start()
            wait_until(lambda: http.get("/readyz").status_code == 200, 30, "readiness again")
        result = audit(Database(database_url), sender, drain_timeout=60)
    finally:
        server.stop()

    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "unavailable"
    assert refused.headers["Retry-After"]
    assert answer_seconds < 5, f"the receiver took {answer_seconds:.1f} s to refuse"
    assert readiness.status_code == 503
    assert readiness.json()["failed"] == ["database"]
    assert sender.statuses.get("503", 0) > 0, sender.statuses
    assert not {s for s in sender.statuses if s.startswith("5") and s != "503"}, sender.statuses
    assert sender.failed == []
    assert result.accepted == result.stored == 150
    assert result.lost == [], result.as_dict()
    assert result.double_applied == {}, result.as_dict()
