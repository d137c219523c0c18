"""Ingestion benchmark: deliveries per second the receiver accepts with zero loss, against the
floor of a bare ASGI endpoint doing one INSERT into the same database, in the same run.

    python -m bench.ingest                          # SQLite (the embedded default)
    python -m bench.ingest --database-url postgres://printfarm:printfarm@127.0.0.1/bench

Each side runs under daphne on loopback; a closed-loop load generator (this process) posts
distinct, realistic ``job.started`` deliveries from ``--concurrency`` clients for ``--seconds``,
``--rounds`` times; the figures are medians over rounds. Zero loss is checked by counting the
rows stored against the 200s received.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from bench.harness import (
    closed_loop,
    django_env,
    machine,
    manage,
    median,
    peak_rss_mib,
    save,
    server,
)
from bench.payloads import FarmStory

SECRET = "bench-secret-0123456789abcdef"
RECEIVER = "/api/v1/simpleprint/webhook/printers/"


def delivery_factory(start: int = 0) -> Any:
    """Distinct deliveries numbered from ``start`` (each round starts further on, so a later
    round never repeats an earlier one: repeats would be duplicates, not new rows)."""
    story = FarmStory()
    story.tick(start)

    def make(n: int) -> tuple[bytes, dict[str, str]]:
        story.tick(1)
        body = json.dumps(story.job_started(385 + n % 50, job_id=10_000_000 + start + n)).encode()
        return body, {"content-type": "application/json", "x-sp-secret": SECRET}

    return make


def count_rows(database_url: str, table: str) -> int:
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    import psycopg

    with psycopg.connect(database_url) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def reset_postgres(database_url: str) -> None:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def run_side(name: str, app: str, env: dict[str, str], url_path: str, database_url: str,
             table: str, args: argparse.Namespace) -> dict[str, Any]:
    rounds = []
    with server(app, env) as (base, pid):
        for round_index in range(args.rounds):
            before = count_rows(database_url, table)
            result = asyncio.run(closed_loop(base + url_path,
                                             delivery_factory(round_index * 10_000_000),
                                             args.concurrency, args.seconds))
            stored = count_rows(database_url, table) - before
            rounds.append({**result.summary(), "stored": stored,
                           "lost": result.ok - stored})
        rss = peak_rss_mib(pid)
    return {
        "name": name,
        "per_second_median": median([r["per_second"] for r in rounds]),
        "p50_ms_median": median([r["latency_ms"]["p50"] for r in rounds]),
        "p99_ms_median": median([r["latency_ms"]["p99"] for r in rounds]),
        "lost_total": sum(r["lost"] for r in rounds),
        "errors_total": sum(sum(r["errors"].values()) for r in rounds),
        "peak_rss_mib": rss,
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="printfarm-bench-") as tmp:
        var_dir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{var_dir / 'printfarm.sqlite3'}"
        if args.database_url:
            reset_postgres(database_url)
        env = django_env(var_dir, DATABASE_URL=database_url, PRINTFARM_WORKER="thread")
        manage(env, "migrate", "--no-input")
        service = run_side("service", "config.asgi:application", env, RECEIVER, database_url,
                           "simpleprint_printerwebhookevent", args)
        bare_env = {**env, "BARE_DATABASE_URL": database_url}
        bare = run_side("bare ASGI + INSERT", "bench.bare_insert:app", bare_env, "/",
                        database_url, "bench_bare_event", args)

    profile = "postgresql" if args.database_url else "sqlite"
    report = {
        "benchmark": "ingest", "profile": profile, "machine": machine(),
        "settings": vars(args) | {"database_url": "<given>" if args.database_url else "sqlite"},
        "service": service, "bare": bare,
        "service_vs_bare": round(service["per_second_median"] / bare["per_second_median"], 3)
        if bare["per_second_median"] else None,
    }
    path = save(f"ingest-{profile}", report)
    summary = {k: report[k] for k in ("profile", "service_vs_bare")}
    for side in ("service", "bare"):
        summary[side] = {k: v for k, v in report[side].items() if k != "rounds"}
    print(json.dumps(summary, indent=2))
    print(f"full results: {path}")


if __name__ == "__main__":
    main()
