"""The sync against the simulator over real HTTP, on its manual clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.simpleprint.models import (
    LiveUpdate,
    Printer,
    PrintJob,
    PrintQueue,
    StateSource,
    SyncState,
)
from apps.simpleprint.remote.ratelimit import LocalRateLimiter
from apps.simpleprint.state import rules
from apps.simpleprint.sync import modes
from apps.simpleprint.sync import polling as sync
from tests.simpleprint.conftest import Sim

pytestmark = pytest.mark.django_db(transaction=True)


def farm_view(sim: Sim) -> dict[str, Any]:
    """The meaningful part of the simulator's truth."""
    truth = sim.state()
    return {
        "printers": {p["id"]: (p["state"], p["online"], p["out_of_order"], p["nozzle"],
                               sorted(p["custom_tags"]),
                               p["job"]["id"] if p["job"] and p["state"] in
                               ("printing", "paused") else None)
                     for p in truth["printers"]},
        "queue": {q["id"]: q["left"] for q in truth["queue"] if not q["done"]},
    }


def db_view() -> dict[str, Any]:
    return {
        "printers": {p.sp_id: (p.state, p.online, p.out_of_order, p.nozzle_size,
                               sorted(p.custom_tags),
                               p.current_job.sp_id if p.current_job else None)
                     for p in Printer.objects.select_related("current_job")},
        "queue": {q.sp_id: q.left for q in PrintQueue.objects.filter(
            state__in=PrintQueue.ACTIVE)},
    }


def job_statuses() -> dict[int, str]:
    return dict(PrintJob.objects.values_list("sp_id", "status"))


def reconciled_once(sim: Sim) -> None:
    """Webhooks mode after the fill and its first reconcile; the simulator's counts reset."""
    sync.full_sync(sim.client, sim.clock)
    modes.load(sim.now)
    assert sync.tick(sim.client, sim.clock) == "reconciled"
    sim.reset_stats()


