"""The page's warning banner: how changes reach it, from what the server knows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.planning.selectors import webhook_warnings

pytestmark = pytest.mark.django_db
RECEIVER = "https://farm.example/api/v1/simpleprint/webhook/printers/"
NOW = 1_800_000_000.0


def overview(*hooks: dict[str, Any], last: float | None = NOW - 60,
             error: str | None = None) -> dict[str, Any]:
    return {"receiver_url": RECEIVER, "webhooks": None if error else list(hooks),
            "webhooks_error": error,
            "last_received_at": None if last is None else datetime.fromtimestamp(last, UTC)}


WEBHOOKS = {"mode": "webhooks", "reason": "webhooks are the default"}
POLLING = {"mode": "polling", "reason": "our webhook 11 was disabled at SimplyPrint"}


def codes(warnings: list[dict[str, str]]) -> list[str]:
    return [w["code"] for w in warnings]


def test_all_well_says_nothing() -> None:
    assert webhook_warnings(overview({"id": 11, "url": RECEIVER, "enabled": True}),
                            WEBHOOKS, busy=3, now=NOW) == []


@pytest.mark.parametrize(("hooks", "expected"), [
    ((), "missing"),
    (({"id": 4, "url": "https://other.example/hook", "enabled": True},), "elsewhere"),
    (({"id": 11, "url": RECEIVER, "enabled": False},), "disabled"),
])
def test_our_webhook_missing_elsewhere_or_disabled(hooks: tuple[dict[str, Any], ...],
                                                   expected: str) -> None:
    warnings = webhook_warnings(overview(*hooks), WEBHOOKS, busy=0, now=NOW)
    assert codes(warnings) == [expected, "until_polling"]
    assert "15 min" in warnings[-1]["text"]


def test_disabled_and_polling_says_polling_took_over() -> None:
    warnings = webhook_warnings(overview({"id": 11, "url": RECEIVER, "enabled": False}),
                                POLLING, busy=2, now=NOW)
    assert codes(warnings) == ["disabled", "polling"]
    assert "#11" in warnings[0]["text"]
    assert "every 30 s" in warnings[1]["text"] and "disabled" in warnings[1]["text"]


def test_silent_while_printers_print() -> None:
    hook = {"id": 11, "url": RECEIVER, "enabled": True}
    assert webhook_warnings(overview(hook, last=NOW - 1000), WEBHOOKS, busy=0, now=NOW) == []
    warnings = webhook_warnings(overview(hook, last=NOW - 1000), WEBHOOKS, busy=4, now=NOW)
    assert codes(warnings) == ["silent", "until_polling"]
    assert "16 min" in warnings[0]["text"] and "4 printers" in warnings[0]["text"]


def test_simplyprint_unreachable_is_said() -> None:
    warnings = webhook_warnings(overview(error="connection refused"), WEBHOOKS, busy=0, now=NOW)
    assert codes(warnings)[0] == "unknown" and "connection refused" in warnings[0]["text"]


def test_the_health_endpoint_needs_a_login_and_answers(api: APIClient) -> None:
    body = api.get("/planning-v2/api/health/?fresh=1").json()
    assert body["mode"] == "webhooks"
    assert codes(body["warnings"])[0] == "unknown"  # the test settings' SimplyPrint is closed
    assert APIClient().get("/planning-v2/api/health/").status_code in (401, 403)
