"""Webhook → WebSocket latency: how long from the start of a delivery's POST until every open
Planning page has the change.

Profiles (``--profile``):

- ``default``: the embedded default, one server process as ``make run`` starts it (``manage.py
  serve``, uvicorn; ``--server daphne`` for daphne) on a fresh SQLite file with the
  in-memory channel layer and the in-process worker thread;
- ``redis``: the same with the Redis channel layer and cache (``--redis-url``);
- ``production``: the production settings as separate processes, on a throw-away PostgreSQL
  cluster and redis-server this command starts: ``--servers`` ASGI servers (``manage.py
  serve``) behind nginx (TLS), a Celery worker (``--worker-concurrency``); pages and
  deliveries go through nginx.

It connects ``--clients`` pages, POSTs ``--rate`` deliveries a second for ``--duration``
seconds (each a ``job.started`` of a new job, spread over 40 printers) and times, per page,
POST start → the ``job.updated`` delta of that job. Prints a JSON report and writes it to
``bench/results/ws_latency-<profile>.json``.

    python -m bench.ws_latency --duration 60
    python -m bench.ws_latency --duration 60 --profile redis
    python -m bench.ws_latency --duration 60 --profile production
    python -m bench.ws_latency --duration 20 --rates 100,150,200   # the highest it sustains
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import ssl
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.harness import machine, own_postgres, own_redis, percentile, save
from bench.payloads import FarmStory
from tests.chaos.harness import Database
from tests.live_pages import frame_messages
from tests.servers import WEBHOOK_PATH, WEBHOOK_SECRET, AsgiServer, prepare_database, server_env
from tests.stack import production_stack

FIRST_JOB_ID = 700000
PRINTERS = 40


@dataclass
class Target:
    """Where the pages connect and the deliveries go, and the service's database."""

    http_url: str
    ws_url: str
    token: str
    secret: str
    database: Database
    tls: bool = False
    #: The service's processes by role (``uvicorn``, ``server-1``, ``worker``, ``postgresql``
    #: …): the root pid of each, for measuring their CPU time (``bench.cost``).
    processes: dict[str, int] = field(default_factory=dict)


@dataclass
class Page:
    """One connected page: when it saw each job and each processed event (``event.received``,
    the last change an event's transaction writes), and whether its sequence had holes."""

    seen: dict[int, float] = field(default_factory=dict)
    events: dict[int, float] = field(default_factory=dict)
    #: Called with an event's id when its ``event.received`` first reaches this page.
    on_event: Callable[[int], None] | None = None
    messages: int = 0
    last_seq: int = 0
    seq_errors: int = 0
    snapshots: int = 0


async def listen(ws: Any, page: Page) -> None:
    async for raw in ws:
        now = time.time()
        for message in frame_messages(raw):
            heard(page, message, now)


def heard(page: Page, message: dict[str, Any], now: float) -> None:
    kind = message["type"]
    if kind == "snapshot":
        page.snapshots += 1
        page.last_seq = message["seq"]
        return
    if kind == "skip":
        page.last_seq = max(page.last_seq, message["seq"])
        return
    if "seq" not in message:
        return
    page.messages += 1
    if page.last_seq and message["seq"] != page.last_seq + 1:
        page.seq_errors += 1
    page.last_seq = message["seq"]
    if kind == "job.updated":
        page.seen.setdefault(message["data"]["sp_id"], now)
    elif kind == "event.received" and message["data"]["id"] not in page.events:
        page.events[message["data"]["id"]] = now
        if page.on_event is not None:
            page.on_event(message["data"]["id"])


def summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)
    return {"p50": round(percentile(ordered, 50), 2), "p95": round(percentile(ordered, 95), 2),
            "p99": round(percentile(ordered, 99), 2), "max": round(ordered[-1], 2)}


@dataclass
class OpenPages:
    """Pages connected to a target, each with its listening task."""

    pages: list[Page]
    sockets: list[Any]
    listeners: list[asyncio.Task[None]]

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        for task in self.listeners:
            task.cancel()