def test_full_sync_fills_the_database_like_the_truth(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim()
    result = sync.full_sync(sim.client, sim.clock)
    assert result.printers == 8 and result.calls >= 3
    assert db_view() == farm_view(sim)


def test_second_poll_without_changes_publishes_nothing(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(natural=False)
    sync.full_sync(sim.client, sim.clock)
    published = LiveUpdate.objects.count()
    result = sync.full_sync(sim.client, sim.clock)
    assert result.changes == 0 and LiveUpdate.objects.count() == published


def test_polling_follows_the_farm(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(webhooks=False)
    for _ in range(60):
        sim.advance(180)
        sync.full_sync(sim.client, sim.clock)
    assert db_view() == farm_view(sim)
    assert PrintJob.objects.filter(status__in=PrintJob.TERMINAL).exists()


def run_plan(sim: Sim, steps: int) -> None:
    """The same plan for both runs: advance a minute at a time, ticking the sync each time."""
    modes.load(sim.now)
    for _ in range(steps):
        sim.advance(60)
        sync.tick(sim.client, sim.clock)


def test_webhookless_run_ends_like_the_webhook_run(make_sim: Callable[..., Sim],
                                                   live_server: Any, settings: Any) -> None:
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "public_url": live_server.url}
    with_hooks = make_sim(seed=11)
    with_hooks.register(live_server.url)
    sync.full_sync(with_hooks.client, with_hooks.clock)
    run_plan(with_hooks, 30)
    webhook_state, webhook_jobs = db_view(), job_statuses()
    assert SyncState.objects.get().mode == "webhooks"
    assert webhook_state == farm_view(with_hooks)

    for model in (PrintQueue, Printer, PrintJob, SyncState):
        model.objects.all().delete()
    without = make_sim(seed=11, webhooks=False)
    sync.full_sync(without.client, without.clock)
    run_plan(without, 30)
    assert SyncState.objects.get().mode == "polling"
    assert db_view() == webhook_state
    polled_jobs = job_statuses()
    # Jobs that started and ended between two polls are never seen by a poller; every job both
    # runs know has the same status.
    assert {k: v for k, v in webhook_jobs.items() if k in polled_jobs} == polled_jobs


def test_dropped_deliveries_are_healed_by_one_reconcile(make_sim: Callable[..., Sim],
                                                        live_server: Any) -> None:
    sim = make_sim(seed=5)
    sim.register(live_server.url)
    sync.full_sync(sim.client, sim.clock)
    modes.load(sim.now)
    sim.control(drop=1.0)
    sim.advance(540)
    sim.scenario("set_nozzle", printer_id=1, nozzle=0.8)
    sim.settle()
    assert db_view() != farm_view(sim)  # every delivery of those 9 minutes was lost
    sim.advance(60)
    assert sync.tick(sim.client, sim.clock) == "reconciled"
    assert db_view() == farm_view(sim)


def test_stale_printers_are_marked(make_sim: Callable[..., Sim], settings: Any) -> None:
    sim = make_sim(webhooks=False)
    modes.load(sim.now)
    sync.tick(sim.client, sim.clock)
    printer = Printer.objects.order_by("sp_id")[0]
    assert rules.printer_freshness(printer, sim.now, modes.stale_limit()) == "polled"
    assert rules.printer_freshness(printer, sim.now + 121, modes.stale_limit()) == "stale"


def test_with_connectivity_reads_a_printer_is_stale_after_their_interval(
        make_sim: Callable[..., Sim], sync_settings: dict[str, Any]) -> None:
    sync_settings["connectivity_interval"] = 30.0
    sim = make_sim(natural=False)
    reconciled_once(sim)
    printer = Printer.objects.filter(state_source=StateSource.POLL).order_by("sp_id")[0]
    assert rules.printer_freshness(printer, sim.now + 150, modes.stale_limit()) == "polled"
    assert rules.printer_freshness(printer, sim.now + 151, modes.stale_limit()) == "stale"


def test_rate_limit_backs_off_and_resets(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(webhooks=False)
    modes.load(sim.now)
    sync.tick(sim.client, sim.clock)  # → polling, first poll
    sim.control(rate_limit=1)  # the window still holds the calls just made
    sim.advance(30)
    assert sync.tick(sim.client, sim.clock) == "rate-limited"
    state = SyncState.objects.get()
    assert state.backoff == 2 and state.next_poll_at.timestamp() == sim.now + 60
    sim.advance(30)
    assert sync.tick(sim.client, sim.clock) == "idle"  # the interval doubled
    sim.advance(30)
    assert sync.tick(sim.client, sim.clock) == "rate-limited"
    assert SyncState.objects.get().backoff == 4
    # The poller stops at the first 429, and the client's shared pause (SimplyPrint's
    # Retry-After) holds the second attempt back before it reaches SimplyPrint.
    assert sim.stats()["requests"]["rate_limited"] == 1
    sim.control(rate_limit=0)
    sim.client.limiter = LocalRateLimiter(0)  # SimplyPrint's Retry-After (real seconds) is over
    sim.advance(120)
    assert sync.tick(sim.client, sim.clock) == "polled"
    state = SyncState.objects.get()
    assert state.backoff == 1 and state.next_poll_at.timestamp() == sim.now + 30


def test_tick_does_nothing_while_another_worker_holds_the_lock(
        make_sim: Callable[..., Sim]) -> None:
    from apps.simpleprint.remote import locks

    sim = make_sim()
    with locks.exclusive(sync.LOCK_NAME, 60):
        assert sync.tick(sim.client, sim.clock) == "locked"
    assert sim.stats()["requests"]["total"] == 0


def test_connectivity_read_shows_a_printer_offline_before_the_next_reconcile(
        make_sim: Callable[..., Sim], sync_settings: dict[str, Any]) -> None:
    sync_settings["connectivity_interval"] = 30.0
    sim = make_sim(natural=False)
    reconciled_once(sim)
    sim.scenario("set_offline", printer_id=1)
    sim.advance(30)
    assert sync.tick(sim.client, sim.clock) == "read printers"
    printer = Printer.objects.get(sp_id=1)
    assert (printer.online, printer.state) == (False, Printer.State.OFFLINE)
    assert sim.stats()["requests"]["by_endpoint"] == {"printers/Get": 1}


def test_without_a_connectivity_interval_nothing_is_read_between_reconciles(
        make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(natural=False)
    reconciled_once(sim)
    sim.scenario("set_offline", printer_id=1)
    for _ in range(19):
        sim.advance(30)
        assert sync.tick(sim.client, sim.clock) == "idle"
    assert sim.stats()["requests"]["total"] == 0
    assert Printer.objects.get(sp_id=1).online


def test_reconcile_comes_due_between_connectivity_reads(make_sim: Callable[..., Sim],
                                                        sync_settings: dict[str, Any]) -> None:
    sync_settings["connectivity_interval"] = 30.0
    sim = make_sim(natural=False)
    reconciled_once(sim)
    done = []
    for _ in range(20):
        sim.advance(30)
        done.append(sync.tick(sim.client, sim.clock))
    assert done == ["read printers"] * 19 + ["reconciled"]


def test_progress_reads_only_printers_while_a_printer_is_busy(
        make_sim: Callable[..., Sim], sync_settings: dict[str, Any]) -> None:
    sync_settings["progress_interval"] = 60.0
    sim = make_sim(natural=False)
    reconciled_once(sim)
    busy = Printer.objects.filter(state=Printer.State.PRINTING).order_by("sp_id").first()
    assert busy is not None
    sim.advance(60)
    assert sync.tick(sim.client, sim.clock) == "read printers"
    assert sim.stats()["requests"]["by_endpoint"] == {"printers/Get": 1}
    busy.refresh_from_db()
    assert busy.progress_at is not None and busy.progress_at.timestamp() == sim.now


def test_after_a_print_starts_the_queue_is_read_soon(
        make_sim: Callable[..., Sim], live_server: Any, sync_settings: dict[str, Any]) -> None:
    """A print that starts from the queue takes a copy of an item, and no queue event says so."""
    sync_settings.update(connectivity_interval=30.0, queue_after_jobs=120.0)
    sim = make_sim(natural=False)
    sim.register(live_server.url)
    reconciled_once(sim)
    pid = next(p["id"] for p in sim.state()["printers"] if p["job"] is None)
    sim.scenario("set_autoprint", printer_id=pid, state="disabled")
    item = sim.scenario("add_queue_item", filename="two_0.4n_PLA_1h.gcode", group=1,
                        amount=2)["queue_item"]
    sim.scenario("start_job", printer_id=pid, queue_item_id=item["id"])
    sim.settle()
    assert PrintQueue.objects.get(sp_id=item["id"]).left == 2  # the mirror cannot know yet
    done = []
    for _ in range(5):
        sim.advance(30)
        done.append(sync.tick(sim.client, sim.clock))
    assert done == ["read printers"] * 5
    assert PrintQueue.objects.get(sp_id=item["id"]).left == 1
    assert sim.requests_to("queue/GetItems") == {"200": 2}  # once: both of its forms
