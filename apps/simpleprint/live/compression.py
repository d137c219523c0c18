"""permessage-deflate (RFC 7692) on the pages' WebSockets.

A snapshot is JSON with the same words again and again: deflate sends a 115 kB snapshot of 200
printers as about 15 kB, and a delta as a fraction of its text once the socket's compression
context has seen a few (bench/README.md, page_time).

- **uvicorn** (the ``websockets`` or ``wsproto`` implementation) negotiates it by default
  (``--ws-per-message-deflate``, on);
- **daphne** has no option for it, but the WebSocket implementation it runs on (autobahn)
  has one: :func:`install_for_daphne` turns it on, when ``PRINTFARM_LIVE_DEFLATE`` is on
  (default), for the messages of ``PRINTFARM_LIVE_DEFLATE_MIN_BYTES`` or more (a snapshot, a
  frame of many changes); a delta of one event goes plain.

A browser offers the extension in every handshake; a client that does not offer it gets plain
frames. nginx passes the ``Sec-WebSocket-Extensions`` headers through unchanged
(deploy/nginx.conf proxies ``/ws/`` with ``Upgrade``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

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
