"""The Planning page's live channel, driven through the real ASGI application."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.simpleprint.live import outbox, presence
from apps.simpleprint.live.compression import SEND_TEXT_NOW
from apps.simpleprint.live.messages import unpack
from apps.simpleprint.live.publisher import publish_update
from apps.simpleprint.models import LiveUpdate, SyncState
from config.asgi import application
from tests import payloads

# Sequences restart per test, like the outbox of a fresh install: ids are the seq numbers.
pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)

ORIGIN = (b"origin", b"http://testserver")
HOST = (b"host", b"testserver")


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()


@pytest.fixture(autouse=True)
async def clean_layer() -> AsyncIterator[None]:
    yield
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        await layer.flush()
    else:
        # channels_redis's flush() also closes the pools of every event loop, including the
        # publisher's, from this one; emptying the test database is all the isolation needed.
        await sync_to_async(flush_redis)()
    await sync_to_async(connections.close_all)()


@pytest.fixture
def token() -> str:
    user = User.objects.create_user("planner", password="pw-planner-123")
    return Token.objects.create(user=user).key


@pytest.fixture(params=["websocket.send", "written at once"])
def writes(request: pytest.FixtureRequest) -> str:
    """How the server writes a page's frames: through ASGI's ``websocket.send`` only (daphne,
    the Redis layer), or also at once when the embedded layer hands a change over
    (``manage.py serve``: ``compression.SEND_TEXT_NOW``)."""
    return str(request.param)


def communicator(query: str = "", headers: list[tuple[bytes, bytes]] | None = None,
                 writes: str = "websocket.send") -> WebsocketCommunicator:
    path = "/ws/planning/" + (f"?{query}" if query else "")
    ws = WebsocketCommunicator(application, path, headers=[ORIGIN, HOST, *(headers or [])])
    if writes == "written at once":
        def send_text_now(text: str) -> bool:
            ws.output_queue.put_nowait({"type": "websocket.send", "text": text})
            return True

        ws.scope["extensions"] = {SEND_TEXT_NOW: send_text_now}
    return ws


async def connected(token: str, query: str = "", writes: str = "websocket.send"
                    ) -> WebsocketCommunicator:
    """A page connected with ``token`` whose first message (snapshot or replay) is pending."""
    ws = communicator("&".join(q for q in (f"token={token}", query) if q), writes=writes)
    accepted, _ = await ws.connect()
    assert accepted
    return ws


async def post(post_delivery: Callable[..., Any], body: dict[str, Any]) -> None:
    """POST from a pool thread (the page's consumer keeps the loop), closing its connection."""

    def post_and_close() -> Any:
        try:
            return post_delivery(body)
        finally:
            connections.close_all()

    response = await sync_to_async(post_and_close, thread_sensitive=False)()
    assert response.status_code == 200


async def receive_until(ws: WebsocketCommunicator, count: int) -> list[dict[str, Any]]:
    """The next ``count`` messages, whether each came alone or in a frame with others."""
    messages: list[dict[str, Any]] = []
    while len(messages) < count:
        frame = await ws.receive_json_from(timeout=3)
        messages.extend(frame if isinstance(frame, list) else [frame])
    assert len(messages) == count, messages
    return messages


async def test_anonymous_is_closed_with_4401() -> None:
    ws = communicator()
    await ws.connect()
    closed = await ws.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": 4401}


async def test_unknown_token_is_closed_with_4401() -> None:
    ws = communicator("token=not-a-token")
    await ws.connect()
    assert (await ws.receive_output(timeout=3))["code"] == 4401


async def test_token_in_authorization_header_is_accepted(token: str) -> None:
    ws = communicator(headers=[(b"authorization", f"Token {token}".encode())])
    accepted, _ = await ws.connect()
    assert accepted
    assert (await ws.receive_json_from(timeout=3))["type"] == "snapshot"
    await ws.disconnect()


async def test_session_cookie_is_accepted() -> None:
    def login() -> str:
        user = User.objects.create_user("browser", password="pw-browser-123")
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    session = await database_sync_to_async(login)()
    ws = communicator(headers=[(b"cookie", f"sessionid={session}".encode())])
    accepted, _ = await ws.connect()
    assert accepted
    assert (await ws.receive_json_from(timeout=3))["type"] == "snapshot"
    await ws.disconnect()


async def test_snapshot_carries_state_and_latest_seq(
        token: str, post_delivery: Callable[..., Any], farm: payloads.FarmStory) -> None:
    await post(post_delivery, farm.job_started(385, job_id=552300))
    ws = await connected(token)
    snapshot = await ws.receive_json_from(timeout=3)
    latest = await database_sync_to_async(lambda: LiveUpdate.objects.latest("id").id)()
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == latest
    data = {name: unpack(table) for name, table in snapshot["data"].items() if name != "names"}
    assert [p["sp_id"] for p in data["printers"]] == [385]
    assert data["printers"][0]["current_job"]["sp_id"] == 552300
    assert [j["sp_id"] for j in data["recent_jobs"]] == [552300]
    assert data["recent_events"][0]["event"] == "job.started"
    assert data["queue"] == []
    await ws.disconnect()


async def test_webhook_delivery_reaches_the_page_as_deltas_in_order(
        token: str, post_delivery: Callable[..., Any], farm: payloads.FarmStory,
        writes: str) -> None:
    ws = await connected(token, writes=writes)
    start = (await ws.receive_json_from(timeout=3))["seq"]
    started = farm.job_started(385, job_id=552301)
    await post(post_delivery, started)
    farm.tick(600)
    await post(post_delivery, farm.job_event("job.done", started))
    names, *messages = await receive_until(ws, 7)
    seqs = [m["seq"] for m in [names, *messages]]
    assert seqs == list(range(seqs[0], seqs[0] + 7))
    assert seqs[0] > start
    # The printer's group is named by the job's printer object: heard once, announced once.
    assert names == {"seq": seqs[0], "type": "names.updated", "data": {"groups": {"99": "Bay A"}}}
    assert [m["type"] for m in messages] == ["job.updated", "printer.updated", "event.received"] * 2
    assert messages[0]["data"]["status"] == "printing"
    assert messages[1]["data"]["current_job"]["sp_id"] == 552301
    assert messages[1]["data"]["group_name"] == "Bay A"
    assert messages[3]["data"]["status"] == "done"
    assert messages[5]["data"]["event"] == "job.done"
    await ws.disconnect()


async def test_reconnect_with_last_seq_replays_what_was_missed(
        token: str, post_delivery: Callable[..., Any], farm: payloads.FarmStory) -> None:
    ws = await connected(token)
    seen = (await ws.receive_json_from(timeout=3))["seq"]
    await ws.disconnect()
    await post(post_delivery, farm.job_started(386, job_id=552302))
    ws = await connected(token, f"last_seq={seen}")
    replayed = await receive_until(ws, 4)
    assert [m["seq"] for m in replayed] == [seen + 1, seen + 2, seen + 3, seen + 4]
    assert [m["type"] for m in replayed] == ["names.updated", "job.updated", "printer.updated",
                                             "event.received"]
    assert replayed[1] == {"seq": seen + 2, "type": "job.updated", "data": replayed[1]["data"]}
    assert await ws.receive_nothing(timeout=0.1)
    await ws.disconnect()


async def test_hello_with_last_seq_replays(
        token: str, post_delivery: Callable[..., Any], farm: payloads.FarmStory) -> None:
    await post(post_delivery, farm.job_started(386, job_id=552303))
    first = await database_sync_to_async(lambda: LiveUpdate.objects.earliest("id").id)()
    ws = await connected(token)
    await ws.receive_json_from(timeout=3)
    await ws.send_json_to({"type": "hello", "last_seq": first})
    replayed = await receive_until(ws, 2)
    assert [m["seq"] for m in replayed] == [first + 1, first + 2]
    await ws.disconnect()


async def test_last_seq_older_than_retention_gets_a_snapshot(
        token: str, post_delivery: Callable[..., Any], farm: payloads.FarmStory) -> None:
    await post(post_delivery, farm.job_started(385, job_id=552304))
    first = await database_sync_to_async(lambda: LiveUpdate.objects.earliest("id").id)()
    farm.tick()
    await post(post_delivery, farm.job_started(386, job_id=552305))
    pruned = await database_sync_to_async(outbox.prune)(2)
    assert pruned == 5  # the group's name, and job, printer and event of each but the last two
    ws = await connected(token, f"last_seq={first}")
    message = await ws.receive_json_from(timeout=3)
    assert message["type"] == "snapshot"
    assert {j["sp_id"] for j in unpack(message["data"]["recent_jobs"])} == {552304, 552305}
    await ws.disconnect()


async def test_resync_from_the_future_gets_a_snapshot(token: str) -> None:
    ws = await connected(token)
    await ws.receive_json_from(timeout=3)
    await ws.send_json_to({"type": "resync", "last_seq": 10**9})
    assert (await ws.receive_json_from(timeout=3))["type"] == "snapshot"
    await ws.disconnect()


async def test_dropped_group_messages_are_filled_from_the_outbox_in_order(
        token: str, writes: str) -> None:
    ws = await connected(token, writes=writes)
    start = (await ws.receive_json_from(timeout=3))["seq"]

    def unpublished(n: int) -> list[LiveUpdate]:
        return [LiveUpdate.objects.create(kind="queue.updated", payload={"sp_id": i})
                for i in range(n)]

    dropped = await database_sync_to_async(unpublished)(3)
    last = await database_sync_to_async(outbox.record)("queue.updated", {"sp_id": 99})
    await sync_to_async(publish_update, thread_sensitive=False)(last)
    messages = await receive_until(ws, 4)
    assert [m["seq"] for m in messages] == [u.id for u in dropped] + [last.id]
    assert messages[0]["seq"] > start
    # A late copy of a message already filled in is not sent twice.
    await sync_to_async(publish_update, thread_sensitive=False)(dropped[1])
    assert await ws.receive_nothing(timeout=0.1)
    await ws.disconnect()


async def test_a_coalesced_message_is_sent_as_one_frame_of_its_changes_in_order(
        token: str, writes: str) -> None:
    ws = await connected(token, writes=writes)
    await ws.receive_json_from(timeout=3)

    def changes() -> list[LiveUpdate]:
        return [LiveUpdate.objects.create(kind="queue.updated", payload={"sp_id": i})
                for i in (881, 882, 883)]

    updates = await database_sync_to_async(changes)()
    texts = [[u.id, json.dumps(u.as_message(), cls=DjangoJSONEncoder)] for u in updates]
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send("planning.company-1", {"type": "live.update", "updates": texts})
    messages = await ws.receive_json_from(timeout=3)
    assert [(m["seq"], m["data"]["sp_id"]) for m in messages] == [
        (u.id, u.payload["sp_id"]) for u in updates]
    await ws.disconnect()


async def test_channel_layer_messages_skip_the_connection_cleanup_hop(
        token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hops: list[str] = []

    async def counted_cleanup() -> None:
        hops.append("close_old_connections")

    monkeypatch.setattr("channels.consumer.aclose_old_connections", counted_cleanup)
    ws = await connected(token)
    await ws.receive_json_from(timeout=3)
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send("planning.company-1",
                           {"type": "live.ping", "ping_id": "p-7", "sent_at": 1.0})
    assert (await ws.receive_json_from(timeout=3))["type"] == "ping"
    assert hops == []
    await ws.disconnect()


def forget_groups() -> None:
    """What a Redis restart does to the channel layer: every group membership is gone."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        layer.groups.clear()
    else:
        flush_redis()


async def test_a_page_that_lost_its_group_rejoins_and_catches_up(
        token: str, settings: Any, writes: str) -> None:
    settings.PRINTFARM_LIVE = {**settings.PRINTFARM_LIVE, "rejoin_seconds": 0.2}
    ws = await connected(token, writes=writes)
    await ws.receive_json_from(timeout=3)
    await sync_to_async(forget_groups)()
    missed = await database_sync_to_async(outbox.record)("queue.updated", {"sp_id": 881})
    await sync_to_async(publish_update, thread_sensitive=False)(missed)
    caught_up = await ws.receive_json_from(timeout=3)
    assert (caught_up["seq"], caught_up["data"]) == (missed.id, {"sp_id": 881})
    after = await database_sync_to_async(outbox.record)("queue.updated", {"sp_id": 882})
    await sync_to_async(publish_update, thread_sensitive=False)(after)
    assert (await ws.receive_json_from(timeout=3))["seq"] == after.id
    await ws.disconnect()


def rolled_back_number() -> int:
    """Take an outbox number and roll it back, as a failed transaction does on PostgreSQL."""
    update = LiveUpdate.objects.create(kind="queue.updated", payload={"sp_id": 0})
    number = update.id
    update.delete()
    return number


async def test_a_number_that_never_commits_is_announced_with_a_skip(
        token: str, settings: Any, writes: str) -> None:
    settings.PRINTFARM_LIVE = {**settings.PRINTFARM_LIVE, "gap_wait_seconds": 0.05}
    ws = await connected(token, writes=writes)
    await ws.receive_json_from(timeout=3)
    hole = await database_sync_to_async(rolled_back_number)()
    after = await database_sync_to_async(outbox.record)("queue.updated", {"sp_id": 881})
    await sync_to_async(publish_update, thread_sensitive=False)(after)
    assert await receive_until(ws, 2) == [
        {"type": "skip", "seq": hole},
        {"seq": after.id, "type": "queue.updated", "data": {"sp_id": 881}}]
    await ws.disconnect()


async def test_a_replay_announces_its_holes_with_a_skip(token: str) -> None:
    before = await database_sync_to_async(outbox.record)("queue.updated", {"sp_id": 880})
    hole = await database_sync_to_async(rolled_back_number)()
    after = await database_sync_to_async(outbox.record)("queue.updated", {"sp_id": 881})
    ws = await connected(token, f"last_seq={before.id}")
    assert await receive_until(ws, 2) == [
        {"type": "skip", "seq": hole},
        {"seq": after.id, "type": "queue.updated", "data": {"sp_id": 881}}]
    await ws.disconnect()


async def test_client_ping_gets_a_pong(token: str) -> None:
    ws = await connected(token)
    await ws.receive_json_from(timeout=3)
    await ws.send_json_to({"type": "ping", "id": "p1", "t": 123.5})
    pong = await ws.receive_json_from(timeout=3)
    assert (pong["type"], pong["id"], pong["t"]) == ("pong", "p1", 123.5)
    await ws.disconnect()


async def test_broadcast_ping_is_forwarded_and_pong_recorded(token: str, writes: str) -> None:
    ws = await connected(token, writes=writes)
    await ws.receive_json_from(timeout=3)
    ping_id, sent_at = await sync_to_async(presence.new_ping)()
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send("planning.company-1",
                           {"type": "live.ping", "ping_id": ping_id, "sent_at": sent_at})
    ping = await ws.receive_json_from(timeout=3)
    assert ping == {"type": "ping", "ping_id": ping_id, "sent_at": sent_at}
    await ws.send_json_to({"type": "pong", "ping_id": ping_id})
    result = await sync_to_async(presence.collect_pongs, thread_sensitive=False)(
        ping_id, sent_at, 3.0, expected=1)
    assert len(result.round_trips_ms) == 1
    assert cache.get(f"ws_ping:{ping_id}:n") == 1
    await ws.disconnect()


async def test_connected_pages_are_counted(token: str) -> None:
    before = await sync_to_async(presence.client_count)()
    ws = await connected(token)
    await ws.receive_json_from(timeout=3)
    assert await sync_to_async(presence.client_count)() == before + 1
    await ws.disconnect()
    assert await sync_to_async(presence.client_count)() == before


async def test_heartbeats_carry_the_server_time_and_the_sync_mode(
    token: str, settings: Any
) -> None:
    settings.PRINTFARM_LIVE = {**settings.PRINTFARM_LIVE, "heartbeat_seconds": 0.3}
    await sync_to_async(SyncState.objects.create)(pk=1, mode=SyncState.Mode.POLLING,
                                                  reason="test")
    ws = await connected(token)
    assert (await ws.receive_json_from(timeout=3))["type"] == "snapshot"
    first = await ws.receive_json_from(timeout=3)
    second = await ws.receive_json_from(timeout=3)
    for beat in (first, second):
        assert beat["type"] == "heartbeat"
        assert beat["interval"] == 0.3
        assert beat["mode"] == "polling"
        assert beat["stale_after"] == settings.PRINTFARM_SYNC["stale_after"]
    assert 0.2 < second["server_time"] - first["server_time"] < 1.0
    await ws.disconnect()


async def test_a_heartbeat_names_the_newest_change_even_one_this_page_did_not_get(
    token: str, settings: Any
) -> None:
    """What lets a page notice that changes stop reaching it while heartbeats still do."""
    settings.PRINTFARM_LIVE = {**settings.PRINTFARM_LIVE, "heartbeat_seconds": 0.3}
    ws = await connected(token)
    snapshot = await ws.receive_json_from(timeout=3)
    first = await ws.receive_json_from(timeout=3)
    assert (first["type"], first["latest_seq"]) == ("heartbeat", snapshot["seq"])
    assert "seq" not in first  # a client may take any message with a "seq" for a delta
    lost = await database_sync_to_async(LiveUpdate.objects.create)(  # never published
        kind="queue.updated", payload={"sp_id": 881})
    beat = await ws.receive_json_from(timeout=3)
    if beat["latest_seq"] == snapshot["seq"]:  # read up to half an interval before the change
        beat = await ws.receive_json_from(timeout=3)
    assert (beat["type"], beat["latest_seq"]) == ("heartbeat", lost.id)
    assert lost.id > snapshot["seq"]
    await ws.disconnect()
