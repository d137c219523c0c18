"""``manage.py serve``: printfarm's ASGI server (uvicorn), as ``make run`` and deploy/ start it.

One process serves the page, the API, the webhook receiver and the pages' WebSockets (and, on
the embedded default, runs the background worker, sweeper and sync: ``runtime/lifecycle.py``).
uvicorn rather than daphne: per delivery it costs the event loop about a quarter less CPU
(its HTTP parser and WebSocket framing are C; Twisted writes each frame on a later turn of the
loop), bench/README.md "cost". The options that matter are set here, in one place:

- the pages' WebSocket protocol is :class:`~apps.simpleprint.live.compression.UvicornWebSocket`
  (deflate for the messages worth it, a page's message capped at 64 kB inflated);
- no proxy headers from uvicorn: the application believes ``X-Forwarded-*`` only from
  ``PRINTFARM_TRUSTED_PROXIES`` (``config/asgi.py``), and uvicorn would trust loopback's;
- no ASGI lifespan (the background work starts with the application), no ``Server`` header;
- uvicorn logs through Django's ``LOGGING`` (``LOG_LEVEL``, ``LOG_FORMAT``): at ``INFO`` a line
  per request and per page connected, as daphne's access log had; ``--access-log FILE`` sends
  the request lines to a file instead (``make run``: ``var/access.log``).
"""

from __future__ import annotations

import logging
from typing import Any

import uvicorn
from django.core.management.base import BaseCommand, CommandParser

APPLICATION = "config.asgi:application"
WEBSOCKET_PROTOCOL = "apps.simpleprint.live.compression:UvicornWebSocket"


class WithoutQuery(logging.Filter):
    """Leaves query strings out of uvicorn's lines (a page's ``?token=`` among them), as
    daphne's access log did: a path is logged, never its query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(arg.split("?", 1)[0] if isinstance(arg, str)
                                and arg.startswith("/") else arg for arg in record.args)
        return True


class Command(BaseCommand):
    help = "Run printfarm's ASGI server (uvicorn) on --host:--port."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--access-log", metavar="FILE",
                            help="write a line per request to FILE rather than to the log")

    def handle(self, *args: Any, **options: Any) -> None:
        config = uvicorn.Config(
            APPLICATION, host=options["host"], port=options["port"], ws=WEBSOCKET_PROTOCOL,
            lifespan="off", proxy_headers=False, server_header=False, log_config=None)
        config.load()  # the application: Django sets LOGGING up again, then the loggers here
        access = logging.getLogger("uvicorn.access")
        for logger in (access, logging.getLogger("uvicorn.error")):
            logger.addFilter(WithoutQuery())
        if options["access_log"]:
            handler = logging.FileHandler(options["access_log"])
            handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
            access.addHandler(handler)
            access.setLevel(logging.INFO)
            access.propagate = False
        uvicorn.Server(config).run()
