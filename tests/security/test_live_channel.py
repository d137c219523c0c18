"""Findings 2 and 7: the live channel.

2. A malformed frame (``{``, a binary frame) crashed the page's consumer with 1011 and its
   ``disconnect()`` never ran: the connected-pages count, the rejoin task and the group
   membership leaked. Bad frames now get an error message or a clean close, cleanup runs
   whatever ends the connection, and ``resync``/``hello`` are limited per connection.
7. An open socket kept receiving after logout, deactivation or token deletion. The user is
   checked again at each rejoin tick and the socket closed with 4401.

Driven through the real ASGI application (``config.asgi.application``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.simpleprint.live import outbox, presence
from apps.simpleprint.live.publisher import company_group
from tests.simpleprint.live.test_consumer import (  # noqa: F401  (clean_layer: autouse)
    clean_layer,
    communicator,
    connected,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page_token() -> str:
    user = User.objects.create_user("wall-screen", password="pw-wall-screen-4412")
    return Token.objects.create(user=user).key


async def count() -> int:
    return int(await sync_to_async(presence.client_count)())


def in_group() -> int | None:
    """Channels in the company's group (the in-memory layer only; None on Redis)."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        return len(layer.groups.get(company_group(), {}))
    return None


async def settled(expected: int, timeout: float = 3.0) -> int:
    """The connected-pages count once it reaches ``expected`` (cleanup runs as the socket
    closes), or what it is after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (current := await count()) != expected \
            and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    return current


async def test_a_frame_that_is_not_json_gets_an_error_and_the_page_stays(page_token: str) -> None:
    ws = await connected(page_token)
    await ws.receive_json_from(timeout=3)
    for garbage in ("{", "[1,", "\x00", "{" * 100_000):
        await ws.send_to(text_data=garbage)
        error = await ws.receive_json_from(timeout=3)
        assert error["type"] == "error"
    await ws.send_json_to({"type": "ping", "id": "still-here", "t": 1})
    assert (await ws.receive_json_from(timeout=3))["id"] == "still-here"
    await ws.disconnect()


async def test_a_binary_frame_closes_cleanly_and_nothing_leaks(page_token: str) -> None:
    before = await count()
    ws = await connected(page_token)
    await ws.receive_json_from(timeout=3)
    assert await count() == before + 1
    await ws.send_to(bytes_data=b"\x00\x01binary")
    closed = await ws.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": 1003}
    await ws.disconnect(code=1003)  # what the server reports once the close is done
    assert await settled(before) == before
    assert in_group() in (0, None)


async def test_cleanup_runs_when_a_handler_fails(page_token: str, monkeypatch: Any) -> None:
    before = await count()
    ws = await connected(page_token)
    await ws.receive_json_from(timeout=3)

    def broken(*args: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(outbox, "snapshot", broken)
    await ws.send_json_to({"type": "resync", "last_seq": None})
    with pytest.raises(RuntimeError):
        await ws.wait(timeout=3)
    assert await settled(before) == before
    assert in_group() in (0, None)


async def test_many_malformed_rounds_leave_no_page_counted(page_token: str) -> None:
    before = await count()
    for _ in range(20):
        ws = await connected(page_token)
        await ws.receive_json_from(timeout=3)
        await ws.send_to(bytes_data=b"x")
        assert (await ws.receive_output(timeout=3))["type"] == "websocket.close"
        await ws.disconnect(code=1003)
    assert await settled(before) == before
    assert in_group() in (0, None)


async def test_resyncs_are_limited_per_connection(page_token: str, settings: Any) -> None:
    settings.PRINTFARM_LIVE = {**settings.PRINTFARM_LIVE, "resyncs_per_minute": 3}
    ws = await connected(page_token)
    await ws.receive_json_from(timeout=3)
    for _ in range(3):
        await ws.send_json_to({"type": "resync", "last_seq": None})
        assert (await ws.receive_json_from(timeout=3))["type"] == "snapshot"
    await ws.send_json_to({"type": "hello", "last_seq": None})
    assert (await ws.receive_json_from(timeout=3))["type"] == "error"
    assert await ws.receive_output(timeout=3) == {"type": "websocket.close", "code": 4429}
    # Another page (connection) has its own allowance.
    other = await connected(page_token)
    await other.receive_json_from(timeout=3)
    await other.send_json_to({"type": "resync", "last_seq": None})
    assert (await other.receive_json_from(timeout=3))["type"] == "snapshot"
    await other.disconnect()


# --- finding 7: revocation reaches open sockets ---------------------------------------------

@pytest.fixture
def quick_rejoin(settings: Any) -> None:
    settings.PRINTFARM_LIVE = {**settings.PRINTFARM_LIVE, "rejoin_seconds": 0.2}


async def closed_with(ws: Any, code: int) -> None:
    """The socket is closed with ``code`` within a few rejoin ticks (changes may come first)."""
    deadline = asyncio.get_running_loop().time() + 5
    while asyncio.get_running_loop().time() < deadline:
        message = await ws.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            assert message["code"] == code
            return
    raise AssertionError(f"not closed with {code}")


async def test_a_deleted_token_closes_its_socket(page_token: str, quick_rejoin: None) -> None:
    ws = await connected(page_token)
    await ws.receive_json_from(timeout=3)
    await database_sync_to_async(lambda: Token.objects.filter(key=page_token).delete())()
    await closed_with(ws, 4401)


async def test_a_deactivated_user_is_closed(page_token: str, quick_rejoin: None) -> None:
    ws = await connected(page_token)
    await ws.receive_json_from(timeout=3)
    await database_sync_to_async(
        lambda: User.objects.filter(auth_token__key=page_token).update(is_active=False))()
    await closed_with(ws, 4401)


async def test_logging_out_closes_the_pages_socket(quick_rejoin: None) -> None:
    def login() -> tuple[Client, str]:
        client = Client()
        client.force_login(User.objects.create_user("wall", password="pw-wall-screen-9"))
        return client, client.cookies["sessionid"].value

    client, session = await database_sync_to_async(login)()
    ws = communicator(headers=[(b"cookie", f"sessionid={session}".encode())])
    assert (await ws.connect())[0]
    await ws.receive_json_from(timeout=3)
    await database_sync_to_async(lambda: client.post("/accounts/logout/"))()
    await closed_with(ws, 4401)


async def test_a_valid_user_keeps_listening_across_rejoin_ticks(
        page_token: str, quick_rejoin: None) -> None:
    ws = await connected(page_token)
    await ws.receive_json_from(timeout=3)
    assert await ws.receive_nothing(timeout=1.0)
    await ws.send_json_to({"type": "ping", "id": "alive", "t": 1})
    assert (await ws.receive_json_from(timeout=3))["id"] == "alive"
    await ws.disconnect()
