"""Coalescing queued group messages before they go to the channel layer."""

from __future__ import annotations

from typing import Any

from apps.simpleprint.live.publisher import coalesce

GROUP = "planning.company-1"


def update(seq: int) -> dict[str, Any]:
    return {"type": "live.update", "updates": [[seq, f'{{"seq": {seq}}}']]}


def test_consecutive_updates_to_one_group_become_one_message_in_order() -> None:
    merged = coalesce([(GROUP, update(5)), (GROUP, update(6)), (GROUP, update(7))])
    assert merged == [(GROUP, {"type": "live.update", "updates": [
        [5, '{"seq": 5}'], [6, '{"seq": 6}'], [7, '{"seq": 7}']]})]


def test_a_ping_between_updates_keeps_its_place() -> None:
    ping = {"type": "live.ping", "ping_id": "p-1", "sent_at": 1.0}
    merged = coalesce([(GROUP, update(5)), (GROUP, ping), (GROUP, update(6))])
    assert [(g, m["type"]) for g, m in merged] == [
        (GROUP, "live.update"), (GROUP, "live.ping"), (GROUP, "live.update")]


def test_updates_to_different_groups_are_not_merged() -> None:
    other = "planning.company-2"
    merged = coalesce([(GROUP, update(5)), (other, update(6))])
    assert [g for g, _ in merged] == [GROUP, other]


def test_the_queued_messages_are_left_unchanged() -> None:
    first, second = update(5), update(6)
    coalesce([(GROUP, first), (GROUP, second)])
    assert first == update(5)
    assert second == update(6)
