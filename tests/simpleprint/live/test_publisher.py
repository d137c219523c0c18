"""Coalescing queued group messages before they go to the channel layer."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from channels.layers import channel_layers, get_channel_layer

from apps.simpleprint.live import publisher
from apps.simpleprint.live.publisher import Publisher, coalesce

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


def test_the_publisher_moves_to_the_servers_loop_once_it_is_known(
        settings: Any, monkeypatch: Any) -> None:
    """The background work starts before the server's loop is known (no request yet): the
    publisher sends on a loop of its own, then on the server's, where the in-memory layer's
    pages listen."""
    monkeypatch.setattr(publisher, "_home_loop", None)  # restored afterwards
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    layer = get_channel_layer()
    assert layer is not None
    sending = Publisher()
    sending.submit(GROUP, update(1))  # nobody listens yet: sent on the publisher's own loop
    assert sending.flush(timeout=5)

    server = asyncio.new_event_loop()
    thread = threading.Thread(target=server.run_forever, daemon=True)
    thread.start()
    try:
        channel = asyncio.run_coroutine_threadsafe(layer.new_channel(), server).result(5)
        asyncio.run_coroutine_threadsafe(layer.group_add(GROUP, channel), server).result(5)
        publisher.set_home_loop(server)
        sending.submit(GROUP, update(2))
        assert sending.flush(timeout=5)
        received = asyncio.run_coroutine_threadsafe(
            asyncio.wait_for(layer.receive(channel), 3), server).result(5)
        assert received["updates"] == [[2, '{"seq": 2}']]
    finally:
        server.call_soon_threadsafe(server.stop)
        thread.join(5)
        for task in asyncio.all_tasks(server):  # the publisher's drain on the "server" loop
            task.cancel()
        server.run_until_complete(asyncio.sleep(0))
        server.close()
        channel_layers.backends.clear()
