"""Farm behaviour: determinism, job lifecycles, queue consumption, clocks."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.config import SimConfig
from simulator.contract.event_log import EventLog
from simulator.domain.clock import MANUAL_EPOCH, RealClock
from simulator.domain.farm import Farm
from simulator.domain.model import FarmEvent, Job, QueueItem, User
from simulator.testing import SimulatorClient

DAY = 86400


def _farm(printers: int, seed: int) -> tuple[Farm, EventLog]:
    """A farm and the log of its events, rendered as the webhooks carry them."""
    farm = Farm(printers=printers, seed=seed, start=MANUAL_EPOCH)
    return farm, EventLog(farm, SimConfig())


def _trace(log: EventLog) -> list[tuple[str, int, Any]]:
    return [(e.event, e.timestamp, e.data) for e in log.events]


def test_same_seed_same_events_whatever_the_advance_chunks() -> None:
    one, one_log = _farm(12, 5)
    one.advance_to(MANUAL_EPOCH + DAY)
    other, other_log = _farm(12, 5)
    t = float(MANUAL_EPOCH)
    while t < MANUAL_EPOCH + DAY:
        t = min(t + 37.5, MANUAL_EPOCH + DAY)
        other.advance_to(t)
    assert _trace(one_log) and _trace(one_log) == _trace(other_log)
    assert one.state() == other.state()
    third, third_log = _farm(12, 6)
    third.advance_to(MANUAL_EPOCH + DAY)
    assert _trace(third_log) != _trace(one_log)


def test_the_farm_emits_domain_facts_and_the_log_renders_them_at_once() -> None:
    farm, log = _farm(12, 1)
    seen: list[FarmEvent] = []
    farm.listeners.append(seen.append)
    farm.advance_to(MANUAL_EPOCH + DAY / 2)
    assert seen and [e.seq for e in seen] == [e.seq for e in log.events]
    started = next(e for e in seen if e.event == "job.started" and not e.facts["job"].active)
    assert isinstance(started.facts["job"], Job) and isinstance(started.facts["user"], User)
    added = next(e for e in seen if e.event == "queue.add_item")
    assert isinstance(added.facts["queue_item"], QueueItem)
    for event in log.events:  # plain JSON, nothing of the farm's own objects
        assert json.loads(json.dumps(event.data)) == event.data
    rendered = next(e for e in log.events if e.seq == started.seq)
    assert rendered.data["job"]["id"] == started.facts["job"].id
    assert rendered.data["job"]["state"] == "printing"  # as it was then: it has ended since
    assert rendered.data["user"] == rendered.data["started_by"]


def test_same_seed_same_events_over_http(make_sim: Callable[..., SimulatorClient]) -> None:
    traces = []
    for _ in range(2):
        sim = make_sim(seed=3)
        sim.api("POST", "queue/AddItem", json={"fileId": "ab" * 32, "group": 1, "amount": 2})
        for _ in range(6):
            sim.advance(1800)
        traces.append(sim.get("/_sim/events", params={"limit": 20000}).json()["events"])
    assert traces[0] and traces[0] == traces[1]
    assert [e["seq"] for e in traces[0]] == list(range(1, len(traces[0]) + 1))


def test_job_lifecycles_over_two_days() -> None:
    farm, log = _farm(12, 1)
    farm.advance_to(MANUAL_EPOCH + 2 * DAY)
    events = list(log.events)
    counts = Counter(e.event for e in events)
    assert counts["job.started"] > 100
    assert counts["job.done"] > 0 and counts["job.failed"] > 0 and counts["job.cancelled"] > 0
    assert counts["job.bed_cleared"] > 0 and counts["queue.add_item"] > 0
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)

    per_job: defaultdict[int, list[str]] = defaultdict(list)
    for e in events:
        if e.event.startswith("job.") or e.event == "printer.ai_failure_detected":
            per_job[e.data["job"]["id"]].append(e.event)
    terminal = {"job.done", "job.failed", "job.cancelled"}
    for job_id, names in per_job.items():
        job = farm.jobs[job_id]
        ends = [n for n in names if n in terminal]
        assert len(ends) <= 1, names
        if "job.started" in names:
            assert names[0] == "job.started" and job.started >= MANUAL_EPOCH
        if ends:
            assert ends[0] == f"job.{job.state}"
        if "job.bed_cleared" in names:
            assert ends and names[-1] == "job.bed_cleared", names
        if job.active:
            assert not ends
    finished = [j for j in farm.jobs.values() if not j.active]
    cleared = sum(1 for names in per_job.values() if "job.bed_cleared" in names)
    assert cleared >= len(finished) - len(farm.printers)  # at most one uncleared bed each
    # Pause always pairs with resume (except possibly the last pause).
    for names in per_job.values():
        assert names.count("job.paused") - names.count("job.resumed") in (0, 1)


def test_queue_is_consumed_and_refilled() -> None:
    farm = Farm(printers=12, seed=2, start=MANUAL_EPOCH)
    seeded = set(farm.queue)
    farm.advance_to(MANUAL_EPOCH + DAY)
    from_queue = [j for j in farm.jobs.values() if j.queue_item_id is not None]
    assert len(from_queue) == len(farm.jobs)  # the natural farm prints from the queue only
    done_items = [i for i in farm.queue.values() if i.is_done]
    assert done_items and any(i.printed > 0 for i in done_items)
    assert seeded - {i.id for i in farm.queue.values() if not i.is_done}  # seeded items consumed
    assert any(i.id not in seeded for i in farm.queue.values())  # users added more
    for item in farm.queue.values():
        assert 0 <= item.left <= item.amount and item.printed <= item.amount
    assert any(j.autoprint for j in farm.jobs.values())
    assert any(not j.autoprint for j in farm.jobs.values())


def test_scenario_lifecycle_produces_webhook_events(sim: SimulatorClient) -> None:
    sim.control(natural=False)
    state = sim.state()
    assert state["now"] == MANUAL_EPOCH and len(state["printers"]) == 12
    pid = next(p["id"] for p in state["printers"] if p["state"] == "printing")
    sim.scenario("set_autoprint", printer_id=pid, state="disabled")
    finished = sim.scenario("finish_job", printer_id=pid)["job"]
    assert finished["state"] == "done" and finished["percentage"] == 100
    sim.scenario("clear_bed", printer_id=pid)
    started = sim.scenario("start_job", printer_id=pid, file="x.gcode", estimate=600)["job"]
    assert started["analysis"]["estimate"] == 600 and started["state"] == "printing"
    sim.advance(300)
    row = sim.api("POST", "printers/Get", params={"pid": pid}).json()["data"]
    assert 0 < row["job"]["percentage"] < 100
    sim.advance(600)
    truth = sim.printer(pid)
    assert truth["job"]["state"] == "done" and truth["bed_clear"] is False
    names = [e["event"] for e in sim.get("/_sim/events").json()["events"]]
    assert names[-1] == "job.done"
    assert names[-5:] == ["printer.autoprint_state_changed", "job.done", "job.bed_cleared",
                          "job.started", "job.done"]


def test_offline_is_only_visible_by_polling(sim: SimulatorClient) -> None:
    sim.control(natural=False)
    before = sim.state()["events"]
    sim.scenario("set_offline", printer_id=3)
    row = sim.api("POST", "printers/Get", params={"pid": 3}).json()["data"]
    assert row["printer"]["online"] is False and row["printer"]["state"] == "offline"
    sim.scenario("set_online", printer_id=3)
    row = sim.api("POST", "printers/Get", params={"pid": 3}).json()["data"]
    assert row["printer"]["online"] is True and row["printer"]["state"] != "offline"
    assert sim.state()["events"] == before


def test_pending_items_get_decided() -> None:
    farm, log = _farm(12, 4)
    farm.advance_to(MANUAL_EPOCH + 2 * DAY)
    names = Counter(e.event for e in log.events)
    assert names["queue.item_pending_approval"] > 0
    assert names["queue.item_approved"] + names["queue.item_denied"] > 0


def test_real_clock_runs_accelerated_and_pauses() -> None:
    clock = RealClock(start=1000.0, speed=3600)
    time.sleep(0.05)
    assert clock.now() > 1000 + 100
    clock.paused = True
    frozen = clock.now()
    time.sleep(0.02)
    assert clock.now() == frozen
    clock.paused = False
    clock.speed = 1
    assert clock.now() - frozen < 1


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=3 * 3600), min_size=1, max_size=8),
       st.integers(min_value=0, max_value=10_000))
def test_chunking_never_changes_the_trace(chunks: list[float], seed: int) -> None:
    stepped, stepped_log = _farm(4, seed)
    t = float(MANUAL_EPOCH)
    for chunk in chunks:
        t += chunk
        stepped.advance_to(t)
    whole, whole_log = _farm(4, seed)
    whole.advance_to(t)
    assert _trace(whole_log) == _trace(stepped_log)


def test_printers_drop_offline_without_any_event() -> None:
    farm, log = _farm(12, 1)
    offline_seen = set()
    for minute in range(0, 24 * 60, 5):
        farm.advance_to(MANUAL_EPOCH + minute * 60)
        offline_seen |= {p["id"] for p in farm.state()["printers"] if not p["online"]}
    assert offline_seen
    assert all((p["state"] == "offline") == (not p["online"]) for p in farm.state()["printers"])
    assert not any("online" in e.event or "offline" in e.event for e in log.events)


def test_pace_compresses_durations_and_gaps_but_not_the_clock() -> None:
    """The default run's demo (``--speed 1 --pace 60``): a farm at pace 60 does in an hour what
    one at pace 1 does in 60 hours, stamped with the time it happens."""
    slow, slow_log = _farm(12, 5)
    slow.advance_to(MANUAL_EPOCH + 60 * 3600)
    fast = Farm(printers=12, seed=5, start=MANUAL_EPOCH, pace=60)
    fast_log = EventLog(fast, SimConfig())
    fast.advance_to(MANUAL_EPOCH + 3600)
    assert all(MANUAL_EPOCH <= e.timestamp <= MANUAL_EPOCH + 3600 for e in fast_log.events)
    slow_counts = Counter(e.event for e in slow_log.events)
    fast_counts = Counter(e.event for e in fast_log.events)
    for event in ("job.started", "job.done", "queue.add_item"):
        assert 0.6 < fast_counts[event] / slow_counts[event] < 1.6, event
    durations = [e.data["job"]["duration"] for e in fast_log.events if e.event == "job.done"]
    # the longest estimate with its noise, plus a pause
    assert durations and max(durations) <= (6 * 3600 * 1.07 + 1800) / 60 + 10
    started = [e for e in fast_log.events if e.event == "job.started"]
    assert all(abs(e.data["job"]["started"] - e.timestamp) <= 1 for e in started)
