"""The planning tests use the simpleprint fixtures (users, a farm history, deliveries); the
browser tests share Chromium and a logged-in page (each module starts its own ``server``)."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.planning.browser import CHROMIUM, LAUNCH_ARGS, PASSWORD, TIMEOUT_MS, USERNAME, WIDE, Farm
from tests.simpleprint.conftest import (  # noqa: F401
    admin_api,
    administrator,
    api,
    deliver,
    farm_history,
    operator,
    staff,
    staff_api,
    user,
    viewer,
)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, server: Farm) -> Iterator[Any]:
    context = chromium.new_context(locale="ru-RU", viewport=WIDE,
                                   base_url=server.server.http_url)
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
