"""Server time of the Planning page with a big farm: 200 printers, 10 000 jobs, 500 queue items.

    python -m bench.page_time [--runs 20]

Measures, in process (Django's test client: the view, the queries and the JSON encoding, no
network), the page shell ``/planning-v2/``, the snapshot JSON (what the WebSocket sends on
connect: ``/planning-v2/api/snapshot/``) and the projection ``/planning-v2/api/schedule/``;
medians of ``--runs`` runs after one warm-up, with the query count and response size of each.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PRINTERS, JOBS, QUEUE = 200, 10_000, 500
URLS = {
    "page": "/planning-v2/",
    "snapshot": "/planning-v2/api/snapshot/",
    "schedule": "/planning-v2/api/schedule/",
}


def setup_django(var_dir: Path, database_url: str = "") -> None:
    """Django in this process on a migrated database (SQLite in ``var_dir`` by default)."""
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "false",
        "PRINTFARM_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url or f"sqlite:///{var_dir / 'bench.sqlite3'}",
        "PRINTFARM_DEMO_LOGIN": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "WARNING",
    })
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def build_farm() -> None:
    """A farm of the target size, written in bulk (its shape, not its history, matters here)."""
    from apps.simpleprint.models import Printer, PrintJob, PrintQueue

    rng = random.Random(7)
    now = datetime.now(UTC)
    states = ["printing"] * 6 + ["operational", "paused", "offline", "error"]
    printers = Printer.objects.bulk_create(Printer(
        sp_id=1000 + i, name=f"Printer {i:03d}", group_id=i % 8, group_name=f"Bay {i % 8}",
        model_id=i % 4, model_name=f"Model {i % 4}", sort_order=i, state=rng.choice(states),
        online=True, time_left=rng.randint(60, 20_000), progress=rng.randint(0, 99),
        progress_at=now, nozzle_size=0.4, material=[{"type": "PLA", "colorHex": "#222"}],
        custom_tags=[1, 2], state_source="webhook", state_updated_at=now,
    ) for i in range(PRINTERS))
    jobs = PrintJob.objects.bulk_create(PrintJob(
        sp_id=500_000 + i, printer=printers[i % PRINTERS],
        file_name=f"part_{i % 300}_0.4n_PLA_{rng.randint(1, 9)}h.gcode",
        status="done" if i < JOBS - PRINTERS else "printing", percentage=100,
        started_at=now - timedelta(minutes=JOBS - i), estimate_seconds=rng.randint(600, 30_000),
        duration=rng.randint(600, 30_000),
    ) for i in range(JOBS))
    for printer, job in zip(printers, jobs[-PRINTERS:], strict=True):
        printer.current_job = job
    Printer.objects.bulk_update(printers, ["current_job"])
    PrintQueue.objects.bulk_create(PrintQueue(
        sp_id=9000 + i, filename=f"queued_{i}_0.4n_PETG.gcode", position=i,
        state="pending_approval" if i % 25 == 0 else "queued", amount=3, left=rng.randint(1, 3),
        for_printers=[1000 + i % PRINTERS] if i % 10 == 0 else [],
        for_groups=[i % 8] if i % 10 == 5 else [], estimate_seconds=rng.randint(600, 20_000),
        added_by_name="Alex Johnson", added_at=now,
    ) for i in range(QUEUE))


def measure(runs: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.create_user("bench", is_staff=True))
    results: dict[str, Any] = {}
    for name, url in URLS.items():
        client.get(url)  # warm-up
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        timings.sort()
        results[name] = {"url": url, "median_ms": round(timings[len(timings) // 2], 1),
                         "min_ms": round(timings[0], 1), "max_ms": round(timings[-1], 1),
                         "queries": len(queries), "bytes": len(response.content)}
    results["page_plus_snapshot_plus_schedule_median_ms"] = round(
        sum(results[name]["median_ms"] for name in URLS), 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="page-time-") as tmp:
        setup_django(Path(tmp))
        build_farm()
        results = measure(args.runs)
    from bench.harness import machine, save

    report = {"farm": {"printers": PRINTERS, "jobs": JOBS, "queue": QUEUE}, "runs": args.runs,
              "machine": machine(), "results": results}
    print(save("page_time", report))
    for name in URLS:
        row = results[name]
        print(f"{name:9s} median {row['median_ms']:7.1f} ms  queries {row['queries']:2d}  "
              f"{row['bytes'] / 1024:7.1f} KiB")
    print(f"total     median {results['page_plus_snapshot_plus_schedule_median_ms']:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
