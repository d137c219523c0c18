"""The receiver's fast path under an ASGI server.

Django runs each synchronous middleware hop of a request through a thread created for that
request; at a hundred deliveries a second that thread churn, not the INSERT, saturated the
server's event loop (see bench/README.md). Deliveries need none of that middleware (no session,
user, CSRF, locale or messages), so a POST to the receiver's path is answered here: the same
steps as the view (:mod:`.receiver`), the checks on the loop, the INSERT in a pooled thread.

Anything else, and any delivery Django must see first (a host not in ``ALLOWED_HOSTS``, plain
HTTP while ``SECURE_SSL_REDIRECT`` is on), goes on to Django unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host

from ..live.auth import allowed_hosts
from .limits import receiver_path
from .receiver import Answer, check_headers, receive_body


def meta_from_scope(scope: Mapping[str, Any]) -> dict[str, str]:
    """The ``request.META`` entries Django would build from the scope's headers."""
    meta: dict[str, str] = {}
    client = scope.get("client")
    if client:
        meta["REMOTE_ADDR"] = str(client[0])
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin1").upper().replace("-", "_")
        key = name if name in ("CONTENT_LENGTH", "CONTENT_TYPE") else f"HTTP_{name}"
        value = raw_value.decode("latin1")
        meta[key] = f"{meta[key]},{value}" if key in meta else value
    return meta


def django_must_see(scope: Mapping[str, Any], meta: Mapping[str, str]) -> bool:
    domain, _ = split_domain_port(meta.get("HTTP_HOST", ""))
    if not domain or not validate_host(domain, allowed_hosts()):
        return True
    # The scheme is the trusted proxy's X-Forwarded-Proto (config/asgi.py), else the server's.
    return bool(settings.SECURE_SSL_REDIRECT and scope.get("scheme") != "https")


def _receive_in_pool(body: bytes, meta: Mapping[str, str], secret_header: str) -> Answer:
    """In a pooled thread, which keeps its database connection between deliveries: drop it when
    unusable or expired, as Django does around each request."""
    close_old_connections()
    try:
        answer = receive_body(body, meta, secret_header)
        answer.count()
        return answer
    finally:
        close_old_connections()


def _count_in_pool(answer: Answer) -> Answer:
    answer.count()  # may reach Redis
    return answer


class WebhookFastPath:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.path = receiver_path()
        self.receive_in_pool = sync_to_async(_receive_in_pool, thread_sensitive=False)
        self.count_in_pool = sync_to_async(_count_in_pool, thread_sensitive=False)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            return await self.app(scope, receive, send)
        meta = meta_from_scope(scope)
        if django_must_see(scope, meta):
            return await self.app(scope, receive, send)
        checked = check_headers(meta)
        if isinstance(checked, Answer):
            return await self._send(send, await self.count_in_pool(checked))
        limit = settings.SIMPLEPRINT_CONFIG["max_body_bytes"]
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            if len(body) > limit or not message.get("more_body"):
                break
        await self._send(send, await self.receive_in_pool(bytes(body), meta, checked))
        return None

    @staticmethod
    async def _send(send: Any, answer: Answer) -> None:
        content = json.dumps(answer.body).encode()
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(content)).encode()),
                   *((k.lower().encode(), v.encode()) for k, v in answer.headers.items())]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": content})
