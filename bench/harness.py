"""Shared benchmark plumbing: start a server process on a free loopback port, drive HTTP load
with bounded concurrency for a bounded time, read a process's peak memory."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.stack import PostgresServer, RedisServer

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def django_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a service process on the embedded default, in its own var dir."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "0",
        "PRINTFARM_VAR_DIR": str(var_dir),
        "SIMPLEPRINT_WEBHOOK_SECRET": "bench-secret-0123456789abcdef",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def server(app: str, env: dict[str, str], port: int | None = None,
           kind: str = "daphne") -> Iterator[tuple[str, int]]:
    """Run the ASGI application ``app`` under ``kind`` (daphne or uvicorn) on a free port;
    yield (base URL, pid); stop it afterwards."""
    port = port or free_port()
    command = {"daphne": ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
               "uvicorn": ["-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
                           "--lifespan", "off", "--log-level", "warning", "--no-access-log",
                           app]}[kind]
    process = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def peak_rss_mib(pid: int) -> float | None:
    """VmHWM (the resident-set high-water mark) of a running process, in MiB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


@dataclass
class LoadResult:
    sent: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms) or [0.0]
        return {
            "sent": self.sent, "ok": self.ok, "errors": self.errors,
            "seconds": round(self.seconds, 2), "per_second": round(self.rate, 1),
            "latency_ms": {"p50": round(percentile(lat, 50), 2),
                           "p99": round(percentile(lat, 99), 2)},
        }


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


async def closed_loop(url: str, make_request: Callable[[int], tuple[bytes, dict[str, str]]],
                      concurrency: int, duration: float) -> LoadResult:
    """``concurrency`` clients each POST back to back for ``duration`` seconds."""
    result = LoadResult()
    counter = iter(range(10**9))
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        async def worker() -> None:
            while time.perf_counter() < deadline:
                body, headers = make_request(next(counter))
                started = time.perf_counter()
                result.sent += 1
                try:
                    response = await client.post(url, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    result.errors[type(exc).__name__] = result.errors.get(
                        type(exc).__name__, 0) + 1
                    continue
                if response.status_code == 200:
                    result.ok += 1
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                else:
                    key = str(response.status_code)
                    result.errors[key] = result.errors.get(key, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - began
    return result


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(terse=True)}


def save(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


def as_dict(result: LoadResult) -> dict[str, Any]:
    return {k: v for k, v in asdict(result).items() if k != "latencies_ms"}


@contextlib.contextmanager
def own_postgres(database: str) -> Iterator[tuple[PostgresServer, str]]:
    """A throw-away PostgreSQL cluster (initdb in a temporary directory) with ``database``."""
    server = PostgresServer().init()
    server.start()
    try:
        yield server, server.create_database(database)
    finally:
        server.remove()


@contextlib.contextmanager
def own_redis() -> Iterator[RedisServer]:
    """A throw-away redis-server without persistence."""
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
        server = RedisServer(Path(directory)).start()
        try:
            yield server
        finally:
            server.stop()
