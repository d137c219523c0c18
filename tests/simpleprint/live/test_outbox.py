"""Pruning the outbox of live changes."""

from __future__ import annotations

import pytest
from django.test import override_settings

from apps.simpleprint.live.outbox import prune, record
from apps.simpleprint.models import LiveUpdate

pytestmark = pytest.mark.django_db


def test_prune_keeps_the_newest_rows() -> None:
    updates = [record("queue.updated", {"sp_id": i}) for i in range(5)]
    assert prune(keep=2) == 3
    assert list(LiveUpdate.objects.values_list("id", flat=True)) == [u.id for u in updates[-2:]]


def test_prune_defaults_to_the_configured_retention() -> None:
    for i in range(4):
        record("queue.updated", {"sp_id": i})
    with override_settings(PRINTFARM_LIVE={"retention": 3}):
        assert prune() == 1
    assert LiveUpdate.objects.count() == 3


def test_prune_below_retention_deletes_nothing() -> None:
    record("queue.updated", {"sp_id": 1})
    assert prune(keep=10) == 0
    assert LiveUpdate.objects.count() == 1
