"""How stale a 30 s poller is, measured on the simulator, next to the brief's analysis.

The brief's page polled SimplyPrint every 30 s. A change happening at a uniformly random moment
is seen at the next poll: mean staleness 15 s, max 30 s (analytical). Here a poller calls
``printers/Get`` every ``--interval`` simulated seconds against the simulator (manual clock, no
natural activity), while a printer is marked out of order and back at random moments; each
change's staleness is the simulated time from the change to the first poll that shows it.

    python -m bench.polling_staleness --changes 200
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from datetime import UTC, datetime
from typing import Any

from bench.harness import machine, percentile, save
from simulator.config import SimConfig
from simulator.testing import SimulatorClient, run_in_thread

PRINTER = 1


def printer_state(sim: SimulatorClient, printer: int) -> int:
    """The printer's out-of-order flag as ``printers/Get`` reports it."""
    rows = sim.api("GET", "printers/Get", params={"pid": printer}).json()["data"]
    row = rows[0] if isinstance(rows, list) else rows
    return int(row["printer"]["outOfOrder"])


def measure(changes: int, interval: int, seed: int) -> list[float]:
    config = SimConfig(clock="manual", natural=False, webhooks=False, rate_limit=0)
    rng = random.Random(seed)
    staleness: list[float] = []
    with run_in_thread(config) as base, SimulatorClient(
            base, api_key=config.api_key, company_id=config.company_id, timeout=10) as sim:
        def advance(seconds: float) -> None:
            if seconds > 0:
                sim.advance(seconds)

        def toggle(value: bool) -> None:
            sim.scenario("set_out_of_order", printer_id=PRINTER, value=value)

        out_of_order = False
        clock = 0.0  # simulated seconds since the first poll
        last_seen = printer_state(sim, PRINTER)
        while len(staleness) < changes:
            next_poll = (clock // interval + 1) * interval
            change_at = clock + rng.uniform(0, interval * 1.5)
            if change_at < next_poll:  # the change happens before the next poll
                advance(change_at - clock)
                out_of_order = not out_of_order
                toggle(out_of_order)
                clock = change_at
                changed_at = change_at
                while True:  # poll on schedule until the change shows
                    poll_at = (clock // interval + 1) * interval
                    advance(poll_at - clock)
                    clock = poll_at
                    state = printer_state(sim, PRINTER)
                    if state != last_seen:
                        staleness.append(clock - changed_at)
                        last_seen = state
                        break
            else:  # a poll with nothing new
                advance(next_poll - clock)
                clock = next_poll
                printer_state(sim, PRINTER)
    return staleness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--interval", type=int, default=30, help="poll period, seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    values = sorted(measure(args.changes, args.interval, args.seed))
    report: dict[str, Any] = {
        "benchmark": "polling_staleness", "machine": machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "settings": vars(args),
        "analytical_s": {"mean": args.interval / 2, "max": args.interval},
        "measured_s": {"mean": round(statistics.mean(values), 2),
                       "p50": round(percentile(values, 50), 2),
                       "p99": round(percentile(values, 99), 2), "max": round(max(values), 2),
                       "samples": len(values)},
    }
    path = save("polling_staleness", report)
    print(json.dumps(report, indent=2))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
