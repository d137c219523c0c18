"""``POST webhook/test/ {"webhook_id": N}`` end to end: SimplyPrint (the bundled simulator) is
asked for its test delivery and the delivery reaches the receiver.

Uses the ``sp_simulator`` fixture (tests/conftest.py: the base URL of a running simulator) and
``webhook_manager.ensure_webhook()`` (registers ``receiver_url()`` there).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.simpleprint.sync import webhook_manager

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/simpleprint/webhook/test/"


def test_simplyprint_test_delivery_arrives(admin_api: APIClient, live_server: Any,
                                           sp_simulator: str, settings: Any) -> None:
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "base_url": sp_simulator,
                                   "public_url": live_server.url}
    webhook_manager.ensure_webhook()
    overview = admin_api.get(URL).json()
    assert overview["receiver_registered"] is True, overview
    webhook_id = next(w["id"] for w in overview["webhooks"]
                      if w["url"] == overview["receiver_url"])

    response = admin_api.post(URL, {"webhook_id": webhook_id}, format="json")
    assert response.status_code == 200, response.json()

    deadline = time.monotonic() + 10
    arrived: list[Any] = []
    # Stored first, processed right after its commit: wait for both.
    while not (arrived and arrived[0]["status"] == "processed") \
            and time.monotonic() < deadline:
        arrived = admin_api.get("/api/v1/simpleprint/webhook/events/",
                                {"event": "test", "webhook_id": webhook_id}).json()["results"]
        time.sleep(0.1)
    assert arrived and arrived[0]["status"] == "processed"


def test_a_webhook_is_disabled_and_enabled_at_simplyprint(admin_api: APIClient, sp_simulator: str,
                                                          settings: Any) -> None:
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "base_url": sp_simulator}
    webhook, _ = webhook_manager.ensure_webhook()
    switch = f"/api/v1/simpleprint/webhook/hooks/{webhook['id']}/enabled/"

    assert admin_api.post(switch, {"enabled": False}, format="json").status_code == 200
    assert [w["enabled"] for w in webhook_manager.list_webhooks()] == [False]
    assert admin_api.post(switch, {"enabled": True}, format="json").status_code == 200
    assert [w["enabled"] for w in webhook_manager.list_webhooks()] == [True]


def test_switching_an_unknown_webhook_is_a_502_with_simplyprints_reason(
        admin_api: APIClient, sp_simulator: str, settings: Any) -> None:
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "base_url": sp_simulator}
    response = admin_api.post("/api/v1/simpleprint/webhook/hooks/424242/enabled/",
                              {"enabled": True}, format="json")
    assert response.status_code == 502
    assert "424242" in response.json()["detail"]


def test_reading_the_overview_spends_no_api_call(api: APIClient, sp_settings: Any,
                                                 simplyprint: Any) -> None:
    webhook_manager.ensure_webhook()
    simplyprint.reset_stats()
    for _ in range(5):
        overview = api.get(URL).json()
        assert overview["receiver_registered"] is True
    assert simplyprint.requests_to("webhooks/Get") == {}
    assert overview["webhooks_checked_at"] is not None


def test_refresh_asks_simplyprint_at_most_once_in_a_few_seconds(
        admin_api: APIClient, api: APIClient, sp_settings: Any, simplyprint: Any) -> None:
    first = admin_api.get(URL).json()  # nothing asked yet: nothing known, and it says so
    assert first["webhooks"] is None and "refresh" in first["webhooks_error"]
    simplyprint.create_webhook("https://farm.example.com/hook/", ["job.done"], name="other")
    refreshed = admin_api.get(URL, {"refresh": "1"}).json()
    assert [w["name"] for w in refreshed["webhooks"]] == ["other"]
    assert "secret" not in refreshed["webhooks"][0]
    api.get(URL, {"refresh": "1"})
    assert simplyprint.requests_to("webhooks/Get") == {"200": 1}


def test_the_sync_keeps_the_overview_fresh(api: APIClient, sp_settings: Any,
                                           simplyprint: Any) -> None:
    from apps.simpleprint.remote.client import SimplePrintClient
    from apps.simpleprint.sync import polling

    simplyprint.control(webhooks_available=False, webhooks_refusal="403")
    with SimplePrintClient() as client:
        assert polling.tick(client, simplyprint.clock) == "polled"
    overview = api.get(URL).json()
    assert overview["webhooks"] is None
    assert "webhooks_manage" in overview["webhooks_error"]
    assert overview["mode"] == "polling"
