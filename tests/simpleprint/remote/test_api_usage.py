"""Every SimplyPrint call is counted by endpoint and outcome; ``api_usage`` sums a window and
reports the headroom left in the shared rate limit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from apps.simpleprint.remote import api_usage
from apps.simpleprint.remote.client import SimplePrintAPIError, SimplePrintClient
from tests.simplyprint_sim import SimulatedSimplyPrint


@pytest.fixture(autouse=True)
def fresh_counts() -> Iterator[None]:
    api_usage.reset()
    yield
    api_usage.reset()


def test_calls_are_counted_by_endpoint_and_outcome(sp_settings: Any,
                                                   simplyprint: SimulatedSimplyPrint) -> None:
    with SimplePrintClient() as sp:
        sp.test_account()
        sp.get_printers()
        simplyprint.control(fail_next=1)
        sp.get_printers()  # a 503, then a retry that succeeds
    with SimplePrintClient(api_key="wrong") as sp, pytest.raises(SimplePrintAPIError):
        sp.list_webhooks()

    usage = api_usage.api_usage(window_seconds=3600)

    assert usage["calls"] == 5
    assert usage["by_endpoint"] == {"account/Test": 1, "printers/Get": 3, "webhooks/Get": 1}
    assert usage["by_outcome"] == {"401": 1, "503": 1, "ok": 3}


def test_headroom_is_the_limit_minus_the_last_minutes_calls(
    sp_settings: Any, simplyprint: SimulatedSimplyPrint
) -> None:
    with SimplePrintClient() as sp:
        for _ in range(4):
            sp.test_account()
    usage = api_usage.api_usage()
    assert usage["rate_limit_per_minute"] == 60
    assert usage["used_last_minute"] == 4
    assert usage["headroom_per_minute"] == 56


def test_calls_without_an_answer_are_errors(settings: Any) -> None:
    with SimplePrintClient(max_attempts=2) as sp, pytest.raises(SimplePrintAPIError):
        sp.test_account()  # the test settings point at a closed port
    assert api_usage.api_usage()["by_outcome"] == {"error": 2}


def test_the_window_leaves_out_older_minutes() -> None:
    now = time.time()
    api_usage.record("printers/Get", "ok", at=now)
    api_usage.record("printers/Get", "ok", at=now - 2 * 3600)
    assert api_usage.api_usage(window_seconds=3600)["calls"] == 1
    assert api_usage.api_usage(window_seconds=3 * 3600)["calls"] == 2
