"""The embedded default's channel layer: Channels' in-memory layer with a cheaper group send.

Channels' ``InMemoryChannelLayer.group_send`` starts a task for each page of the group, and
each deep-copies the message: for a change sent to 20 pages, 20 tasks and 20 copies of every
encoded change on the server's event loop (bench/README.md, "cost"). Here the message is queued
for each member right away, each getting a dict of its own (a consumer never changes what is
inside: the changes are encoded text). The rest — capacity (a full page's queue drops the
message for that page, which then fills the gap from the outbox), expiry, groups — is
Channels' own.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from channels.layers import InMemoryChannelLayer


class LocalChannelLayer(InMemoryChannelLayer):
    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        expires = time.time() + self.expiry
        for channel in list(self.groups.get(group, ())):
            queue = self.channels.setdefault(
                channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
            try:
                queue.put_nowait((expires, dict(message)))
            except asyncio.QueueFull:
                continue

