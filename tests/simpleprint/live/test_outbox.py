"""Pruning the outbox of live changes; the changes of a transaction written together."""

from __future__ import annotations

import contextlib

import pytest
from django.db import transaction
from django.test import override_settings

from apps.simpleprint.live import outbox
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


def test_collected_changes_are_written_and_published_together(
        django_capture_on_commit_callbacks, monkeypatch) -> None:
    published: list[list[int]] = []
    monkeypatch.setattr(outbox.publisher, "publish_updates",
                        lambda updates: published.append([u.id for u in updates]))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), \
            outbox.collected():
        record("queue.updated", {"sp_id": 1})
        with contextlib.suppress(RuntimeError), transaction.atomic():
            record("queue.updated", {"sp_id": 2})  # rolled back with its savepoint
            raise RuntimeError("rolled back")
        with outbox.collected():  # nested: the outer block writes
            record("queue.updated", {"sp_id": 3})
        assert not LiveUpdate.objects.exists()  # written when the block ends
    rows = list(LiveUpdate.objects.order_by("id"))
    assert [row.payload["sp_id"] for row in rows] == [1, 3]
    assert published == [[row.id for row in rows]]
