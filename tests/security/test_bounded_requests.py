"""Finding 1: one signed-in user could take the service down. ``?wait=nan`` passed
``min(max(wait, 0), 10)`` and the ping never returned, holding a thread and a database
connection for good. Every query parameter now refuses what is not a finite number in range
(400), the ping is a POST for users with ``ping_pages``, and no wait is unbounded.

The calls run in a thread with a deadline so that the code before the fix fails the test
instead of hanging the suite."""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.simpleprint.live import presence

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "/api/v1/simpleprint/"
PING = BASE + "websocket/ping/"
BAD_NUMBERS = ["nan", "NaN", "inf", "-Infinity", "1e309", "1e50", "99999999999999999999", "abc"]
#: Not a whole number: wrong for an integer parameter only.
BAD_INTEGERS = [*BAD_NUMBERS, "1.5"]


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``'s result, or a test failure if it has not returned after ``seconds``."""
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"still waiting after {seconds} s"
    return result[0]


@pytest.mark.parametrize("wait", ["nan", "NaN", "inf", "-inf", "1e309", "11", "-1", "abc"])
def test_ping_refuses_a_wait_that_is_not_a_finite_number_from_0_to_10(
        admin_api: APIClient, wait: str) -> None:
    started = time.monotonic()
    response = within(3, lambda: admin_api.post(f"{PING}?wait={wait}"))
    assert response.status_code == 400, response.content
    assert "wait" in response.json()["errors"]
    assert time.monotonic() - started < 1


def test_ping_is_a_post(admin_api: APIClient) -> None:
    response = within(3, lambda: admin_api.get(f"{PING}?wait=0"))
    assert response.status_code == 405


def test_ping_with_a_valid_wait_answers_in_time(admin_api: APIClient) -> None:
    started = time.monotonic()
    response = within(3, lambda: admin_api.post(f"{PING}?wait=0.2"))
    assert response.status_code == 200
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("wait", [math.nan, math.inf, -math.inf, 1e9])
def test_collecting_pongs_is_bounded_whatever_it_is_asked(wait: float) -> None:
    ping_id, sent_at = presence.new_ping()
    started = time.monotonic()
    within(presence.MAX_WAIT_SECONDS + 2,
           lambda: presence.collect_pongs(ping_id, sent_at, wait, expected=1))
    assert time.monotonic() - started <= presence.MAX_WAIT_SECONDS + 0.5


def numeric_query_parameters(api: APIClient) -> list[tuple[str, str, str]]:
    """(path, parameter, type) of every integer or number query parameter in the schema."""
    schema = api.get("/api/schema/?format=json").json()
    found = []
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["schema"].get("type") in (
                        "integer", "number") and parameter["name"] != "page":
                    found.append((path, parameter["name"], parameter["schema"]["type"]))
    return found


def test_every_numeric_query_parameter_refuses_what_is_not_a_finite_number_in_range(
        admin_api: APIClient) -> None:
    parameters = numeric_query_parameters(admin_api)
    assert ("/api/v1/simpleprint/printers/", "group_id", "integer") in parameters
    assert ("/api/v1/simpleprint/websocket/ping/", "wait", "number") in parameters
    wrong = []
    for path, name, kind in parameters:
        method = admin_api.post if path.endswith("/ping/") else admin_api.get
        for value in BAD_INTEGERS if kind == "integer" else BAD_NUMBERS:
            url = f"{path}?{name}={value}"
            response = within(3, functools.partial(method, url))
            if response.status_code != 400 or name not in response.json().get("errors", {}):
                wrong.append((path, name, value, response.status_code))
    assert not wrong, wrong


def test_an_invalid_page_number_is_a_404_not_a_server_error(admin_api: APIClient) -> None:
    for value in ("nan", "inf", "1e309", "-1"):
        assert admin_api.get(f"{BASE}printers/?page={value}").status_code == 404
