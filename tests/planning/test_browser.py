"""Planning V2 in headless Chromium against a real daphne server fed by the SimplyPrint
simulator.

The simulator (manual clock, no random activity) is the server's SimplyPrint: the server reads
it once (``sync_simpleprint``), registers its webhook there (``register_webhooks``) and from then
on every change made through the simulator's ``/_sim/scenario`` reaches the page as a real
webhook delivery and a live update, without reload.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.planning.browser import (
    IDLE_PRINTER,
    LAPTOP,
    MARKS,
    PASSWORD,
    SCREENSHOTS,
    TIMEOUT_MS,
    USERNAME,
    WIDE,
    Farm,
    card,
    farm_server,
    fits,
    our_webhook,
)
from tests.servers import ROOT

pytestmark = MARKS
pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    with farm_server(tmp_path_factory.mktemp("planning-browser")) as farm:
        farm.settled()
        yield farm


def test_board_shows_every_printer_with_its_state(page: Any) -> None:
    assert page.locator(".card").count() == 9
    assert card(page, 1).get_attribute("data-state") == "printing"
    assert "Печатает" in card(page, 1).inner_text()
    assert card(page, 7).get_attribute("data-state") == "paused"
    assert "Не работает" in card(page, 8).inner_text()
    # content-visibility may skip a card's text until it is drawn: wait for the text itself
    page.wait_for_selector('[data-testid="printer-2"]:has-text("AutoPrint")')
    assert card(page, IDLE_PRINTER).get_attribute("data-state") == "operational"
    page.wait_for_selector('#queue tr:has-text("prototype_hinge"):has-text("Ждёт одобрения")')
    assert page.locator("#queue tbody tr").count() >= 5
    assert page.locator('.tl-row[data-printer] .tl-b[data-kind="job"]').count() >= 6
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "board.png"), full_page=True)


def test_simulated_job_start_and_finish_update_card_and_timeline_without_reload(
    page: Any, server: Farm
) -> None:
    page.evaluate("window.__sameDocument = true")
    server.act("start_job", printer_id=IDLE_PRINTER, file="spacer_x8_0.4n_PLA_50m.gcode",
               estimate=3000)
    printing = page.wait_for_selector(
        f'[data-testid="printer-{IDLE_PRINTER}"][data-state="printing"]')
    assert "spacer_x8" in printing.inner_text()
    assert "вебхук" in printing.inner_text()
    page.wait_for_selector(f'.tl-row[data-printer="{IDLE_PRINTER}"] .tl-b[data-kind="job"]')

    server.act("finish_job", printer_id=IDLE_PRINTER)
    page.wait_for_selector(f'[data-testid="printer-{IDLE_PRINTER}"][data-state="operational"]')
    page.wait_for_selector(f'.tl-row[data-printer="{IDLE_PRINTER}"] .tl-b[data-kind="job"]',
                           state="detached")
    page.wait_for_selector('#history tr:has-text("spacer_x8"):has-text("Готово")')
    assert page.evaluate("window.__sameDocument") is True


def test_debug_panel_lists_the_webhook_and_its_test_delivery_reaches_the_live_log(
    page: Any, server: Farm
) -> None:
    hook = our_webhook(page)
    assert hook.get_attribute("data-enabled") == "true"
    assert server.server.http_url in hook.inner_text()
    hook.locator('[data-action="test"]').click()
    row = page.locator('#events tbody tr[data-event="test"]').first
    row.wait_for()
    row.click()
    payload = page.wait_for_selector('[data-testid="event-payload"]')
    assert '"event": "test"' in payload.inner_text()

    page.click('[data-testid="ping-btn"]')
    assert "мс" in page.wait_for_selector('[data-testid="ping-rtt"]').inner_text()
    page.wait_for_selector('#ping-result:has-text("Пинг сервера")')
    page.wait_for_selector('#mode-detail .kv')
    assert fits(page, '[data-testid="debug-panel"]')
    page.set_viewport_size({"width": 1600, "height": 1500})  # the whole drawer, for the docs
    page.screenshot(path=str(SCREENSHOTS / "debug-panel.png"))


def test_disable_and_enable_switch_the_webhook_at_the_simulator(
    page: Any, server: Farm
) -> None:
    hook = our_webhook(page)
    webhook_id = int(hook.get_attribute("data-testid").removeprefix("webhook-"))
    hook.locator('[data-action="disable"]').click()
    page.click('[data-testid="confirm-disable"]')  # it asks first (see test_browser_truth)
    page.wait_for_selector(f'[data-testid="webhook-{webhook_id}"][data-enabled="false"]')
    assert [h["enabled"] for h in server.webhooks() if h["id"] == webhook_id] == [False]

    page.locator(f'[data-testid="webhook-{webhook_id}"] [data-action="enable"]').click()
    page.wait_for_selector(f'[data-testid="webhook-{webhook_id}"][data-enabled="true"]')
    assert [h["enabled"] for h in server.webhooks() if h["id"] == webhook_id] == [True]


def test_sample_delivery_shows_in_the_live_log(page: Any) -> None:
    page.click("#debug-open")
    page.select_option("#inject-event", "job.started")
    page.click('#inject-form button[type="submit"]')
    page.wait_for_selector('#inject-result .badge')
    page.wait_for_selector('#events tbody tr[data-event="job.started"]')


@pytest.mark.parametrize("viewport", [WIDE, LAPTOP], ids=["1600x1000", "1280x800"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_debug_panel_fits_its_drawer(page: Any, viewport: dict[str, int], language: str) -> None:
    if language == "en":
        page.select_option('[data-testid="language"]', "en")
        page.wait_for_selector("#debug-open:has-text('Debug API')")
    page.set_viewport_size(viewport)
    our_webhook(page)
    page.locator('#events tbody tr[data-id]').first.click()
    page.wait_for_selector('[data-testid="event-payload"]')
    assert fits(page, '[data-testid="debug-panel"]')


def test_updates_sent_while_disconnected_arrive_after_reconnect(
    page: Any, server: Farm
) -> None:
    page.evaluate("window.planningDebug.dropSocket(2500)")
    page.wait_for_selector("#conn[data-state=offline]")
    server.act("clear_bed", printer_id=IDLE_PRINTER, success=True)
    server.act("start_job", printer_id=IDLE_PRINTER, file="missed_while_away_0.4n_PLA_1h.gcode",
               estimate=3600)
    server.act("add_queue_item", filename="late_addition_0.4n_PLA_20m.gcode", amount=1,
                       group=1, estimate=1200)
    server.settled()  # delivered and processed while the page is away
    assert card(page, IDLE_PRINTER).get_attribute("data-state") != "printing"

    page.wait_for_selector("#conn[data-state=live]")
    page.wait_for_selector(f'[data-testid="printer-{IDLE_PRINTER}"][data-state="printing"]')
    page.wait_for_selector('#queue tr:has-text("late_addition")')
    seq = page.evaluate("window.planningDebug.store.seq")
    latest = page.evaluate(
        "fetch('/planning-v2/api/snapshot/').then(r => r.json()).then(s => s.seq)")
    assert seq == latest


def test_a_rolled_back_number_is_skipped_without_a_new_snapshot(
    page: Any, server: Farm
) -> None:
    page.evaluate("""() => {
        const live = window.planningDebug.live;
        const receive = live.receive.bind(live);
        window.__snapshots = 0;
        live.receive = (message) => {
            if (message.type === "snapshot") window.__snapshots += 1;
            receive(message);
        };
    }""")
    hole = server.roll_back_a_live_number()
    server.act("add_queue_item", filename="after_a_hole_0.4n_PLA_15m.gcode", amount=1,
               group=1, estimate=900)
    page.wait_for_selector('#queue tr:has-text("after_a_hole")')
    assert page.evaluate("window.planningDebug.store.seq") > hole
    assert page.evaluate("window.__snapshots") == 0


def test_the_page_switches_to_english(page: Any) -> None:
    page.select_option('[data-testid="language"]', "en")
    page.wait_for_selector("#debug-open:has-text('Debug API')")
    page.wait_for_selector("#conn[data-state=live]")
    page.wait_for_selector('.card .state:has-text("Printing")')


def test_the_pages_rules_agree_with_the_servers_on_every_case(page: Any) -> None:
    """rules.js runs the table of cases that tests/simpleprint/state/test_rules.py runs on
    apps/simpleprint/state/rules.py."""
    cases = json.loads((ROOT / "tests" / "fixtures" / "rules_cases.json").read_text())
    results = page.evaluate(
        """async (cases) => {
          const rules = await import("/static/planning/rules.js");
          return {
            freshness: cases.freshness.map((c) => rules.freshness(...c.args)),
            progress: cases.progress.map((c) => rules.shownProgress(...c.args)),
          };
        }""", cases)
    for kind in ("freshness", "progress"):
        assert results[kind] == [case["expected"] for case in cases[kind]], kind


def test_no_content_security_policy_violation_is_reported(chromium: Any, server: Farm) -> None:
    """The page works under its Content-Security-Policy (no inline style or script, nothing
    from outside): positions, widths and colours are set through the CSSOM, the language
    switch by a script file, and not one violation is reported on the way."""
    context = chromium.new_context(locale="en-US", viewport=WIDE, base_url=server.server.http_url)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script("""window.__csp = [];
        document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(
            `${e.violatedDirective} ${e.blockedURI} ${e.sample}`));""")
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)
    response = page.goto("/planning-v2/")
    assert "style-src 'self'" in response.headers["content-security-policy"]
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#conn[data-state=live]")
    block = page.wait_for_selector('.tl-row[data-printer] .tl-b[data-kind="job"]')
    assert block.evaluate("(el) => el.getBoundingClientRect().width") > 0
    bar = page.wait_for_selector('.card[data-state="printing"] .bar > i:not([data-progress="0"])')
    assert bar.evaluate("(el) => getComputedStyle(el).width") != "0px"
    page.wait_for_selector(".swatch")
    assert page.evaluate("""() => [...document.querySelectorAll(".swatch")].every(
        (el) => getComputedStyle(el).backgroundColor !== "rgba(0, 0, 0, 0)")""")
    page.click("#debug-open")
    page.click('[data-testid="ping-btn"]')
    page.wait_for_selector('[data-testid="ping-rtt"]')
    page.select_option('[data-testid="language"]', "ru")
    page.wait_for_selector("#debug-open:has-text('Отладка API')")
    page.wait_for_selector("#conn[data-state=live]")
    assert page.evaluate("window.__csp") == []
    assert console == []
    context.close()
