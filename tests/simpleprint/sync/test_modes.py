"""Switching between webhooks and polling, both ways, against the simulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.simpleprint.models import SyncState
from apps.simpleprint.sync import modes
from apps.simpleprint.sync import polling as sync
from tests.simpleprint.conftest import Sim

pytestmark = pytest.mark.django_db(transaction=True)


def test_webhook_api_404_switches_to_polling(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(webhooks=False)
    modes.load(sim.now)
    assert sync.tick(sim.client, sim.clock) == "polled"
    assert modes.current_mode() == "polling"
    assert "404" in modes.mode_info()["reason"]


def test_deliveries_resuming_switch_back_to_webhooks(make_sim: Callable[..., Sim],
                                                     live_server: Any) -> None:
    sim = make_sim(webhooks=False, natural=False)
    modes.load(sim.now)
    sync.tick(sim.client, sim.clock)
    assert modes.current_mode() == "polling"
    sim.control(webhooks_available=True)
    sim.register(live_server.url)
    sim.scenario("set_nozzle", printer_id=2, nozzle=0.6)
    sim.settle()
    sim.advance(30)
    sync.tick(sim.client, sim.clock)
    info = modes.mode_info()
    assert info["mode"] == "webhooks" and info["reason"] == "deliveries resumed"


def test_silence_while_printers_are_busy_switches_to_polling(
        make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(natural=False)  # webhooks available, but nothing registered: silence
    sync.full_sync(sim.client, sim.clock)
    modes.load(sim.now)
    sync.tick(sim.client, sim.clock)
    assert modes.current_mode() == "webhooks"
    sim.advance(901)
    assert sync.tick(sim.client, sim.clock) == "polled"
    state = SyncState.objects.get()
    assert state.mode == "polling" and "while printers are busy" in state.reason


def our_receiver_at(settings: Any, live_server: Any) -> None:
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "public_url": live_server.url}


def test_quiet_long_prints_ask_for_a_test_delivery_and_stay_on_webhooks(
        make_sim: Callable[..., Sim], live_server: Any, settings: Any) -> None:
    our_receiver_at(settings, live_server)
    sim = make_sim(natural=False)
    sim.register(live_server.url)
    sync.full_sync(sim.client, sim.clock)
    modes.load(sim.now)
    sim.advance(901)
    sync.tick(sim.client, sim.clock)
    sim.settle()
    assert SyncState.objects.get().probe_sent_at is not None
    assert sim.stats()["deliveries"]["succeeded"] == 1  # the test delivery
    sim.advance(150)
    sync.tick(sim.client, sim.clock)
    assert modes.current_mode() == "webhooks"


def test_no_answer_to_the_test_delivery_switches_to_polling(
        make_sim: Callable[..., Sim], live_server: Any, settings: Any) -> None:
    our_receiver_at(settings, live_server)
    sim = make_sim(natural=False)
    sim.register(live_server.url)
    sim.control(drop=1.0)  # SimplyPrint accepts the request but nothing reaches us
    sync.full_sync(sim.client, sim.clock)
    modes.load(sim.now)
    sim.advance(901)
    sync.tick(sim.client, sim.clock)
    assert modes.current_mode() == "webhooks"
    sim.advance(121)
    sync.tick(sim.client, sim.clock)
    state = SyncState.objects.get()
    assert state.mode == "polling" and "not even the test delivery" in state.reason


def test_a_refusal_switches_to_polling_with_its_reason() -> None:
    modes.refused("webhooks/Create answered 404", 1767225600)
    info = modes.mode_info()
    assert (info["mode"], info["reason"], info["webhooks_error"]) == (
        "polling", "webhooks/Create answered 404", "webhooks/Create answered 404")
