"""The production stack, for real, on loopback: PostgreSQL, Redis, two daphne servers behind
nginx (rendered from deploy/nginx.conf), a Celery worker and beat, production settings.

Deliveries go through nginx to both servers, are stored, and are applied by the worker (the
servers hand them over with PRINTFARM_WORKER=celery); the changes are published on the Redis
channel layer to the Planning group. A SIGKILLed worker loses nothing (the beat sweeper
re-dispatches what was in flight), and a task delivered twice applies its event once.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.simpleprint.models import LiveUpdate, PrinterWebhookEvent
from apps.simpleprint.services.inbox import reset_for_reprocessing
from tests.payloads import FarmStory
from tests.stack import Processes, bin_path, free_port, render_nginx, wait_for_port

WEBHOOK_PATH = "/api/v1/simpleprint/webhook/printers/"
WEBHOOK_SECRET = "e2e-" + secrets.token_hex(16)

pytestmark = [
    pytest.mark.production,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql" or not os.environ.get("TEST_REDIS_URL"),
                       reason="needs TEST_DATABASE_URL and TEST_REDIS_URL"),
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
]


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def database_url() -> str:
    db = settings.DATABASES["default"]
    return (f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


@dataclass
class GroupListener:
    """Collects what is published to the Planning group on the Redis channel layer (what the
    consumers of both servers relay to their pages). Receives never time out (a cancelled
    receive may drop a message); :meth:`close` sends the listener a stop message instead."""

    url: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    channel: str = ""
    ready: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        asyncio.run(self._listen())

    async def _listen(self) -> None:
        from apps.simpleprint.broadcast import company_group

        layer = self._layer()
        self.channel = await layer.new_channel()
        await layer.group_add(company_group(1), self.channel)
        self.ready.set()
        while (message := await layer.receive(self.channel))["type"] != "e2e.stop":
            self.messages.append(message["message"])
        await layer.group_discard(company_group(1), self.channel)
        await layer.flush()

    def _layer(self) -> Any:
        from channels_redis.core import RedisChannelLayer

        return RedisChannelLayer(hosts=[self.url])

    def close(self) -> None:
        asyncio.run(self._layer().send(self.channel, {"type": "e2e.stop"}))

    def received_event_ids(self) -> set[int]:
        return {m["data"]["id"] for m in self.messages if m["type"] == "event.received"}


@dataclass
class Stack:
    processes: Processes
    workdir: Path
    base_url: str
    backend_ports: list[int]
    client: httpx.Client

    def post(self, envelope: dict[str, Any]) -> httpx.Response:
        return self.client.post(WEBHOOK_PATH, json=envelope,
                                headers={"X-SP-Secret": WEBHOOK_SECRET})

    def start_worker(self) -> None:
        self.processes.start("worker", [
            bin_path("celery"), "-A", "config", "worker", "--loglevel", "INFO",
            "--concurrency", "2", "--without-gossip", "--without-mingle",
            "--hostname", f"e2e-{uuid.uuid4().hex[:6]}@%h"])

    def start_beat(self) -> None:
        self.processes.start("beat", [
            bin_path("celery"), "-A", "config", "beat", "--loglevel", "INFO",
            "--schedule", str(self.workdir / "celerybeat-schedule")])


@pytest.fixture
def stack(transactional_db: None) -> Iterator[Stack]:
    redis_url = os.environ["TEST_REDIS_URL"]
    redis.Redis.from_url(redis_url).flushdb()  # the test Redis DB belongs to the tests
    workdir = Path(tempfile.mkdtemp(prefix="printfarm-e2e-"))
    workdir.chmod(0o755)  # nginx workers run unprivileged
    static = workdir / "static"
    static.mkdir()
    (static / "probe.txt").write_text("static ok")
    backend_ports = [free_port(), free_port()]
    https_port = free_port()
    conf = render_nginx(workdir, http_port=free_port(), https_port=https_port,
                        upstreams=[f"127.0.0.1:{p}" for p in backend_ports], static_root=static)
    for temp in ("client_body", "proxy"):
        (workdir / temp).chmod(0o777)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "PRINTFARM_", "SIMPLEPRINT_", "TEST_"))
           and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "SIMPLEPRINT_COMPANY_ID": "1",
        "SIMPLEPRINT_API_KEY": "e2e-api-key",
        "SIMPLEPRINT_BASE_URL": "http://127.0.0.1:1",
        "SIMPLEPRINT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SIMPLEPRINT_PUBLIC_URL": f"https://127.0.0.1:{https_port}",
        "PRINTFARM_ALLOW_HTTP": "1",
        "PRINTFARM_SWEEP_GRACE": "2",
        "PRINTFARM_SWEEP_INTERVAL": "1",
        "PRINTFARM_HEARTBEAT_INTERVAL": "1",
        "PRINTFARM_HEARTBEAT_MAX_AGE": "10",
        "PRINTFARM_VAR_DIR": str(workdir / "var"),
        "DJANGO_STATIC_ROOT": str(static),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    })
    processes = Processes(env=env, logdir=workdir)
    client = httpx.Client(base_url=f"https://127.0.0.1:{https_port}", verify=False, timeout=10)
    stack = Stack(processes, workdir, f"https://127.0.0.1:{https_port}", backend_ports, client)
    try:
        for index, port in enumerate(backend_ports, start=1):
            server = processes.start(f"daphne-{index}", [
                bin_path("daphne"), "-b", "127.0.0.1", "-p", str(port), "--proxy-headers",
                "config.asgi:application"])
            wait_for_port(port, server)
        nginx = processes.start("nginx", ["nginx", "-c", str(conf), "-e",
                                          str(workdir / "error.log")])
        wait_for_port(https_port, nginx)
        yield stack
    finally:
        client.close()
        processes.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


def applications(event_id: int) -> tuple[int, int]:
    """(attempts, event.received outbox rows) of one event: both grow once per application."""
    event = PrinterWebhookEvent.objects.get(pk=event_id)
    received = sum(1 for payload in LiveUpdate.objects.filter(kind="event.received")
                   .values_list("payload", flat=True) if payload["id"] == event_id)
    return event.attempts, received


def all_processed(ids: list[int]) -> bool:
    return PrinterWebhookEvent.objects.filter(pk__in=ids, processed=True).count() == len(ids)


def deliveries(count: int) -> list[dict[str, Any]]:
    farm, out = FarmStory(), []
    printers = (385, 386, 412)
    for index in range(count):
        farm.tick(30)
        started = farm.job_started(printers[index % 3])
        out.append(started if index % 2 == 0 else farm.job_event("job.paused", started, 40))
    return out


def test_deliveries_through_nginx_are_applied_by_the_worker_even_when_it_is_killed(
        stack: Stack) -> None:
    readiness = stack.client.get("/readyz")
    assert readiness.status_code == 503, readiness.text + stack.processes.log("daphne-1")
    assert readiness.json()["failed"] == ["worker_heartbeat"]
    assert stack.client.get("/static/probe.txt").text == "static ok"

    posted = [stack.post(envelope) for envelope in deliveries(6)]
    assert all(r.status_code == 200 for r in posted), [r.text for r in posted]
    first_ids = [r.json()["id"] for r in posted]
    time.sleep(1.0)
    assert not PrinterWebhookEvent.objects.filter(processed=True).exists(), \
        "the servers applied events themselves; they must hand them to the worker"

    listener = GroupListener(os.environ["TEST_REDIS_URL"])
    listening = threading.Thread(target=listener.run, daemon=True)
    listening.start()
    assert listener.ready.wait(10)
    stack.start_worker()
    stack.start_beat()
    wait_until(lambda: stack.client.get("/readyz").status_code == 200, 30, "readiness")
    wait_until(lambda: all_processed(first_ids), 30, "the first deliveries to be applied")

    ids = list(first_ids)
    stream = deliveries(40)[6:]
    for index, envelope in enumerate(stream):
        response = stack.post(envelope)
        assert response.status_code == 200, response.text
        ids.append(response.json()["id"])
        if index == 10:
            stack.processes.kill("worker", signal.SIGKILL)
    stack.start_worker()
    wait_until(lambda: all_processed(ids), 60, "every delivery to be applied after the kill")
    after_restart = ids[len(first_ids) + 11:]
    wait_until(lambda: set(first_ids + after_restart) <= listener.received_event_ids(), 10,
               f"the live updates ({len(listener.messages)} so far)")
    # An event committed by the killed worker a moment before its publish step was never
    # published: its change is in the outbox, where pages fill such gaps from (checked below).
    unpublished = set(ids) - listener.received_event_ids()
    assert len(unpublished) <= 2, unpublished
    listener.close()
    listening.join(5)

    for event_id in ids:
        assert applications(event_id) == (1, 1), f"event {event_id} applied more than once"
    headers = PrinterWebhookEvent.objects.get(pk=ids[0]).headers
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    for index in (1, 2):
        assert WEBHOOK_PATH in stack.processes.log(f"daphne-{index}"), \
            f"server {index} received no delivery through nginx"


def test_a_task_sent_twice_applies_its_event_once_and_failures_are_retried(
        stack: Stack) -> None:
    from apps.simpleprint.tasks import process_webhook_event

    stack.start_worker()
    stack.start_beat()
    wait_until(lambda: stack.client.get("/readyz").status_code == 200, 30, "readiness")
    ids = [stack.post(envelope).json()["id"] for envelope in deliveries(3)]
    wait_until(lambda: all_processed(ids), 30, "the deliveries to be applied")

    duplicated, failed = ids[0], ids[1]
    reset_for_reprocessing([duplicated])
    before = applications(duplicated)
    task_id = str(uuid.uuid4())
    process_webhook_event.apply_async(args=[duplicated], task_id=task_id)
    process_webhook_event.apply_async(args=[duplicated], task_id=task_id)
    wait_until(lambda: all_processed([duplicated]), 30, "the duplicated task")
    time.sleep(2)  # the second copy (and any sweep) has had time to run
    assert applications(duplicated) == (before[0] + 1, before[1] + 1)

    # A failed attempt as the inbox records it: an error and a time for the next attempt.
    PrinterWebhookEvent.objects.filter(pk=failed).update(
        processed=False, processing_error="OperationalError: server closed the connection",
        next_attempt_at=timezone.now() + timedelta(seconds=1))
    wait_until(lambda: all_processed([failed]), 30, "the sweeper to retry the failed event")
    event = PrinterWebhookEvent.objects.get(pk=failed)
    assert event.processing_error == ""
    assert event.attempts == 2