async def open_pages(target: Target, pages: list[Page]) -> OpenPages:
    """Connect one WebSocket per page and listen; returns once their snapshots had time to
    arrive."""
    tls: ssl.SSLContext | None = None
    if target.tls:  # the stack's self-signed certificate
        tls = ssl.create_default_context()
        tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    sockets = [await websockets.connect(f"{target.ws_url}?token={target.token}",
                                        origin=target.http_url, max_queue=None,  # type: ignore[arg-type]
                                        ssl=tls)
               for _ in pages]
    listeners = [asyncio.create_task(listen(ws, page)) for ws, page in zip(sockets, pages,
                                                                           strict=True)]
    await asyncio.sleep(0.5)
    return OpenPages(pages, sockets, listeners)


async def drive(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    pages = [Page() for _ in range(args.clients)]
    connected = await open_pages(target, pages)
    story = FarmStory()
    started: dict[int, float] = {}
    post_ms: list[float] = []
    failed = 0
    total = int(args.rate * args.duration)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)

    async with httpx.AsyncClient(base_url=target.http_url, limits=limits, timeout=30,
                                 verify=not target.tls) as http:
        async def post(job_id: int, body: dict[str, Any]) -> None:
            nonlocal failed
            started[job_id] = time.time()
            response = await http.post(WEBHOOK_PATH, json=body,
                                       headers={"X-SP-Secret": target.secret})
            post_ms.append((time.time() - started[job_id]) * 1000)
            if response.status_code != 200:
                failed += 1

        t0 = time.monotonic()
        posts = []
        for i in range(total):
            delay = t0 + i / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            story.tick(1)
            job_id = FIRST_JOB_ID + i
            body = story.job_started(1000 + i % PRINTERS, job_id=job_id)
            posts.append(asyncio.create_task(post(job_id, body)))
        send_seconds = time.monotonic() - t0
        await asyncio.gather(*posts)

    deadline = time.monotonic() + args.drain
    while time.monotonic() < deadline and any(len(p.seen) < total for p in pages):
        await asyncio.sleep(0.1)
    await connected.close()

    latencies = [(page.seen[job] - started[job]) * 1000
                 for page in pages for job in page.seen if job in started]
    return {
        "deliveries": total,
        "achieved_rate": round(total / send_seconds, 1),
        "post_failures": failed,
        "post_ms": summary(post_ms),
        "latency_ms": summary(latencies),
        "samples": len(latencies),
        "lost": sum(total - len([j for j in p.seen if j in started]) for p in pages),
        "seq_errors": sum(p.seq_errors for p in pages),
        "resnapshots": sum(p.snapshots for p in pages) - len(pages),
        "messages_per_page": statistics.mean(p.messages for p in pages),
    }


def worker_lag(database: Database) -> dict[str, float | None]:
    """Receipt (row stored) → processed (state changed, deltas published), from the inbox."""
    def moment(value: Any) -> datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)

    rows = database.rows("SELECT received_at, processed_at FROM simpleprint_printerwebhookevent"
                         " WHERE processed_at IS NOT NULL")
    return summary([(moment(done) - moment(received)).total_seconds() * 1000
                    for received, done in rows])


@contextlib.contextmanager
def embedded(args: argparse.Namespace) -> Iterator[Target]:
    """One server process on the embedded default (``redis``: with the Redis layer)."""
    with tempfile.TemporaryDirectory(prefix="ws-latency-") as tmp:
        redis_url = args.redis_url if args.profile == "redis" else ""
        env = server_env(Path(tmp), redis_url=redis_url)
        token = prepare_database(env)
        server = AsgiServer(env, server=args.server).start()
        assert server.process is not None
        try:
            yield Target(server.http_url, server.ws_url, token, WEBHOOK_SECRET,
                         Database(env["DATABASE_URL"]),
                         processes={args.server: server.process.pid})
        finally:
            server.stop()


