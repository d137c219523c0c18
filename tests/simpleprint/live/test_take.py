"""A page's consumer takes the group messages handed over by the embedded layer: changes that
continue its sequence are written at once, anything else waits, in order, for its handlers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from apps.simpleprint.live.consumer import PlanningConsumer
from apps.simpleprint.live.layer import LocalChannelLayer


def update(*seqs: int) -> dict[str, Any]:
    return {"type": "live.update",
            "updates": [[seq, f'{{"seq":{seq},"type":"job.updated","data":{{"sp_id":552254}}}}']
                        for seq in seqs]}


def text(seq: int) -> str:
    return update(seq)["updates"][0][1]


class Page:
    """A consumer attached to its layer, as ``connect`` leaves it under ``manage.py serve``;
    ``frames`` are what the server wrote at once, ``sent`` what went through
    ``websocket.send``."""

    def __init__(self, last_seq: int = 40, capacity: int = 4) -> None:
        self.layer = LocalChannelLayer(capacity=capacity)
        self.consumer = PlanningConsumer()
        self.consumer.channel_layer = self.layer
        self.consumer.channel_name = "specific.inmemory!page"
        self.consumer.last_seq = last_seq
        self.writable = True
        self.frames: list[str] = []
        self.sent: list[str] = []
        self.consumer.send_text_now = self.send_text_now
        self.consumer.base_send = self.base_send

    def send_text_now(self, text: str) -> bool:
        if self.writable:
            self.frames.append(text)
        return self.writable

    async def base_send(self, message: dict[str, Any]) -> None:
        self.sent.append(message["text"])

    async def nudged(self) -> bool:
        try:
            message = await asyncio.wait_for(self.layer.receive(self.consumer.channel_name), 0.05)
        except TimeoutError:
            return False
        return bool(message == {"type": "live.waiting"})


def test_changes_that_continue_the_sequence_are_written_at_once_as_one_frame() -> None:
    page = Page(last_seq=40)
    page.consumer.take(update(41, 42))
    assert page.frames == [f"[{text(41)},{text(42)}]"]
    assert page.consumer.last_seq == 42 and not page.consumer.waiting


def test_numbers_already_sent_are_left_out() -> None:
    page = Page(last_seq=41)
    page.consumer.take(update(40, 41, 42))
    page.consumer.take(update(42))
    assert page.frames == [text(42)]
    assert page.consumer.last_seq == 42 and not page.consumer.waiting


async def test_while_a_handler_runs_changes_wait_without_a_nudge() -> None:
    page = Page()
    page.consumer.handling = True
    page.consumer.take(update(41))
    assert page.frames == [] and list(page.consumer.waiting) == [update(41)]
    assert page.consumer.last_seq == 40
    assert not await page.nudged()


async def test_after_a_gap_the_changes_wait_and_the_consumer_is_nudged() -> None:
    page = Page(last_seq=40)
    page.consumer.take(update(43))
    assert page.frames == [] and list(page.consumer.waiting) == [update(43)]
    assert await page.nudged()


async def test_a_socket_that_cannot_take_a_frame_now_leaves_the_change_waiting() -> None:
    page = Page(last_seq=40)
    page.writable = False
    page.consumer.take(update(41))
    assert page.consumer.last_seq == 40 and list(page.consumer.waiting) == [update(41)]
    assert await page.nudged()


async def test_once_something_waits_later_changes_wait_behind_it() -> None:
    page = Page(last_seq=40)
    page.consumer.take({"type": "live.ping", "ping_id": "p-1", "sent_at": 1.0})
    page.consumer.take(update(41))
    assert page.frames == []
    assert [m["type"] for m in page.consumer.waiting] == ["live.ping", "live.update"]
    assert await page.nudged() and not await page.nudged()  # one nudge for both


def test_a_page_too_far_behind_loses_what_exceeds_the_capacity() -> None:
    page = Page(last_seq=40, capacity=2)
    page.consumer.handling = True
    for seq in (41, 42, 43):
        page.consumer.take(update(seq))
    assert list(page.consumer.waiting) == [update(41), update(42)]


async def test_what_waits_is_handled_after_the_running_handler_in_order() -> None:
    page = Page(last_seq=40)
    page.consumer.take(update(43))  # a gap: waits
    page.consumer.waiting.appendleft(update(41, 42))  # what the gap missed, arrived late
    await page.consumer.dispatch({"type": "live.waiting"})
    assert page.sent == [f"[{text(41)},{text(42)}]", text(43)]
    assert page.consumer.last_seq == 43 and not page.consumer.waiting
    assert not page.consumer.handling


async def test_a_failing_handler_still_lets_the_next_change_through() -> None:
    page = Page(last_seq=40)
    with pytest.raises(TypeError):
        await page.consumer.dispatch({"type": "live.update", "updates": None})
    page.consumer.take(update(41))
    assert page.frames == [text(41)]
