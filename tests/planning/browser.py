"""What the Planning page's browser tests share: the simulated farm behind a running server,
and helpers to read the page."""

from __future__ import annotations

import contextlib
import math
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.testing import wait_for
from tests.servers import ROOT, AsgiServer, free_port, prepare_database, server_env
from tests.simplyprint_sim import SimulatedSimplyPrint, running_simulator

CHROMIUM = "/usr/bin/chromium"
#: The marks of every browser test module: slow, and skipped where Chromium is not installed.
MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed"),
]
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "docs" / "screenshots"
USERNAME, PASSWORD = "e2e", "planning-e2e-pass-5521"
TIMEOUT_MS = 10_000
IDLE_PRINTER = 9  # the simulated farm's only idle printer
WIDE, LAPTOP = {"width": 1600, "height": 1000}, {"width": 1280, "height": 800}



@dataclass
class Farm:
    """The simulator feeding the running server, and the server's own API."""

    sp: SimulatedSimplyPrint
    server: AsgiServer
    token: str

    def act(self, action: str, **fields: Any) -> dict[str, Any]:
        """A scenario step at the simulator, at a simulated time no earlier than now (so that
        its deliveries are newer than what the server last read from the API) and later than
        the previous step's (one 10 s farm step at least: SimplyPrint times are whole seconds,
        and two events of one printer in the same second have no defined order)."""
        behind = max(time.time() + 1 - float(self.sp.state()["now"]), 1)
        self.sp.advance(math.ceil(behind / 10) * 10)
        return self.sp.scenario(action, **fields)

    def roll_back_a_live_number(self) -> int:
        """Take the next outbox number in a transaction that rolls back (a hole, as a failed
        transaction leaves on PostgreSQL); SQLite's AUTOINCREMENT never hands it out again."""
        path = self.server.env["DATABASE_URL"].removeprefix("sqlite:///")
        with sqlite3.connect(path, timeout=30) as db:
            cursor = db.execute("INSERT INTO simpleprint_liveupdate (kind, payload, created_at)"
                                " VALUES ('queue.updated', '{}', datetime('now'))")
            number = int(cursor.lastrowid or 0)
            db.execute("DELETE FROM simpleprint_liveupdate WHERE id = ?", (number,))
        return number

    def webhooks(self) -> list[dict[str, Any]]:
        return list(self.sp.api("GET", "webhooks/Get", timeout=10).json()["data"])

    def settled(self) -> None:
        """Every simulator delivery answered and every stored event processed."""
        wait_for(lambda: self.sp.stats()["deliveries"]["pending"] == 0, timeout=10)

        def processed() -> bool:
            counts = httpx.get(f"{self.server.http_url}/api/v1/simpleprint/webhook/test/",
                               headers={"Authorization": f"Token {self.token}"},
                               timeout=10).json()["counts"]
            return bool(counts["pending"] == 0)

        wait_for(processed, timeout=10, interval=0.05)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True,
                   cwd=ROOT, capture_output=True)


def seed(farm: Farm) -> None:
    """On top of the simulator's busy farm: a paused job, an out-of-order printer, a printer
    with AutoPrint, and a queue item awaiting approval."""
    farm.act("pause_job", printer_id=7)
    farm.act("set_out_of_order", printer_id=8, value=True)
    farm.act("set_autoprint", printer_id=2, state="enabled")
    farm.act("add_queue_item", filename="prototype_hinge_0.4n_PLA_30m.gcode", amount=1, group=1,
             estimate=1800, pending_approval=True)


def card(page: Any, printer: int) -> Any:
    return page.locator(f'[data-testid="printer-{printer}"]')


def fits(page: Any, selector: str) -> bool:
    """Nothing inside ``selector`` sticks out sideways."""
    return bool(page.evaluate(
        """(sel) => { const el = document.querySelector(sel);
        const box = el.getBoundingClientRect();
        return el.scrollWidth <= el.clientWidth + 1 && [...el.querySelectorAll("*")].every((c) => {
          const r = c.getBoundingClientRect();
          return r.width === 0 || (r.left >= box.left - 1 && r.right <= box.right + 1); }); }""",
        selector))


def our_webhook(page: Any) -> Any:
    """The webhook row of this server's registration (badge 🎯), once the list arrived."""
    page.click("#debug-open")
    page.wait_for_selector('[data-testid="debug-panel"]:visible')
    hook = page.locator('.hook:has(.b-info)')
    hook.wait_for()
    return hook


@contextlib.contextmanager
def farm_server(var_dir: Path, printers: int = 9, **env: str) -> Iterator[Farm]:
    """The simulator (``printers`` printers, manual clock, no random activity) and a
    server (its own SQLite file in ``var_dir``, extra ``env``) that read it once, registered its
    webhook there and got :func:`seed`'s changes as deliveries; the e2e user can log in."""
    with running_simulator(printers=printers, start_time=time.time()) as sp:
        port = free_port()
        environment = server_env(var_dir, SIMPLEPRINT_BASE_URL=sp.url,
                                 SIMPLEPRINT_COMPANY_ID=str(sp.company_id),
                                 SIMPLEPRINT_API_KEY=sp.api_key,
                                 SIMPLEPRINT_PUBLIC_URL=f"http://127.0.0.1:{port}",
                                 SIMPLEPRINT_RATE_LIMIT="600", **env)
        running = AsgiServer(environment, port=port)
        token = prepare_database(environment)
        manage(environment, "shell", "-c",
               "from django.contrib.auth.models import User;"
               f"u = User.objects.get(username='{USERNAME}'); u.set_password('{PASSWORD}');"
               "u.save()")
        manage(environment, "sync_simpleprint")
        manage(environment, "register_webhooks")
        running.start()
        try:
            farm = Farm(sp, running, token)
            seed(farm)
            yield farm
        finally:
            running.stop()


def signed_in_page(chromium: Any, farm: Farm, username: str = USERNAME,
                   password: str = PASSWORD, **context_options: Any) -> Any:
    """A new browser context's page on the Planning page, signed in as ``username``, once the
    live channel and the cards are in (close its ``context`` when done)."""
    context = chromium.new_context(base_url=farm.server.http_url, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/planning-v2/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#conn[data-state=live]")
    page.wait_for_selector(".card")
    return page


def until(page: Any, expression: str, timeout_ms: int = TIMEOUT_MS) -> Any:
    """Wait until the JavaScript ``expression`` is truthy in the page. Playwright's
    ``wait_for_function`` evaluates a string with ``eval`` inside the page, which the page's
    Content-Security-Policy (no 'unsafe-eval') refuses; ``evaluate`` is not subject to it."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = page.evaluate(expression)
        if value or time.monotonic() > deadline:
            assert value, f"timed out waiting for {expression}"
            return value
        time.sleep(0.05)
