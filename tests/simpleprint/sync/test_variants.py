"""The sync and the receiver against every alternative the simulator has for what SimplyPrint
does not document (``simulator/README.md``, "Switches"): twenty minutes of a busy farm, with
webhooks delivered to the receiver (``live_server``) and the sync ticking every minute, end with
the mirror equal to the farm and no event failed, whichever alternative is true."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.simpleprint.models import PrinterWebhookEvent, SyncState
from apps.simpleprint.sync import modes
from apps.simpleprint.sync import polling as sync
from simulator.config import CHOICES, SimConfig
from tests.simpleprint.conftest import Sim
from tests.simpleprint.sync.test_polling import db_view, farm_view

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

DEFAULTS = SimConfig()
#: Every value of every switch but the default one (each run changes one switch).
VARIANTS: list[dict[str, Any]] = [
    *({name: value} for name, values in CHOICES.items() for value in values
      if value != getattr(DEFAULTS, name)),
    {"empty_as_list": True}, {"getuser_company": False}, {"sample_payloads": False},
    {"custom_tags": False},
]


def variant_id(variant: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in variant.items())


@pytest.mark.parametrize("variant", [{}, *VARIANTS], ids=lambda v: variant_id(v) or "defaults")
def test_the_mirror_follows_the_farm_whatever_simplyprint_does(
        make_sim: Callable[..., Sim], live_server: Any, settings: Any,
        variant: dict[str, Any]) -> None:
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "public_url": live_server.url,
                                   "timeout": 1.0, "max_attempts": 1}
    refused = "webhooks_refusal" in variant
    sim = make_sim(seed=11, webhooks=not refused, slow_seconds=3.0, **variant)
    if not refused:
        sim.register(live_server.url)
    sync.full_sync(sim.client, sim.clock)
    modes.load(sim.now)
    for _ in range(20):
        sim.advance(60)
        sync.tick(sim.client, sim.clock)
    sim.settle()

    assert SyncState.objects.get().mode == ("polling" if refused else "webhooks")
    assert db_view() == farm_view(sim)
    failed = list(PrinterWebhookEvent.objects.filter(status="failed")
                  .values_list("event", "processing_error"))
    assert failed == []


def test_a_429_without_retry_after_backs_off_and_recovers(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(webhooks=False, retry_after=False)
    modes.load(sim.now)
    sync.tick(sim.client, sim.clock)
    sim.control(rate_limit=1)  # the window still holds the calls just made
    sim.advance(30)
    assert sync.tick(sim.client, sim.clock) == "rate-limited"
    assert SyncState.objects.get().backoff == 2
    sim.control(rate_limit=0)
    sim.advance(60)
    assert sync.tick(sim.client, sim.clock) == "polled"
    assert SyncState.objects.get().backoff == 1
    assert db_view() == farm_view(sim)


@pytest.mark.parametrize("last_job", ["keep", "drop"])
def test_the_bed_waits_to_be_cleared_whether_printers_get_keeps_the_last_job_or_not(
        make_sim: Callable[..., Sim], live_server: Any, last_job: str) -> None:
    from apps.simpleprint.models import Printer

    sim = make_sim(natural=False, last_job=last_job)
    sim.register(live_server.url)
    pid = next(p["id"] for p in sim.state()["printers"] if p["job"] is None)
    sim.scenario("set_autoprint", printer_id=pid, state="disabled")
    sim.scenario("start_job", printer_id=pid, estimate=600)
    sim.advance(60)
    sim.scenario("finish_job", printer_id=pid)
    sim.settle()
    assert Printer.objects.get(sp_id=pid).bed_needs_clearing
    sim.advance(30)
    sync.read_printers(sim.client, sim.clock)  # the row keeps the finished job, or has none
    assert Printer.objects.get(sp_id=pid).bed_needs_clearing
    sim.scenario("clear_bed", printer_id=pid)
    sim.settle()
    sim.advance(30)
    sync.read_printers(sim.client, sim.clock)
    assert not Printer.objects.get(sp_id=pid).bed_needs_clearing
