"""API budget of the sync: one simulated hour of a 50-printer farm, run four ways.

1. ``baseline``: polling only, every 30 s (printers/Get + ongoing jobs + queue), the old way;
2. ``webhooks`` with the defaults: deliveries, a printers/Get every 30 s
   (``connectivity_interval``: no webhook reports online/offline or progress), the reconcile;
3. ``webhooks, 10 % dropped``: the same with 10 % of the deliveries dropped;
4. ``webhooks, no printers/Get between reconciles``: ``connectivity_interval`` 0 (the former
   default: online/offline as old as the last reconcile, progress extrapolated).

The simulator runs on its manual clock; the receiver is Django's WSGI app on a loopback thread
(processing inline), the sync ticks are called in-process, on a temporary SQLite database.
Every simulated 10 s the shown state is compared with the simulator's truth (``/_sim/state``):
per printer (online, state, progress, running job, out-of-order, nozzle, tags) and for the
active queue (which items, copies left), and how long each difference has lasted, for the whole
tuple, for each field, and for everything but connectivity (see ``figures``). API calls come
from the simulator's ``/_sim/stats``, counted after the initial fill (the same one-off
``sync_simpleprint`` in every run).

    python -m bench.api_budget [--printers 50] [--seconds 3600] [--seed 7]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socketserver
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-secret-0123456789abcdef"
API_KEY = "bench-key"
STEP = 10
#: The baseline's poll interval (the default `poll_interval`).
POLL_SECONDS = 30
#: Shown progress within this many percentage points of the truth counts as in sync (the page
#: extrapolates between reads and rounds to whole points).
PROGRESS_TOLERANCE = 2


def setup_django(var_dir: str) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.dev", "PRINTFARM_VAR_DIR": var_dir,
        "PRINTFARM_WORKER": "inline", "SIMPLEPRINT_WEBHOOK_SECRET": SECRET,
        "SIMPLEPRINT_API_KEY": API_KEY, "SIMPLEPRINT_COMPANY_ID": "1",
        "SIMPLEPRINT_RATE_LIMIT": "0", "LOG_LEVEL": "ERROR", "DJANGO_DEBUG": "0",
        "PRINTFARM_DEMO_LOGIN": "0", "PRINTFARM_SYNC_ENABLED": "0",
        # Nothing here may reach `make run`'s ports (a webhook registered while polling would).
        "SIMPLEPRINT_PUBLIC_URL": "http://127.0.0.1:1",
    })
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextlib.contextmanager
def receiver() -> Iterator[str]:
    from django.core.wsgi import get_wsgi_application

    server = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=_ThreadingServer,
                         handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


FIELDS = ("online", "state", "progress", "job", "out_of_order", "nozzle", "tags")
EXCLUDING = "all_but_connectivity"
QUEUE = "queue"
TITLES = {"online": "online", "state": "state", "progress": "progress", "job": "running job",
          "out_of_order": "out of order", "nozzle": "nozzle", "tags": "tags", QUEUE: "queue",
          EXCLUDING: "all but connectivity"}
#: The figures the report names first (the issue's list).
HEADLINE = ("online", "state", "progress", "job", QUEUE)


def truth_fields(p: dict[str, Any]) -> dict[str, Any]:
    active = p["job"] is not None and p["state"] in ("printing", "paused")
    return {"online": p["online"], "state": p["state"],
            "progress": p["job"]["percentage"] if active else None,
            "job": p["job"]["id"] if active else None, "out_of_order": p["out_of_order"],
            "nozzle": p["nozzle"], "tags": tuple(sorted(p["custom_tags"]))}


def shown_fields(p: Any, now: float) -> dict[str, Any]:
    from apps.simpleprint.state import rules

    active = p.state in ("printing", "paused") and p.current_job is not None
    return {"online": p.online, "state": p.state,
            "progress": rules.printer_progress(p, now)[0] if active else None,
            "job": p.current_job.sp_id if p.current_job else None,
            "out_of_order": p.out_of_order, "nozzle": p.nozzle_size,
            "tags": tuple(sorted(p.custom_tags))}


def _progress_differs(truth: Any, shown: Any) -> bool:
    if truth is None or shown is None:
        return truth != shown
    return abs(truth - shown) > PROGRESS_TOLERANCE


def figures(truth: dict[str, Any], shown: dict[str, Any]) -> dict[str, bool]:
    """Which figures differ: the whole tuple (``all``), each field, and everything but
    connectivity. No webhook reports connectivity, and an offline printer's state is "offline"
    with no running job shown: where truth and shown disagree on ``online``, their state, job
    and progress differ because of it, so that figure counts those only where ``online``
    agrees."""
    differs = {name: truth[name] != shown[name] for name in FIELDS}
    differs["progress"] = _progress_differs(truth["progress"], shown["progress"])
    online_agrees = not differs["online"]
    return {"all": any(differs.values()), **differs,
            EXCLUDING: differs["out_of_order"] or differs["nozzle"] or differs["tags"]
            or (online_agrees and (differs["state"] or differs["job"]
                                   or differs["progress"]))}


class Staleness:
    """How long each figure of each printer has been behind the truth: from the first sample
    that differed (taken as half a step before it), until a sample agrees again."""

    def __init__(self) -> None:
        self.since: dict[tuple[int, str], float] = {}
        self.lags: dict[str, list[float]] = {}

    def sample(self, printer_id: int, differs: dict[str, bool], now: float) -> None:
        for name, differ in differs.items():
            key = (printer_id, name)
            if differ:
                lag = now - self.since.setdefault(key, now - STEP / 2)
            else:
                self.since.pop(key, None)
                lag = 0.0
            self.lags.setdefault(name, []).append(lag)

    def summary(self, name: str) -> dict[str, Any]:
        lags = self.lags.get(name, [])
        behind = sorted(lag for lag in lags if lag > 0)
        return {
            "in_sync_share": round(1 - len(behind) / max(1, len(lags)), 4),
            "stale_median_s": statistics.median(behind) if behind else 0.0,
            "stale_p95_s": behind[int(0.95 * (len(behind) - 1))] if behind else 0.0,
            "stale_max_s": behind[-1] if behind else 0.0,
        }


def run(name: str, args: argparse.Namespace, *, webhooks: bool, drop: float,
        sync_overrides: dict[str, float] | None = None) -> dict[str, Any]:
    from django.conf import settings

    from apps.simpleprint.events.registry import SUBSCRIBED_EVENTS
    from apps.simpleprint.models import (
        LiveUpdate,
        Printer,
        PrinterWebhookEvent,
        PrintJob,
        PrintQueue,
        QueueClearance,
        SyncState,
    )
    from apps.simpleprint.remote.client import SimplePrintClient
    from apps.simpleprint.state import rules
    from apps.simpleprint.sync import modes
    from apps.simpleprint.sync import polling as sync
    from simulator import SimConfig
    from simulator.testing import SimulatorClient, run_in_thread

    for model in (LiveUpdate, PrinterWebhookEvent, PrintQueue, QueueClearance, SyncState):
        model.objects.all().delete()
    Printer.objects.update(current_job=None)
    PrintJob.objects.all().delete()
    Printer.objects.all().delete()
    config = SimConfig(clock="manual", api_key=API_KEY, company_id=1, rate_limit=0,
                       printers=args.printers, seed=args.seed, retry_base=0.05,
                       delivery_concurrency=1, drop=0.0)
    started = time.monotonic()
    base_sync = settings.PRINTFARM_SYNC
    settings.PRINTFARM_SYNC = {**base_sync, **(sync_overrides or {})}
    with run_in_thread(config) as sim_url, receiver() as hook_url, \
            SimulatorClient(sim_url, api_key=API_KEY, company_id=1) as sim, \
            SimplePrintClient(base_url=sim_url, api_key=API_KEY, company_id=1) as client:
        settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "base_url": sim_url}
        if webhooks:
            sim.create_webhook(hook_url + "/api/v1/simpleprint/webhook/printers/",
                               list(SUBSCRIBED_EVENTS), name="printfarm", secret=SECRET)
        sync.full_sync(client, sim.clock)  # the one-off fill (sync_simpleprint)
        state = modes.load(sim.now)
        if not webhooks:
            modes.switch(state, SyncState.Mode.POLLING, "baseline: polling only", sim.now)
        sync.tick(client, sim.clock)
        sim.reset_stats()
        sim.control(drop=drop)

        staleness = Staleness()
        progress_errors: list[float] = []
        elapsed = 0
        while elapsed < args.seconds:
            sim.advance(STEP)
            elapsed += STEP
            sync.tick(client, sim.clock)
            farm = sim.state()
            truth = {p["id"]: p for p in farm["printers"]}
            for printer in Printer.objects.select_related("current_job"):
                real = truth.get(printer.sp_id)
                if real is None:
                    continue
                staleness.sample(printer.sp_id, figures(truth_fields(real),
                                                        shown_fields(printer, sim.now)), sim.now)
                if real["state"] == "printing" and printer.state == "printing" and real["job"]:
                    shown, _ = rules.printer_progress(printer, sim.now)
                    if shown is not None:
                        progress_errors.append(abs(shown - real["job"]["percentage"]))
            live = {q["id"]: q["left"] for q in farm["queue"] if not q["done"]}
            shown_queue = dict(PrintQueue.objects.filter(state__in=PrintQueue.ACTIVE)
                               .values_list("sp_id", "left"))
            staleness.sample(0, {QUEUE: live != shown_queue}, sim.now)
        stats = sim.stats()
    settings.PRINTFARM_SYNC = base_sync
    return {
        "run": name, "sync_overrides": sync_overrides or {},
        "api_calls": stats["requests"]["total"],
        "by_endpoint": stats["requests"]["by_endpoint"],
        "rate_limited": stats["requests"]["rate_limited"],
        "deliveries": stats["deliveries"], "mode": modes.current_mode(),
        "samples": len(staleness.lags.get("all", [])),
        **staleness.summary("all"),
        "fields": {name: staleness.summary(name) for name in (*FIELDS, QUEUE, EXCLUDING)},
        "calls_per_hour": round(stats["requests"]["total"] * 3600 / args.seconds),
        "progress_error_median_pct": statistics.median(progress_errors)
        if progress_errors else None,
        "progress_error_max_pct": max(progress_errors, default=None),
        "real_seconds": round(time.monotonic() - started, 1),
    }


def _cell(figure: dict[str, Any]) -> str:
    return (f"{figure['in_sync_share'] * 100:.1f} % · {figure['stale_median_s']:.0f} / "
            f"{figure['stale_max_s']:.0f}")


def lower_bound(args: argparse.Namespace, base_calls: int) -> dict[str, Any]:
    """Connectivity comes only from printers/Get: showing every change within the poll interval
    takes one printers/Get (per page) each poll interval."""
    from apps.simpleprint.sync.polling import PAGE_SIZE

    pages = -(-args.printers // PAGE_SIZE)
    calls = pages * args.seconds // POLL_SECONDS
    return {"printers_get_every_s": POLL_SECONDS, "calls": calls,
            "share_of_baseline": round(calls / max(1, base_calls), 4)}


def verdict(runs: list[dict[str, Any]], bound: dict[str, Any]) -> str:
    """The facts per webhooks run: calls against the baseline's, and the fields staler than the
    baseline."""
    base = runs[0]
    limit = base["stale_max_s"]
    parts = []
    for r in runs[1:]:
        staler = [f"{TITLES[name]} {r['fields'][name]['stale_max_s']:.0f} s"
                  for name in (*FIELDS, QUEUE) if r["fields"][name]["stale_max_s"]
                  > max(limit, base["fields"][name]["stale_max_s"])]
        parts.append(
            f"**{r['run']}**: {r['calls_per_hour']} calls an hour = "
            f"{r['share_of_baseline'] * 100:.1f} % of the baseline's {base['calls_per_hour']}; "
            f"max staleness {r['stale_max_s']:.0f} s vs the baseline's {limit:.0f} s; staler "
            f"than the baseline: {', '.join(staler) if staler else 'no field'}.")
    parts.append(
        f"Lower bound: connectivity is only in printers/Get, so showing it within "
        f"{bound['printers_get_every_s']} s takes a printers/Get every "
        f"{bound['printers_get_every_s']} s = {bound['calls']} calls an hour = "
        f"{bound['share_of_baseline'] * 100:.1f} % of the baseline.")
    return " ".join(parts)


def write_readme(report: dict[str, Any]) -> None:
    start, end = "<!-- api_budget:start -->", "<!-- api_budget:end -->"
    runs = report["runs"]
    headline = ["| run | calls an hour | share of 30 s polling | "
                + " | ".join(f"max stale: {TITLES[n]} (s)" for n in HEADLINE) + " |",
                "|---|---|---|" + "---|" * len(HEADLINE)]
    for r in runs:
        headline.append(f"| {r['run']} | {r['calls_per_hour']} | "
                        f"{r['share_of_baseline'] * 100:.1f} % | "
                        + " | ".join(f"{r['fields'][n]['stale_max_s']:.0f}" for n in HEADLINE)
                        + " |")
    rows = ["| run | API calls | in sync | behind: median / p95 / max (s) "
            "| progress error median / max (pts) |", "|---|---|---|---|---|"]
    for r in runs:
        rows.append(
            f"| {r['run']} | {r['api_calls']} | {r['in_sync_share'] * 100:.1f} % | "
            f"{r['stale_median_s']:.0f} / {r['stale_p95_s']:.0f} / {r['stale_max_s']:.0f} | "
            f"{r['progress_error_median_pct']} / {r['progress_error_max_pct']} |")
    names = (*FIELDS, QUEUE, EXCLUDING)
    by_field = ["| run | " + " | ".join(TITLES[n] for n in names) + " |",
                "|---|" + "---|" * len(names)]
    for r in runs:
        by_field.append(f"| {r['run']} | " + " | ".join(_cell(r["fields"][n]) for n in names)
                        + " |")
    _, hooks, dropped, sparse = runs
    bound = report["lower_bound"]
    p = report["params"]
    brief = 3 * p["seconds"] // POLL_SECONDS * 3600 // p["seconds"]
    section = "\n".join([
        start, "## API budget of the sync (`bench/api_budget.py`)", "",
        f"{p['printers']} simulated printers, seed {p['seed']}, {p['seconds']} simulated "
        f"seconds after the initial fill, sampled every {STEP} s. Sync settings (the defaults): "
        f"`{json.dumps(p['sync'])}`; the last run sets `connectivity_interval` to "
        f"{sparse['sync_overrides']['connectivity_interval']:.0f}.", "",
        "Calls an hour against 30 s polling, and the longest a field was shown behind the "
        "simulator's truth. The baseline is this service's own polling mode (what it does when "
        "webhooks are refused): every 30 s `printers/Get`, the ongoing jobs and the queue "
        "through both forms of `queue/GetItems`, 4 calls. The brief's poller made 3 calls every "
        f"30 s, {brief} an hour: against it the default run is "
        f"{hooks['calls_per_hour'] / brief * 100:.0f} %.", "",
        *headline, "",
        f"Result: {report['verdict']}", "",
        "*behind* = how long a printer's shown state (online, state, progress within "
        f"{PROGRESS_TOLERANCE} points, running job, out-of-order, nozzle, tags) had differed "
        "from the simulator's truth, over the samples where it differed; *queue* = the active "
        "queue (which items, copies left) as a whole.", "",
        *rows, "",
        "Per field: share of samples in sync · behind median / max (s), each (printer, field) "
        "timed from its first differing sample. *all but connectivity*: every printer field "
        "except `online`, with state, progress and running job counted only where truth and "
        "shown agree on `online` (an offline printer's state is `offline`, with no job).", "",
        *by_field, "",
        f"Trade-off: SimplyPrint sends no webhook for connectivity (online/offline) or "
        f"progress, nor when a print takes a copy of a queue item. The default "
        f"(`PRINTFARM_CONNECTIVITY_INTERVAL=30`) reads printers/Get every 30 s: "
        f"{hooks['calls_per_hour']} calls an hour (the lower bound for connectivity within 30 s "
        f"is {bound['calls']}), online at most {hooks['fields']['online']['stale_max_s']:.0f} s "
        f"and progress at most {hooks['fields']['progress']['stale_max_s']:.0f} s behind. "
        f"Without those reads ({sparse['calls_per_hour']} calls an hour) online was up to "
        f"{sparse['fields']['online']['stale_max_s']:.0f} s behind. The queue's copies left "
        f"change when a print takes one, with no queue event: the queue is read "
        f"`queue_after_jobs` (120 s) after a print starts or ends, so it was at most "
        f"{hooks['fields'][QUEUE]['stale_max_s']:.0f} s behind. With 10 % of the deliveries "
        f"dropped, "
        f"lost changes wait for the next printers/Get: all but connectivity up to "
        f"{dropped['fields'][EXCLUDING]['stale_max_s']:.0f} s.", end])
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    if start in text:
        text = text[:text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    readme.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--printers", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=3600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="api-budget-") as var_dir:
        setup_django(var_dir)
        from django.conf import settings

        # The baseline never asks for webhooks (a poller of the brief's kind).
        runs = [run("baseline (30 s polling)", args, webhooks=False, drop=0.0,
                    sync_overrides={"webhook_recheck_interval": 0.0}),
                run("webhooks (defaults)", args, webhooks=True, drop=0.0),
                run("webhooks, 10 % dropped", args, webhooks=True, drop=0.1),
                run("webhooks, no printers/Get between reconciles", args, webhooks=True,
                    drop=0.0, sync_overrides={"connectivity_interval": 0.0})]
        sync_settings = dict(settings.PRINTFARM_SYNC)
    base = runs[0]["api_calls"] or 1
    for r in runs:
        r["share_of_baseline"] = round(r["api_calls"] / base, 4)
    bound = lower_bound(args, base)
    report = {"params": {"printers": args.printers, "seconds": args.seconds, "seed": args.seed,
                         "sync": sync_settings},
              "runs": runs, "lower_bound": bound, "verdict": verdict(runs, bound)}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "api_budget.json").write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps(report, indent=2, default=str))
    if not args.no_readme:
        write_readme(report)


if __name__ == "__main__":
    main()
