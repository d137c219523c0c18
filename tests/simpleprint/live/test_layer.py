"""The embedded default's channel layer: a group send reaches every member at once, each with a
message of its own, and a full page's queue loses the message for that page only."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from apps.simpleprint.live.layer import LocalChannelLayer

UPDATE = {"type": "live.update",
          "updates": [[41, '{"type":"job.updated","seq":41,"data":{"sp_id":552254}}']]}


async def test_a_group_send_reaches_every_member_with_a_message_of_its_own() -> None:
    layer = LocalChannelLayer(capacity=10)
    pages = [await layer.new_channel() for _ in range(3)]
    for page in pages:
        await layer.group_add("planning.company-1", page)
    await layer.group_send("planning.company-1", UPDATE)
    received = [await asyncio.wait_for(layer.receive(page), 1) for page in pages]
    assert received == [UPDATE] * 3
    received[0]["type"] = "changed by one page"
    assert received[1]["type"] == "live.update" and UPDATE["type"] == "live.update"


async def test_a_full_page_misses_the_message_and_the_others_get_it() -> None:
    layer = LocalChannelLayer(capacity=1)
    slow, quick = await layer.new_channel(), await layer.new_channel()
    for page in (slow, quick):
        await layer.group_add("planning.company-1", page)
    await layer.send(slow, {"type": "live.ping", "ping_id": "p1", "sent_at": 1.0})
    await layer.group_send("planning.company-1", UPDATE)
    assert await asyncio.wait_for(layer.receive(quick), 1) == UPDATE
    assert (await asyncio.wait_for(layer.receive(slow), 1))["type"] == "live.ping"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(slow), 0.05)


async def test_an_expired_member_gets_nothing() -> None:
    layer = LocalChannelLayer(capacity=10, group_expiry=1)
    page = await layer.new_channel()
    await layer.group_add("planning.company-1", page)
    layer.groups["planning.company-1"][page] -= 5  # joined 5 s earlier than it did
    await layer.group_send("planning.company-1", UPDATE)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(page), 0.05)


async def test_an_attached_member_is_handed_the_message_instead_of_a_queue() -> None:
    layer = LocalChannelLayer(capacity=10)
    attached, queued = await layer.new_channel(), await layer.new_channel()
    for page in (attached, queued):
        await layer.group_add("planning.company-1", page)
    taken: list[dict[str, Any]] = []
    layer.attach(attached, taken.append)
    await layer.group_send("planning.company-1", UPDATE)
    assert taken == [UPDATE] and taken[0] is not UPDATE
    assert await asyncio.wait_for(layer.receive(queued), 1) == UPDATE
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(attached), 0.05)


async def test_a_detached_member_gets_its_messages_queued_again() -> None:
    layer = LocalChannelLayer(capacity=10)
    page = await layer.new_channel()
    await layer.group_add("planning.company-1", page)
    taken: list[dict[str, Any]] = []
    layer.attach(page, taken.append)
    layer.detach(page)
    await layer.group_send("planning.company-1", UPDATE)
    assert taken == []
    assert await asyncio.wait_for(layer.receive(page), 1) == UPDATE


async def test_a_message_sent_without_waiting_is_queued_or_dropped_when_full() -> None:
    layer = LocalChannelLayer(capacity=1)
    page = await layer.new_channel()
    layer.send_nowait(page, {"type": "live.waiting"})
    layer.send_nowait(page, {"type": "live.catch_up"})
    assert await asyncio.wait_for(layer.receive(page), 1) == {"type": "live.waiting"}
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(page), 0.05)


async def test_a_member_that_fails_to_take_the_message_does_not_keep_it_from_the_others(
        caplog: pytest.LogCaptureFixture) -> None:
    layer = LocalChannelLayer(capacity=10)
    failing, queued = await layer.new_channel(), await layer.new_channel()
    for page in (failing, queued):
        await layer.group_add("planning.company-1", page)

    def broken(message: dict[str, Any]) -> None:
        raise RuntimeError("socket gone")

    layer.attach(failing, broken)
    await layer.group_send("planning.company-1", UPDATE)
    assert await asyncio.wait_for(layer.receive(queued), 1) == UPDATE
    assert "could not take a group message" in caplog.text
