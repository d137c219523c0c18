"""``/static/`` for the embedded run (``PRINTFARM_SERVE_STATIC``), answered ahead of Django.

Behind nginx (production) static files never reach the ASGI server. On the embedded run they
did, each through Django's whole middleware stack and a worker thread: the Planning page's
20-odd scripts and its stylesheet, all requested at once, were the slowest part of opening it
on a busy 2-core machine (bench/README.md, page_time). Here a file found by Django's
staticfiles finders is read once (again when it changes on disk), answered from memory with an
ETag, and revalidated with a 304. Anything not found goes on to Django (its 404).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation

Scope = dict[str, Any]


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    etag: bytes
    content_type: bytes
    mtime: float


class StaticFiles:
    """Serves GET and HEAD under ``prefix`` from the static files, passes the rest on."""

    def __init__(self, app: Any, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self.files: dict[str, StaticFile] = {}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD")
                or not path.startswith(self.prefix)):
            return await self.app(scope, receive, send)
        found = self.lookup(path[len(self.prefix):])
        if found is None:
            return await self.app(scope, receive, send)
        headers = [(b"etag", found.etag), (b"cache-control", b"no-cache"),
                   (b"x-content-type-options", b"nosniff")]
        asked = dict(scope.get("headers") or []).get(b"if-none-match", b"")
        if found.etag in [tag.strip() for tag in asked.split(b",")]:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return None
        headers += [(b"content-type", found.content_type),
                    (b"content-length", str(len(found.body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else found.body
        await send({"type": "http.response.body", "body": body})
        return None

    def lookup(self, name: str) -> StaticFile | None:
        """The file at ``name`` (read again when it changed on disk), or None."""
        try:
            location = finders.find(name) if name and "\\" not in name else None
        except SuspiciousFileOperation:  # "../" and the like: Django refuses it (404)
            return None
        if not isinstance(location, str) or not os.path.isfile(location):
            return None
        mtime = os.stat(location).st_mtime
        cached = self.files.get(location)
        if cached is None or cached.mtime != mtime:
            with open(location, "rb") as handle:
                body = handle.read()
            kind = mimetypes.guess_type(location)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
                kind += "; charset=utf-8"
            cached = StaticFile(body=body, mtime=mtime, content_type=kind.encode(),
                                etag=f'"{hashlib.sha256(body).hexdigest()[:16]}"'.encode())
            self.files[location] = cached
        return cached
