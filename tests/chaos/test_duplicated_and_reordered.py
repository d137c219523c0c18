"""Every delivery sent twice and a fifth of them out of order, over real HTTP to a real server:
the farm ends in the state of the in-order run (printers, jobs and queue, field by field).
The long version is ``python -m bench.chaos reorder``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.chaos.harness import Database, Sender, audit, shuffled_with_duplicates
from tests.payloads import farm_stream
from tests.servers import WEBHOOK_SECRET, AsgiServer, prepare_database, server_env

pytestmark = pytest.mark.slow


def final_state(var_dir: Path, stream: list[dict[str, Any]]) -> dict[str, Any]:
    env = server_env(var_dir)
    prepare_database(env)
    server = AsgiServer(env).start()
    try:
        sender = Sender(server.http_url, WEBHOOK_SECRET, stream, concurrency=1)
        with sender.run_in_thread():
            pass
        database = Database(env["DATABASE_URL"])
        result = audit(database, sender, drain_timeout=60)
    finally:
        server.stop()
    assert result.lost == [] and result.double_applied == {}, result.as_dict()
    return database.farm_state()


def test_duplicated_and_reordered_deliveries_end_in_the_in_order_state(tmp_path: Path) -> None:
    stream = farm_stream(150, seed=11)
    scrambled = shuffled_with_duplicates(stream, reorder=0.2)
    assert scrambled != [d for d in stream for _ in (1, 2)]

    expected = final_state(tmp_path / "in-order", stream)
    actual = final_state(tmp_path / "scrambled", scrambled)

    assert expected["jobs"], "the stream made no jobs"
    for kind in ("printers", "jobs", "queue"):
        assert actual[kind] == expected[kind], kind
