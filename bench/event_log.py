"""The event log's queries on a large table, with and without the index of migration 0006, and
the retention's delete batches.

    python -m bench.event_log [--rows 1000000] [--runs 7] [--database-url postgres://…]

Fills ``PrinterWebhookEvent`` on PostgreSQL (a throw-away cluster of its own unless
``--database-url`` names a database to overwrite) with ``--rows`` events received over 180 days
(1 % failed, 0.5 % pending, 20 % ignored, the rest processed), then measures in process, as the
code runs them, the median of ``--runs`` runs after one warm-up of:

- ``webhook/test/``'s counts by status (``state.selectors.event_counts``),
- ``GET webhook/events/?status=failed`` and the unfiltered first page (DRF view, count included),
- the sync tick's ``Max(timestamp)`` (``sync.modes``),

first without an index on ``timestamp`` (as before migration 0006), then with it (each after
``VACUUM ANALYZE``, as autovacuum leaves a table in steady use); and last one retention run
(``processing.retention.prune_events``, 90 days), reported per 5 000-row batch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import machine, own_postgres, save
from bench.page_time import setup_django

FILL = """
INSERT INTO simpleprint_printerwebhookevent
  (webhook_id, event, canonical_event, category, timestamp, occurred_at, payload, headers,
   dedup_key, deliveries, printer_sp_id, job_sp_id, queue_item_sp_id, received_at, status,
   processed, ignored, processing_error, attempts, next_attempt_at, processed_at)
SELECT 11, 'job.started', 'job.started', 'job', 1700000000 + n,
       now() - make_interval(secs => (%(rows)s - n) * 15552000.0 / %(rows)s),
       '{"event": "job.started", "data": {}}'::jsonb, '{}'::jsonb,
       md5(n::text) || md5((n + 1)::text),
       1, 385 + n %% 50, n, NULL,
       now() - make_interval(secs => (%(rows)s - n) * 15552000.0 / %(rows)s),
       CASE WHEN n %% 100 = 0 THEN 'failed' WHEN n %% 200 = 1 THEN 'pending'
            WHEN n %% 5 = 2 THEN 'ignored' ELSE 'processed' END,
       NOT (n %% 100 = 0 OR n %% 200 = 1), n %% 5 = 2,
       CASE WHEN n %% 100 = 0 THEN 'PayloadError: no job' ELSE '' END, 1, NULL, now()
FROM generate_series(1, %(rows)s) AS n
"""
TABLE = "simpleprint_printerwebhookevent"


def execute(sql: str, params: dict[str, Any] | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def timestamp_index() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return next(name for name, c in constraints.items()
                if c["index"] and c["columns"] == ["timestamp"])


def use_indexes(before: bool, timestamp_name: str) -> None:
    """The indexes before migration 0006 (``before``: none on ``timestamp``), or with it."""
    if before:
        execute(f'DROP INDEX IF EXISTS "{timestamp_name}"')
    else:
        execute(f'CREATE INDEX IF NOT EXISTS "{timestamp_name}" ON {TABLE} (timestamp)')
    execute(f"VACUUM ANALYZE {TABLE}")  # a steady table: autovacuum has run


def timed(call: Callable[[], object], runs: int) -> float:
    call()  # warm-up
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(samples), 1)


def measure(runs: int) -> dict[str, float]:
    from django.contrib.auth.models import User
    from django.db.models import Max
    from django.test import Client

    from apps.simpleprint.models import PrinterWebhookEvent
    from apps.simpleprint.state import selectors

    client = Client()
    user, _ = User.objects.get_or_create(username="bench-events")
    client.force_login(user)

    def get(url: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(url)
            assert response.status_code == 200, response.content[:200]
            return response
        return call

    return {
        "counts_ms": timed(selectors.event_counts, runs),
        "failed_list_ms": timed(get("/api/v1/simpleprint/webhook/events/?status=failed"), runs),
        "first_page_ms": timed(get("/api/v1/simpleprint/webhook/events/"), runs),
        "max_timestamp_ms": timed(
            lambda: PrinterWebhookEvent.objects.aggregate(t=Max("timestamp")), runs),
    }


def prune(batches: int) -> dict[str, Any]:
    from django.conf import settings

    from apps.simpleprint.processing import retention

    settings.PRINTFARM_RETENTION = {"event_days": 90}
    retention_batches = retention.MAX_BATCHES
    retention.MAX_BATCHES = batches
    try:
        began = time.perf_counter()
        deleted = retention.prune_events()
        seconds = time.perf_counter() - began
    finally:
        retention.MAX_BATCHES = retention_batches
    return {"deleted": deleted, "seconds": round(seconds, 2),
            "ms_per_batch_of_5000": round(seconds * 1000 / max(1, -(-deleted // 5000)), 1)}


def run(database_url: str, rows: int, runs: int, prune_batches: int) -> dict[str, Any]:
    os.environ["PRINTFARM_THROTTLE_USER"] = "1000000/min"  # the runs are one user's requests
    setup_django(Path(tempfile.mkdtemp(prefix="bench-events-")), database_url)
    execute(f"TRUNCATE {TABLE}")
    began = time.perf_counter()
    execute(FILL, {"rows": rows})
    filled = time.perf_counter() - began
    name = timestamp_index()
    use_indexes(True, name)
    before = measure(runs)
    use_indexes(False, name)
    after = measure(runs)
    return {"rows": rows, "runs": runs, "fill_seconds": round(filled, 1),
            "before_0006": before, "after_0006": after, "prune": prune(prune_batches),
            "machine": machine(), "load": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--prune-batches", type=int, default=10,
                        help="retention batches to time (5 000 rows each)")
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL database to overwrite (default: a cluster of its own)")
    args = parser.parse_args(argv)
    if args.database_url:
        result = run(args.database_url, args.rows, args.runs, args.prune_batches)
    else:
        with own_postgres("printfarm_bench_events") as (_, url):
            result = run(url, args.rows, args.runs, args.prune_batches)
    print(save("event_log", result))
    for phase in ("before_0006", "after_0006"):
        print(phase, result[phase])
    print("prune", result["prune"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
