"""The production stack keeps every accepted delivery and applies each once while its Celery
worker is SIGKILLed and its Redis (task queue, channel layer, cache) restarts empty mid-stream.
The long version (10 000 deliveries, five kills) is ``python -m bench.chaos kill``."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.chaos.conftest import needs_production_stack
from tests.chaos.harness import Database, Sender, audit
from tests.payloads import farm_stream
from tests.stack import RedisServer, django_database_url, production_stack

pytestmark = [*needs_production_stack, pytest.mark.django_db(transaction=True)]


def test_a_killed_worker_and_a_restarted_redis_lose_nothing_and_apply_nothing_twice(
        transactional_db: None, tmp_path: Path) -> None:
    redis_server = RedisServer(tmp_path).start()
    try:
        with production_stack(django_database_url(), redis_server.url(),
                              PRINTFARM_LIVE_RETENTION="1000000") as stack:
            stack.start_worker()
            stack.start_beat()
            sender = Sender(stack.base_url, stack.secret, farm_stream(300), concurrency=4)
            with sender.run_in_thread():
                sender.wait_accepted(100)
                stack.processes.kill("worker", signal.SIGKILL)
                stack.start_worker()
                sender.wait_accepted(200)
                redis_server.restart()
            result = audit(Database(django_database_url()), sender, drain_timeout=60)
    finally:
        redis_server.stop()

    assert sender.failed == [], f"deliveries never accepted: {sender.statuses}"
    assert result.accepted == result.stored == 300
    assert result.lost == [], result.as_dict()
    assert result.double_applied == {}, result.as_dict()
    assert result.never_applied == [], result.as_dict()
