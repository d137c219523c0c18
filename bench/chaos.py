"""Long reliability runs: one command each, loopback only, bounded in time, stops by itself.

    python -m bench.chaos kill      # 10 000 deliveries on the production stack; the Celery
                                    # worker SIGKILLed 5 times, Redis restarted (empty) once
    python -m bench.chaos reorder   # every delivery twice, 20 % reordered, vs the in-order run
    python -m bench.chaos outage    # PostgreSQL stopped for 10 s mid-stream

Everything runs on throw-away servers this command starts: its own PostgreSQL cluster (initdb
in a temporary directory) and its own redis-server, two daphne servers behind nginx, a Celery
worker and beat (``kill``); a daphne server on SQLite (``reorder``) or on the own PostgreSQL
(``outage``). The counts (lost, double-applied: see ``tests/chaos/harness.py``) go to stdout
and ``bench/results/chaos-<scenario>.json``. The short CI versions are in ``tests/chaos``.
"""

from __future__ import annotations

import argparse
import json
import signal
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.harness import machine, own_postgres, own_redis, save
from bench.payloads import farm_stream
from tests.chaos.harness import (
    Database,
    Sender,
    audit,
    run_stream,
    shuffled_with_duplicates,
    wait_until,
)
from tests.servers import WEBHOOK_SECRET, AsgiServer, prepare_database, server_env
from tests.stack import production_stack


def run_kill(args: argparse.Namespace) -> dict[str, Any]:
    stream = farm_stream(args.deliveries, seed=args.seed)
    events: list[dict[str, Any]] = []
    with own_postgres("printfarm_chaos") as (_, database_url), own_redis() as redis_server, \
            production_stack(database_url, redis_server.url(), servers=args.servers,
                             migrate=True, PRINTFARM_LIVE_RETENTION="100000000") as stack:
        stack.start_worker(args.worker_concurrency)
        stack.start_beat()
        sender = Sender(stack.base_url, stack.secret, stream,
                        concurrency=args.concurrency, give_up_after=300)
        began = time.monotonic()
        step = args.deliveries // (args.kills + 1)
        with sender.run_in_thread():
            for kill in range(1, args.kills + 1):
                sender.wait_accepted(kill * step, timeout=args.timeout)
                stack.processes.kill("worker", signal.SIGKILL)
                events.append({"at_accepted": len(sender.accepted),
                               "action": "SIGKILL worker"})
                stack.start_worker(args.worker_concurrency)
                if kill == (args.kills + 1) // 2:
                    sender.wait_accepted(kill * step + step // 2, timeout=args.timeout)
                    redis_server.restart()
                    events.append({"at_accepted": len(sender.accepted),
                                   "action": "restart Redis (empty)"})
        sent_seconds = time.monotonic() - began
        result = audit(Database(database_url), sender, drain_timeout=args.drain)
        drained_seconds = time.monotonic() - began
    return {"chaos": events, "send_seconds": round(sent_seconds, 1),
            "all_processed_seconds": round(drained_seconds, 1),
            "sender": sender_summary(sender), **result.as_dict()}


def run_reorder(args: argparse.Namespace) -> dict[str, Any]:
    stream = farm_stream(args.deliveries, seed=args.seed)
    scrambled = shuffled_with_duplicates(stream, reorder=args.reorder, seed=args.seed)
    states, audits = {}, {}
    with tempfile.TemporaryDirectory(prefix="chaos-reorder-") as tmp:
        for name, deliveries in (("in_order", stream), ("scrambled", scrambled)):
            run = run_stream(Path(tmp) / name, deliveries, drain_timeout=args.drain)
            audits[name] = {**run.audit.as_dict(), "sender": sender_summary(run.sender)}
            states[name] = run.farm_state
    differences = {kind: sum(1 for a, b in zip(states["in_order"][kind],
                                               states["scrambled"][kind], strict=False) if a != b)
                   + abs(len(states["in_order"][kind]) - len(states["scrambled"][kind]))
                   for kind in ("printers", "jobs", "queue")}
    return {"rows": {kind: len(rows) for kind, rows in states["in_order"].items()},
            "differing_rows": differences, "equal": not any(differences.values()), **audits}


def run_outage(args: argparse.Namespace) -> dict[str, Any]:
    stream = farm_stream(args.deliveries, seed=args.seed)
    observed: dict[str, Any] = {}
    with own_postgres("printfarm_outage") as (postgres, database_url), \
            tempfile.TemporaryDirectory(prefix="chaos-outage-") as tmp:
        env = server_env(Path(tmp), database_url=database_url, PRINTFARM_SWEEP_GRACE="2",
                         PRINTFARM_SWEEP_INTERVAL="1")
        prepare_database(env)
        server = AsgiServer(env).start()
        try:
            sender = Sender(server.http_url, WEBHOOK_SECRET, stream,
                            concurrency=args.concurrency, rate=args.rate, give_up_after=300)
            with sender.run_in_thread(), httpx.Client(base_url=server.http_url,
                                                      timeout=30) as http:
                sender.wait_accepted(args.deliveries // 3, timeout=args.timeout)
                postgres.stop()
                down = time.monotonic()
                answers = []
                while time.monotonic() - down < args.outage:
                    started = time.monotonic()
                    ready = http.get("/readyz")
                    answers.append({"readyz": ready.status_code,
                                    "failed": ready.json().get("failed"),
                                    "seconds": round(time.monotonic() - started, 3)})
                    time.sleep(1)
                postgres.start()
                wait_until(lambda: http.get("/readyz").status_code == 200, 30, "readiness")
                observed = {"outage_seconds": round(time.monotonic() - down, 1),
                            "readyz_during_outage": answers}
            result = audit(Database(database_url), sender, drain_timeout=args.drain)
        finally:
            server.stop()
    return {**observed, "sender": sender_summary(sender), **result.as_dict()}


def sender_summary(sender: Sender) -> dict[str, Any]:
    posts = sorted(sender.post_ms) or [0.0]
    return {"attempts": sender.attempts, "answers": sender.statuses,
            "duplicates_answered": sender.duplicates, "given_up": len(sender.failed),
            "accepted_post_ms_p50": round(posts[len(posts) // 2], 1),
            "accepted_post_ms_p99": round(posts[int(len(posts) * 0.99)], 1)}


SCENARIOS = {"kill": run_kill, "reorder": run_reorder, "outage": run_outage}
DEFAULT_DELIVERIES = {"kill": 10_000, "reorder": 3_000, "outage": 2_000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--deliveries", type=int, default=0, help="default per scenario")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8, help="parallel senders")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--reorder", type=float, default=0.2)
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the DB is down")
    parser.add_argument("--rate", type=float, default=50.0, help="deliveries/s (outage)")
    parser.add_argument("--timeout", type=float, default=600.0, help="per stage, seconds")
    parser.add_argument("--drain", type=float, default=300.0, help="seconds to drain")
    args = parser.parse_args()
    args.deliveries = args.deliveries or DEFAULT_DELIVERIES[args.scenario]

    report = {"benchmark": f"chaos-{args.scenario}", "machine": machine(),
              "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "settings": vars(args), **SCENARIOS[args.scenario](args)}
    path = save(f"chaos-{args.scenario}", report)
    print(json.dumps(report, indent=2, default=str))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
