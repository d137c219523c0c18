"""Reliability harness shared by ``tests/chaos`` (short, in CI) and ``bench/chaos.py`` (long):
a SimplyPrint-like sender that retries, and an audit of what the service did with what it was
sent, read straight from its database (SQLite or PostgreSQL) so any process can check it.

Counting, honestly:

- **lost**: a delivery answered 2xx whose event is not processed at the end (after the drain);
- **double-applied**: an event whose application was *committed* more than once. Every
  committed application writes exactly one ``event.received`` outbox row with status
  processed/ignored in its own transaction (``inbox.process_event``), so that row count per
  event is the number of times its state change took effect; a rolled-back attempt (a worker
  killed mid-event) leaves none;
- **retried**: events claimed more than once (``attempts`` > 1): recovery at work, not harm.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import WEBHOOK_SECRET, AsgiServer, prepare_database, server_env
from tests.stack import WEBHOOK_PATH

#: SimplyPrint retries a non-2xx delivery; this sender does the same with exponential backoff.
RETRY_BASE_SECONDS = 0.25
RETRY_MAX_SECONDS = 4.0


@dataclass
class Sender:
    """Posts ``stream`` in order from ``concurrency`` clients, retrying each delivery on any
    non-2xx answer or transport error until it is accepted or ``give_up_after`` seconds pass.
    Run it in a thread with :meth:`run_in_thread`; watch :attr:`accepted` grow."""

    base_url: str
    secret: str
    stream: list[dict[str, Any]]
    concurrency: int = 4
    give_up_after: float = 120.0
    rate: float = 0.0  # deliveries started per second; 0 = as fast as answered
    accepted: dict[int, int] = field(default_factory=dict)  # stream index -> event id
    duplicates: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    failed: list[int] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)

    async def run(self) -> None:
        indexes = iter(range(len(self.stream)))
        began = time.monotonic()
        limits = httpx.Limits(max_connections=self.concurrency)
        async with httpx.AsyncClient(base_url=self.base_url, verify=False, timeout=10,
                                     limits=limits) as client:
            async def worker() -> None:
                for index in indexes:
                    if self.rate:
                        await asyncio.sleep(max(0.0, began + index / self.rate
                                                - time.monotonic()))
                    await self._deliver(client, index)

            await asyncio.gather(*(worker() for _ in range(self.concurrency)))

    async def _deliver(self, client: httpx.AsyncClient, index: int) -> None:
        body = json.dumps(self.stream[index]).encode()
        headers = {"content-type": "application/json", "x-sp-secret": self.secret}
        deadline, attempt = time.monotonic() + self.give_up_after, 0
        while time.monotonic() < deadline:
            attempt += 1
            self.attempts += 1
            started = time.perf_counter()
            try:
                response = await client.post(WEBHOOK_PATH, content=body, headers=headers)
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                response, status = None, type(exc).__name__
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if response is not None and response.is_success:
                self.post_ms.append((time.perf_counter() - started) * 1000)
                answer = response.json()
                self.accepted[index] = answer["id"]
                self.duplicates += bool(answer.get("duplicate"))
                return
            await asyncio.sleep(min(RETRY_BASE_SECONDS * 2 ** (attempt - 1), RETRY_MAX_SECONDS))
        self.failed.append(index)

    @contextmanager
    def run_in_thread(self) -> Iterator[Sender]:
        thread = threading.Thread(target=lambda: asyncio.run(self.run()), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            thread.join()

    def wait_accepted(self, count: int, timeout: float = 120.0) -> None:
        wait_until(lambda: len(self.accepted) >= count, timeout, f"{count} accepted deliveries")


def wait_until(predicate: Callable[[], Any], timeout: float, what: str,
               interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Database:
    """Read-only queries on the service's database, by URL (``sqlite:///…`` or ``postgres://…``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = not url.startswith("sqlite:")

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url, connect_timeout=5) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
        with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30) as conn:
            return list(conn.execute(sql, params).fetchall())

    def _json(self, column: str, key: str) -> str:
        return f"({column}->>'{key}')" if self.postgres else f"json_extract({column}, '$.{key}')"

    def unprocessed(self, ids: list[int]) -> list[int]:
        processed = {row[0] for row in self.rows(
            "SELECT id FROM simpleprint_printerwebhookevent WHERE processed")}
        return sorted(set(ids) - processed)

    def applications(self) -> dict[int, int]:
        """Committed applications per event id (see the module docstring)."""
        event_id, status = self._json("payload", "id"), self._json("payload", "status")
        return {int(key): count for key, count in self.rows(
            f"SELECT {event_id}, COUNT(*) FROM simpleprint_liveupdate "
            f"WHERE kind = 'event.received' AND {status} IN ('processed', 'ignored') "
            f"GROUP BY {event_id}")}

    def retried(self) -> int:
        return int(self.rows(
            "SELECT COUNT(*) FROM simpleprint_printerwebhookevent WHERE attempts > 1")[0][0])

    def stored(self) -> int:
        return int(self.rows("SELECT COUNT(*) FROM simpleprint_printerwebhookevent")[0][0])

    def farm_state(self) -> dict[str, list[tuple[Any, ...]]]:
        """The meaningful fields of printers, jobs and queue items, keyed by SimplyPrint ids
        (never by this database's own row ids), for comparing two runs."""
        return {
            "printers": self.rows(
                "SELECT p.sp_id, p.state, j.sp_id, p.bed_needs_clearing, p.progress, "
                "p.material, p.nozzle_size, p.custom_tags, p.autoprint_state, p.out_of_order "
                "FROM simpleprint_printer p LEFT JOIN simpleprint_printjob j "
                "ON j.id = p.current_job_id ORDER BY p.sp_id"),
            "jobs": self.rows(
                "SELECT j.sp_id, j.status, j.percentage, j.started_at, j.ended_at, j.duration, "
                "j.skipped_objects, j.bed_cleared_at, j.ended_by_name, p.sp_id "
                "FROM simpleprint_printjob j LEFT JOIN simpleprint_printer p "
                "ON p.id = j.printer_id ORDER BY j.sp_id"),
            "queue": self.rows(
                "SELECT sp_id, state, position, group_id, \"left\", decided_by_name "
                "FROM simpleprint_printqueue ORDER BY sp_id"),
        }


