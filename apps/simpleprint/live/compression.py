"""permessage-deflate (RFC 7692) on the pages' WebSockets.

A snapshot is JSON with the same words again and again: deflate sends a 115 kB snapshot of 200
printers as about 15 kB, and a delta as a fraction of its text once the socket's compression
context has seen a few (bench/README.md, page_time).

Under both servers it is on when ``PRINTFARM_LIVE_DEFLATE`` is (default), for the messages of
``PRINTFARM_LIVE_DEFLATE_MIN_BYTES`` or more (a snapshot, a frame of many changes); a delta of
one event goes plain:

- **uvicorn** (``manage.py serve``: ``make run`` and deploy/) runs :class:`UvicornWebSocket`,
  its sans-I/O ``websockets`` protocol with that threshold (uvicorn's own deflates every
  message);
- **daphne** (when run instead: ``runserver``, or by hand) has no option for it, but the
  WebSocket implementation it runs on (autobahn) has one: :func:`install_for_daphne` turns it
  on.

A browser offers the extension in every handshake; a client that does not offer it gets plain
frames. nginx passes the ``Sec-WebSocket-Extensions`` headers through unchanged
(deploy/nginx.conf proxies ``/ws/`` with ``Upgrade``).
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import CONT, CTRL_OPCODES, Frame
from websockets.server import ServerProtocol

#: The ``scope["extensions"]`` key of :meth:`UvicornWebSocket.send_text_now`.
SEND_TEXT_NOW = "printfarm.send_text_now"

#: The largest message a page may send once inflated (the consumer refuses any frame of more
#: than 4 096 characters anyway): a small compressed frame cannot inflate into megabytes.
MAX_INFLATED_BYTES = 64 * 1024


def accept_deflate(offers: list[Any]) -> Any:
    """Accept a client's permessage-deflate offer as it was made (autobahn's hook)."""
    from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept

    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer, max_message_size=MAX_INFLATED_BYTES)
    return None


def _deflating_small_ones_plain(protocol: type, least: int) -> type:
    """Daphne's WebSocket protocol, deflating only messages of ``least`` bytes or more
    (``PRINTFARM_LIVE_DEFLATE_MIN_BYTES``, read once when installed).

    Deflating is per page: every delta was compressed once for each page that gets it, a fifth
    of the event loop's time (bench/README.md, "cost"), to save a few hundred bytes. RFC 7692
    lets a sender leave any message plain; the pages' compression context simply skips it."""

    class Protocol(protocol):
        def sendMessage(self, payload: bytes, isBinary: bool = False,
                        fragmentSize: int | None = None, sync: bool = False,
                        doNotCompress: bool = False) -> None:
            super().sendMessage(payload, isBinary, fragmentSize, sync,
                                doNotCompress or len(payload) < least)

    return Protocol


def install_for_daphne() -> None:
    """Make daphne's WebSocket factory accept permessage-deflate. Idempotent; a no-op without
    daphne or with ``PRINTFARM_LIVE_DEFLATE=false``. Called while the ASGI application is
    imported, which daphne does before it builds its factory."""
    if not settings.PRINTFARM_LIVE["deflate"]:
        return
    try:
        from daphne import server
    except ImportError:  # another server: uvicorn negotiates it itself
        return
    base: Any = server.WebSocketFactory
    if getattr(base, "printfarm_deflate", False):
        return

    class DeflatingWebSocketFactory(base):
        printfarm_deflate = True
        protocol = _deflating_small_ones_plain(
            base.protocol, settings.PRINTFARM_LIVE["deflate_min_bytes"])

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setProtocolOptions(perMessageCompressionAccept=accept_deflate)

    server.WebSocketFactory = DeflatingWebSocketFactory


class _PlainBelow(PerMessageDeflate):
    """permessage-deflate that leaves a whole message under ``least`` bytes plain."""

    least = 0

    def encode(self, frame: Frame) -> Frame:
        if frame.fin and frame.opcode is not CONT and frame.opcode not in CTRL_OPCODES \
                and len(frame.data) < self.least:
            return frame
        return super().encode(frame)


class _PlainBelowFactory(ServerPerMessageDeflateFactory):
    def __init__(self, least: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.least = least

    def process_request_params(self, params: Any, accepted_extensions: Any) -> Any:
        """The negotiated extension, as websockets makes it, with the threshold added (its
        class swapped: the parameters it was built with stay websockets' business)."""
        response, extension = super().process_request_params(params, accepted_extensions)
        plain = cast(_PlainBelow, extension)
        plain.__class__ = _PlainBelow
        plain.least = self.least
        return response, plain


class UvicornWebSocket(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol (``--ws``), deflating as daphne's does here: the
    messages worth it only, and a page's message inflating to :data:`MAX_INFLATED_BYTES` at
    most (uvicorn's default is 16 MiB, held in memory before the consumer can refuse it)."""

    def __init__(self, config: Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        live = settings.PRINTFARM_LIVE
        extensions = [_PlainBelowFactory(
            live["deflate_min_bytes"], server_max_window_bits=12, client_max_window_bits=12,
            compress_settings={"memLevel": 5},
        )] if config.ws_per_message_deflate and live["deflate"] else []
        self.conn = ServerProtocol(extensions=extensions,
                                   max_size=min(config.ws_max_size, MAX_INFLATED_BYTES),
                                   logger=self.conn.logger)

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        extensions: dict[str, Any] = self.scope["extensions"]
        extensions[SEND_TEXT_NOW] = self.send_text_now

    def send_text_now(self, text: str) -> bool:
        """Write ``text`` as a frame at once, on the loop, as ``websocket.send`` would; False
        when that would wait or fail (not open yet, closing or closed, or the socket's buffer
        full), for the caller to go through ``websocket.send``. Lets a page's consumer forward
        a change without a task switch (``consumer.PlanningConsumer.take``)."""
        if not self.handshake_complete or self.close_sent or self.disconnected \
                or self.initial_response is not None or not self.writable.is_set() \
                or self.transport.is_closing():
            return False
        try:
            self.conn.send_text(text.encode())
        except InvalidState:
            return False
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True
