"""Tolerant processing, against the simulator over real HTTP: an event whose data lacks what the
service expects is applied by re-reading what it names (``printers/Get?pid=``,
``jobs/GetDetails``, ``queue/GetItem``, ``queue/GetItems``), and ``queue.empty_queue`` always
re-reads the queue instead of assuming everything went. Every shape alternative of the
simulator (``shapes``, ``empty_queue_group``) is run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.simpleprint.models import PrinterWebhookEvent, PrintQueue
from apps.simpleprint.sync import polling as sync
from tests.simpleprint.conftest import Sim
from tests.simpleprint.sync.test_polling import db_view, farm_view

pytestmark = pytest.mark.django_db(transaction=True)

#: The events SimplyPrint publishes no sample of (their shape is the service's guess).
GUESSED = ("printer.autoprint_state_changed", "printer.nozzle_size_changed",
           "printer.material_changed", "printer.custom_tag_assigned",
           "printer.custom_tag_detached", "printer.out_of_order_state_changed",
           "job.bed_cleared", "job.objects_skipped", "queue.revive_item", "queue.empty_queue")


def free_printers(sim: Sim) -> list[int]:
    """Printers without a job (ending one would give its queue item a copy back, which no
    event reports), AutoPrint off so that they stay free."""
    free = [p["id"] for p in sim.state()["printers"] if p["job"] is None]
    for pid in free:
        sim.scenario("set_autoprint", printer_id=pid, state="disabled")
    return free


def guessed_events_happen(sim: Sim) -> None:
    """Every event without a published sample, once."""
    first, second, *_ = free_printers(sim)
    sim.scenario("set_nozzle", printer_id=1, nozzle=0.6)
    sim.scenario("set_material", printer_id=1,
                 material=[{"ext": 0, "type": 2, "color": "Orange", "hex": "#FF7F00"}])
    sim.scenario("assign_tag", printer_id=1, tag_id=4)
    sim.scenario("assign_tag", printer_id=2, tag_id=5)
    sim.advance(10)  # two changes of one tag in one second are ordered arbitrarily
    sim.scenario("detach_tag", printer_id=2, tag_id=5)
    sim.scenario("set_out_of_order", printer_id=2, value=True)
    sim.scenario("start_job", printer_id=first, file="part_0.4n_PLA_1h.gcode", estimate=3600)
    sim.advance(60)
    sim.scenario("skip_objects", printer_id=first, objects=[2, 4])
    sim.scenario("finish_job", printer_id=first)
    sim.scenario("clear_bed", printer_id=first)
    item = sim.scenario("add_queue_item", filename="once_0.4n_PLA_1h.gcode", group=2,
                        amount=1)["queue_item"]
    sim.scenario("start_job", printer_id=second, queue_item_id=item["id"])
    sim.scenario("finish_job", printer_id=second)
    assert sim.api("POST", "queue/ReviveItem", params={"job": item["id"]}).status_code == 200
    assert sim.api("POST", "queue/EmptyQueue", json={"group": 1}).status_code == 200
    sim.settle()


def statuses() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for event in PrinterWebhookEvent.objects.all():
        found.setdefault(event.event, set()).add(event.status)
    return found


@pytest.mark.parametrize("shapes", ["assumed", "unexpected_keys", "missing_keys"])
def test_guessed_shapes_that_differ_end_processed_through_a_re_read(
        make_sim: Callable[..., Sim], live_server: Any, shapes: str) -> None:
    sim = make_sim(natural=False, shapes=shapes)
    sim.register(live_server.url)

    sync.full_sync(sim.client, sim.clock)
    guessed_events_happen(sim)

    found = statuses()
    assert set(GUESSED) <= found.keys()
    assert {e: s for e, s in found.items() if s != {"processed"}} == {}
    assert db_view() == farm_view(sim)
    notes = dict(PrinterWebhookEvent.objects.filter(event__in=GUESSED)
                 .values_list("event", "processing_note"))
    assert "re-read" in notes["queue.empty_queue"]  # always: its data does not say what went
    if shapes == "assumed":
        assert [e for e, note in notes.items() if note and e != "queue.empty_queue"] == []
    else:
        # Each event whose shape differs names what it lacked and what was re-read.
        differing = {"printer.autoprint_state_changed", "printer.nozzle_size_changed",
                     "printer.material_changed", "printer.custom_tag_assigned",
                     "printer.custom_tag_detached", "printer.out_of_order_state_changed",
                     "job.objects_skipped"} | ({"queue.revive_item"}
                                               if shapes == "missing_keys" else set())
        for event in differing:
            assert "re-read from" in notes[event], (event, notes[event])


@pytest.mark.parametrize("group_variant", ["id", "null", "object"])
def test_emptying_only_the_finished_items_leaves_the_live_queue_intact(
        make_sim: Callable[..., Sim], live_server: Any, group_variant: str) -> None:
    sim = make_sim(natural=False, empty_queue_group=group_variant)
    sim.register(live_server.url)

    free = free_printers(sim)[0]
    item = sim.scenario("add_queue_item", filename="once_0.4n_PLA_1h.gcode", group=2,
                        amount=1)["queue_item"]
    sim.scenario("start_job", printer_id=free, queue_item_id=item["id"])
    sim.scenario("finish_job", printer_id=free)
    sim.advance(10)  # a poll in the second of a delivery does not overrule it
    sync.full_sync(sim.client, sim.clock)
    live = set(PrintQueue.objects.filter(state__in=PrintQueue.ACTIVE)
               .values_list("sp_id", flat=True))
    assert live and PrintQueue.objects.get(sp_id=item["id"]).state == "done"

    assert sim.api("POST", "queue/EmptyQueue", json={"done_items": True}).status_code == 200
    sim.settle()

    event = PrinterWebhookEvent.objects.get(event="queue.empty_queue")
    assert event.status == "processed" and "0 live item(s) went" in event.processing_note
    assert set(PrintQueue.objects.filter(state__in=PrintQueue.ACTIVE)
               .values_list("sp_id", flat=True)) == live
    assert PrintQueue.objects.get(sp_id=item["id"]).state == "deleted"
    assert db_view() == farm_view(sim)


@pytest.mark.parametrize("group_variant", ["id", "null", "object"])
def test_emptying_a_group_removes_its_live_items_only(
        make_sim: Callable[..., Sim], live_server: Any, group_variant: str) -> None:
    sim = make_sim(natural=False, empty_queue_group=group_variant)
    sim.register(live_server.url)

    sync.full_sync(sim.client, sim.clock)
    live = dict(PrintQueue.objects.filter(state__in=PrintQueue.ACTIVE)
                .values_list("sp_id", "group_id"))
    assert set(live.values()) == {1, 2}
    assert sim.api("POST", "queue/EmptyQueue", json={"group": 2}).status_code == 200
    sim.settle()

    states = dict(PrintQueue.objects.values_list("sp_id", "state"))
    assert {sp_id for sp_id, state in states.items() if state == "deleted"} == \
        {sp_id for sp_id, group in live.items() if group == 2}
    assert db_view() == farm_view(sim)


def test_an_add_older_than_the_emptying_does_not_bring_an_item_back(
        make_sim: Callable[..., Sim], live_server: Any, post_delivery: Callable[..., Any]
) -> None:
    sim = make_sim(natural=False)
    sim.register(live_server.url)

    sync.full_sync(sim.client, sim.clock)
    sim.control(drop=1.0)  # the add is lost for now...
    item = sim.scenario("add_queue_item", filename="late_0.4n_PLA_1h.gcode",
                        group=2)["queue_item"]
    sim.settle()
    sim.control(drop=0.0)
    sim.advance(10)
    assert sim.api("POST", "queue/EmptyQueue", json={"group": 2}).status_code == 200
    sim.settle()
    [add] = [e for e in sim.events() if e["event"] == "queue.add_item"]
    late = {"webhook_id": 0, "event": add["event"], "timestamp": add["timestamp"],
            "data": add["data"]}
    assert post_delivery(late).status_code == 200  # ... and arrives after the emptying
    assert PrintQueue.objects.get(sp_id=item["id"]).state == "deleted"


def test_an_event_that_names_nothing_to_re_read_stays_failed(
        deliver: Callable[..., list[int]], farm: Any) -> None:
    from tests.payloads import envelope

    [event_id] = deliver(envelope("printer.nozzle_size_changed", {"size_mm": 0.6}, farm.now))
    event = PrinterWebhookEvent.objects.get(pk=event_id)
    assert event.status == "failed" and event.next_attempt_at is None
    assert "names no printer, job or queue item to re-read" in event.processing_error


def test_a_re_read_simplyprint_cannot_answer_is_retried(
        deliver: Callable[..., list[int]], farm: Any) -> None:
    # The test settings point SimplyPrint at a closed port.
    [event_id] = deliver(farm.printer_event("printer.nozzle_size_changed", 385, size_mm=0.6))
    event = PrinterWebhookEvent.objects.get(pk=event_id)
    assert event.status == "failed" and event.next_attempt_at is not None
    assert "re-reading printer 385 from SimplyPrint failed" in event.processing_error
