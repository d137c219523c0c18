"""What one delivery costs the live pipeline, in CPU time: a measure that holds on any machine.

A fixed stream (``--deliveries`` realistic deliveries from ``tests.payloads.farm_stream``: jobs
that start, pause, resume, end and get their beds cleared on 40 printers, printer settings that
change, queue items that come and go) goes through the service with ``--clients`` Planning
pages connected. One command measures, in one run:

- **CPU time per delivery** of each process of the profile (``/proc/<pid>/stat``, children
  included), and of each thread of the ASGI server (``/proc/<pid>/task/<tid>/stat``, named
  through ``py-spy dump``): the event loop that receives and fans out to the pages, the pooled
  receiver threads (the INSERT), the worker thread ``printfarm-worker``; on the production
  profile also the Celery worker, PostgreSQL, Redis and nginx. The stream is paced at
  ``--rate``; the CPU is counted from the first POST until every page has every delivery's
  changes. The server's idle CPU (pages connected, nothing sent) is measured just before;
- **capacity**: the same stream on a fresh stack in a closed loop, ``--window`` deliveries in
  flight, each finished when every page has its changes: deliveries a second end to end, and
  its ratio to the **floor** measured right before it, ``bench.bare_insert`` (one INSERT, no
  Django) on the same database engine with as many clients;
- **SQL statements per event kind**: the receiver's step (``receive_body``) and
  ``processing.inbox.process_event`` for every delivery of the same stream, under Django's
  ``CaptureQueriesContext``, in a process of its own, on SQLite and on PostgreSQL (a throw-away
  cluster); and per ``printers/Get`` poll and queue read, against the simulator;
- **the machine** (``bench.speed``): CPU model, cores, load average before and after, a fixed
  pure-Python loop timed in the same run (two machines compare by it), and the same loop
  probed during each phase (``slowdown``: whether the shared machine ran Python slower than at
  calibration). The absolute latencies POST → page come second.

    python -m bench.cost                          # the embedded default
    python -m bench.cost --profile production     # PostgreSQL, Redis, nginx, 2 servers, Celery
    python -m bench.cost --pyspy                  # and where the CPU goes (py-spy, paced phase)

Writes ``bench/results/cost-<profile>.json`` and prints a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.harness import RESULTS, closed_loop, own_postgres, save, server
from bench.ingest import delivery_factory
from bench.payloads import farm_stream
from bench.speed import calibrate, describe, load_average, probe_during
from bench.ws_latency import (
    Page,
    Target,
    add_stack_arguments,
    embedded,
    open_pages,
    production,
    summary,
    worker_lag,
)
from bench.ws_latency import settings_of as stack_settings
from tests.servers import WEBHOOK_PATH, WEBHOOK_SECRET, server_env
from tests.stack import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
PY_SPY = str(Path(sys.executable).with_name("py-spy"))
TICKS = os.sysconf("SC_CLK_TCK")
#: The roles of the ASGI server processes: the embedded default's one (named after its server)
#: and the production stack's (``server-1`` …).
SERVER_ROLES = ("daphne", "uvicorn", "server-")
STREAM_SEED = 19
STREAM_PRINTERS = 40


def stream(count: int) -> list[dict[str, Any]]:
    """The fixed stream: the same deliveries in the same order on every machine."""
    return farm_stream(count, seed=STREAM_SEED, printers=STREAM_PRINTERS)


def kind_counts(deliveries: list[dict[str, Any]]) -> dict[str, int]:
    return dict(collections.Counter(d["event"] for d in deliveries).most_common())


# --- CPU time from /proc --------------------------------------------------------------------------

def _stat(path: str) -> list[str] | None:
    """The fields of a ``stat`` file after the command name (field 3, the state, first)."""
    try:
        text = Path(path).read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


#: CPU clock ticks: (user + system, system).
Ticks = tuple[int, int]


def _ticks(fields: list[str], children: bool) -> Ticks:
    """utime + stime (fields 14, 15), and cutime + cstime (16, 17: reaped children)."""
    system = int(fields[12]) + (int(fields[14]) if children else 0)
    return int(fields[11]) + (int(fields[13]) if children else 0) + system, system


def _sum(ticks: list[Ticks]) -> Ticks:
    return sum(t[0] for t in ticks), sum(t[1] for t in ticks)


def tree_ticks(roots: dict[str, int]) -> dict[str, Ticks]:
    """CPU ticks of each root process and all its descendants (live, and reaped ones through
    their parents' cutime/cstime)."""
    parent: dict[int, int] = {}
    ticks: dict[int, Ticks] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(f"/proc/{entry}/stat")
            if fields is not None:
                parent[int(entry)] = int(fields[1])
                ticks[int(entry)] = _ticks(fields, children=True)
    totals = {}
    for role, root in roots.items():
        members, frontier = {root}, [root]
        while frontier:
            current = frontier.pop()
            for pid, ppid in parent.items():
                if ppid == current and pid not in members:
                    members.add(pid)
                    frontier.append(pid)
        totals[role] = _sum([ticks.get(pid, (0, 0)) for pid in members])
    return totals


def thread_ticks(pid: int) -> dict[int, Ticks]:
    ticks = {}
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            fields = _stat(f"/proc/{pid}/task/{tid}/stat")
            if fields is not None:
                ticks[int(tid)] = _ticks(fields, children=False)
    return ticks


def own_ticks() -> int:
    """This process (the bench client: load generator and pages), without its children."""
    fields = _stat("/proc/self/stat")
    return _ticks(fields, children=False)[0] if fields else 0


def thread_names(pid: int) -> dict[int, str]:
    """OS thread id → Python thread name, from ``py-spy dump`` (Python 3.11 does not name
    the OS threads)."""
    out = subprocess.run([PY_SPY, "dump", "--json", "--pid", str(pid)], capture_output=True,
                         text=True, timeout=30)
    if out.returncode != 0:
        return {}
    return {int(t["os_thread_id"]): str(t["thread_name"]) for t in json.loads(out.stdout)
            if t.get("os_thread_id") is not None}


def thread_part(name: str) -> str:
    """The part of the ASGI server a thread does."""
    if name == "MainThread":
        return "event loop (HTTP, WebSockets, fan-out)"
    if name == "printfarm-worker":
        return "worker thread (processing)"
    if name.startswith(("asyncio_", "uvloop")):  # the loop's default executor
        return "receiver pool (INSERT)"
    if name.startswith("ThreadPoolExecutor"):
        return "database_sync_to_async (page reads)"
    return name.rstrip("0123456789_-") or "unnamed"


@dataclass
class Snapshot:
    wall: float
    processes: dict[str, Ticks]
    threads: dict[str, dict[int, Ticks]]
    client: int


@dataclass
class Meter:
    """CPU time of the service's processes (``roles``: root pid by role) and of the threads of
    its Python servers, between two snapshots."""

    roles: dict[str, int]
    names: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def servers(self) -> list[str]:
        return [role for role in self.roles if role.startswith(SERVER_ROLES)]

    def learn_names(self) -> None:
        for role in self.servers:
            self.names.setdefault(role, {}).update(thread_names(self.roles[role]))

    async def settle(self, timeout: float = 60.0, busy: float = 0.05) -> float:
        """Wait until the service is idle (its processes together below ``busy`` of a core
        over half a second: start-up, imports and connections are done); returns the wait."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            before = _sum(list(tree_ticks(self.roles).values()))[0]
            await asyncio.sleep(0.5)
            if (_sum(list(tree_ticks(self.roles).values()))[0] - before) / TICKS < busy * 0.5:
                break
        return round(time.monotonic() - began, 1)

    def snapshot(self) -> Snapshot:
        return Snapshot(time.monotonic(), tree_ticks(self.roles),
                        {role: thread_ticks(self.roles[role]) for role in self.servers},
                        own_ticks())

    def between(self, first: Snapshot, last: Snapshot, per: int) -> dict[str, Any]:
        """CPU milliseconds per ``per`` (deliveries) by process and by server thread part,
        and the share of it spent in the kernel (system calls: sockets, epoll, futexes)."""
        def ms(ticks: float) -> float:
            return round(ticks * 1000 / TICKS / per, 3)

        def pct(ticks: Ticks) -> float:
            return round(100 * ticks[1] / ticks[0], 1) if ticks[0] else 0.0

        def delta(after: Ticks, before: Ticks) -> Ticks:
            return after[0] - before[0], after[1] - before[1]

        used = {role: delta(last.processes[role], first.processes.get(role, (0, 0)))
                for role in last.processes}
        threads: dict[str, dict[str, float]] = {}
        threads_system: dict[str, dict[str, float]] = {}
        for role in self.servers:
            parts: dict[str, Ticks] = collections.defaultdict(lambda: (0, 0))
            before, after = first.threads.get(role, {}), last.threads.get(role, {})
            for tid, ticks in after.items():
                part = thread_part(self.names.get(role, {}).get(tid, "unnamed"))
                parts[part] = _sum([parts[part], delta(ticks, before.get(tid, (0, 0)))])
            ended = delta(used[role], _sum(list(parts.values())))
            if ended[0] > 0:
                parts["threads that ended"] = ended[0], min(max(ended[1], 0), ended[0])
            ordered = sorted(parts.items(), key=lambda kv: -kv[1][0])
            threads[role] = {part: ms(t[0]) for part, t in ordered}
            threads_system[role] = {part: pct(t) for part, t in ordered}
        return {"service_total": round(sum(ms(t[0]) for t in used.values()), 3),
                "processes": {role: ms(t[0]) for role, t in used.items()},
                "system_percent": {role: pct(t) for role, t in used.items()},
                "threads": threads, "threads_system_percent": threads_system,
                "bench_client": ms(last.client - first.client),
                "seconds": round(last.wall - first.wall, 2)}


# --- where the CPU goes: py-spy -------------------------------------------------------------------

@contextlib.contextmanager
def profiled(meter: Meter, prefix: str | None) -> Iterator[dict[str, Path]]:
    """``py-spy record`` (non-blocking, 200 Hz, per thread, aggregated by function) on every
    Python process of the service while the block runs (when a ``prefix`` is given); yields the
    raw output by role: ``bench/results/<prefix>-<role>.txt``, collapsed stacks that flame
    graph tools read."""
    if prefix is None:
        yield {}
        return
    outputs, recorders = {}, []
    RESULTS.mkdir(parents=True, exist_ok=True)
    for role, pid in meter.roles.items():
        if not role.startswith((*SERVER_ROLES, "worker")):
            continue
        outputs[role] = RESULTS / f"{prefix}-{role}.txt"
        recorders.append(subprocess.Popen(
            [PY_SPY, "record", "--pid", str(pid), "--rate", "200", "--nonblocking", "--threads",
             "--function", "--subprocesses", "--format", "raw", "--output", str(outputs[role])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1.0)  # py-spy attaches
    try:
        yield outputs
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)
        for recorder in recorders:
            try:
                recorder.wait(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()


#: Innermost frames of a thread that waits (py-spy's non-blocking sampling sees a thread that
#: is just entering or leaving a wait as active): left out of the shares.
WAITING = frozenset({"EpollSelector.select (selectors.py)", "Condition.wait (threading.py)",
                     "_worker (thread.py)", "Event.wait (threading.py)", "Queue.get (queue.py)",
                     "InProcessWorker._run (inprocess.py)", "Scheduler._run (inprocess.py)"})


def _frame(label: str) -> str:
    """``func (path/file.py:12)`` → ``func (file.py)``: one entry per function."""
    name, _, where = label.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0].rsplit('/', 1)[-1]})" if where else name


def profile_summary(raw: Path, names: dict[int, str], server: bool,
                    top: int = 30) -> dict[str, Any]:
    """Shares of the samples by part (an ASGI ``server``'s threads by what they do, other
    processes' by thread name), and the functions with the largest inclusive and self shares,
    overall and per part."""
    total = waiting = 0
    by_part: collections.Counter[str] = collections.Counter()
    inclusive: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    own: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    if not raw.exists():
        return {"error": "py-spy wrote no output"}
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        frames = [f for f in frames if not f.startswith("process ")]
        part = "unnamed"
        if frames and frames[0].startswith("thread ("):
            head = frames.pop(0)
            tid = int(head[len("thread ("):head.index(")")])
            name = head.partition("): ")[2] or names.get(tid, "unnamed")
            part = thread_part(name) if server else name
        labels = [_frame(f) for f in frames]
        if labels and labels[-1] in WAITING:
            waiting += count
            continue
        total += count
        by_part[part] += count
        for label in set(labels):
            inclusive["all"][label] += count
            inclusive[part][label] += count
        if labels:
            own["all"][labels[-1]] += count
            own[part][labels[-1]] += count

    def shares(counter: collections.Counter[str], n: int, of: int) -> list[list[Any]]:
        return [[label, round(100 * c / of, 1)] for label, c in counter.most_common(n)]

    return {
        "samples": total, "waiting_samples_left_out": waiting,
        "parts_percent": {p: round(100 * c / total, 1) for p, c in by_part.most_common()}
        if total else {},
        "inclusive_percent": shares(inclusive["all"], top, total or 1),
        "self_percent": shares(own["all"], top, total or 1),
        "by_part": {p: {"inclusive_percent_of_part": shares(inclusive[p], 50, c),
                        "self_percent_of_part": shares(own[p], 20, c)}
                    for p, c in by_part.most_common()},
    }


# --- the two phases against a running service -----------------------------------------------------

async def paced(target: Target, deliveries: list[dict[str, Any]], args: argparse.Namespace,
                meter: Meter, spy_prefix: str | None,
                calibration: dict[str, Any]) -> dict[str, Any]:
    """The stream at ``args.rate``: CPU per delivery, latency POST → every page."""
    pages = [Page() for _ in range(args.clients)]
    connected = await open_pages(target, pages)
    settled = await meter.settle()
    meter.learn_names()
    idle_first = meter.snapshot()
    await asyncio.sleep(args.idle)
    idle = meter.between(idle_first, meter.snapshot(), 1)
    idle_per_second = {role: round(ms / idle["seconds"], 2)
                       for role, ms in idle["processes"].items()}

    started: dict[int, float] = {}
    post_ms: list[float] = []
    failed = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    with profiled(meter, spy_prefix) as spy_outputs, probe_during(calibration) as speed:
        first = meter.snapshot()
        async with httpx.AsyncClient(base_url=target.http_url, limits=limits, timeout=60,
                                     verify=not target.tls) as http:
            async def post(body: dict[str, Any]) -> None:
                nonlocal failed
                began = time.time()
                response = await http.post(WEBHOOK_PATH, json=body,
                                           headers={"X-SP-Secret": target.secret})
                post_ms.append((time.time() - began) * 1000)
                if response.status_code == 200:
                    started[response.json()["id"]] = began
                else:
                    failed += 1

            t0 = time.monotonic()
            posts = []
            for i, body in enumerate(deliveries):
                delay = t0 + i / args.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                posts.append(asyncio.create_task(post(body)))
            send_seconds = time.monotonic() - t0
            await asyncio.gather(*posts)
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and any(
                len(p.events.keys() & started.keys()) < len(started) for p in pages):
            await asyncio.sleep(0.05)
        last = meter.snapshot()
    meter.learn_names()
    await connected.close()

    latencies = [(page.events[event] - at) * 1000
                 for page in pages for event, at in started.items() if event in page.events]
    cpu = normalised(meter.between(first, last, len(deliveries)), speed)
    idle_share = {role: round(idle_per_second[role] * cpu["seconds"] / len(deliveries), 3)
                  for role in idle_per_second}
    result = {
        "rate": args.rate, "achieved_rate": round(len(deliveries) / send_seconds, 1),
        "settled_after_seconds": settled,
        "cpu_ms_per_delivery": cpu,
        "idle_cpu_ms_per_second": idle_per_second,
        "idle_cpu_ms_per_delivery_included": idle_share,
        "post_failures": failed, "post_ms": summary(post_ms),
        "latency_ms": summary(latencies), "samples": len(latencies),
        **missing(started, pages),
        "seq_errors": sum(p.seq_errors for p in pages),
        "resnapshots": sum(p.snapshots for p in pages) - len(pages),
    }
    if spy_outputs:
        result["py_spy"] = {role: profile_summary(path, meter.names.get(role, {}),
                                                  server=role in meter.servers)
                            for role, path in spy_outputs.items()}
    return result


def missing(started: dict[int, float], pages: list[Page]) -> dict[str, Any]:
    """Page deliveries still missing when the drain ended, and the events they belong to (by
    their order in the stream: whether they are the tail of it)."""
    order = sorted(started, key=started.__getitem__)
    absent = [i for i, event in enumerate(order) if any(event not in p.events for p in pages)]
    return {"not_on_pages_after_drain": sum(event not in p.events for p in pages
                                            for event in started),
            "events_missing_somewhere": len(absent),
            "missing_stream_positions": [absent[0], absent[-1]] if absent else None,
            "incomplete_pages": [{"page": i, "events": len(p.events.keys() & started.keys()),
                                  "messages": p.messages, "snapshots": p.snapshots}
                                 for i, p in enumerate(pages)
                                 if len(p.events.keys() & started.keys()) < len(started)]}


async def capacity(target: Target, deliveries: list[dict[str, Any]],
                   args: argparse.Namespace, meter: Meter,
                   calibration: dict[str, Any]) -> dict[str, Any]:
    """The stream in a closed loop: ``args.window`` clients each send the next delivery once
    every page has the changes of their previous one."""
    arrived: collections.Counter[int] = collections.Counter()
    complete: dict[int, asyncio.Event] = collections.defaultdict(asyncio.Event)

    def on_event(event_id: int) -> None:
        arrived[event_id] += 1
        if arrived[event_id] == args.clients:
            complete[event_id].set()

    pages = [Page(on_event=on_event) for _ in range(args.clients)]
    connected = await open_pages(target, pages)
    settled = await meter.settle()
    meter.learn_names()
    failed = timed_out = 0
    remaining = iter(deliveries)
    limits = httpx.Limits(max_connections=args.window, max_keepalive_connections=args.window)
    async with httpx.AsyncClient(base_url=target.http_url, limits=limits, timeout=60,
                                 verify=not target.tls) as http:
        async def client() -> None:
            nonlocal failed, timed_out
            for body in remaining:
                response = await http.post(WEBHOOK_PATH, json=body,
                                           headers={"X-SP-Secret": target.secret})
                if response.status_code != 200:
                    failed += 1
                    continue
                try:
                    await asyncio.wait_for(complete[response.json()["id"]].wait(), args.drain)
                except TimeoutError:
                    timed_out += 1

        with probe_during(calibration) as speed:
            first = meter.snapshot()
            await asyncio.gather(*(client() for _ in range(args.window)))
            last = meter.snapshot()
    meter.learn_names()
    await connected.close()
    cpu = normalised(meter.between(first, last, len(deliveries)), speed)
    return {"window": args.window, "settled_after_seconds": settled,
            "per_second": round(len(deliveries) / cpu["seconds"], 1),
            "cpu_ms_per_delivery": cpu, "post_failures": failed,
            "not_on_every_page_in_time": timed_out,
            "seq_errors": sum(p.seq_errors for p in pages)}


def event_statuses(target: Target) -> dict[str, int]:
    return {str(status): int(n) for status, n in target.database.rows(
        "SELECT status, COUNT(*) FROM simpleprint_printerwebhookevent GROUP BY status")}


def normalised(cpu: dict[str, Any], speed: dict[str, Any]) -> dict[str, Any]:
    """``cpu`` with the machine's speed during the phase, the service's CPU time per delivery
    as it would have been at the calibration's (quiet) speed, and the rate that CPU time
    allows: each process gets at most one core (the GIL), all of them the machine's cores."""
    slowdown = speed.get("slowdown")
    busiest = max(cpu["processes"].values(), default=0)
    total = cpu["service_total"]
    return {**cpu, "speed": speed, "service_total_at_quiet_speed":
            round(total / slowdown, 3) if slowdown else None,
            "cpu_ceiling_per_second": round(min(1000 / busiest, 1000 * (os.cpu_count() or 1)
                                                / total), 1) if busiest else None}


def run_paced(args: argparse.Namespace, deliveries: list[dict[str, Any]],
              spy_prefix: str | None, calibration: dict[str, Any]) -> dict[str, Any]:
    """The paced phase on a fresh service of the profile."""
    with (production if args.profile == "production" else embedded)(args) as target:
        meter = Meter(dict(target.processes))
        result = asyncio.run(paced(target, deliveries, args, meter, spy_prefix, calibration))
        result["worker_lag_ms"] = worker_lag(target.database)
        result["events"] = event_statuses(target)
    return result


def run_capacity(args: argparse.Namespace, deliveries: list[dict[str, Any]],
                 calibration: dict[str, Any]) -> dict[str, Any]:
    """The closed loop on a fresh service of the profile."""
    with (production if args.profile == "production" else embedded)(args) as target:
        meter = Meter(dict(target.processes))
        result = asyncio.run(capacity(target, deliveries, args, meter, calibration))
        result["events"] = event_statuses(target)
    return result


# --- the floor ------------------------------------------------------------------------------------

def floor(args: argparse.Namespace) -> dict[str, Any]:
    """``bench.bare_insert`` under the service's server (uvicorn, or ``--server daphne``): one
    INSERT per POST, ``args.window`` clients."""
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cost-floor-")))
        if args.profile == "production":
            _, database_url = stack.enter_context(own_postgres("printfarm_floor"))
        else:
            database_url = f"sqlite:///{tmp / 'floor.sqlite3'}"
        env = {**server_env(tmp), "BARE_DATABASE_URL": database_url}
        kind = "uvicorn" if args.profile == "production" else args.server
        base, _ = stack.enter_context(server("bench.bare_insert:app", env, kind=kind))
        result = asyncio.run(closed_loop(base + "/", delivery_factory(), args.window,
                                         args.floor_seconds))
    return {"database": "PostgreSQL" if args.profile == "production" else "SQLite (WAL)",
            "clients": args.window, **result.summary()}


# --- SQL statements per event kind ----------------------------------------------------------------

def statements(engine: str, count: int) -> dict[str, Any]:
    """Run :func:`count_statements` in a process of its own (Django is set up once per
    process) on a fresh database of ``engine``."""
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cost-sql-")))
        database_url = None
        if engine == "postgresql":
            if not PostgresServer.available():
                return {"skipped": "no PostgreSQL binaries to start a throw-away cluster"}
            _, database_url = stack.enter_context(own_postgres("printfarm_statements"))
        env = server_env(tmp, database_url)
        out = subprocess.run([sys.executable, "-m", "bench.cost", "--count-statements",
                              "--deliveries", str(count)], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


#: Statements that read or write rows (the rest is transaction control: BEGIN, SAVEPOINT,
#: RELEASE, COMMIT, which Django logs on SQLite and partly on PostgreSQL).
DATA_VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE")


def _verbs(queries: list[dict[str, str]]) -> collections.Counter[str]:
    return collections.Counter(q["sql"].split(None, 1)[0].upper() for q in queries)


def _data(counts: collections.Counter[str]) -> int:
    return sum(counts[verb] for verb in DATA_VERBS)


@contextlib.contextmanager
def captured() -> Iterator[collections.Counter[str]]:
    """The statements the block runs on the default connection, by verb. The connection's
    log is emptied first: it keeps the last 9 000 only, and ``CaptureQueriesContext`` counts
    nothing once it is full."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    verbs: collections.Counter[str] = collections.Counter()
    with CaptureQueriesContext(connection) as queries:
        yield verbs
    verbs.update(_verbs(queries.captured_queries))


def _kinds_table(per_kind: dict[str, list[collections.Counter[str]]]) -> dict[str, Any]:
    table = {}
    for kind, counts in sorted(per_kind.items(), key=lambda kv: -len(kv[1])):
        totals = [sum(c.values()) for c in counts]
        verbs: collections.Counter[str] = collections.Counter()
        for c in counts:
            verbs.update(c)
        table[kind] = {"n": len(counts), "mean": round(statistics.mean(totals), 2),
                       "data_mean": round(statistics.mean(_data(c) for c in counts), 2),
                       "median": statistics.median(totals), "min": min(totals),
                       "max": max(totals),
                       "by_verb_mean": {v: round(n / len(counts), 2)
                                        for v, n in verbs.most_common()}}
    return table


def count_statements(count: int) -> dict[str, Any]:
    """In this process: migrate, then for each delivery of the stream the receiver's step and
    ``process_event`` under ``CaptureQueriesContext``; then polls against the simulator.
    The dispatcher is replaced by a list (the events are processed here, one by one)."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from apps.simpleprint.inbound.receiver import check_headers, receive_body
    from apps.simpleprint.live import publisher
    from apps.simpleprint.processing import inbox

    call_command("migrate", "--noinput", verbosity=0)
    handed: list[int] = []
    inbox.set_dispatcher(handed.append)
    receive: dict[str, list[collections.Counter[str]]] = collections.defaultdict(list)
    process: dict[str, list[collections.Counter[str]]] = collections.defaultdict(list)
    statuses: collections.Counter[str] = collections.Counter()
    for body in stream(count):
        raw = json.dumps(body).encode()
        meta = {"HTTP_X_SP_SECRET": WEBHOOK_SECRET, "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(raw)), "REMOTE_ADDR": "127.0.0.1"}
        checked = check_headers(meta)
        assert isinstance(checked, str), checked
        with captured() as received:
            answer = receive_body(raw, meta, checked)
        assert answer.status == 200, answer.body
        with captured() as processed:
            statuses[inbox.process_event(int(answer.body["id"]))] += 1
        receive[body["event"]].append(received)
        process[body["event"]].append(processed)
    publisher.flush()
    every = [c for counts in process.values() for c in counts]
    stored = [c for counts in receive.values() for c in counts]
    return {
        "engine": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "deliveries": count, "statuses": dict(statuses),
        "receive_mean": round(statistics.mean(sum(c.values()) for c in stored), 2),
        "receive_data_mean": round(statistics.mean(_data(c) for c in stored), 2),
        "process_mean": round(statistics.mean(sum(c.values()) for c in every), 2),
        "process_data_mean": round(statistics.mean(_data(c) for c in every), 2),
        "receive": _kinds_table(receive), "process": _kinds_table(process),
        "polls": count_poll_statements(),
    }


def count_poll_statements(printers: int = 40) -> dict[str, Any]:
    """Statements of the sync's reads (``printers/Get`` of ``printers`` printers, the queue)
    against a simulator on a manual clock: the first read (every printer new), a read with
    nothing changed, a read after ten simulated minutes of farm activity."""
    from django.conf import settings

    from apps.simpleprint.remote.client import SimplePrintClient
    from apps.simpleprint.remote.ratelimit import LocalRateLimiter
    from apps.simpleprint.sync import polling
    from simulator import SimConfig
    from simulator.testing import SimulatorClient, run_in_thread

    config = settings.SIMPLEPRINT_CONFIG
    sim_config = SimConfig(clock="manual", printers=printers, seed=3, rate_limit=0,
                           api_key=config["api_key"], company_id=config["company_id"],
                           log_level="warning")
    result = {}
    with run_in_thread(sim_config) as url, SimulatorClient(
            url, api_key=config["api_key"], company_id=config["company_id"]) as sim, \
            SimplePrintClient(base_url=url, limiter=LocalRateLimiter(0)) as client:
        for name, minutes in (("printers/Get, first read", 0), ("printers/Get, unchanged", 0),
                              ("printers/Get, after 10 simulated minutes", 10)):
            if minutes:
                sim.advance(minutes * 60)
            with captured() as verbs:
                read = polling.read_printers(client, sim.clock)
            result[name] = {"statements": sum(verbs.values()), "data_statements": _data(verbs),
                            "printers": read.printers,
                            "data_per_printer": round(_data(verbs) / max(1, read.printers), 2),
                            "changes": read.changes, "by_verb": dict(verbs.most_common())}
        sync = polling.SyncResult()
        with captured() as verbs:
            polling.sync_queue(client, sim.clock, sync)
        result["queue read"] = {"statements": sum(verbs.values()), "data_statements": _data(verbs),
                                "items": sync.queue, "changes": sync.queue_changed,
                                "by_verb": dict(verbs.most_common())}
    return result


# --- the command ----------------------------------------------------------------------------------

def settings_of(args: argparse.Namespace) -> dict[str, Any]:
    return {"deliveries": args.deliveries, "stream": f"tests.payloads.farm_stream(seed="
            f"{STREAM_SEED}, printers={STREAM_PRINTERS})", "clients": args.clients,
            "rate": args.rate, "window": args.window, "floor_seconds": args.floor_seconds,
            **stack_settings(args)}


def headline(report: dict[str, Any]) -> dict[str, Any]:
    paced_cpu = report["paced"]["cpu_ms_per_delivery"]
    capacity_cpu = report["capacity"]["cpu_ms_per_delivery"]
    return {
        "profile": report["profile"],
        "calibration_cpu_ms": report["machine"]["calibration"]["cpu_ms_best"],
        "load": [report["machine"]["load_before"], report["machine"]["load_after"]],
        "cpu_ms_per_delivery": {
            "paced": {"service": paced_cpu["service_total"], **paced_cpu["processes"],
                      "slowdown": paced_cpu["speed"].get("slowdown"),
                      "threads": paced_cpu["threads"]},
            "capacity": {"service": capacity_cpu["service_total"],
                         **capacity_cpu["processes"]},
        },
        "statements_per_event": {engine: {"all": counts.get("process_mean"),
                                          "data": counts.get("process_data_mean")}
                                 for engine, counts in report["statements"].items()},
        "capacity_per_second": report["capacity"]["per_second"],
        "cpu_ceiling_per_second": capacity_cpu["cpu_ceiling_per_second"],
        "floor_per_second": report["floor"]["per_second"],
        "capacity_vs_floor": report["capacity_vs_floor"],
        "paced": {key: report["paced"][key]
                  for key in ("rate", "latency_ms", "not_on_pages_after_drain", "seq_errors")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_stack_arguments(parser)
    parser.add_argument("--deliveries", type=int, default=2000, help="length of the stream")
    parser.add_argument("--rate", type=float, default=25.0, help="paced phase: deliveries/s")
    parser.add_argument("--window", type=int, default=16,
                        help="capacity and floor: deliveries in flight (clients)")
    parser.add_argument("--floor-seconds", type=float, default=10.0)
    parser.add_argument("--idle", type=float, default=5.0,
                        help="seconds of idle CPU measured before the paced stream")
    parser.add_argument("--drain", type=float, default=60.0,
                        help="seconds to wait for the pages after the last POST")
    parser.add_argument("--statements", default="sqlite,postgresql",
                        help="engines to count SQL statements on ('' for none)")
    parser.add_argument("--pyspy", action="store_true",
                        help="record py-spy during the paced phase and summarise it")
    parser.add_argument("--count-statements", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_statements:  # the child process of `statements`
        print(json.dumps(count_statements(args.deliveries)))
        return

    deliveries = stream(args.deliveries)
    report: dict[str, Any] = {
        "benchmark": "cost", "profile": args.profile, "settings": settings_of(args),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**describe(), "load_before": load_average(),
                    "calibration": calibrate()},
        "stream_kinds": kind_counts(deliveries),
    }
    report["statements"] = {engine: statements(engine, args.deliveries)
                            for engine in filter(None, args.statements.split(","))}
    calibration = report["machine"]["calibration"]
    report["paced"] = run_paced(args, deliveries,
                                f"cost-{args.profile}-py-spy" if args.pyspy else None,
                                calibration)
    # The floor right before the capacity phase: the closer in time, the more alike the
    # conditions on a shared machine.
    report["floor"] = floor(args)
    report["capacity"] = run_capacity(args, deliveries, calibration)
    report["capacity_vs_floor"] = round(report["capacity"]["per_second"]
                                        / report["floor"]["per_second"], 3)
    report["machine"]["load_after"] = load_average()
    report["machine"]["calibration_after"] = calibrate()
    path = save(f"cost-{args.profile}" + ("-pyspy" if args.pyspy else ""), report)
    print(json.dumps(headline(report), indent=2))
    print(f"full results: {path}")


if __name__ == "__main__":
    main()
