"""The one registry of SimplyPrint's events: the catalogue agrees with the simulator's (the
other side of the contract), and every table derived from it is consistent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apps.simpleprint.events import registry
from apps.simpleprint.events.envelope import parse_envelope
from apps.simpleprint.models import PrinterWebhookEvent
from apps.simpleprint.processing import inbox
from apps.simpleprint.state.jobs import RANKS, JobEvent
from simulator.domain.events import ALL_EVENTS


def test_the_catalogue_is_the_simulators() -> None:
    assert set(registry.CATALOGUE) == set(ALL_EVENTS)
    assert len(registry.CATALOGUE) == 63


def test_every_subscribed_event_is_applied_and_has_a_sample_and_a_label() -> None:
    for name in registry.SUBSCRIBED_EVENTS:
        spec = registry.EVENTS[name]
        assert spec.effect is not None, name
        assert spec.sample is not None, name
        assert spec.label, name


def test_samples_are_the_subscribed_events_and_test() -> None:
    assert set(registry.SAMPLE_EVENTS) == {*registry.SUBSCRIBED_EVENTS, registry.TEST_EVENT}


def test_aliases_name_real_events_and_are_not_real_names() -> None:
    assert registry.ALIASES
    for alias, real in registry.ALIASES.items():
        assert alias not in registry.EVENTS
        assert real in registry.EVENTS
        assert registry.canonical_name(alias) == real
        assert alias in registry.received_names(real)


def test_categories_come_from_the_names() -> None:
    assert registry.category_of("job.completed") == "job"
    assert registry.category_of("maintenance.low_stock") == "maintenance"
    assert registry.category_of("test") == "test"
    assert registry.category_of("printer.exploded") == "unknown"
    assert set(registry.CATEGORIES) == {name.split(".")[0] for name in registry.CATALOGUE} \
        | {"unknown"}


def test_job_ranks_order_a_print_within_one_second() -> None:
    rank = {name: spec.rank for name, spec in registry.EVENTS.items()
            if isinstance(spec.effect, JobEvent)}
    assert rank["job.started"] < rank["job.paused"] < rank["job.resumed"] < rank["job.done"]
    assert rank["job.done"] == rank["job.failed"] == rank["job.cancelled"]
    assert rank["job.done"] < rank["job.bed_cleared"] < RANKS


@pytest.mark.django_db
@pytest.mark.parametrize("event", registry.SAMPLE_EVENTS)
def test_each_sample_is_a_valid_delivery_that_is_processed(
        event: str, request: pytest.FixtureRequest) -> None:
    if event == "queue.empty_queue":  # it re-reads the queue group from SimplyPrint
        request.getfixturevalue("sp_settings")
    body: dict[str, Any] = registry.sample_envelope(event, ref=9_000_000_001, timestamp=1718000000)
    envelope = parse_envelope(json.dumps(body).encode())
    stored = inbox.store_delivery(envelope, {})
    assert inbox.process_event(stored.event.pk) == PrinterWebhookEvent.Status.PROCESSED
    assert envelope.canonical_event == event


def test_informational_events_are_not_applied() -> None:
    for name in ("filament.create", "balance.charged", "maintenance.low_stock"):
        assert registry.EVENTS[name].effect is None
        assert not registry.EVENTS[name].subscribed
