"""The Planning page tells the truth at a glance (issue 16), in headless Chromium against a real
daphne server fed by the simulator: each printer condition with its reason, filters that hide
cards and live in the URL, the tab title's attention count, names instead of ids, a sample
delivery that leaves the farm as it was, the webhook warning, and a "Live" that turns "Stale"
when the server is frozen.

The farm (9 printers, manual clock, no random activity; ``test_browser.seed`` on top) is
changed through the simulator's scenarios, so every change arrives as a real delivery (or, for
connectivity, through the printers/Get read every 5 s)."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.planning.browser import (
    MARKS,
    SCREENSHOTS,
    Farm,
    card,
    farm_server,
    our_webhook,
    until,
)

pytestmark = MARKS
pytest.importorskip("playwright.sync_api")

FAILED, CANCELLED, FLAGGED, DONE, OFFLINE, PAUSED, OUT_OF_ORDER, READY = 1, 2, 3, 4, 5, 7, 8, 9
NAMES = {"groups": {"1": "Hall North", "2": "Hall South"}, "models": {"304": "Prusa MK4",
         "512": "Bambu X1 Carbon"}, "tags": {"3": "PETG only"},
         "material_types": {"1": "PLA", "2": "PETG"}, "queue_groups": {"1": "Production"}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    # The queue is read from SimplyPrint only at the hourly reconcile. After prints it would
    # be read two minutes after the last read (PRINTFARM_QUEUE_AFTER_JOBS): on a slow run
    # that fell inside the sample test, whose queue count then changed (one item fewer: a
    # copy the simulator's AutoPrint had started, learnt from that read).
    with farm_server(tmp_path_factory.mktemp("planning-truth"),
                     PRINTFARM_CONNECTIVITY_INTERVAL="3", PRINTFARM_LIVE_HEARTBEAT="5",
                     PRINTFARM_QUEUE_AFTER_JOBS="0") as farm:
        farm.act("fail_job", printer_id=FAILED, reason="Spaghetti detected")
        farm.act("cancel_job", printer_id=CANCELLED, reason=4, comment="warped corner",
                 user_id=2)
        farm.act("ai_failure", printer_id=FLAGGED)
        farm.act("finish_job", printer_id=DONE)
        farm.act("set_offline", printer_id=OFFLINE)
        farm.settled()
        yield farm


def api_get(server: Farm, path: str) -> Any:
    return httpx.get(f"{server.server.http_url}/api/v1/simpleprint/{path}",
                     headers={"Authorization": f"Token {server.token}"}, timeout=10).json()


def shown_cards(page: Any, count: int) -> Any:
    """Wait until exactly ``count`` cards are shown (the filter renders 150 ms after typing)."""
    until(page,
        f"document.querySelectorAll('.card:not([hidden])').length === {count}")
    return page.locator(".card:visible")


def condition_of(page: Any, printer: int, condition: str) -> Any:
    return page.wait_for_selector(
        f'[data-testid="printer-{printer}"][data-condition="{condition}"]', timeout=20_000)


def test_failed_cancelled_and_ai_flagged_jobs_each_show_their_own_state_and_reason(
    page: Any, server: Farm
) -> None:
    page.select_option('[data-testid="language"]', "en")
    page.wait_for_selector("#debug-open:has-text('Debug API')")
    failed = condition_of(page, FAILED, "failed")
    page.wait_for_selector(f'[data-testid="printer-{FAILED}"] [data-testid="reason"]'
                           ':has-text("Spaghetti detected")', timeout=20_000)
    assert "Failed" in failed.inner_text() and "Ready" not in failed.inner_text()
    assert failed.query_selector('a[href^="https://simplyprint.io/panel/"]') is not None

    cancelled = condition_of(page, CANCELLED, "cancelled")
    page.wait_for_selector(f'[data-testid="printer-{CANCELLED}"] [data-testid="reason"]'
                           ':has-text("Fell off the plate — warped corner")', timeout=20_000)
    assert "by Maria Ivanova" in cancelled.inner_text()

    flagged = condition_of(page, FLAGGED, "ai_flagged")
    text = flagged.inner_text()
    assert "AI-flagged" in text and "spaghetti" in text and " % sure" in text
    assert flagged.query_selector('[data-testid="ai"] a[href*="/ai/"]') is not None

    done = condition_of(page, DONE, "bed_to_clear")
    assert "Bed to clear" in done.inner_text() and "Ready" not in done.inner_text()
    condition_of(page, PAUSED, "paused")
    condition_of(page, OUT_OF_ORDER, "out_of_order")
    condition_of(page, READY, "ready")
    offline = condition_of(page, OFFLINE, "offline")
    assert "was printing" in offline.inner_text()

    page.wait_for_selector('#history tr:has-text("Spaghetti detected")')
    page.wait_for_selector('#history tr:has-text("Maria Ivanova")')
    page.wait_for_selector('#queue tr[data-state="pending_approval"]')
    page.locator("#board-section").screenshot(path=str(SCREENSHOTS / "board-states.png"))
    page.screenshot(path=str(SCREENSHOTS / "board.png"), full_page=True)


def test_filters_hide_cards_and_keep_their_state_in_the_url(page: Any, server: Farm) -> None:
    page.fill('[data-testid="board-search"]', "Bay A")
    until(page, "location.search.includes('q=Bay+A')")
    shown = shown_cards(page, 4)
    assert all("Bay A" in name for name in shown.locator(".name").all_inner_texts())
    assert page.locator(".card:not(:visible)").count() == 5
    # The timeline follows (the search is applied to both in one step, after a short pause;
    # a names or printer message may have filtered the cards first).
    until(page, "document.querySelectorAll('.tl-row[data-printer]').length === 4")

    page.fill('[data-testid="board-search"]', "")
    page.click('[data-testid="chip-failed"]')
    until(page, "location.search.includes('show=failed')")
    shown_cards(page, 1)
    assert page.locator(f'[data-testid="printer-{FAILED}"]').is_visible()

    page.click('[data-testid="chip-attention"]')
    page.check('[data-testid="board-sort"]')
    until(page, "location.search.includes('sort=attention')")
    visible = page.locator(".card:visible")
    assert visible.first.get_attribute("data-condition") == "failed"
    assert "printing" not in [c.get_attribute("data-condition") for c in visible.all()]
    page.screenshot(path=str(SCREENSHOTS / "attention-filter.png"))

    page.reload()  # a link or a wall screen opens the same view
    page.wait_for_selector(".card")
    assert page.locator('[data-testid="chip-attention"]').get_attribute("aria-pressed") == "true"
    assert page.locator('[data-testid="board-sort"]').is_checked()
    assert page.locator(".card:visible").first.get_attribute("data-condition") == "failed"

    page.click('[data-testid="chip-approval"]')
    until(page, "location.search.includes('show=approval')")
    rows = page.locator("#queue tbody tr[data-id]")
    assert rows.count() >= 1
    assert {r.get_attribute("data-state") for r in rows.all()} == {"pending_approval"}
    page.click('[data-testid="chip-all"]')
    until(page, "!location.search.includes('show=')")
    shown_cards(page, 9)


def test_the_tab_title_follows_attention(page: Any, server: Farm) -> None:
    until(page, "/^\\(\\d+\\) /.test(document.title)")
    before = int(page.title().split(")")[0][1:])
    expected = page.evaluate("""() => {
        const d = window.planningDebug;
        return [...d.store.printers.values()].filter((p) => d.ATTENTION.has(p.condition)).length
          + [...d.store.queue.values()].filter((i) => i.state === "pending_approval").length; }""")
    assert before == expected >= 5
    server.act("clear_bed", printer_id=DONE, success=True)
    until(page, f"document.title.startsWith('({before - 1}) ')")
    server.act("pause_job", printer_id=6)
    until(page, f"document.title.startsWith('({before}) ')")

    # A new failure is an alert (a beep and a browser notification when switched on) unless
    # its kind is muted; the choice is kept for this user.
    page.click('[data-testid="alerts-btn"]')
    page.uncheck('[data-testid="alerts-panel"] [data-kind="offline"]')
    assert "offline" in page.evaluate(
        "JSON.parse(localStorage.getItem('printfarm.alerts.e2e')).muted")
    server.act("fail_job", printer_id=6, reason="Layer shift")
    until(page, "window.planningDebug.alerts.fired.some((a) => a.kind === 'failed')")
    fired = page.evaluate("window.planningDebug.alerts.fired")
    assert [a["kind"] for a in fired] == ["failed"] and "X1C Bay B-2" in fired[0]["title"]
    assert page.title().startswith(f"({before}) ")  # paused, then failed: still one


def test_cards_queue_and_filters_show_names_for_groups_tags_materials_and_models(
    page: Any, server: Farm
) -> None:
    where = card(page, 1).locator('[data-testid="where"]').inner_text()
    assert where.startswith("Bay A")  # the name the sync read from SimplyPrint (groups/Get)
    page.evaluate("(names) => window.planningDebug.live.receive("
                  "{type: 'names.updated', data: names})", NAMES)
    until(page, """document.querySelector('[data-testid="printer-1"] [data-testid="where"]')
        ?.textContent.startsWith("Hall North")""")
    # textContent, not innerText: cards and panels off the screen are not drawn
    # (content-visibility), and innerText of what is not drawn may be empty.
    details = page.locator('.card [data-testid="details"]').all_text_contents()
    assert any("PLA" in d for d in details) and not any("#1 " in d for d in details)
    tagged = page.locator('.card [data-testid="tag"]').all_text_contents()
    assert tagged and all("PETG only" in t for t in tagged)
    restrictions = " ".join(
        page.locator('#queue [data-testid="restrictions"]').all_text_contents())
    assert "#512" not in restrictions and "#304" not in restrictions
    assert "Production" in (page.locator("#queue").text_content() or "")

    page.fill('[data-testid="board-search"]', "Hall South")  # searching by a resolved name
    until(page, "location.search.includes('q=Hall+South')")
    shown_cards(page, 4)

    # A snapshot carries the whole table; a group it does not name falls back to the name the
    # printer's own message carries (the sync's), and only then to "#id".
    page.evaluate("""(names) => fetch('/planning-v2/api/snapshot/').then((r) => r.json())
        .then((s) => window.planningDebug.live.receive(
          {...s, data: {...s.data, names: {...names, groups: {"2": "Hall South"}}}}))""", NAMES)
    page.fill('[data-testid="board-search"]', "")
    assert card(page, 1).locator('[data-testid="where"]').inner_text().startswith("Bay A")
    assert card(page, 5).locator('[data-testid="where"]').inner_text().startswith("Hall South")


def test_a_sample_delivery_leaves_the_farm_unchanged(page: Any, server: Farm) -> None:
    def farm() -> tuple[Any, ...]:
        printers = api_get(server, "printers/?page_size=100")
        jobs = api_get(server, "jobs/?page_size=1")
        queue = api_get(server, "queue/?page_size=1")
        return (sorted((p["sp_id"], p["state"]) for p in printers["results"]), jobs["count"],
                queue["count"])

    before = farm()
    page.click("#debug-open")
    for event in ("job.started", "printer.ai_failure_detected", "queue.empty_queue",
                  "queue.add_item"):
        page.select_option("#inject-event", event)
        page.click('#inject-form button[type="submit"]')
        page.wait_for_selector(f'#events tbody tr[data-testid="sample-row"][data-event="{event}"]')
        page.wait_for_selector(f'#event-detail:has-text("{event}") [data-testid="sample-changes"]')
    changes = page.locator('[data-testid="sample-changes"]').inner_text()
    assert "queue.updated" in changes  # what the last one would have changed
    page.select_option("#inject-event", "job.started")
    page.click('#inject-form button[type="submit"]')
    page.wait_for_selector('[data-testid="sample-changes"]:has-text("printer.updated")')
    assert "Sample printer" in page.locator('[data-testid="event-payload"]').inner_text()
    time.sleep(1)  # anything published would have arrived by now
    assert farm() == before
    assert page.locator('.card:has-text("Sample printer")').count() == 0
    assert page.locator(".card").count() == 9


def test_disabling_our_webhook_asks_first_and_the_warning_says_polling_took_over(
    page: Any, server: Farm
) -> None:
    hook = our_webhook(page)
    webhook_id = int(hook.get_attribute("data-testid").removeprefix("webhook-"))
    hook.locator('[data-action="disable"]').click()
    confirm = page.wait_for_selector(f'[data-testid="confirm-disable-{webhook_id}"]')
    assert "опросом api" in confirm.inner_text().lower()  # says what it does (in Russian)
    assert [h["enabled"] for h in server.webhooks() if h["id"] == webhook_id] == [True]
    page.click('[data-testid="confirm-disable"]')
    page.wait_for_selector(f'[data-testid="webhook-{webhook_id}"][data-enabled="false"]')
    assert [h["enabled"] for h in server.webhooks() if h["id"] == webhook_id] == [False]
    page.click("#debug-close")
    banner = page.wait_for_selector('[data-testid="webhook-warning"] [data-code="disabled"]')
    assert f"#{webhook_id}" in banner.inner_text()
    page.wait_for_selector('[data-testid="webhook-warning"] [data-code="polling"]')
    page.wait_for_selector('[data-testid="mode-badge"][data-mode="polling"]')
    page.screenshot(path=str(SCREENSHOTS / "webhook-warning.png"))

    our_webhook(page).locator('[data-action="enable"]').click()
    page.wait_for_selector(f'[data-testid="webhook-{webhook_id}"][data-enabled="true"]')
    page.wait_for_selector('[data-testid="webhook-warning"] [data-code="disabled"]',
                           state="detached")


def test_a_frozen_server_turns_stale_within_15_s_and_live_again(page: Any, server: Farm) -> None:
    assert server.server.process is not None
    pid = server.server.process.pid
    page.select_option('[data-testid="language"]', "en")
    page.wait_for_selector("#debug-open:has-text('Debug API')")
    page.wait_for_selector("#conn[data-state=live]")
    page.wait_for_selector('[data-testid="mode-badge"][data-mode]')
    until(page, "window.planningDebug?.live.beatSeconds === 5")
    frozen = time.monotonic()
    os.kill(pid, signal.SIGSTOP)
    try:
        page.wait_for_selector("#conn[data-state=stale]", timeout=15_000)
        assert time.monotonic() - frozen < 15
        assert "Stale since" in page.locator("#conn").inner_text()
        page.locator(".topbar").screenshot(path=str(SCREENSHOTS / "stale-indicator.png"))
    finally:
        os.kill(pid, signal.SIGCONT)
    page.wait_for_selector("#conn[data-state=live]", timeout=15_000)
    assert page.locator("#conn").inner_text().strip() == "Live"


def test_a_page_that_gets_heartbeats_but_no_changes_turns_stale_and_catches_up(
    page: Any, server: Farm
) -> None:
    """Heartbeats come from the page's own consumer, changes through the channel layer: a page
    can get the first without the second (a consumer that no longer receives, a lost group
    membership). The heartbeat names the newest change committed; a page still without it two
    heartbeats later says so, then replaces its socket and gets what it missed."""
    sockets: list[Any] = []

    def starve_the_first(ws: Any) -> None:
        """The first socket routed gets everything but the changes; later ones everything."""
        sockets.append(ws)
        to_server = ws.connect_to_server()

        def forward_all_but_changes(text: str | bytes) -> None:
            message = json.loads(text)  # an array frame carries changes
            if isinstance(message, dict) and ("seq" not in message
                                              or message["type"] in ("snapshot", "skip")):
                ws.send(text)

        if len(sockets) == 1:
            to_server.on_message(forward_all_but_changes)

    page.route_web_socket(re.compile(r"/ws/planning/"), starve_the_first)
    page.select_option('[data-testid="language"]', "en")  # reloads: the new socket is routed
    page.wait_for_selector("#debug-open:has-text('Debug API')")
    page.wait_for_selector("#conn[data-state=live]")
    until(page, "window.planningDebug?.live.beatSeconds === 5"
                " && window.planningDebug.store.loaded")
    assert len(sockets) == 1
    server.act("set_out_of_order", printer_id=READY, value=True)

    page.wait_for_selector("#conn[data-state=stale]", timeout=25_000)
    assert "changes are not arriving" in page.locator("#conn").inner_text()
    assert card(page, READY).get_attribute("data-condition") == "ready"  # never got it

    condition_of(page, READY, "out_of_order")  # from the replay on the next socket
    page.wait_for_selector("#conn[data-state=live]")
    assert len(sockets) == 2
    server.act("set_out_of_order", printer_id=READY, value=False)  # and live again, directly
    condition_of(page, READY, "ready")
