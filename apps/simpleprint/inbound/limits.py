"""What may be sent to this server, decided before a body is read.

A request body is limited before it is read, not after: ``/healthz``, ``/readyz`` and
``/metrics`` take no body (any other method than GET/HEAD is a 405 at once), the receiver takes
up to ``SIMPLEPRINT_CONFIG["max_body_bytes"]`` and every other path up to
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (both 1 MiB by default): a declared ``Content-Length`` above the
limit is a 413 at once, and a body sent without one is cut off with a 413 when it passes it.

Two doors enforce the one rule (:func:`refusal`): the ASGI middleware :class:`BodyLimit`
(uvicorn and any server that streams bodies to the application), and :func:`install_for_daphne`,
because daphne (Twisted) reads a whole body, into a temporary file above 100 kB, before the
application is called at all. nginx's ``client_max_body_size`` (deploy/nginx.conf) is the same
limit one hop earlier.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from io import BytesIO
from typing import Any

from django.conf import settings
from django.urls import reverse

from .receiver import Answer, rejection

BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@functools.cache
def probe_paths() -> frozenset[str]:
    """The probes' paths (reversed once: this runs for every request, on the server's loop)."""
    return frozenset(reverse(name) for name in ("healthz", "readyz", "metrics"))


@functools.cache
def receiver_path() -> str:
    return reverse("simpleprint:webhook-printers")


def body_limit(path: str) -> int:
    """The largest body accepted for ``path``."""
    if path == receiver_path():
        return int(settings.SIMPLEPRINT_CONFIG["max_body_bytes"])
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2**31)


def too_large(limit: int) -> Answer:
    return rejection(413, "too_large", f"The body is larger than {limit} bytes.")


def refusal(method: str, path: str, length: int | None) -> Answer | None:
    """The answer to a request refused on its first line and headers alone, or None.
    ``length`` is the declared Content-Length (None: not declared)."""
    if path in probe_paths() and method not in ("GET", "HEAD"):
        return rejection(405, "method_not_allowed", f"{path} only answers GET.", Allow="GET, HEAD")
    limit = body_limit(path)
    if length is not None and length > limit:
        return too_large(limit)
    return None


def declared_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length", "").strip()
    return int(value) if value.isdigit() else None


class BodyLimit:
    """ASGI middleware: refuse by :func:`refusal` before reading, and cut a body sent without a
    Content-Length off at its limit (413; the application then sees the client disconnect)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {name.decode("latin1").lower(): value.decode("latin1")
                   for name, value in scope.get("headers", [])}
        refused = refusal(scope["method"], scope["path"], declared_length(headers))
        if refused is not None:
            return await send_answer(send, refused)
        limit = body_limit(scope["path"])
        received = 0
        answered = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal received, answered
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not answered:
                        answered = True
                        await send_answer(send, too_large(limit))
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict[str, Any]) -> None:
            if not answered:
                await send(message)

        return await self.app(scope, limited_receive, guarded_send)


async def send_answer(send: Any, answer: Answer) -> None:
    """Send ``answer`` as a complete JSON response."""
    content = json.dumps(answer.body).encode()
    await send({"type": "http.response.start", "status": answer.status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(content)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in answer.headers.items())]})
    await send({"type": "http.response.body", "body": content})


def raw_response(answer: Answer) -> bytes:
    """``answer`` as the bytes of an HTTP/1.1 response that closes the connection."""
    content = json.dumps(answer.body).encode()
    reason = {405: "Method Not Allowed", 413: "Content Too Large"}.get(answer.status, "Error")
    lines = [f"HTTP/1.1 {answer.status} {reason}", "Content-Type: application/json",
             f"Content-Length: {len(content)}", "Connection: close",
             *(f"{name}: {value}" for name, value in answer.headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin1") + content


def install_for_daphne() -> None:
    """Make daphne check :func:`refusal` when a request's headers are in, and the limit as each
    chunk of its body arrives: a refused request is answered and its connection closed before
    its body is read (Twisted would otherwise buffer all of it, in a temporary file above
    100 kB, before the application is called). Idempotent; a no-op without daphne."""
    try:
        from daphne import http_protocol
    except ImportError:  # another server: BodyLimit covers it
        return
    base: Any = http_protocol.WebRequest
    if getattr(base, "printfarm_body_limit", False):
        return

    class LimitedWebRequest(base):
        printfarm_body_limit = True
        refused = False
        limit: int | None = None
        received = 0

        def gotLength(self, length: int | None) -> None:
            channel = self.channel
            method = bytes(getattr(channel, "_command", b"")).decode("latin1")
            path = bytes(getattr(channel, "_path", b"")).split(b"?", 1)[0].decode("latin1")
            answer = refusal(method, path, length)
            if answer is not None:
                return self.refuse(answer)
            self.limit = body_limit(path)
            return super().gotLength(length)

        def handleContentChunk(self, data: bytes) -> None:
            if self.refused:
                return None
            self.received += len(data)
            if self.limit is not None and self.received > self.limit:
                return self.refuse(too_large(self.limit))
            return super().handleContentChunk(data)

        def process(self) -> Any:
            if self.refused:
                return None
            return super().process()

        def refuse(self, answer: Answer) -> None:
            self.refused = True
            self.content = BytesIO()
            self.requestHeaders.removeHeader(b"Expect")  # no "100 Continue" after the answer
            transport = self.channel.transport
            if transport is not None:
                transport.write(raw_response(answer))
                transport.loseConnection()

    http_protocol.WebRequest = LimitedWebRequest