@contextlib.contextmanager
def production(args: argparse.Namespace) -> Iterator[Target]:
    """The production processes on their own PostgreSQL and Redis."""
    with own_postgres("printfarm_ws_latency") as (postgres, database_url), \
            own_redis() as redis, \
            production_stack(database_url, redis.url(), servers=args.servers, migrate=True,
                             DATABASE_CONN_MAX_AGE="60") as stack:
        stack.start_worker(args.worker_concurrency)
        assert redis.process is not None
        processes = {name: process.pid for name, process in stack.processes.running.items()}
        processes["postgresql"] = postgres.postmaster_pid()
        processes["redis"] = redis.process.pid
        yield Target(stack.base_url, stack.ws_url, stack.api_token(), stack.secret,
                     Database(database_url), tls=True, processes=processes)


def run_once(args: argparse.Namespace) -> dict[str, Any]:
    profile = production if args.profile == "production" else embedded
    with profile(args) as target:
        result = asyncio.run(drive(target, args))
        result["worker_lag_ms"] = worker_lag(target.database)
    return result


def settings_of(args: argparse.Namespace) -> dict[str, Any]:
    if args.profile == "production":
        return {"servers": f"{args.servers} × manage.py serve (uvicorn) behind nginx (TLS)",
                "database": "PostgreSQL", "channel_layer": "channels_redis",
                "worker": f"Celery (prefork, concurrency {args.worker_concurrency})"}
    server = "manage.py serve (uvicorn)" if args.server == "uvicorn" else "daphne"
    return {"servers": f"1 × {server}", "database": "SQLite (WAL)",
            "channel_layer": "channels_redis" if args.profile == "redis" else "in-memory",
            "worker": "thread in the server process"}


def sustained(result: dict[str, Any]) -> bool:
    """Kept up: every page got every change, and the slowest 1 % within a second (a growing
    backlog shows as latency growing towards the run's length)."""
    p99 = result["latency_ms"]["p99"]
    return result["lost"] == 0 and p99 is not None and p99 < 1000


def step_rates(args: argparse.Namespace) -> None:
    steps = []
    for rate in [float(r) for r in args.rates.split(",")]:
        args.rate = rate
        result = run_once(args)
        steps.append({"rate": rate, "sustained": sustained(result),
                      **{k: result[k] for k in ("achieved_rate", "post_ms", "latency_ms",
                                                 "worker_lag_ms", "lost", "seq_errors")}})
        print(json.dumps(steps[-1]))
    best = max((s["rate"] for s in steps if s["sustained"]), default=None)
    report = {"benchmark": "ws_latency-steps", "profile": args.profile,
              "settings": settings_of(args), "clients": args.clients,
              "duration": args.duration, "highest_sustained_rate": best, "steps": steps,
              "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    save(f"ws_latency-steps-{args.profile}", report)
    print(json.dumps({"highest_sustained_rate": best}))


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """The options :func:`embedded` and :func:`production` read, and the pages to connect."""
    parser.add_argument("--profile", choices=["default", "redis", "production"],
                        default="default")
    parser.add_argument("--clients", type=int, default=20, help="connected pages")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3",
                        help="the redis profile's Redis")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn",
                        help="ASGI server of the default and redis profiles")
    parser.add_argument("--servers", type=int, default=2, help="production: ASGI server processes")
    parser.add_argument("--worker-concurrency", type=int, default=1,
                        help="production: Celery worker processes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_stack_arguments(parser)
    parser.add_argument("--rate", type=float, default=100.0, help="deliveries per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of sending")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait at the end")
    parser.add_argument("--rates", default="",
                        help="comma-separated rates to step through (one fresh stack each); "
                             "reports the highest sustained one")
    args = parser.parse_args()
    if args.rates:
        step_rates(args)
        return
    result = run_once(args)
    report = {
        "benchmark": "ws_latency", "profile": args.profile,
        "settings": {**settings_of(args), "rate": args.rate, "duration": args.duration,
                     "clients": args.clients},
        "machine": machine(), "date": datetime.now(UTC).isoformat(timespec="seconds"),
        **result,
    }
    save(f"ws_latency-{args.profile}", report)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
