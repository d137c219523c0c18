"""``webhook/test/``: the webhook set-up at a glance, and local sample injection."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps.simpleprint.events.registry import SAMPLE_EVENTS, SUBSCRIBED_EVENTS, sample_envelope
from apps.simpleprint.events.samples import SAMPLE_PRINTER_ID
from apps.simpleprint.models import (
    LiveUpdate,
    Notification,
    Printer,
    PrinterWebhookEvent,
    PrintJob,
    PrintQueue,
)
from apps.simpleprint.ops import diagnostics
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


def _farm() -> dict[str, list[object]]:
    """Every row of the mirror and the outbox, by table."""
    return {"printers": list(Printer.objects.values_list("sp_id", "state", "bed_needs_clearing")),
            "jobs": list(PrintJob.objects.values_list("sp_id", "status")),
            "queue": list(PrintQueue.objects.values_list("sp_id", "state")),
            "events": list(PrinterWebhookEvent.objects.values_list("id", flat=True)),
            "live": list(LiveUpdate.objects.values_list("id", flat=True)),
            "notifications": list(Notification.objects.values_list("key", flat=True))}


@pytest.mark.parametrize("event", SAMPLE_EVENTS)
def test_a_sample_runs_through_processing_and_leaves_the_farm_unchanged(
    admin_api: APIClient, farm_history: History, event: str
) -> None:
    before = _farm()
    response = admin_api.post(URL, {"inject_event": event}, format="json")

    assert response.status_code == 200, response.json()
    outcome = response.json()
    assert outcome["action"] == "inject_event"
    assert outcome["rolled_back"] is True
    assert outcome["status"] == "processed", outcome
    assert outcome["event_id"] is None
    assert _farm() == before


def test_a_sample_says_what_it_would_have_changed(admin_api: APIClient) -> None:
    outcome = admin_api.post(URL, {"inject_event": "job.started"}, format="json").json()
    kinds = [change["type"] for change in outcome["changes"]]
    assert kinds.count("job.updated") == 1 and kinds.count("printer.updated") == 1, kinds
    job = next(c["data"] for c in outcome["changes"] if c["type"] == "job.updated")
    assert job["status"] == "printing" and job["file_name"].startswith("sample_")
    assert not Printer.objects.filter(sp_id=SAMPLE_PRINTER_ID).exists()


def test_a_sample_that_fails_to_apply_says_why(admin_api: APIClient, monkeypatch: Any) -> None:
    def without_job(event: str, **kwargs: Any) -> dict[str, Any]:
        return {**sample_envelope(event, **kwargs), "data": {}}

    monkeypatch.setattr(diagnostics, "sample_envelope", without_job)
    outcome = admin_api.post(URL, {"inject_event": "job.done"}, format="json").json()
    assert outcome["status"] == "failed"
    assert "without data.job.id" in outcome["error"]
    assert not PrinterWebhookEvent.objects.exists()


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
