"""Queue actions through the API, against the simulator over HTTP, under each alternative the
simulator offers where SimplyPrint's sources disagree (DenyItem ``job``/``jobs``, SetOrder's
base, MoveItem's meaning, a plan without the print queue)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.simpleprint.models import OperatorAction, PrintQueue
from tests.simpleprint.actions.conftest import Farm, Status, post
from tests.simpleprint.actions.test_printer_actions import confirmed_by

pytestmark = pytest.mark.django_db(transaction=True)
State = PrintQueue.State


def test_approve(operator_api: APIClient, live_farm: Farm) -> None:
    item = live_farm.queue_item(pending_approval=True)
    assert live_farm.item(item).state == State.PENDING_APPROVAL
    answer = post(operator_api, f"queue/{item}/actions/approve/",
                  {"comment": "fine", "expect": {"state": "pending_approval"}})
    action = confirmed_by(live_farm, answer, "queue.item_approved")
    assert action.request == {"method": "POST", "endpoint": "queue/approval/ApproveItem",
                              "query": {"jobs": str(item)}, "body": {"comment": "fine"}}
    assert live_farm.item(item).state == State.APPROVED
    assert next(i for i in live_farm.sim.state()["queue"] if i["id"] == item)["approval"] \
        == "approved"


def test_bulk_approve_is_one_call(operator_api: APIClient, live_farm: Farm) -> None:
    first = live_farm.queue_item(pending_approval=True)
    second = live_farm.queue_item(pending_approval=True)
    answer = post(operator_api, "queue/actions/approve/",
                  {"items": [{"sp_id": first}, {"sp_id": second,
                                                 "expect": {"state": "pending_approval"}}]})
    assert answer.status_code == 202, answer.json()
    assert live_farm.calls("queue/approval/ApproveItem") == {"200": 1}
    for action in answer.json()["actions"]:
        settled = live_farm.settled(action["id"])
        assert settled.status == Status.CONFIRMED
        assert settled.request["query"] == {"jobs": f"{first},{second}"}
    assert {live_farm.item(first).state, live_farm.item(second).state} == {State.APPROVED}


@pytest.mark.parametrize("param", ["both", "job", "jobs"])
@pytest.mark.parametrize("remove", [False, True])
def test_deny_whichever_parameter_simplyprint_reads(operator_api: APIClient, live_farm: Farm,
                                                    param: str, remove: bool) -> None:
    live_farm.sim.actions(deny_param=param, deny_comment="required")
    item = live_farm.queue_item(pending_approval=True)
    answer = post(operator_api, f"queue/{item}/actions/deny/",
                  {"reason": "Wrong material", "remove": remove})
    action = confirmed_by(live_farm, answer, "queue.item_denied")
    assert action.request["query"] == {"job": str(item), "jobs": str(item)}
    assert action.request["body"] == {"comment": "Wrong material", "remove": remove}
    mirrored = live_farm.item(item)
    assert mirrored.state == (State.DELETED if remove else State.DENIED)
    assert mirrored.decision_reason == "Wrong material"


def test_deny_needs_a_reason(operator_api: APIClient, live_farm: Farm) -> None:
    item = live_farm.queue_item(pending_approval=True)
    answer = post(operator_api, f"queue/{item}/actions/deny/", {"remove": True})
    assert answer.status_code == 400 and "reason" in answer.json()["errors"]


def test_an_item_no_longer_pending_is_refused_by_simplyprint(operator_api: APIClient,
                                                             live_farm: Farm) -> None:
    """Approved at SimplyPrint while its webhook is lost: the mirror still shows it pending,
    SimplyPrint refuses, and the mirror is left as it was."""
    item = live_farm.queue_item(pending_approval=True)
    live_farm.sim.control(webhooks_available=False)
    live_farm.sim.scenario("approve_item", id=item)
    answer = post(operator_api, f"queue/{item}/actions/approve/")
    assert answer.status_code == 502
    assert "is not pending approval" in answer.json()["detail"]
    assert answer.json()["action"]["status"] == "failed"
    assert live_farm.item(item).state == State.PENDING_APPROVAL


def test_an_item_that_changed_since_the_page_showed_it_is_refused(operator_api: APIClient,
                                                                  live_farm: Farm) -> None:
    item = live_farm.queue_item()
    answer = post(operator_api, f"queue/{item}/actions/approve/",
                  {"expect": {"state": "pending_approval"}})
    assert answer.status_code == 409 and answer.json()["code"] == "state_changed"
    assert "is now queued; the page showed it pending approval" in answer.json()["detail"]
    assert answer.json()["current"]["state"] == "queued"
    assert live_farm.calls("queue/approval/ApproveItem") == {}


@pytest.mark.parametrize(("base", "status"), [("1", Status.CONFIRMED), ("0", Status.MISMATCH)])
def test_move_to_the_top(operator_api: APIClient, live_farm: Farm, base: str,
                         status: str) -> None:
    """Positions count from 1 (this service's choice). Where SetOrder counts from 0, the item
    lands one lower, and the trail says so instead of confirming it."""
    live_farm.sim.actions(set_order_base=base)
    item = live_farm.queue_item(filename="urgent.gcode")
    live_farm.next_second()
    live_farm.sync()
    assert live_farm.item(item).position > 1
    answer = post(operator_api, f"queue/{item}/actions/move/", {"position": 1})
    assert answer.status_code == 202, answer.json()
    action = live_farm.settled(answer.json()["action"]["id"])
    assert action.status == status, action.result
    assert action.request["query"]["to"] == "1" and action.request["endpoint"] == \
        "queue/SetOrder"
    order = [i["id"] for i in live_farm.sim.api("GET", "queue/GetItems").json()["queue"]["items"]]
    if status == Status.CONFIRMED:
        assert order[0] == item and live_farm.item(item).position == 1
    else:
        assert order[1] == item
        assert action.result == "SimplyPrint put it at position 2, not 1."
        assert action.confirmed_by_event == "queue.move_item"


@pytest.mark.parametrize(("meaning", "status"), [("group", Status.CONFIRMED),
                                                 ("position", Status.MISMATCH)])
def test_move_to_another_group(operator_api: APIClient, live_farm: Farm, meaning: str,
                               status: str) -> None:
    live_farm.sim.actions(move_item=meaning)
    item = live_farm.queue_item(group=1)
    answer = post(operator_api, f"queue/{item}/actions/move/", {"group": 2})
    action = live_farm.settled(answer.json()["action"]["id"])
    assert action.status == status, action.result
    assert action.request["query"] == {"jobs": str(item), "moveTo": "2"}
    if status == Status.CONFIRMED:
        assert live_farm.item(item).group_id == 2
    else:
        assert "left it in queue group 1" in action.result
        assert live_farm.item(item).group_id == 1


def test_move_needs_a_position_or_a_group(operator_api: APIClient, live_farm: Farm) -> None:
    item = live_farm.queue_item()
    for body in ({}, {"position": 1, "group": 2}, {"position": 0}):
        assert post(operator_api, f"queue/{item}/actions/move/", body).status_code == 400


def test_revive_a_done_item(operator_api: APIClient, live_farm: Farm) -> None:
    pid = live_farm.ready()
    item = live_farm.queue_item(filename="once.gcode", amount=1, for_printers=[pid])
    live_farm.sim.scenario("start_job", printer_id=pid, queue_item_id=item)
    live_farm.sim.scenario("finish_job", printer_id=pid)
    live_farm.next_second()
    live_farm.sync()
    assert live_farm.item(item).state == State.DONE
    action = confirmed_by(live_farm, post(operator_api, f"queue/{item}/actions/revive/",
                                          {"expect": {"state": "done"}}), "queue.revive_item")
    assert action.request == {"method": "POST", "endpoint": "queue/ReviveItem",
                              "query": {"job": str(item)}, "body": None}
    assert live_farm.item(item).state == State.QUEUED


def test_remove(operator_api: APIClient, live_farm: Farm) -> None:
    item = live_farm.queue_item()
    confirmed_by(live_farm, post(operator_api, f"queue/{item}/actions/remove/"),
                 "queue.delete_item")
    assert live_farm.item(item).state == State.DELETED
    again = post(operator_api, f"queue/{item}/actions/remove/")
    assert again.status_code == 409 and "it is deleted" in again.json()["detail"]


def test_a_plan_without_the_print_queue(operator_api: APIClient, live_farm: Farm) -> None:
    item = live_farm.queue_item(pending_approval=True)
    live_farm.sim.actions(print_farm_plan=False)
    answer = post(operator_api, f"queue/{item}/actions/approve/")
    assert answer.status_code == 502 and answer.json()["simplyprint_status"] == 403
    assert "Print Farm plan" in answer.json()["detail"]
    assert "Check the SimplyPrint plan" in answer.json()["detail"]
    action = OperatorAction.objects.get()
    assert (action.status, action.http_status) == (Status.FAILED, 403)
    assert live_farm.item(item).state == State.PENDING_APPROVAL
