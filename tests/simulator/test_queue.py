"""Queue endpoints beyond the shapes: approval, revive, ordering, emptying, printer matching."""

from __future__ import annotations

from typing import Any

from simulator.testing import SimulatorClient


def _item(sim: SimulatorClient, item_id: int) -> dict[str, Any]:
    return sim.api("GET", "queue/GetItem", params={"id": item_id}).json()["item"]


def _free_printer(sim: SimulatorClient, end_action: str) -> int:
    """A printer that was printing, its job ended by ``end_action``, bed cleared, AutoPrint off."""
    sim.control(natural=False)
    state = sim.state()
    pid = int(next(p["id"] for p in state["printers"] if p["state"] == "printing"))
    sim.scenario("set_autoprint", printer_id=pid, state="disabled")
    sim.scenario(end_action, printer_id=pid)
    sim.scenario("clear_bed", printer_id=pid)
    return pid


def _events(sim: SimulatorClient) -> list[str]:
    return [e["event"] for e in sim.get("/_sim/events").json()["events"]]


def test_approval_flow(sim: SimulatorClient) -> None:
    sim.control(natural=False)
    first = sim.scenario("add_queue_item", pending_approval=True)["queue_item"]["id"]
    second = sim.scenario("add_queue_item", pending_approval=True)["queue_item"]["id"]
    pending = sim.api("GET", "queue/approval/GetPendingItems").json()["items"]
    assert {i["id"] for i in pending} == {first, second}
    assert sim.api("POST", "queue/approval/ApproveItem", params={"jobs": f"{first}"},
                   json={"comment": "ok"}).json()["status"] is True
    assert sim.api("POST", "queue/approval/DenyItem", params={"jobs": f"{second}"},
                   json={"comment": "too big", "remove": False}).json()["status"] is True
    assert sim.api("POST", "queue/approval/ApproveItem",
                   params={"jobs": f"{second}"}).status_code == 400  # no longer pending
    filtered = sim.api("POST", "queue/GetItems", json={"page_size": 100}).json()["queue"]
    assert first in {i["id"] for i in filtered} and second not in {i["id"] for i in filtered}
    events = sim.get("/_sim/events").json()["events"]
    denied = next(e for e in events if e["event"] == "queue.item_denied")["data"]
    assert denied["reason"] == "too big" and denied["removed"] is False
    assert [e["event"] for e in events][-4:] == [
        "queue.item_pending_approval", "queue.item_pending_approval", "queue.item_approved",
        "queue.item_denied"]


def test_set_order_moves_and_fires_move_item(sim: SimulatorClient) -> None:
    sim.control(natural=False)
    items = sim.api("GET", "queue/GetItems").json()["queue"]["items"]
    last = items[-1]["id"]
    response = sim.api("GET", "queue/SetOrder", params={"job": last, "from": len(items), "to": 1})
    assert response.json()["success"] is True
    assert sim.api("GET", "queue/GetItems").json()["queue"]["items"][0]["id"] == last
    assert _events(sim)[-1] == "queue.move_item"


def test_done_items_revive_and_empty(sim: SimulatorClient) -> None:
    pid = _free_printer(sim, "finish_job")
    item_id = sim.scenario("add_queue_item", for_printers=[pid])["queue_item"]["id"]
    sim.api("GET", "queue/SetOrder", params={"job": item_id, "from": 99, "to": 1})
    sim.scenario("start_job", printer_id=pid, queue_item_id=item_id)
    assert _item(sim, item_id)["left"] == 0
    sim.scenario("finish_job", printer_id=pid)
    done = _item(sim, item_id)
    assert (done["left"], done["printed"], done["ongoing"]) == (0, 1, False)
    assert done["done"] is not None and done["expires"] is not None
    legacy = sim.api("GET", "queue/GetItems", params={"done_items": "1"}).json()["queue"]
    assert item_id in {i["id"] for i in legacy["done_items"]}
    assert item_id not in {i["id"] for i in legacy["items"]}
    assert sim.api("POST", "queue/ReviveItem", params={"job": item_id}).json()["status"] is True
    assert _item(sim, item_id)["left"] == 1 and _events(sim)[-1] == "queue.revive_item"
    assert sim.api("POST", "queue/ReviveItem", params={"job": item_id}).status_code == 400
    sim.api("POST", "queue/EmptyQueue", json={"group": 0})
    remaining = sim.api("GET", "queue/GetItems").json()["queue"]["items"]
    assert all(i["left"] < i["amount"] for i in remaining)  # only items still printing remain


