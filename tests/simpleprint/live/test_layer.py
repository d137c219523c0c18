"""The embedded default's channel layer: a group send reaches every member at once, each with a
message of its own, and a full page's queue loses the message for that page only."""

from __future__ import annotations

import asyncio

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
