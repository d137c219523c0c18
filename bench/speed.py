"""The machine a benchmark ran on, and how fast it ran Python at the time.

- :func:`describe` — CPU model, cores, Python, platform;
- :func:`calibrate` — a fixed pure-Python loop, best of five: two machines compare by it;
- :func:`probe_during` — the same loop, small, timed every half second by a process of its own
  while a phase runs: on a shared machine, whether Python ran slower than at calibration.

No Django here: the probe process starts in a few milliseconds.

    python -m bench.speed     # the description and the calibration, as JSON
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: Iterations of the calibration loop (about 0.2 s of one core of the machine measured first).
CALIBRATION_LOOP = 2_000_000
#: The probe's loop: a twentieth of the calibration (about 10 ms).
PROBE_LOOP = CALIBRATION_LOOP // 20


def calibration_loop(n: int) -> int:
    """A fixed piece of pure Python (arithmetic, a dict, a loop): its time is the machine's
    speed for code like the service's."""
    table: dict[int, int] = {}
    total = 0
    for i in range(n):
        total = (total + i * i) % 1_000_003
        table[i & 1023] = total
    return total


def calibrate(rounds: int = 5) -> dict[str, Any]:
    """The calibration loop's best CPU and wall time of ``rounds`` (the best is the least
    disturbed by the machine's other work)."""
    cpu, wall = [], []
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        calibration_loop(CALIBRATION_LOOP)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return {"loop": f"bench.speed.calibration_loop({CALIBRATION_LOOP})", "rounds": rounds,
            "cpu_ms_best": round(min(cpu), 1), "cpu_ms_median": round(statistics.median(cpu), 1),
            "wall_ms_best": round(min(wall), 1)}


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def describe() -> dict[str, Any]:
    info: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    return {"cpu_model": info.get("model name", platform.processor()),
            "cpu_mhz": info.get("cpu MHz"), "cpus": os.cpu_count(),
            "python": platform.python_version(), "platform": platform.platform(terse=True)}


def probe(interval: float) -> None:
    """The probe process: time the probe loop every ``interval`` seconds and print its CPU
    milliseconds, until stopped."""
    while True:
        began = time.thread_time()
        calibration_loop(PROBE_LOOP)
        print(round((time.thread_time() - began) * 1000, 3), flush=True)
        time.sleep(interval)


@contextlib.contextmanager
def probe_during(calibration: dict[str, Any], interval: float = 0.5) -> Iterator[dict[str, Any]]:
    """How fast the machine ran Python while the block ran: a probe process times the probe
    loop every ``interval`` seconds (about 2 % of a core). ``slowdown`` is its median against
    the calibration's best (1.0: as fast as at calibration; 1.3: the same code took 30 % more
    CPU time, from another process on the core's other hyperthread, shared caches …)."""
    process = subprocess.Popen([sys.executable, "-m", "bench.speed", "--probe", str(interval)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = {}
    try:
        yield result
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
        samples = [float(line) for line in out.split()[1:]]  # the first one warms up
        if samples:
            median = statistics.median(samples)
            scale = CALIBRATION_LOOP / PROBE_LOOP
            result.update(probes=len(samples), probe_cpu_ms_median=round(median, 3),
                          slowdown=round(median * scale / calibration["cpu_ms_best"], 3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probe", type=float, default=0.0,
                        help="run as the probe process: one timing every PROBE seconds")
    args = parser.parse_args()
    if args.probe:
        probe(args.probe)
        return
    print(json.dumps({**describe(), "load": load_average(), "calibration": calibrate()},
                     indent=2))


if __name__ == "__main__":
    main()
