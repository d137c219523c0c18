"""The whole loop of an operator action, for real: the API (a token client) → the action service
→ SimplyPrint (the bundled simulator, over HTTP) → its webhook → the receiver (``live_server``)
→ the state → the confirmation and its live message.

The simulator runs on the real clock (speed 1, no random activity, AutoPrint off), so that its
timestamps and the service's polls agree; a test changes the farm through scenarios (a print
that ends, an item that awaits approval), each delivered as SimplyPrint would.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.simpleprint.models import OperatorAction, Printer, PrintQueue
from apps.simpleprint.remote.client import SimplePrintClient
from apps.simpleprint.remote.ratelimit import LocalRateLimiter
from apps.simpleprint.sync import polling, webhook_manager
from simulator import SimConfig, create_app
from simulator.testing import serve_in_thread, wait_for
from tests.simplyprint_sim import API_KEY, COMPANY_ID, SimulatedSimplyPrint

BASE = "/api/v1/simpleprint/"
Status = OperatorAction.Status


@dataclass
class Farm:
    """A simulated SimplyPrint account whose webhooks reach this service, and ways to act."""

    sim: SimulatedSimplyPrint

    def sync(self) -> None:
        """Read everything from SimplyPrint (what a reconcile does)."""
        with SimplePrintClient(limiter=LocalRateLimiter(0)) as client:
            polling.full_sync(client, time.time)

    def wait(self, predicate: Callable[[], Any]) -> Any:
        return wait_for(predicate, timeout=10.0, interval=0.05)

    def next_second(self) -> None:
        """Wait for SimplyPrint's clock (the wall clock) to reach the next second: a poll in
        the same second as a webhook loses to it (the ordering rule), as it would not in a
        farm where the two are seconds apart."""
        start = int(time.time())
        while int(time.time()) == start:
            time.sleep(0.02)

    def printer(self, sp_id: int) -> Printer:
        return Printer.objects.select_related("current_job", "last_job").get(sp_id=sp_id)

    def item(self, sp_id: int) -> PrintQueue:
        return PrintQueue.objects.get(sp_id=sp_id)

    def settled(self, action_id: int) -> OperatorAction:
        """The action once it is no longer open (confirmed, or anything else)."""
        return self.wait(lambda: (a := OperatorAction.objects.get(pk=action_id)).status
                         not in OperatorAction.OPEN and a)

    def printing(self) -> int:
        """A printer printing (one the simulator started at boot, else a new print)."""
        truth = [p for p in self.sim.state()["printers"] if p["online"]]
        pid = next((p["id"] for p in truth if p["state"] == "printing"), None)
        if pid is None:
            idle = next(p for p in truth if p["state"] == "operational")
            pid = idle["id"]
            if not idle["bed_clear"]:
                self.sim.scenario("clear_bed", printer_id=pid)
            self.sim.scenario("start_job", printer_id=pid, file="part.gcode", estimate=7200)
        self.wait(lambda: self.printer(pid).state == Printer.State.PRINTING)
        return int(pid)

    def ready(self) -> int:
        """A printer that is online, with a clear bed and no job: ready (in the mirror too)."""
        truth = [p for p in self.sim.state()["printers"] if p["online"]]
        pid = next((p["id"] for p in truth if p["state"] == "operational" and p["bed_clear"]),
                   None)
        if pid is None:
            pid = next((p["id"] for p in truth if p["state"] == "operational"), None) \
                or self.printing()
            if self.sim.printer(pid)["state"] == "printing":
                self.sim.scenario("finish_job", printer_id=pid)
            self.sim.scenario("clear_bed", printer_id=pid)
        self.wait(lambda: self.printer(pid).state == Printer.State.OPERATIONAL
                  and not self.printer(pid).bed_needs_clearing)
        return int(pid)

    def ended(self, how: str = "finish_job", **fields: Any) -> int:
        """A printer whose print just ended (``finish_job``, ``fail_job``, ``cancel_job``)."""
        pid = self.printing()
        self.sim.scenario(how, printer_id=pid, **fields)
        self.wait(lambda: self.printer(pid).bed_needs_clearing)
        return pid

    def queue_item(self, **fields: Any) -> int:
        """A new queue item (``pending_approval=True``: awaiting approval), in the mirror."""
        item = self.sim.scenario("add_queue_item", **fields)["queue_item"]["id"]
        self.wait(lambda: PrintQueue.objects.filter(sp_id=item).exists())
        return int(item)

    def calls(self, endpoint: str) -> dict[str, int]:
        return self.sim.requests_to(endpoint)

    def events(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.sim.get("/_sim/events").json()["events"] if e["event"] == name]


@contextlib.contextmanager
def action_farm(**overrides: Any) -> Iterator[SimulatedSimplyPrint]:
    values: dict[str, Any] = {
        "clock": "real", "speed": 1.0, "natural": False, "printers": 5, "seed": 4,
        "api_key": API_KEY, "company_id": COMPANY_ID, "rate_limit": 0, "retry_base": 0.05,
        "retry_attempts": 3, "delivery_timeout": 5.0, "log_level": "warning",
        "delivery_concurrency": 1,
    }
    values.update(overrides)
    app = create_app(SimConfig(**values))
    for printer in app.state.sim.farm.printers.values():
        printer.autoprint = "disabled"  # the account's set-up: every print is started by hand
    with serve_in_thread(app) as url, SimulatedSimplyPrint(url, app.state.sim) as running:
        yield running


@pytest.fixture
def live_farm(live_server: Any, settings: Any) -> Iterator[Farm]:
    with action_farm() as sim:
        settings.SIMPLEPRINT_CONFIG = {
            **settings.SIMPLEPRINT_CONFIG, "base_url": sim.url, "public_url": live_server.url,
            "company_id": sim.company_id, "api_key": sim.api_key}
        webhook_manager.ensure_webhook()
        story = Farm(sim)
        story.sync()
        yield story
        sim.settle()


def post(client: APIClient, path: str, body: dict[str, Any] | None = None, *,
         key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(BASE + path, body or {}, format="json", headers=headers)

