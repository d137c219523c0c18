"""The embedded default's channel layer: Channels' in-memory layer with a cheaper group send.

Channels' ``InMemoryChannelLayer.group_send`` starts a task for each page of the group, and
each deep-copies the message: for a change sent to 20 pages, 20 tasks and 20 copies of every
encoded change on the server's event loop (bench/README.md, "cost"). Here the message is queued
for each member right away, each getting a dict of its own (a consumer never changes what is
inside: the changes are encoded text). The rest — capacity (a full page's queue drops the
message for that page, which then fills the gap from the outbox), expiry, groups — is
Channels' own.

A member may also be **attached** (:meth:`LocalChannelLayer.attach`): its group messages are
handed to a function of its consumer, on the loop, as they are sent, instead of being queued for
the consumer's receive loop. A page's consumer attaches when its server can write a frame at
once (``consumer.PlanningConsumer.take``): a change then costs a frame written, not a queue, two
task switches and a dispatch per page. Messages sent to the channel itself (not to a group) are
queued as always.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from channels.layers import InMemoryChannelLayer

logger = logging.getLogger(__name__)

#: Takes a group message for a member, on the loop, without waiting.
Taker = Callable[[dict[str, Any]], None]


class LocalChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.takers: dict[str, Taker] = {}

    def attach(self, channel: str, taker: Taker) -> None:
        """Hand ``channel``'s group messages to ``taker`` from now on."""
        self.takers[channel] = taker

    def detach(self, channel: str) -> None:
        self.takers.pop(channel, None)

    def send_nowait(self, channel: str, message: dict[str, Any]) -> None:
        """:meth:`send` for a taker, which cannot wait: queued, or dropped when the channel's
        queue is full (its consumer has messages to handle anyway)."""
        with contextlib.suppress(asyncio.QueueFull):
            self._queue(channel).put_nowait((time.time() + self.expiry, message))

    def _queue(self, channel: str) -> asyncio.Queue[tuple[float, dict[str, Any]]]:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        expires = time.time() + self.expiry
        for channel in list(self.groups.get(group, ())):
            taker = self.takers.get(channel)
            if taker is not None:
                try:
                    taker(dict(message))
                except Exception:  # that page fills the gap from the outbox; the others get it
                    logger.exception("%s could not take a group message", channel)
                continue
            with contextlib.suppress(asyncio.QueueFull):
                self._queue(channel).put_nowait((expires, dict(message)))