@dataclass(frozen=True)
class Audit:
    sent: int
    accepted: int
    stored: int
    lost: list[int]
    double_applied: dict[int, int]
    never_applied: list[int]
    retried: int

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "accepted": self.accepted, "stored": self.stored,
                "lost": len(self.lost), "lost_ids": self.lost[:20],
                "double_applied": len(self.double_applied),
                "double_applied_ids": dict(list(self.double_applied.items())[:20]),
                "processed_without_application_row": len(self.never_applied),
                "retried": self.retried}


def audit(database: Database, sender: Sender, drain_timeout: float = 60.0) -> Audit:
    """Wait until every accepted delivery is processed (or the drain times out), then count."""
    ids = sorted(set(sender.accepted.values()))
    with contextlib.suppress(AssertionError):  # what is left is counted as lost below
        wait_until(lambda: not database.unprocessed(ids), drain_timeout,
                   "every accepted delivery to be processed", interval=0.5)
    applied = database.applications()
    return Audit(
        sent=len(sender.stream), accepted=len(sender.accepted), stored=database.stored(),
        lost=database.unprocessed(ids),
        double_applied={i: n for i, n in applied.items() if n > 1 and i in set(ids)},
        never_applied=[i for i in ids if i not in applied],
        retried=database.retried(),
    )


@dataclass
class StreamRun:
    audit: Audit
    sender: Sender
    farm_state: dict[str, Any]


def run_stream(var_dir: Path, deliveries: list[dict[str, Any]],
               drain_timeout: float = 60.0) -> StreamRun:
    """Deliver ``deliveries`` one after another to a fresh server on the embedded default,
    wait until they are processed, and read back what happened and the farm's final state."""
    env = server_env(var_dir)
    prepare_database(env)
    server = AsgiServer(env).start()
    try:
        sender = Sender(server.http_url, WEBHOOK_SECRET, deliveries, concurrency=1)
        with sender.run_in_thread():
            pass
        database = Database(env["DATABASE_URL"])
        return StreamRun(audit(database, sender, drain_timeout=drain_timeout), sender,
                         database.farm_state())
    finally:
        server.stop()


def shuffled_with_duplicates(stream: list[dict[str, Any]], reorder: float,
                             seed: int = 7) -> list[dict[str, Any]]:
    """Every delivery twice, then a share ``reorder`` of the deliveries moved by up to 20
    places, the way retries and concurrent senders scramble SimplyPrint's order."""
    rng = random.Random(seed)
    moved = [delivery for delivery in stream for _copy in (1, 2)]
    for _ in range(int(len(moved) * reorder)):
        source = rng.randrange(len(moved))
        item = moved.pop(source)
        moved.insert(max(0, min(len(moved), source + rng.randint(-20, 20))), item)
    return moved
