"""The operator actions as the simulator answers them: each refusal (offline printer, nothing to
clear, item not pending, plan without the feature, another user's print), and each alternative
of ``/_sim/actions`` where SimplyPrint's own sources disagree."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.testing import SimulatorClient


def _events(sim: SimulatorClient) -> list[dict[str, Any]]:
    return list(sim.get("/_sim/events").json()["events"])


def _refused(response: Any, status: int, text: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] is False and text in body["message"], body


def _printing(sim: SimulatorClient) -> int:
    sim.control(natural=False)
    return int(next(p["id"] for p in sim.state()["printers"] if p["state"] == "printing"))


def _idle(sim: SimulatorClient) -> int:
    """A printer that finished its print and had its bed cleared, AutoPrint off."""
    pid = _printing(sim)
    sim.scenario("set_autoprint", printer_id=pid, state="disabled")
    sim.scenario("finish_job", printer_id=pid)
    sim.scenario("clear_bed", printer_id=pid)
    return pid


def _item(sim: SimulatorClient, item_id: int) -> dict[str, Any]:
    return dict(sim.api("GET", "queue/GetItem", params={"id": item_id}).json()["item"])


def test_switches_are_listed_checked_and_set(sim: SimulatorClient) -> None:
    assert sim.get("/_sim/actions").json()["actions"]["deny_param"] == "both"
    assert sim.actions(deny_param="job", print_farm_plan=False)["deny_param"] == "job"
    bad = sim.post("/_sim/actions", json={"deny_param": "id", "move_item": "position"})
    _refused(bad, 400, "deny_param: Must be one of both, job, jobs")
    assert sim.get("/_sim/actions").json()["actions"]["move_item"] == "group"  # nothing set
    _refused(sim.post("/_sim/actions", json={"colour": 1}), 400, "colour: Unknown switch")
    _refused(sim.post("/_sim/actions", json={"cancel_others": "no"}), 400, "Must be a boolean")


def test_offline_printer_refuses_pause_resume_and_cancel(sim: SimulatorClient) -> None:
    pid = _printing(sim)
    sim.scenario("set_offline", printer_id=pid)
    for endpoint in ("Pause", "Resume", "Cancel"):
        _refused(sim.api("POST", f"printers/actions/{endpoint}", params={"pid": pid}), 400,
                 "is offline")
    assert sim.printer(pid)["state"] == "offline"


def test_nothing_to_clear_is_refused_or_accepted(sim: SimulatorClient) -> None:
    idle = _idle(sim)
    before = len(_events(sim))
    _refused(sim.api("POST", "printers/actions/ClearBed", params={"pid": idle},
                     json={"success": True}), 400, "has no bed to clear")
    sim.actions(clear_bed_when_clear="accept")
    ok = sim.api("POST", "printers/actions/ClearBed", params={"pid": idle}, json={"success": True})
    assert ok.json() == {"status": True, "message": None}
    assert len(_events(sim)) == before  # accepted, and nothing happened


def test_a_refused_printer_in_a_list_changes_none(sim: SimulatorClient) -> None:
    clear = _idle(sim)
    pid = _printing(sim)
    sim.scenario("set_autoprint", printer_id=pid, state="disabled")
    sim.scenario("finish_job", printer_id=pid)
    _refused(sim.api("POST", "printers/actions/ClearBed", params={"pid": f"{pid},{clear}"},
                     json={"success": True}), 400, "has no bed to clear")
    assert sim.printer(pid)["bed_clear"] is False


def test_item_not_pending_is_refused(sim: SimulatorClient) -> None:
    sim.control(natural=False)
    item = sim.scenario("add_queue_item")["queue_item"]["id"]
    _refused(sim.api("POST", "queue/approval/ApproveItem", params={"jobs": item}), 400,
             "is not pending approval")
    _refused(sim.api("POST", "queue/approval/DenyItem", params={"jobs": item},
                     json={"comment": "no", "remove": False}), 400, "is not pending approval")


def test_plan_without_the_print_queue(sim: SimulatorClient) -> None:
    sim.control(natural=False)
    item = sim.scenario("add_queue_item", pending_approval=True)["queue_item"]["id"]
    sim.actions(print_farm_plan=False)
    for method, endpoint, params in (
            ("POST", "queue/approval/ApproveItem", {"jobs": item}),
            ("POST", "queue/approval/DenyItem", {"jobs": item}),
            ("POST", "queue/DeleteItem", {"job": item}),
            ("POST", "queue/ReviveItem", {"job": item}),
            ("POST", "queue/MoveItem", {"jobs": item, "moveTo": 2}),
            ("GET", "queue/SetOrder", {"job": item, "from": 2, "to": 1})):
        _refused(sim.api(method, endpoint, params=params), 403, "Print Farm plan")
    assert _item(sim, item)["id"] == item  # still there, still pending
    assert sim.api("GET", "queue/approval/GetPendingItems").json()["items"][0]["id"] == item


def test_cancelling_another_users_print_needs_the_permission(sim: SimulatorClient) -> None:
    pid = _idle(sim)
    sim.actions(cancel_others=False)
    sim.scenario("start_job", printer_id=pid, file="mine.gcode", user_id=1)
    _ok = sim.api("POST", "printers/actions/Cancel", params={"pid": pid}, json={"reason": 2})
    assert _ok.json()["status"] is True  # the API user's own print
    sim.scenario("clear_bed", printer_id=pid)
    sim.scenario("start_job", printer_id=pid, file="theirs.gcode", user_id=3)
    _refused(sim.api("POST", "printers/actions/Cancel", params={"pid": pid}, json={"reason": 2}),
             403, "cancel prints started by other users")
    assert sim.printer(pid)["state"] == "printing"


def test_cancel_reason_optional_or_required(sim: SimulatorClient) -> None:
    pid = _printing(sim)
    sim.actions(cancel_reason="required")
    _refused(sim.api("POST", "printers/actions/Cancel", params={"pid": pid}), 400,
             "reason: This field is required")
    assert sim.printer(pid)["state"] == "printing"
    assert sim.api("POST", "printers/actions/Cancel", params={"pid": pid},
                   json={"reason": 6, "comment": "test"}).json()["status"] is True


@pytest.mark.parametrize("param", ["both", "job", "jobs"])
def test_deny_reads_the_item_from_its_parameter(sim: SimulatorClient, param: str) -> None:
    sim.control(natural=False)
    sim.actions(deny_param=param)
    item = sim.scenario("add_queue_item", pending_approval=True)["queue_item"]["id"]
    other = "jobs" if param == "job" else "job"
    if param != "both":
        _refused(sim.api("POST", "queue/approval/DenyItem", params={other: item},
                         json={"comment": "no", "remove": False}), 400,
                 f"{param}: This field is required")
    sent = {"job": item, "jobs": item}
    assert sim.api("POST", "queue/approval/DenyItem", params=sent,
                   json={"comment": "no", "remove": False}).json()["status"] is True
    assert next(i for i in sim.state()["queue"] if i["id"] == item)["approval"] == "denied"


def test_deny_comment_required(sim: SimulatorClient) -> None:
    sim.control(natural=False)
    sim.actions(deny_comment="required")
    item = sim.scenario("add_queue_item", pending_approval=True)["queue_item"]["id"]
    _refused(sim.api("POST", "queue/approval/DenyItem", params={"jobs": item},
                     json={"remove": True}), 400, "comment: This field is required")


@pytest.mark.parametrize(("base", "to", "lands"), [("1", 1, 0), ("1", 2, 1), ("0", 1, 1),
                                                    ("0", 0, 0)])
def test_set_order_counts_from_its_base(sim: SimulatorClient, base: str, to: int,
                                        lands: int) -> None:
    sim.control(natural=False)
    sim.actions(set_order_base=base)
    items = sim.api("GET", "queue/GetItems").json()["queue"]["items"]
    last = items[-1]["id"]
    sim.api("GET", "queue/SetOrder", params={"job": last, "from": len(items), "to": to})
    order = [i["id"] for i in sim.api("GET", "queue/GetItems").json()["queue"]["items"]]
    assert order.index(last) == lands


def test_move_item_to_a_group_or_a_position(sim: SimulatorClient) -> None:
    sim.control(natural=False)
    items = sim.api("GET", "queue/GetItems").json()["queue"]["items"]
    item = next(i for i in items if i["group"] == 1)
    assert sim.api("POST", "queue/MoveItem", params={"jobs": item["id"], "moveTo": 2}
                   ).json()["status"] is True
    moved = _item(sim, item["id"])
    assert moved["group"] == 2 and _events(sim)[-1]["event"] == "queue.move_item"
    _refused(sim.api("POST", "queue/MoveItem", params={"jobs": item["id"], "moveTo": 9}), 400,
             "Queue group 9 not found")
    sim.actions(move_item="position")
    sim.api("POST", "queue/MoveItem", params={"jobs": item["id"], "moveTo": 0})
    order = [i["id"] for i in sim.api("GET", "queue/GetItems").json()["queue"]["items"]]
    assert order[0] == item["id"] and _item(sim, item["id"])["group"] == 2


@pytest.mark.parametrize("key", ["jobIds", "job_ids", "jobs"])
def test_create_job_answers_the_new_ids_under_its_key(sim: SimulatorClient, key: str) -> None:
    pid = _idle(sim)
    sim.actions(create_job_ids=key)
    answer = sim.api("POST", "printers/actions/CreateJob",
                     json={"pid": str(pid), "file_id": "ab" * 32}).json()
    assert set(answer) == {"status", "message", "files", key}
    assert answer[key] == [sim.printer(pid)["job"]["id"]]
