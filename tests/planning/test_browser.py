"""Planning V2 in headless Chromium against a real daphne server fed with real deliveries.

Each test drives the page as an operator would; deliveries are POSTed to the receiver over
HTTP while the page is open, so every change reaches it through the live channel.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import payloads
from tests.servers import (
    ROOT,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    AsgiServer,
    prepare_database,
    server_env,
)

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "docs" / "screenshots"
USERNAME, PASSWORD = "e2e", "planning-e2e-pass-5521"
TIMEOUT_MS = 10_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed"),
]
sync_api = pytest.importorskip("playwright.sync_api")


class Farm:
    """Sends deliveries to the running server, with SimplyPrint times around now."""

    def __init__(self, server: AsgiServer) -> None:
        self.http = httpx.Client(base_url=server.http_url, timeout=10)
        self.story = payloads.FarmStory(now=int(time.time()) - 3 * 3600)
        self.jobs: dict[int, dict[str, Any]] = {}

    def send(self, body: dict[str, Any]) -> None:
        response = self.http.post(WEBHOOK_PATH, json=body, headers={"X-SP-Secret": WEBHOOK_SECRET})
        assert response.status_code == 200, response.text

    def start(self, printer: int, file: str, estimate: int, ago: int) -> dict[str, Any]:
        self.story.now = int(time.time()) - ago
        body = self.story.job_started(printer, file=file, estimate=estimate,
                                      percentage=min(99, ago * 100 // estimate))
        self.jobs[printer] = body
        self.send(body)
        return body

    def finish(self, printer: int, event: str = "job.done") -> None:
        self.story.now = int(time.time())
        self.send(self.story.job_event(event, self.jobs.pop(printer)))

    def printer(self, event: str, printer: int, **data: Any) -> None:
        self.story.now = int(time.time())
        self.send(self.story.printer_event(event, printer, **data))

    def queue(self, item_id: int, event: str = "queue.add_item", **kw: Any) -> None:
        self.story.now = int(time.time())
        self.send(self.story.queue_event(event, payloads.queue_item(item_id, **kw)))


def seed(farm: Farm) -> None:
    """A busy morning: six printers printing or paused, two idle, one out of order."""
    farm.start(385, "bracket_v2_0.4n_PLA_2h10m.gcode", 7800, ago=3600)
    farm.start(386, "gear_M3_0.4n_PETG_1h05m.gcode", 3900, ago=3000)
    farm.start(387, "housing_top_0.6n_ASA_5h02m.gcode", 18120, ago=1200)
    farm.start(412, "drone_arm_x4_0.4n_PETG_3h40m.gcode", 13200, ago=9000)
    farm.start(413, "cable_clip_x20_0.4n_PLA_45m.gcode", 2700, ago=600)
    farm.start(420, "enclosure_panel_0.6n_ABS_7h.gcode", 25200, ago=4000)
    paused = farm.start(414, "lamp_shade_vase_0.4n_PLA_4h.gcode", 14400, ago=5000)
    farm.story.now = int(time.time()) - 300
    farm.send(farm.story.job_event("job.paused", paused, percentage=35))
    farm.start(388, "knob_0.4n_PLA_20m.gcode", 1200, ago=1500)
    farm.finish(388)
    farm.printer("printer.out_of_order_state_changed", 421, out_of_order=True)
    farm.printer("printer.material_changed", 385,
                 material=[{"type": "PLA", "colorName": "Galaxy Black", "colorHex": "#1b1b1b"}])
    farm.printer("printer.nozzle_size_changed", 385, nozzle=0.4)
    farm.printer("printer.autoprint_state_changed", 386, state="enabled")
    farm.printer("printer.custom_tag_assigned", 387, tag={"id": 3, "name": "ASA"})
    farm.queue(9101, filename="gear_M3_0.4n_PETG_1h05m.gcode", left=4, sort_order=1)
    farm.queue(9102, filename="bracket_v2_0.4n_PLA_2h10m.gcode", left=2, sort_order=2,
               estimate=7800, printers=[385, 386])
    farm.queue(9103, filename="big_housing_0.6n_ASA_9h.gcode", left=1, sort_order=3,
               estimate=32400, printers=[420])
    farm.queue(9104, filename="prototype_hinge_0.4n_PLA_30m.gcode", left=1, sort_order=4,
               estimate=1800, event="queue.item_pending_approval")


def wait_for_processing(server: AsgiServer, token: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        counts = httpx.get(f"{server.http_url}/api/v1/simpleprint/webhook/test/",
                           headers={"Authorization": f"Token {token}"}, timeout=10).json()["counts"]
        if counts["pending"] == 0:
            return
        time.sleep(0.1)
    raise AssertionError("deliveries were not processed in time")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AsgiServer, Farm]]:
    env = server_env(Path(tmp_path_factory.mktemp("planning-browser")))
    token = prepare_database(env)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c",
         "from django.contrib.auth.models import User;"
         f"u = User.objects.get(username='{USERNAME}'); u.set_password('{PASSWORD}'); u.save()"],
        env=env, check=True, cwd=ROOT)
    running = AsgiServer(env).start()
    farm = Farm(running)
    seed(farm)
    wait_for_processing(running, token)
    yield running, farm
    farm.http.close()
    running.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, server: tuple[AsgiServer, Farm]) -> Iterator[Any]:
    running, _ = server
    context = chromium.new_context(locale="ru-RU", viewport={"width": 1600, "height": 1000},
                                   base_url=running.http_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/planning-v2/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#conn[data-state=live]")
    page.wait_for_selector(".card")
    page.wait_for_selector(".tl-row[data-printer]")
    yield page
    context.close()


def card(page: Any, printer: int) -> Any:
    return page.locator(f'[data-testid="printer-{printer}"]')


def test_board_shows_every_printer_with_its_state(page: Any) -> None:
    assert page.locator(".card").count() == 9
    assert card(page, 385).get_attribute("data-state") == "printing"
    assert "Печатает" in card(page, 385).inner_text()
    assert "bracket_v2" in card(page, 385).inner_text()
    assert card(page, 414).get_attribute("data-state") == "paused"
    assert "Не работает" in card(page, 421).inner_text()
    assert "AutoPrint" in card(page, 386).inner_text()
    assert "вебхук" in card(page, 385).inner_text()
    queue_rows = page.locator("#queue tbody tr")
    assert queue_rows.count() == 4
    assert "Ждёт одобрения" in page.locator('#queue tr[data-id="9104"]').inner_text()
    page.wait_for_selector('#queue tr[data-id="9103"] td:nth-child(6):not(:has-text("—"))')
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "board.png"), full_page=True)


def test_job_start_and_finish_update_card_and_timeline_without_reload(
    page: Any, server: tuple[AsgiServer, Farm]
) -> None:
    _, farm = server
    page.evaluate("window.__sameDocument = true")
    farm.start(388, "spacer_x8_0.4n_PLA_50m.gcode", 3000, ago=0)
    page.wait_for_selector('[data-testid="printer-388"][data-state="printing"]')
    assert "spacer_x8" in card(page, 388).inner_text()
    page.wait_for_selector('.tl-row[data-printer="388"] .tl-b[data-kind="job"]')

    farm.finish(388)
    page.wait_for_selector('[data-testid="printer-388"][data-state="operational"]')
    page.wait_for_selector('.tl-row[data-printer="388"] .tl-b[data-kind="job"]', state="detached")
    page.wait_for_selector('#history tr:has-text("spacer_x8"):has-text("Готово")')
    assert page.evaluate("window.__sameDocument") is True


def test_debug_panel_injects_an_event_that_shows_in_the_live_log(page: Any) -> None:
    page.click("#debug-open")
    page.wait_for_selector('[data-testid="debug-panel"]:visible')
    page.wait_for_selector('#webhooks .small')  # the overview arrived (list or why not)
    page.select_option("#inject-event", "test")
    page.click('#inject-form button[type="submit"]')
    page.wait_for_selector('#inject-result .badge')
    row = page.locator('#events tbody tr[data-event="test"]').first
    row.wait_for()
    row.click()
    page.wait_for_selector('[data-testid="event-payload"]')
    assert '"event": "test"' in page.locator('[data-testid="event-payload"]').inner_text()

    page.click('[data-testid="ping-btn"]')
    rtt = page.wait_for_selector('[data-testid="ping-rtt"]')
    assert "мс" in rtt.inner_text()
    page.wait_for_selector('#ping-result:has-text("Пинг сервера")')
    page.screenshot(path=str(SCREENSHOTS / "debug-panel.png"))


def test_updates_sent_while_disconnected_arrive_after_reconnect(
    page: Any, server: tuple[AsgiServer, Farm]
) -> None:
    _, farm = server
    page.evaluate("window.planningDebug.dropSocket(2500)")
    page.wait_for_selector("#conn[data-state=offline]")
    farm.start(388, "missed_while_away_0.4n_PLA_1h.gcode", 3600, ago=0)
    farm.queue(9105, filename="late_addition_0.4n_PLA_20m.gcode", left=1, sort_order=5,
               estimate=1200)
    time.sleep(0.5)  # the deliveries are processed while the page is away
    assert card(page, 388).get_attribute("data-state") != "printing"

    page.wait_for_selector("#conn[data-state=live]")
    page.wait_for_selector('[data-testid="printer-388"][data-state="printing"]')
    page.wait_for_selector('#queue tr[data-id="9105"]')
    seq = page.evaluate("window.planningDebug.store.seq")
    latest = page.evaluate(
        "fetch('/planning-v2/api/snapshot/').then(r => r.json()).then(s => s.seq)")
    assert seq == latest


def test_the_page_switches_to_english(page: Any) -> None:
    page.select_option('[data-testid="language"]', "en")
    page.wait_for_selector("#debug-open:has-text('Debug API')")
    page.wait_for_selector("#conn[data-state=live]")
    page.wait_for_selector('.card .state:has-text("Printing")')
