"""The webhook receiver: what it accepts, what it rejects and why, and that it loses nothing."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import override_settings

from apps.simpleprint.models import PrinterWebhookEvent
from tests.conftest import WEBHOOK_URL
from tests.payloads import envelope

pytestmark = pytest.mark.django_db(transaction=True)


def config(**overrides):
    from django.conf import settings

    return override_settings(SIMPLEPRINT_CONFIG={**settings.SIMPLEPRINT_CONFIG, **overrides})


def test_valid_delivery_is_stored_and_acknowledged(post_delivery, farm):
    response = post_delivery(farm.job_started(385))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted" and body["duplicate"] is False
    event = PrinterWebhookEvent.objects.get(pk=body["id"])
    assert event.event == "job.started"
    assert event.printer_sp_id == 385 and event.job_sp_id == 552252
    assert event.headers["Secret-Header"] == "X_SP_SECRET"


def test_secret_in_x_sp_token_is_accepted(post_delivery, farm):
    assert post_delivery(farm.job_started(385), header="X-SP-Token").status_code == 200


def test_previous_secret_is_accepted_during_rotation(post_delivery, farm):
    with config(webhook_secret="new-secret-value-0123456789", webhook_secret_previous="old-one"):
        assert post_delivery(farm.job_started(385), secret="old-one").status_code == 200


@pytest.mark.parametrize("header, secret", [
    ("X-SP-Secret", "wrong"),
    ("X-SP-Token", "wrong"),
    ("X-Webhook-Secret", None),
    ("Authorization", None),
    ("", None),
])
def test_missing_or_wrong_secret_is_401_and_stores_nothing(post_delivery, farm, header, secret):
    response = post_delivery(farm.job_started(385), header=header, secret=secret)
    assert response.status_code == 401
    assert "secret" in response.json()["detail"]
    assert not PrinterWebhookEvent.objects.exists()


def test_without_a_configured_secret_deliveries_are_refused(post_delivery, farm):
    with config(webhook_secret="", allow_insecure_webhooks=False):
        response = post_delivery(farm.job_started(385), header="")
    assert response.status_code == 503
    assert "SIMPLEPRINT_WEBHOOK_SECRET" in response.json()["detail"]
    assert not PrinterWebhookEvent.objects.exists()


def test_insecure_mode_accepts_deliveries_without_secret(post_delivery, farm):
    with config(webhook_secret="", allow_insecure_webhooks=True):
        assert post_delivery(farm.job_started(385), header="").status_code == 200


@pytest.mark.parametrize("body, fragment", [
    (b"not json", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (json.dumps({"event": "job.done", "timestamp": 1}).encode(), "missing: data"),
    (json.dumps({"data": {}}).encode(), "missing: event, timestamp"),
    (json.dumps({"event": 5, "timestamp": 1, "data": {}}).encode(), "'event'"),
    (json.dumps({"event": "", "timestamp": 1, "data": {}}).encode(), "'event'"),
    (json.dumps({"event": "job.done", "timestamp": "1718", "data": {}}).encode(), "'timestamp'"),
    (json.dumps({"event": "job.done", "timestamp": True, "data": {}}).encode(), "'timestamp'"),
    (json.dumps({"event": "job.done", "timestamp": -5, "data": {}}).encode(), "'timestamp'"),
    (json.dumps({"event": "job.done", "timestamp": 1, "data": [1]}).encode(), "'data'"),
    (json.dumps({"event": "job.done", "timestamp": 1, "data": {}, "webhook_id": "x"}).encode(),
     "'webhook_id'"),
])
def test_malformed_envelope_is_400_with_the_reason(post_delivery, body, fragment):
    response = post_delivery(body)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]
    assert not PrinterWebhookEvent.objects.exists()


def test_oversized_body_is_413(post_delivery):
    with config(max_body_bytes=1000):
        response = post_delivery(envelope("job.done", {"blob": "x" * 2000}))
    assert response.status_code == 413
    assert not PrinterWebhookEvent.objects.exists()


def test_get_is_405_with_a_json_explanation(client):
    response = client.get(WEBHOOK_URL)
    assert response.status_code == 405
    assert "POST" in response.json()["detail"]


def test_unknown_event_is_stored_and_marked_ignored(post_delivery):
    response = post_delivery(envelope("spaceship.launched", {"rocket": 1}))
    assert response.status_code == 200
    event = PrinterWebhookEvent.objects.get()
    assert event.category == "unknown"
    assert event.status == "ignored"


def test_retried_identical_delivery_is_acknowledged_without_a_second_row(post_delivery, farm):
    delivery = farm.job_started(385)
    first = post_delivery(delivery).json()
    second = post_delivery(delivery).json()
    assert second["duplicate"] is True and second["id"] == first["id"]
    event = PrinterWebhookEvent.objects.get()
    assert event.deliveries == 2


def test_database_unavailable_is_503_so_simplyprint_retries(post_delivery, farm):
    from django.db import connection

    def refused(execute, sql, params, many, context):
        if sql.startswith("INSERT"):
            raise OperationalError("connection refused")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refused):
        response = post_delivery(farm.job_started(385))
    assert response.status_code == 503
    assert response["Retry-After"] == "10"


def test_delivery_is_committed_before_it_is_acknowledged(post_delivery, farm):
    """The row is visible from another connection by the time the 200 is returned."""
    from django.db import connections

    response = post_delivery(farm.job_started(385))
    assert response.status_code == 200
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM simpleprint_printerwebhookevent")
            assert cursor.fetchone()[0] == 1
    finally:
        other.close()
