"""The floor for the ingestion benchmark: a bare ASGI endpoint that parses the body and does
one INSERT into the same database, with nothing else (no Django, no checks, no worker).

Configured by environment: ``BARE_DATABASE_URL`` (``sqlite:///path`` or ``postgres://…``)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from typing import Any

SCHEMA = ("CREATE TABLE IF NOT EXISTS bench_bare_event (id INTEGER PRIMARY KEY {auto}, "
          "dedup_key VARCHAR(64) UNIQUE NOT NULL, payload TEXT NOT NULL, received_at REAL)")


def _connect() -> tuple[Any, str]:
    url = os.environ["BARE_DATABASE_URL"]
    conn: Any
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None,
                               check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(SCHEMA.format(auto="AUTOINCREMENT"))
        return conn, "?"
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    conn.execute(SCHEMA.replace("INTEGER PRIMARY KEY {auto}", "BIGSERIAL PRIMARY KEY"))
    return conn, "%s"


_conn, _mark = _connect()
_INSERT = (f"INSERT INTO bench_bare_event (dedup_key, payload, received_at) "
           f"VALUES ({_mark}, {_mark}, {_mark})")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    data = json.loads(body)
    key = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    _conn.execute(_INSERT, (key, body.decode(), time.time()))
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"status":"accepted"}'})
