"""``webhook/test/``: the webhook set-up at a glance, and local sample injection."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps.simpleprint.events.registry import SAMPLE_EVENTS, SUBSCRIBED_EVENTS
from apps.simpleprint.events.samples import SAMPLE_PRINTER_ID
from apps.simpleprint.models import Printer, PrinterWebhookEvent, PrintQueue
from tests.simpleprint.conftest import History

pytestmark = pytest.mark.django_db
URL = "/api/v1/simpleprint/webhook/test/"


def test_overview_counts_and_receiver(api: APIClient, farm_history: History) -> None:
    body = api.get(URL).json()
    assert body["counts"] == {"received": 14, "processed": 12, "ignored": 1, "failed": 1,
                              "pending": 0}
    assert body["last_received_at"] is not None
    assert body["receiver_url"] == "http://testserver/api/v1/simpleprint/webhook/printers/"
    assert body["mode"] == "webhooks"
    assert body["subscribed_events"] == list(SUBSCRIBED_EVENTS)


def test_overview_says_whether_a_secret_is_set_never_which(api: APIClient) -> None:
    body = api.get(URL).json()
    assert body["secret_configured"] is True
    assert body["previous_secret_configured"] is False
    assert "test-webhook-secret" not in str(body)


def test_overview_without_a_reachable_simplyprint_explains_why(api: APIClient) -> None:
    # The test settings point SimplyPrint at a closed port, and without the webhook manager
    # there is nothing to ask: either way the listing is null with a reason.
    body = api.get(URL).json()
    assert body["webhooks"] is None
    assert body["receiver_registered"] is None
    assert body["webhooks_error"]


@pytest.mark.parametrize("event", SAMPLE_EVENTS)
def test_injecting_a_sample_stores_and_processes_it(admin_api: APIClient, event: str) -> None:
    response = admin_api.post(URL, {"inject_event": event}, format="json")

    assert response.status_code == 200, response.json()
    outcome = response.json()
    assert outcome["action"] == "inject_event"
    assert outcome["status"] == "processed", outcome
    stored = PrinterWebhookEvent.objects.get(pk=outcome["event_id"])
    assert stored.event == event
    assert stored.headers["Secret-Header"] == "local-injection"
    assert stored.payload["webhook_id"] == 0


def test_samples_touch_only_the_sample_printer_and_queue_group(
    admin_api: APIClient, farm_history: History
) -> None:
    for event in SAMPLE_EVENTS:
        admin_api.post(URL, {"inject_event": event}, format="json")
    assert set(Printer.objects.values_list("sp_id", flat=True)) == {385, 386, 412,
                                                                    SAMPLE_PRINTER_ID}
    assert PrintQueue.objects.get(sp_id=farm_history.active_item).state == "queued"
    assert Printer.objects.get(sp_id=412).state == "printing"


def test_injecting_twice_stores_two_deliveries(admin_api: APIClient) -> None:
    first = admin_api.post(URL, {"inject_event": "job.done"}, format="json").json()
    second = admin_api.post(URL, {"inject_event": "job.done"}, format="json").json()
    assert first["event_id"] != second["event_id"]
    assert not second["duplicate"]


@pytest.mark.parametrize(("body", "field"), [
    ({}, "non_field_errors"),
    ({"webhook_id": 11, "inject_event": "test"}, "non_field_errors"),
    ({"inject_event": "job.completed"}, "inject_event"),
    ({"webhook_id": "eleven"}, "webhook_id"),
])
def test_bad_requests_are_400(admin_api: APIClient, body: dict[str, object], field: str) -> None:
    response = admin_api.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_trigger_without_simplyprint_is_a_clear_error(admin_api: APIClient) -> None:
    response = admin_api.post(URL, {"webhook_id": 11}, format="json")
    assert response.status_code in (502, 503)
    assert "webhook" in response.json()["detail"]


@override_settings(SIMPLEPRINT_CONFIG={
    "webhook_secret": "", "webhook_secret_previous": "", "allow_insecure_webhooks": True,
    "public_url": "https://farm.example.com/", "base_url": "http://127.0.0.1:1",
    "company_id": 1, "api_key": "k", "rate_limit": 60, "timeout": 1.0,
    "max_body_bytes": 1024,
})
def test_overview_of_an_insecure_setup(api: APIClient) -> None:
    body = api.get(URL).json()
    assert body["secret_configured"] is False
    assert body["insecure_webhooks_allowed"] is True
    assert body["receiver_url"] == "https://farm.example.com/api/v1/simpleprint/webhook/printers/"
