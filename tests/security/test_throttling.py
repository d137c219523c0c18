"""Finding 4 (the throttling half): API users are throttled. Each signed-in user has a budget of
API requests, calls that spend the shared SimplyPrint budget and the ping have smaller scoped
ones, and a 429 says when to retry. Requests without credentials are counted per address, and
the address is never taken from a client's X-Forwarded-For."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
BASE = "/api/v1/simpleprint/"


@pytest.fixture(autouse=True)
def fresh_counters() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def rates(settings: Any, **scopes: str) -> None:
    settings.PRINTFARM_THROTTLES = {**settings.PRINTFARM_THROTTLES, **scopes}


def test_a_user_beyond_the_rate_gets_429_with_retry_after(api: APIClient, settings: Any) -> None:
    rates(settings, user="5/min")
    codes = [api.get(BASE + "printers/").status_code for _ in range(5)]
    assert codes == [200] * 5
    throttled = api.get(BASE + "printers/")
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert "throttled" in throttled.json()["detail"]


def test_each_user_has_a_budget_of_their_own(api: APIClient, admin_api: APIClient,
                                             settings: Any) -> None:
    rates(settings, user="2/min")
    for _ in range(3):
        api.get(BASE + "printers/")
    assert api.get(BASE + "printers/").status_code == 429
    assert admin_api.get(BASE + "printers/").status_code == 200


def test_calls_that_spend_the_simplyprint_budget_have_a_smaller_scope(
        admin_api: APIClient, settings: Any) -> None:
    rates(settings, simplyprint="2/min")
    switch = BASE + "webhook/hooks/11/enabled/"
    answers = [admin_api.post(switch, {"enabled": True}, format="json").status_code
               for _ in range(2)]
    assert 429 not in answers  # SimplyPrint is unreachable here: 502s, each one a call
    assert admin_api.post(switch, {"enabled": True}, format="json").status_code == 429
    assert admin_api.post(BASE + "webhook/test/", {"webhook_id": 11},
                          format="json").status_code == 429
    # Reading and local injections are not SimplyPrint calls.
    assert admin_api.get(BASE + "webhook/test/").status_code == 200
    assert admin_api.post(BASE + "webhook/test/", {"inject_event": "job.done"},
                          format="json").status_code == 200


def test_the_ping_has_a_scope_of_its_own(admin_api: APIClient, settings: Any) -> None:
    rates(settings, ping="1/min")
    assert admin_api.post(BASE + "websocket/ping/?wait=0").status_code == 200
    assert admin_api.post(BASE + "websocket/ping/?wait=0").status_code == 429


def test_requests_without_credentials_are_counted_per_address_whatever_they_forward(
        client: Client, settings: Any) -> None:
    """The public API view (the schema, costly to build) is throttled per address; a client's
    own X-Forwarded-For does not make it someone else."""
    rates(settings, anon="2/min")
    codes = [client.get("/api/schema/", headers={"X-Forwarded-For": f"203.0.113.{n}"}
                        ).status_code for n in range(3)]
    assert codes == [200, 200, 429]
