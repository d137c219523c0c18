"""An ASGI wrapper that starts the in-process background machinery on the first connection
(or at lifespan start-up) and remembers the server's event loop for cross-thread publishing."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.typing import ASGI3Application

from ..live import publisher
from ..ops.checks import log_startup_warnings
from .inprocess import start_background


class BackgroundStarter:
    def __init__(self, app: ASGI3Application) -> None:
        self.app = app
        self.started = False

    def _start(self) -> None:
        if not self.started:
            self.started = True
            publisher.set_home_loop(asyncio.get_running_loop())
            log_startup_warnings()
            start_background()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self._start()
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self.app(scope, receive, send)
