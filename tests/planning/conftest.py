"""The planning tests use the simpleprint fixtures (users, a farm history, deliveries); the
browser tests share Chromium and a logged-in page (each module starts its own ``server``)."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.planning.browser import CHROMIUM, LAUNCH_ARGS, WIDE, Farm, signed_in_page
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
    page = signed_in_page(chromium, server, locale="ru-RU", viewport=WIDE)
    page.wait_for_selector(".tl-row[data-printer]")
    yield page
    page.context.close()
