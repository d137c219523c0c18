"""An ASGI wrapper that starts the in-process background machinery when the application is
built (the server process starts), and remembers the server's event loop at the first
connection (or lifespan start-up) for cross-thread publishing.

Under daphne there is no ASGI lifespan and nothing runs before the first connection: a
service restarted while no page is open and no delivery arrives (the webhook API refused, or
SimplyPrint quiet) would never poll. So the worker, the sweeper and the sync tick start here,
with the application; until a connection shows the server's loop, the live publisher sends on a
loop of its own (no page can be listening before a connection), then moves to the server's.
"""

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
        self.loop_known = False
        log_startup_warnings()
        start_background()

    def _remember_loop(self) -> None:
        if not self.loop_known:
            self.loop_known = True
            publisher.set_home_loop(asyncio.get_running_loop())

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self._remember_loop()
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self.app(scope, receive, send)
