"""A sync that never stalls: whatever way SimplyPrint's webhook API refuses (each alternative is
a switch of the simulator), printers, jobs and the queue keep syncing by polling, the reason is
shown in words an operator can act on, and when the API recovers webhooks come back on their
own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.simpleprint.models import SyncState
from apps.simpleprint.ops import health
from apps.simpleprint.sync import modes, webhook_manager
from apps.simpleprint.sync import polling as sync
from tests.simpleprint.conftest import Sim
from tests.simpleprint.sync.test_polling import db_view, farm_view

pytestmark = pytest.mark.django_db(transaction=True)

#: Each way the webhook API may refuse, and what the operator is told.
REFUSALS = {
    "404": "webhooks need the Print Farm plan",
    "403": "this API key lacks the webhooks_manage permission",
    "401": "check SIMPLEPRINT_API_KEY",
    "status_false": "with status false",
    "500": "SimplyPrint is failing or in maintenance",
    "timeout": "cannot reach",
}


@pytest.mark.parametrize("refusal", REFUSALS)
def test_a_refused_webhook_api_leaves_everything_syncing_by_polling(
        make_sim: Callable[..., Sim], refusal: str, settings: Any) -> None:
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "timeout": 1.0,
                                   "max_attempts": 1}
    sim = make_sim(webhooks=False, webhooks_refusal=refusal, slow_seconds=3.0)
    modes.load(sim.now)
    assert sync.tick(sim.client, sim.clock) == "polled"
    assert db_view() == farm_view(sim)

    state = SyncState.objects.get()
    assert state.mode == "polling"
    assert REFUSALS[refusal] in state.reason and state.webhooks_error == state.reason
    # The same words where an operator looks: /readyz (for staff) and the debug panel.
    assert REFUSALS[refusal] in health.check_sync().detail
    assert REFUSALS[refusal] in (webhook_manager.remembered().error or "")

    for _ in range(20):  # the farm goes on; so does the mirror
        sim.advance(60)
        assert sync.tick(sim.client, sim.clock) in ("polled", "idle")
    assert db_view() == farm_view(sim)


def test_webhooks_come_back_on_their_own_when_the_api_answers_again(
        make_sim: Callable[..., Sim], live_server: Any, settings: Any) -> None:
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "public_url": live_server.url}
    sim = make_sim(webhooks=False, webhooks_refusal="403", natural=False)
    modes.load(sim.now)
    sync.tick(sim.client, sim.clock)
    assert modes.current_mode() == "polling"
    sim.reset_stats()

    sim.control(webhooks_available=True)  # the permission was given
    sim.advance(300)
    sync.tick(sim.client, sim.clock)
    assert sim.stats()["requests"]["by_endpoint"].get("webhooks/Get") is None  # not yet due
    sim.advance(301)
    sync.tick(sim.client, sim.clock)  # asks again: registers our webhook, asks for a test
    sim.settle()
    [hook] = webhook_manager.list_webhooks()
    assert hook["url"] == webhook_manager.receiver_url() and hook["enabled"]
    sim.advance(30)
    sync.tick(sim.client, sim.clock)
    info = modes.mode_info()
    assert (info["mode"], info["reason"], info["webhooks_error"]) == (
        "webhooks", "deliveries resumed", "")


def test_while_refused_the_api_is_asked_again_only_every_recheck_interval(
        make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(webhooks=False, webhooks_refusal="500", natural=False)
    modes.load(sim.now)
    for _ in range(40):  # 20 minutes of ticks every 30 s
        sync.tick(sim.client, sim.clock)
        sim.advance(30)
    # the first check, then one every webhook_recheck_interval (600 s): at 0 s and 600 s (each
    # with the client's retries of a 5xx)
    assert sim.requests_to("webhooks/Get") == {"500": 2 * sim.client.max_attempts}


def test_a_rate_limited_webhook_api_is_not_a_refusal(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(natural=False)
    modes.load(sim.now)
    sim.control(rate_limit=1)
    sim.api("GET", "account/Test")  # the minute's one request
    assert sync.tick(sim.client, sim.clock) == "rate-limited"
    assert modes.current_mode() == "webhooks"
