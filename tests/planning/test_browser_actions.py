"""Acting on the farm from the Planning page (issue 18), in headless Chromium against a real
daphne server and the simulator: each click goes to the server's action endpoint, the server
calls the simulated SimplyPrint, its webhook comes back and the card or queue row shows the new
state. Clearing a failed print's bed sends its copy back to the queue; starting the next print
from a Ready card; approving an item awaiting approval (by keyboard, Esc cancels); clearing
beds in bulk; denying and moving queue items; a Viewer sees no action; refusals (an offline
printer, a plan without the queue, a printer that changed under the dialog) are shown on the
card or row with nothing left pending; the dialog on a phone.

It writes docs/screenshots/action-dialog.png, actions-pending.png, actions-bulk.png,
actions-queue.png, actions-refused.png and action-dialog-phone.png."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.planning.browser import (
    IDLE_PRINTER,
    MARKS,
    SCREENSHOTS,
    Farm,
    card,
    farm_server,
    fits,
    manage,
    signed_in_page,
    until,
)

pytestmark = MARKS
pytest.importorskip("playwright.sync_api")

VIEWER, VIEWER_PASSWORD = "watcher", "planning-viewer-pass-8812"
DIALOG = '[data-testid="action-dialog"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    with farm_server(tmp_path_factory.mktemp("planning-actions")) as farm:
        manage(farm.server.env, "shell", "-c",
               "from django.contrib.auth.models import Group, User;"
               f"u = User.objects.create_user('{VIEWER}', password='{VIEWER_PASSWORD}');"
               "u.groups.add(Group.objects.get(name='Viewer'))")
        farm.settled()
        yield farm


def condition_is(page: Any, printer: int, condition: str) -> None:
    until(page, f"document.querySelector('[data-testid=\"printer-{printer}\"]')"
                f"?.dataset.condition === {condition!r}", timeout_ms=20_000)


def watch_pending(page: Any) -> None:
    """Record every "pending…" the page draws (it may last less than a round trip)."""
    page.evaluate("""() => {
      window.__pending = [];
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-testid="action-pending"]')) {
          const box = el.closest('[data-actions]');
          const key = `${box.dataset.actions}:${box.dataset.printer || box.dataset.item}`;
          if (!window.__pending.includes(key)) window.__pending.push(key);
        }
      }).observe(document.body, { childList: true, subtree: true });
    }""")


def nothing_pending(page: Any) -> None:
    until(page, "!document.querySelector('[data-testid=\"action-pending\"]') "
                "&& !document.querySelector('.acting')", timeout_ms=20_000)


def queue_row(page: Any, filename: str) -> Any:
    return page.locator(f'#queue tbody tr:has-text("{filename}")')


def test_clear_a_failed_bed_sends_the_copy_back_to_the_queue(page: Any, server: Farm) -> None:
    item = server.act("add_queue_item", filename="bracket_requeue_0.4n_PLA_20m.gcode",
                      amount=1, estimate=1200, for_printers=[IDLE_PRINTER])["queue_item"]["id"]
    server.act("start_job", printer_id=IDLE_PRINTER, queue_item_id=item)
    server.act("fail_job", printer_id=IDLE_PRINTER, reason="Spaghetti detected")
    server.settled()
    manage(server.server.env, "sync_simpleprint")  # the queue as SimplyPrint has it now
    condition_is(page, IDLE_PRINTER, "failed")
    printer = card(page, IDLE_PRINTER)
    # Its only copy was printed (and failed): the item has none left to print.
    until(page, f"!window.planningDebug.store.queue.get({item})?.left")
    assert printer.locator('[data-testid="act-pause"]').count() == 0  # only what applies
    watch_pending(page)
    printer.locator('[data-testid="act-clear_bed"]').click()
    dialog = page.locator(DIALOG)
    dialog.wait_for()
    assert "bracket_requeue" in dialog.inner_text()
    assert dialog.locator('[data-testid="outcome-failed"]').is_checked()  # it failed
    dialog.locator("textarea[name=comment]").fill("spaghetti at layer 3")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "action-dialog.png"))
    dialog.locator('[data-testid="action-confirm"]').click()
    until(page, f"window.__pending.includes('printer:{IDLE_PRINTER}')")
    condition_is(page, IDLE_PRINTER, "ready")
    nothing_pending(page)
    until(page, f"window.planningDebug.store.queue.get({item})?.left === 1")
    queue_row(page, "bracket_requeue").wait_for()
    assert printer.locator('[data-testid="action-error"]').count() == 0


def test_start_the_next_print_from_a_ready_card(page: Any, server: Farm) -> None:
    printer_id = 5
    server.act("finish_job", printer_id=printer_id)
    server.act("clear_bed", printer_id=printer_id)
    server.settled()
    condition_is(page, printer_id, "ready")
    button = card(page, printer_id).locator('[data-testid="act-start_next"]')
    button.wait_for()  # once the projection shows what it takes next
    next_file = page.evaluate(
        f"window.planningDebug.actions.next.get({printer_id}).label")
    button.click()
    dialog = page.locator(DIALOG)
    assert next_file in dialog.inner_text()
    dialog.locator('[data-testid="action-confirm"]').click()
    until(page, f"['printing', 'downloading'].includes(document.querySelector("
                f"'[data-testid=\"printer-{printer_id}\"]').dataset.condition)",
          timeout_ms=20_000)
    nothing_pending(page)
    # textContent: innerText is empty while the card is not drawn (content-visibility).
    assert next_file in (card(page, printer_id).text_content() or "")


def test_approve_an_item_by_keyboard_and_esc_cancels(page: Any, server: Farm) -> None:
    row = queue_row(page, "prototype_hinge")
    approve = row.locator('[data-testid="act-approve"]')
    approve.focus()
    page.keyboard.press("Enter")
    dialog = page.locator(DIALOG)
    dialog.wait_for()
    assert "prototype_hinge" in dialog.inner_text()
    page.keyboard.press("Escape")  # cancels: nothing sent, the focus back on the button
    until(page, "!document.querySelector('dialog[open]')")
    assert page.evaluate("document.activeElement.dataset.testid") == "act-approve"
    assert row.get_attribute("data-state") == "pending_approval"
    assert page.locator('[data-testid="printer-drawer"]').is_hidden()
    page.keyboard.press("Enter")
    dialog.wait_for()
    page.keyboard.type("looks fine")  # the comment has the focus
    page.screenshot(path=str(SCREENSHOTS / "actions-queue.png"))
    page.locator('[data-testid="action-confirm"]').focus()
    page.keyboard.press("Enter")
    until(page, "document.querySelector('#queue tbody tr[data-state=\"approved\"]')"
                "?.textContent.includes('prototype_hinge')", timeout_ms=20_000)
    nothing_pending(page)
    assert queue_row(page, "prototype_hinge").locator('[data-testid="act-approve"]').count() == 0


def test_bulk_clear_beds(page: Any, server: Farm) -> None:
    chosen = [3, 4]
    for printer_id in chosen:
        server.act("finish_job", printer_id=printer_id)
    server.settled()
    for printer_id in chosen:
        condition_is(page, printer_id, "bed_to_clear")
        card(page, printer_id).locator('[data-testid="select"]').check()
    bar = page.locator('[data-testid="selection-printer"]')
    assert "2" in bar.inner_text()
    bar.locator('[data-testid="bulk-printer"]').click()
    dialog = page.locator(DIALOG)
    targets = dialog.locator('[data-testid="action-targets"] li')
    assert targets.count() == 2
    names = [card(page, p).locator(".name").inner_text() for p in chosen]
    assert all(any(name in t for t in targets.all_inner_texts()) for name in names)
    assert dialog.locator('[data-testid="outcome-ok"]').is_checked()
    page.screenshot(path=str(SCREENSHOTS / "actions-bulk.png"))
    dialog.locator('[data-testid="action-confirm"]').click()
    assert page.locator('[data-testid="selection-bar"]').is_hidden()
    for printer_id in chosen:
        condition_is(page, printer_id, "ready")
    nothing_pending(page)


def test_a_refusal_is_shown_on_the_card_and_nothing_stays_pending(page: Any,
                                                                  server: Farm) -> None:
    """No webhook says a printer went offline: the page still shows it printing, and
    SimplyPrint refuses the pause with its reason."""
    printer_id = 6
    server.sp.scenario("set_offline", printer_id=printer_id)
    printer = card(page, printer_id)
    assert printer.get_attribute("data-state") == "printing"
    printer.locator('[data-testid="act-pause"]').click()
    page.locator(f'{DIALOG} [data-testid="action-confirm"]').click()
    # Drawn together: the error, and the buttons back to try again while the card still says
    # printing (a poll may tell the server it is offline first: then no pause is offered).
    until(page, f"(() => {{ const box = document.querySelector("
                f"'[data-testid=\"printer-{printer_id}\"] .actions');"
                "return box.querySelector('[data-testid=\"action-error\"]') && ("
                "box.querySelector('[data-testid=\"act-pause\"]') || box.closest('.card')"
                ".dataset.state === 'offline'); })()")
    said = printer.locator('[data-testid="action-error"]').inner_text()
    nothing_pending(page)
    page.screenshot(path=str(SCREENSHOTS / "actions-refused.png"),
                    clip=printer.bounding_box())
    printer.locator(".name").click()  # the drawer shows it too, with the same actions
    drawer = page.locator('[data-testid="drawer-actions"]')
    drawer.locator('[data-testid="action-error"]').wait_for()
    drawer.locator('[data-testid="action-error"] button').click()  # dismissed everywhere
    assert page.locator('[data-testid="action-error"]').count() == 0
    # and the trail: the refused pause among its recent actions. Either SimplyPrint refused it,
    # in its words, or a poll had told the server first and the server refused it itself,
    # naming what the printer is now ("не в сети": offline, on this Russian page).
    log = page.locator('[data-testid="drawer-actions-log"] li').first
    log.wait_for()
    if log.get_attribute("data-status") == "failed":
        assert "offline" in said and "offline" in log.inner_text()
    else:
        assert log.get_attribute("data-status") == "refused"
        assert "сейчас: не в сети" in said and "не в сети" in log.inner_text()
    page.keyboard.press("Escape")
    until(page, "document.querySelector('[data-testid=\"printer-drawer\"]').hidden")


def test_a_plan_without_the_queue_is_shown_on_the_row(page: Any, server: Farm) -> None:
    server.act("add_queue_item", filename="plan_refused_0.4n_PLA_10m.gcode", amount=1,
               estimate=600, pending_approval=True)
    server.settled()
    server.sp.actions(print_farm_plan=False)
    try:
        row = queue_row(page, "plan_refused")
        row.locator('[data-testid="act-approve"]').click()
        page.locator(f'{DIALOG} [data-testid="action-confirm"]').click()
        error = row.locator('[data-testid="action-error"]')
        error.wait_for()
        assert "403" in error.inner_text()
        nothing_pending(page)
        assert row.get_attribute("data-state") == "pending_approval"
    finally:
        server.sp.actions(print_farm_plan=True)


def test_a_printer_that_changed_under_the_dialog_is_refused_with_what_it_is_now(
        page: Any, server: Farm) -> None:
    """The dialog sends what the page showed when it opened: a print that ended meanwhile
    makes the pause a "… is now …" refusal, and nothing is sent to SimplyPrint."""
    printer_id = 2
    printer = card(page, printer_id)
    printer.locator('[data-testid="act-pause"]').click()
    page.locator(DIALOG).wait_for()
    server.act("finish_job", printer_id=printer_id)
    server.settled()
    until(page, f"window.planningDebug.store.printers.get({printer_id}).state !== 'printing'")
    server.sp.reset_stats()
    page.locator(f'{DIALOG} [data-testid="action-confirm"]').click()
    error = card(page, printer_id).locator('[data-testid="action-error"]')
    error.wait_for()
    assert "сейчас" in error.inner_text()  # "… is now …; the page showed it …"
    nothing_pending(page)
    assert "printers/actions/Pause" not in server.sp.stats()["requests"]["by_endpoint"]


def test_deny_with_a_reason_and_move_an_item_to_the_top(page: Any, server: Farm) -> None:
    server.act("add_queue_item", filename="deny_me_0.4n_PLA_10m.gcode", amount=1,
               estimate=600, pending_approval=True)
    server.settled()
    row = queue_row(page, "deny_me")
    row.locator('[data-testid="act-deny"]').click()
    dialog = page.locator(DIALOG)
    dialog.locator('[data-testid="action-confirm"]').click()  # the reason is required
    assert dialog.locator('[data-testid="action-invalid"]').is_visible()
    dialog.locator('[data-testid="action-deny-reason"]').fill("PETG only on this farm")
    dialog.locator("input[name=remove]").check()
    dialog.locator('[data-testid="action-confirm"]').click()
    until(page, "![...document.querySelectorAll('#queue tbody tr')]"
                ".some((tr) => tr.textContent.includes('deny_me'))", timeout_ms=20_000)
    nothing_pending(page)

    last = page.locator("#queue tbody tr[data-id]").last
    filename = last.locator("td.file").inner_text().splitlines()[0]
    last.locator('[data-testid="act-top"]').click()
    assert "1" in page.locator(DIALOG).inner_text()
    page.locator(f'{DIALOG} [data-testid="action-confirm"]').click()
    until(page, "document.querySelector('#queue tbody tr[data-id] td.file')"
                f".textContent.includes({filename!r})", timeout_ms=20_000)
    nothing_pending(page)


def test_a_viewer_sees_no_action(chromium: Any, server: Farm) -> None:
    page = signed_in_page(chromium, server, VIEWER, VIEWER_PASSWORD, locale="en-US")
    page.wait_for_selector("#queue tbody tr[data-id]")
    until(page, "window.planningDebug.store.loaded")
    card(page, 1).click()
    page.wait_for_selector('[data-testid="drawer-state"]')
    assert page.locator("[data-act], [data-select]").count() == 0
    assert page.evaluate("document.querySelector('[data-testid=\"printer-1\"] .actions')"
                         ".children.length") == 0
    page.context.close()


def test_the_dialog_on_a_phone(page: Any, server: Farm) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    printer = card(page, 1)
    printer.locator('[data-testid="act-cancel"]').click()
    dialog = page.locator(DIALOG)
    dialog.wait_for()
    assert fits(page, DIALOG)
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.locator('[data-testid="action-confirm"]').click()  # no reason chosen yet
    assert dialog.locator('[data-testid="action-invalid"]').is_visible()
    assert page.evaluate("document.activeElement.name") == "reason"
    page.screenshot(path=str(SCREENSHOTS / "action-dialog-phone.png"))
    page.keyboard.press("Escape")
    until(page, "!document.querySelector('dialog[open]')")
    assert printer.get_attribute("data-state") == "printing"


def test_pending_lasts_until_simplyprint_confirms(page: Any, server: Farm) -> None:
    """With SimplyPrint's deliveries lost, the pause stays pending (the page does not guess);
    the pending action is in the snapshot a newly opened page gets."""
    printer_id = 1
    server.sp.control(drop=1.0)
    try:
        printer = card(page, printer_id)
        printer.locator('[data-testid="act-pause"]').click()
        page.locator(f'{DIALOG} [data-testid="action-confirm"]').click()
        pending = printer.locator('[data-testid="action-pending"]')
        pending.wait_for()
        until(page, "[...window.planningDebug.store.actions.values()]"
                    ".some((a) => a.open && a.status === 'pending')")
        page.screenshot(path=str(SCREENSHOTS / "actions-pending.png"),
                        clip=printer.bounding_box())
        page.reload()
        page.wait_for_selector(f'[data-testid="printer-{printer_id}"] '
                               '[data-testid="action-pending"]')
        assert "acting" in (card(page, printer_id).get_attribute("class") or "")
        assert card(page, printer_id).get_attribute("data-state") == "printing"
    finally:
        server.sp.control(drop=0.0)
