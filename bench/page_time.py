"""The Planning page with a big farm: server time, snapshot size and time to the first card.

    python -m bench.page_time [--runs 20] [--sizes 40,200] [--browser-runs 15] [--no-browser]

For each farm size (``--sizes`` printers; 50 jobs and 2.5 queue items a printer: 200 printers,
10 000 jobs, 500 queue items):

- **server time**, in process (Django's test client: the view, the queries and the JSON
  encoding, no network), of the page shell ``/planning-v2/``, the snapshot JSON (the same
  snapshot the WebSocket sends on connect: ``/planning-v2/api/snapshot/``) and the projection
  ``/planning-v2/api/schedule/``; medians of ``--runs`` runs after one warm-up, with the query
  count and response size of each;
- **the first WebSocket message**, as a page receives it from a daphne server on this farm:
  its size uncompressed, whether the server negotiated permessage-deflate, and its size
  deflated (zlib level 6, raw: what that extension puts on the wire for a first message);
- **time to the first card**, in headless Chromium (``/usr/bin/chromium``, 1920×1080) against
  that server: from navigation start to the first printer card painted (Element Timing's
  ``renderTime`` of the first card; a card, list row or tile is ``[data-testid^="printer-"]``
  with a ``data-id``, which leaves out the printer drawer and the list's table), and to the
  first timeline row painted; medians of ``--browser-runs`` page loads, each in a fresh browser
  context with the session cookie (no login in the measurement), after one warm-up load. Each
  is also timed when it enters the document (``*_dom_ms``): a row below the first screen is
  never painted, so for it only that time exists (``timeline_on_first_screen`` says which).
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
CHROMIUM = "/usr/bin/chromium"
#: Marks the first printer card for Element Timing as soon as it is in the document (a CDP
#: script, which the page's Content-Security-Policy does not apply to), and records when the
#: first card and the first timeline row were painted (and entered the document).
FIRST_PAINT_SCRIPT = """
const CARD = '[data-testid^="printer-"][data-id]', ROW = ".tl-row[data-printer]";
window.__bench = {};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const id = entry.identifier;
    if (!(id in window.__bench)) window.__bench[id] = entry.renderTime || entry.loadTime;
  }
}).observe({type: "element", buffered: true});
new MutationObserver(() => {
  const marks = [["card", CARD], ["timeline", ROW]];
  for (const [id, selector] of marks) {
    const el = document.querySelector(selector);
    if (el && !el.hasAttribute("elementtiming")) {
      if (!(id + "_dom" in window.__bench)) window.__bench[id + "_dom"] = performance.now();
      el.setAttribute("elementtiming", id);
      // Text painted inside the element is what Element Timing reports; mark its children too.
      for (const child of el.querySelectorAll("*")) child.setAttribute("elementtiming", id);
    }
  }
}).observe(document, {childList: true, subtree: true});
"""
#: The marks so far once the first card is painted and the first timeline row is in the
#: document and, if it is on the first screen, painted; null until then.
MARKS_READY = """() => {
  const marks = window.__bench, row = document.querySelector(".tl-row[data-printer]");
  if (!("card" in marks) || !row) return null;
  const onScreen = row.getBoundingClientRect().top < window.innerHeight;
  return onScreen && !("timeline" in marks) ? null : {...marks, on_screen: onScreen};
}"""
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


def build_farm(printer_count: int = PRINTERS) -> dict[str, int]:
    """A farm of ``printer_count`` printers with 50 jobs and 2.5 queue items a printer (200:
    10 000 jobs, 500 items) and 100 events in the log, written in bulk (its shape, not its
    history, matters here). Every fifth printer that is not printing has a bed to clear after
    a job that ended (done, failed with a reason, or cancelled), as a working farm has."""
    from apps.simpleprint.models import (
        LiveUpdate,
        Printer,
        PrinterWebhookEvent,
        PrintJob,
        PrintQueue,
    )

    for model in (Printer, PrintJob, PrintQueue, PrinterWebhookEvent, LiveUpdate):
        model.objects.all().delete()
    job_count, queue_count = printer_count * JOBS // PRINTERS, printer_count * QUEUE // PRINTERS
    rng = random.Random(7)
    now = datetime.now(UTC)
    states = ["printing"] * 6 + ["operational", "paused", "offline", "error"]
    printers = Printer.objects.bulk_create(Printer(
        sp_id=1000 + i, name=f"Printer {i:03d}", group_id=i % 8, group_name=f"Bay {i % 8}",
        model_id=i % 4, model_name=f"Model {i % 4}", sort_order=i, state=rng.choice(states),
        online=True, time_left=rng.randint(60, 20_000), progress=rng.randint(0, 99),
        progress_at=now, nozzle_size=0.4, material=[{"type": "PLA", "colorHex": "#222"}],
        custom_tags=[1, 2], state_source="webhook", state_updated_at=now,
    ) for i in range(printer_count))
    jobs = PrintJob.objects.bulk_create(PrintJob(
        sp_id=500_000 + i, printer=printers[i % printer_count],
        file_name=f"part_{i % 300}_0.4n_PLA_{rng.randint(1, 9)}h.gcode",
        status="done" if i < job_count - printer_count else "printing", percentage=100,
        started_at=now - timedelta(minutes=job_count - i),
        estimate_seconds=rng.randint(600, 30_000), duration=rng.randint(600, 30_000),
        panel_url=f"https://simplyprint.io/panel/{500_000 + i}",
        ended_at=now - timedelta(minutes=job_count - i - 30) if i < job_count - printer_count
        else None,
    ) for i in range(job_count))
    ended = jobs[-2 * printer_count:-printer_count]
    endings = [("done", ""), ("failed", "Spaghetti detected"), ("cancelled", "Warped corner")]
    for index, (printer, job) in enumerate(zip(printers, jobs[-printer_count:], strict=True)):
        if printer.state in ("printing", "paused"):
            printer.current_job = job
        elif index % 5 == 0:
            last = ended[index]
            last.status, last.end_reason = endings[index % 3]
            printer.last_job, printer.bed_needs_clearing = last, True
    PrintJob.objects.bulk_update(ended, ["status", "end_reason"])
    Printer.objects.bulk_update(printers, ["current_job", "last_job", "bed_needs_clearing"])
    PrintQueue.objects.bulk_create(PrintQueue(
        sp_id=9000 + i, filename=f"queued_{i}_0.4n_PETG.gcode", position=i,
        state="pending_approval" if i % 25 == 0 else "queued", amount=3, left=rng.randint(1, 3),
        for_printers=[1000 + i % printer_count] if i % 10 == 0 else [],
        for_groups=[i % 8] if i % 10 == 5 else [], estimate_seconds=rng.randint(600, 20_000),
        added_by_name="Alex Johnson", added_at=now,
    ) for i in range(queue_count))
    PrinterWebhookEvent.objects.bulk_create(PrinterWebhookEvent(
        webhook_id=1, event="job.started", canonical_event="job.started", category="job",
        timestamp=int(now.timestamp()) - i, occurred_at=now, dedup_key=f"bench-{i}",
        payload={"event": "job.started"}, status="processed", processed=True,
        processed_at=now, printer_sp_id=1000 + i % printer_count, job_sp_id=500_000 + i,
    ) for i in range(100))
    return {"printers": printer_count, "jobs": job_count, "queue": queue_count}


def measure(runs: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.get_or_create(username="bench", defaults={"is_staff": True})[0])
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


def first_message(base: str, token: str) -> dict[str, Any]:
    """The first message of ``/ws/planning/`` (the snapshot) as a page receives it."""
    import asyncio
    import json
    import zlib

    import websockets

    async def receive() -> tuple[str, str]:
        url = base.replace("http://", "ws://") + f"/ws/planning/?token={token}"
        async with websockets.connect(url, origin=base, max_size=None) as ws:  # type: ignore[arg-type]
            text = await ws.recv()
            extensions = ws.response.headers.get("Sec-WebSocket-Extensions", "")
            return str(text), extensions

    text, extensions = asyncio.run(receive())
    assert json.loads(text)["type"] == "snapshot"
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = deflate.compress(text.encode()) + deflate.flush(zlib.Z_SYNC_FLUSH)
    return {"bytes": len(text.encode()), "deflated_bytes": len(deflated),
            "permessage_deflate": "permessage-deflate" in extensions}


def browser_times(base: str, session: str, runs: int) -> dict[str, Any]:
    """Navigation start → first card painted, and → first timeline row painted, in Chromium."""
    from playwright.sync_api import sync_playwright

    marks: dict[str, list[float]] = {"card": [], "card_dom": [], "timeline": [],
                                      "timeline_dom": []}
    on_screen: list[bool] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            for run in range(runs + 1):  # the first is a warm-up (caches, the server's code)
                context = browser.new_context(viewport={"width": 1920, "height": 1080})
                context.add_cookies([{"name": "sessionid", "value": session,
                                      "url": base}])
                context.add_init_script(FIRST_PAINT_SCRIPT)
                page = context.new_page()
                page.goto(f"{base}/planning-v2/")
                deadline = time.monotonic() + 30
                times = None
                while times is None and time.monotonic() < deadline:
                    times = page.evaluate(MARKS_READY)
                    time.sleep(0.02)
                seen = page.evaluate("window.__bench")
                context.close()
                assert times, f"no card and timeline row within 30 s: {seen}"
                if run:
                    for name, values in marks.items():
                        if name in times:
                            values.append(times[name])
                    on_screen.append(times["on_screen"])
        finally:
            browser.close()

    def median(values: list[float]) -> float | None:
        return round(sorted(values)[len(values) // 2], 1) if values else None

    cards = sorted(marks["card"])
    return {"runs": runs, "first_card_ms": median(cards),
            "first_card_min_ms": round(cards[0], 1), "first_card_max_ms": round(cards[-1], 1),
            "first_card_dom_ms": median(marks["card_dom"]),
            "first_timeline_row_ms": median(marks["timeline"]),
            "first_timeline_row_dom_ms": median(marks["timeline_dom"]),
            "timeline_on_first_screen": all(on_screen)}


def measure_in_browser(var_dir: Path, runs: int) -> dict[str, Any]:
    """Serve the farm in the database of this process with daphne; read its first WebSocket
    message and time page loads in Chromium."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from bench.harness import django_env, server

    user, _ = User.objects.get_or_create(username="bench-browser", defaults={"is_staff": True})
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = Token.objects.get_or_create(user=user)[0].key
    env = django_env(var_dir, DATABASE_URL=os.environ["DATABASE_URL"],
                     DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
                     SIMPLEPRINT_BASE_URL="http://127.0.0.1:1",
                     SIMPLEPRINT_PUBLIC_URL="http://127.0.0.1:1", PRINTFARM_WORKER="thread")
    with server("config.asgi:application", env) as (base, _pid):
        message = first_message(base, token)
        times = browser_times(base, session, runs) if Path(CHROMIUM).exists() else {}
    return {"first_message": message, "browser": times}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sizes", default=f"40,{PRINTERS}",
                        help="farm sizes in printers, comma-separated")
    parser.add_argument("--browser-runs", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true",
                        help="server time only (no daphne, no Chromium)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sizes = [int(size) for size in args.sizes.split(",")]
    farms: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="page-time-") as tmp:
        setup_django(Path(tmp))
        for size in sizes:
            farm = build_farm(size)
            results = measure(args.runs)
            if not args.no_browser:
                results.update(measure_in_browser(Path(tmp), args.browser_runs))
            farms[str(size)] = {"farm": farm, "results": results}
    from bench.harness import machine, save

    report = {"runs": args.runs, "browser_runs": args.browser_runs, "machine": machine(),
              "load_average": os.getloadavg(), "farms": farms}
    print(save("page_time", report))
    for entry in farms.values():
        farm, results = entry["farm"], entry["results"]
        print(f"--- {farm['printers']} printers, {farm['jobs']} jobs, {farm['queue']} queue items")
        for name in URLS:
            row = results[name]
            print(f"{name:9s} median {row['median_ms']:7.1f} ms  queries {row['queries']:2d}  "
                  f"{row['bytes'] / 1024:7.1f} KiB")
        print(f"total     median {results['page_plus_snapshot_plus_schedule_median_ms']:7.1f} ms")
        if "first_message" in results:
            message = results["first_message"]
            print(f"first WebSocket message {message['bytes'] / 1000:7.1f} kB uncompressed, "
                  f"{message['deflated_bytes'] / 1000:6.1f} kB deflated; permessage-deflate "
                  f"{'negotiated' if message['permessage_deflate'] else 'not offered'}")
        if results.get("browser"):
            times = results["browser"]
            row = times["first_timeline_row_ms"]
            print(f"first card painted: median {times['first_card_ms']:.0f} ms "
                  f"(min {times['first_card_min_ms']:.0f}, max {times['first_card_max_ms']:.0f}; "
                  f"in the document at {times['first_card_dom_ms']:.0f} ms); first timeline row "
                  f"{f'painted {row:.0f} ms' if row is not None else 'below the first screen'}, "
                  f"in the document at {times['first_timeline_row_dom_ms']:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