def test_a_bad_print_goes_back_to_the_queue_when_its_bed_is_cleared(
        sim: SimulatorClient) -> None:
    """ClearBed ``success: false`` means "the print was bad" (the default rule, as SimplyPrint's
    clear-bed page says): the copy comes back then, not when the print failed."""
    pid = _free_printer(sim, "cancel_job")
    item_id = sim.scenario("add_queue_item", amount=2, for_printers=[pid])["queue_item"]["id"]
    sim.scenario("start_job", printer_id=pid, queue_item_id=item_id)
    assert _item(sim, item_id)["left"] == 1
    sim.scenario("fail_job", printer_id=pid)
    assert (_item(sim, item_id)["left"], _item(sim, item_id)["printed"]) == (1, 0)
    assert sim.api("POST", "printers/actions/ClearBed", params={"pid": pid},
                   json={"success": False}).json()["status"] is True
    assert (_item(sim, item_id)["left"], _item(sim, item_id)["printed"]) == (2, 0)
    assert sim.printer(pid)["bed_clear"] is True


def test_a_good_print_marked_bad_is_printed_again(sim: SimulatorClient) -> None:
    pid = _free_printer(sim, "finish_job")
    item_id = sim.scenario("add_queue_item", amount=1, for_printers=[pid])["queue_item"]["id"]
    sim.scenario("start_job", printer_id=pid, queue_item_id=item_id)
    sim.scenario("finish_job", printer_id=pid)
    assert (_item(sim, item_id)["left"], _item(sim, item_id)["printed"]) == (0, 1)
    sim.api("POST", "printers/actions/ClearBed", params={"pid": pid}, json={"success": False})
    item = _item(sim, item_id)
    assert (item["left"], item["printed"], "done" in item) == (1, 0, False)


def test_where_success_means_the_bed_was_cleared(sim: SimulatorClient) -> None:
    """The Activepieces reading: a failed print gives its copy back as it ends, and ClearBed
    ``success: false`` leaves the printer waiting for a clear bed (no webhook)."""
    sim.actions(clear_bed_success="cleared")
    pid = _free_printer(sim, "cancel_job")
    item_id = sim.scenario("add_queue_item", amount=2, for_printers=[pid])["queue_item"]["id"]
    sim.scenario("start_job", printer_id=pid, queue_item_id=item_id)
    sim.scenario("fail_job", printer_id=pid)
    assert (_item(sim, item_id)["left"], _item(sim, item_id)["printed"]) == (2, 0)
    before = _events(sim)
    assert sim.api("POST", "printers/actions/ClearBed", params={"pid": pid},
                   json={"success": False}).json()["status"] is True
    assert sim.printer(pid)["bed_clear"] is False and _events(sim) == before
    sim.api("POST", "printers/actions/ClearBed", params={"pid": pid}, json={"success": True})
    assert sim.printer(pid)["bed_clear"] is True and _events(sim)[-1] == "job.bed_cleared"
    assert _item(sim, item_id)["left"] == 2


def test_autoprint_takes_matching_items_only(sim: SimulatorClient) -> None:
    sim.control(natural=False)
    sim.api("POST", "queue/EmptyQueue", json={"group": 0})
    state = sim.state()
    pid = next(p["id"] for p in state["printers"] if p["state"] == "printing")
    sim.scenario("set_autoprint", printer_id=pid, state="enabled")
    other = next(p["id"] for p in state["printers"] if p["id"] != pid)

    def fitting() -> int:
        row = sim.api("POST", "printers/Get", params={"pid": pid}).json()["data"]
        return int(row["printer"]["hasQueue"]["items"])

    before = fitting()  # items with copies still printing elsewhere survive EmptyQueue
    foreign = sim.scenario("add_queue_item", for_printers=[other], estimate=600)["queue_item"]
    assert fitting() == before
    mine = sim.scenario("add_queue_item", for_printers=[pid], estimate=600)["queue_item"]
    sim.api("GET", "queue/SetOrder", params={"job": mine["id"], "from": 99, "to": 1})
    assert fitting() == before + 1
    sim.scenario("finish_job", printer_id=pid)
    sim.scenario("clear_bed", printer_id=pid)
    sim.advance(10)
    truth = sim.printer(pid)
    assert truth["state"] == "printing"
    started = [e for e in sim.get("/_sim/events").json()["events"] if e["event"] == "job.started"]
    assert started[-1]["data"]["job"]["autoprint"] is True
    assert _item(sim, mine["id"])["left"] == 0 and _item(sim, foreign["id"])["left"] == 1
