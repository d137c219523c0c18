"""/metrics: protected, and computed from the stored events and the shared counters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from apps.simpleprint.ops import metrics
from tests.payloads import FarmStory

TOKEN = "metrics-token-5b0e1f2a9c"


@pytest.fixture(autouse=True)
def fresh_counters(settings) -> Iterator[None]:
    settings.PRINTFARM_METRICS_TOKEN = TOKEN
    cache.clear()
    yield
    cache.clear()


def scrape(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def test_anonymous_scrapes_are_refused(client: Client) -> None:
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_refused(client: Client) -> None:
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401


@pytest.mark.django_db
def test_non_staff_users_are_refused(client: Client) -> None:
    client.force_login(User.objects.create_user("operator"))
    assert client.get("/metrics").status_code == 401


@pytest.mark.django_db
def test_staff_users_may_scrape(client: Client) -> None:
    client.force_login(User.objects.create_user("admin", is_staff=True))
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"printfarm_events" in response.content


@pytest.mark.django_db(transaction=True)
def test_deliveries_are_counted_by_outcome(client: Client, post_delivery: Callable[..., Any],
                                           farm: FarmStory) -> None:
    started = farm.job_started(385)
    post_delivery(started)
    post_delivery(started)
    post_delivery(farm.printer_event("printer.material_changed", 385), secret="wrong-secret")
    post_delivery(b"{not json")
    samples = scrape(client)
    total = "printfarm_webhook_deliveries_total"
    assert samples[(total, (("outcome", "accepted"), ("reason", "")))] == 1
    assert samples[(total, (("outcome", "duplicate"), ("reason", "")))] == 1
    assert samples[(total, (("outcome", "rejected"), ("reason", "bad_secret")))] == 1
    assert samples[(total, (("outcome", "rejected"), ("reason", "bad_envelope")))] == 1


@pytest.mark.django_db(transaction=True)
def test_processed_events_feed_the_status_gauge_and_lag_histogram(
        client: Client, post_delivery: Callable[..., Any], farm: FarmStory) -> None:
    post_delivery(farm.job_started(385))
    post_delivery(farm.job_started(386))
    samples = scrape(client)
    processed = samples[("printfarm_events", (("status", "processed"),))]
    ignored = samples[("printfarm_events", (("status", "ignored"),))]
    assert processed + ignored == 2
    assert samples[("printfarm_events", (("status", "pending"),))] == 0
    assert samples[("printfarm_event_processing_lag_seconds_count", ())] == 2
    assert samples[("printfarm_event_processing_lag_seconds_bucket", (("le", "+Inf"),))] == 2
    assert samples[("printfarm_oldest_unprocessed_event_age_seconds", ())] == 0


@pytest.mark.django_db
def test_other_modules_can_register_gauges_and_shared_counters(client: Client) -> None:
    metrics.register_gauge("printfarm_test_headroom", "Test gauge.",
                           lambda: {"printers": 41.0}, label="endpoint")
    metrics.register_shared_counter("printfarm_test_calls", "Test counter.",
                                    label="endpoint", values=("printers",))
    metrics.incr_shared("printfarm_test_calls:printers", 3)
    try:
        samples = scrape(client)
    finally:
        metrics._gauges.pop("printfarm_test_headroom")
        metrics._shared_counters.pop("printfarm_test_calls")
    assert samples[("printfarm_test_headroom", (("endpoint", "printers"),))] == 41
    assert samples[("printfarm_test_calls_total", (("endpoint", "printers"),))] == 3
