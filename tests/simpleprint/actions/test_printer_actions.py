"""Printer actions through the API, against the simulator over HTTP: the SimplyPrint call made,
the state its webhook brings, the audit row (confirmed by that webhook event) and its live
message; refusals here and at SimplyPrint, with nothing half-done."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.planning.selectors import current_projection
from apps.simpleprint.actions import confirm
from apps.simpleprint.models import LiveUpdate, OperatorAction, PrinterWebhookEvent
from tests.simpleprint.actions.conftest import BASE, Farm, Status, post

pytestmark = pytest.mark.django_db(transaction=True)


def confirmed_by(farm: Farm, answer: Any, event: str) -> OperatorAction:
    """The action of ``answer`` once the webhook ``event`` confirmed it, linked to it."""
    assert answer.status_code == 202, answer.json()
    assert answer.json()["code"] == "accepted"
    action = farm.settled(answer.json()["action"]["id"])
    assert action.status == Status.CONFIRMED, (action.status, action.error, action.result)
    assert (action.confirmed_via, action.confirmed_by_event) == ("webhook", event)
    assert action.confirmed_by_event_id is not None
    stored = PrinterWebhookEvent.objects.get(pk=action.confirmed_by_event_id)
    assert stored.canonical_event == event
    statuses = [u.payload["status"] for u in LiveUpdate.objects.filter(
        kind="action.updated").order_by("id") if u.payload["id"] == action.pk]
    assert statuses[0] == "sending" and statuses[-1] == "confirmed", statuses
    return action


def test_clear_bed_after_a_good_print(operator_api: APIClient, live_farm: Farm) -> None:
    pid = live_farm.ended("finish_job")
    job = live_farm.printer(pid).last_job
    answer = post(operator_api, f"printers/{pid}/actions/clear-bed/",
                  {"outcome": "ok", "rating": 4, "comment": "clean",
                   "expect": {"condition": "bed_to_clear", "job_id": job.sp_id}})
    action = confirmed_by(live_farm, answer, "job.bed_cleared")
    assert action.request == {"method": "POST", "endpoint": "printers/actions/ClearBed",
                              "query": {"pid": str(pid)}, "body": {"success": True, "rating": 4}}
    assert (action.username, action.job_sp_id, action.http_status) == ("shift", job.sp_id, 200)
    assert action.params == {"outcome": "ok", "rating": 4, "comment": "clean"}
    assert live_farm.calls("printers/actions/ClearBed") == {"200": 1}
    assert live_farm.events("job.bed_cleared")[-1]["data"]["success"] is True
    printer = live_farm.printer(pid)
    assert not printer.bed_needs_clearing and printer.state == "operational"


def test_a_failed_print_goes_back_to_the_queue(operator_api: APIClient,
                                               live_farm: Farm) -> None:
    pid = live_farm.ready()
    item = live_farm.queue_item(filename="gear.gcode", amount=1, for_printers=[pid])
    live_farm.sim.scenario("start_job", printer_id=pid, queue_item_id=item)
    live_farm.sim.scenario("fail_job", printer_id=pid, reason="Spaghetti")
    live_farm.next_second()
    live_farm.sync()  # the queue as SimplyPrint has it now: the copy is used up
    assert live_farm.item(item).left == 0
    live_farm.next_second()
    live_farm.sim.reset_stats()
    answer = post(operator_api, f"printers/{pid}/actions/clear-bed/",
                  {"outcome": "failed", "expect": {"condition": "failed"}})
    action = confirmed_by(live_farm, answer, "job.bed_cleared")
    assert action.request["body"] == {"success": False}
    # Read once, right after: both forms of queue/GetItems (the live items, then done items).
    assert live_farm.calls("queue/GetItems") == {"200": 2}
    assert live_farm.events("job.bed_cleared")[-1]["data"]["success"] is False
    assert live_farm.item(item).left == 1 and live_farm.item(item).is_active  # re-read at once
    assert live_farm.printer(pid).state == "operational"


def test_where_success_means_the_bed_was_cleared_the_clear_stays_unconfirmed(
        operator_api: APIClient, live_farm: Farm) -> None:
    """The other reading of ClearBed's ``success`` (SimplyPrint's Activepieces piece): "false"
    leaves the printer waiting. SimplyPrint answers OK, no state ever confirms it, and the
    trail says so instead of showing it done."""
    live_farm.sim.actions(clear_bed_success="cleared")
    pid = live_farm.ended("fail_job")
    answer = post(operator_api, f"printers/{pid}/actions/clear-bed/", {"outcome": "failed"})
    assert answer.status_code == 202 and answer.json()["action"]["status"] == "pending"
    live_farm.sim.settle()
    assert live_farm.sim.printer(pid)["bed_clear"] is False
    assert confirm.expire_overdue() == 0  # not yet overdue
    assert confirm.expire_overdue(timezone.now() + timedelta(hours=1)) == 1
    action = OperatorAction.objects.get(pk=answer.json()["action"]["id"])
    assert action.status == Status.UNCONFIRMED
    assert "neither a webhook nor a poll showed the new state" in action.error
    assert live_farm.printer(pid).bed_needs_clearing


@pytest.mark.parametrize(("end", "scenario"), [("pause", "job.paused"),
                                               ("cancel", "job.cancelled")])
def test_pause_and_cancel(operator_api: APIClient, live_farm: Farm, end: str,
                          scenario: str) -> None:
    pid = live_farm.printing()
    body: dict[str, Any] = {"expect": {"condition": "printing"}}
    if end == "cancel":
        body.update(reason=2, comment="wrong colour")
    action = confirmed_by(live_farm, post(operator_api, f"printers/{pid}/actions/{end}/", body),
                          scenario)
    truth = live_farm.sim.printer(pid)["job"]
    assert truth["state"] == ("paused" if end == "pause" else "cancelled")
    assert action.job_sp_id == truth["id"]
    if end == "cancel":
        assert action.request["body"] == {"reason": 2, "comment": "wrong colour"}
        details = live_farm.sim.api("GET", "jobs/GetDetails", params={"id": truth["uid"]})
        assert details.json()["job"]["cancelInfo"]["comment"] == "wrong colour"
    else:
        assert action.request["body"] is None and action.request["query"] == {"pid": str(pid)}


def test_resume(operator_api: APIClient, live_farm: Farm) -> None:
    pid = live_farm.printing()
    live_farm.sim.scenario("pause_job", printer_id=pid)
    live_farm.wait(lambda: live_farm.printer(pid).state == "paused")
    answer = operator_api.post(f"{BASE}printers/{pid}/actions/resume/",
                               {"expect": {"state": "paused"}}, format="json",
                               headers={"Accept-Language": "ru"})
    assert answer.json()["detail"].startswith("SimplyPrint принял действие")
    confirmed_by(live_farm, answer, "job.resumed")
    assert live_farm.printer(pid).state == "printing"


def test_a_cancel_needs_a_reason(operator_api: APIClient, live_farm: Farm) -> None:
    pid = live_farm.printing()
    answer = post(operator_api, f"printers/{pid}/actions/cancel/", {})
    assert answer.status_code == 400 and "reason" in answer.json()["errors"]
    assert not OperatorAction.objects.exists()


@pytest.mark.parametrize("ids_key", ["jobIds", "job_ids", "jobs"])
def test_start_next_starts_what_the_timeline_shows_next(
        operator_api: APIClient, live_farm: Farm, ids_key: str) -> None:
    live_farm.sim.actions(create_job_ids=ids_key)
    pid = live_farm.ready()
    plan = next(p for p in current_projection().printers if p.sp_id == pid)
    shown = next(b for b in plan.blocks if b.kind == "queue")
    answer = post(operator_api, f"printers/{pid}/actions/start-next/",
                  {"expect": {"condition": "ready", "queue_item_id": shown.sp_id}})
    action = confirmed_by(live_farm, answer, "job.started")
    truth = live_farm.sim.printer(pid)["job"]
    assert action.job_sp_id == truth["id"] == live_farm.printer(pid).current_job.sp_id
    assert action.plan["queue_item_id"] == shown.sp_id and action.params == {"next": True}
    assert action.request["body"] == {"pid": str(pid), "queue_file": shown.sp_id}
    assert action.answer[ids_key] == [truth["id"]]
    assert live_farm.calls("printers/actions/CreateJob") == {"200": 1}


def test_start_a_chosen_item(operator_api: APIClient, live_farm: Farm) -> None:
    pid = live_farm.ready()
    item = live_farm.queue_item(filename="chosen.gcode", amount=2)
    action = confirmed_by(live_farm, post(operator_api, f"printers/{pid}/actions/start/",
                                          {"queue_item_id": item}), "job.started")
    assert live_farm.sim.printer(pid)["job"]["id"] == action.job_sp_id
    assert live_farm.printer(pid).current_job.file_name == "chosen.gcode"


def test_the_idempotency_key_prevents_a_double_start(operator_api: APIClient,
                                                     live_farm: Farm) -> None:
    pid = live_farm.ready()
    first = post(operator_api, f"printers/{pid}/actions/start-next/", key="click-7f3a")
    assert first.status_code == 202
    again = post(operator_api, f"printers/{pid}/actions/start-next/", key="click-7f3a")
    assert again.status_code == 200 and again.json()["code"] == "replayed"
    assert again.json()["action"]["id"] == first.json()["action"]["id"]
    by_field = post(operator_api, f"printers/{pid}/actions/start-next/",
                    {"idempotency_key": "click-7f3a"})
    assert by_field.status_code == 200
    live_farm.settled(first.json()["action"]["id"])
    assert live_farm.calls("printers/actions/CreateJob") == {"200": 1}
    assert len(live_farm.events("job.started")) == 1
    assert OperatorAction.objects.count() == 1
    reused = post(operator_api, f"printers/{pid}/actions/pause/", key="click-7f3a")
    assert reused.status_code == 409 and reused.json()["code"] == "key_reused"


def test_a_double_click_sent_at_once_starts_once(operator: User, live_farm: Farm) -> None:
    """Two requests with one key at the same moment (a double click on a slow network): one is
    sent, the other answers what it did; the database's uniqueness decides, not timing."""
    pid = live_farm.ready()
    token = Token.objects.create(user=operator)
    start = threading.Barrier(2)
    answers: list[Any] = []

    def click() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        try:
            start.wait()
            answers.append(post(client, f"printers/{pid}/actions/start-next/", key="dbl-click"))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 202], [a.json() for a in answers]
    assert {a.json()["action"]["id"] for a in answers} == {OperatorAction.objects.get().pk}
    live_farm.settled(OperatorAction.objects.get().pk)
    assert live_farm.calls("printers/actions/CreateJob") == {"200": 1}


def test_a_second_start_while_the_first_is_unconfirmed_is_refused(
        operator_api: APIClient, live_farm: Farm) -> None:
    pid = live_farm.ready()
    live_farm.sim.control(webhooks_available=False)  # nothing confirms the first start
    first = post(operator_api, f"printers/{pid}/actions/start-next/", key="one")
    assert first.status_code == 202 and first.json()["action"]["status"] == "pending"
    second = post(operator_api, f"printers/{pid}/actions/start-next/", key="two")
    assert second.status_code == 409 and second.json()["code"] == "in_flight"
    assert "wait until SimplyPrint confirms it" in second.json()["detail"]
    assert live_farm.calls("printers/actions/CreateJob") == {"200": 1}
    live_farm.sync()  # the poll shows it printing: confirmed by the poll
    action = OperatorAction.objects.get(pk=first.json()["action"]["id"])
    assert (action.status, action.confirmed_via, action.confirmed_by_event_id) == (
        Status.CONFIRMED, "poll", None)


def test_an_action_on_a_printer_that_changed_is_refused(operator_api: APIClient,
                                                        live_farm: Farm) -> None:
    pid = live_farm.printing()
    answer = post(operator_api, f"printers/{pid}/actions/start-next/",
                  {"expect": {"condition": "ready"}})
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "state_changed"
    assert "is now printing; the page showed it ready" in body["detail"]
    assert body["current"]["condition"] == "printing" and body["current"]["sp_id"] == pid
    assert body["action"]["status"] == "refused" and body["action"]["refusal"] == "state_changed"
    assert live_farm.calls("printers/actions/CreateJob") == {}
    other_job = post(operator_api, f"printers/{pid}/actions/pause/",
                     {"expect": {"job_id": 1}})
    assert other_job.status_code == 409 and "showing job" in other_job.json()["detail"]
    russian = operator_api.post(f"{BASE}printers/{pid}/actions/start-next/",
                                {"expect": {"condition": "ready"}}, format="json",
                                headers={"Accept-Language": "ru"})
    assert "сейчас: печатает; на странице было: готов" in russian.json()["detail"]


def test_a_state_that_does_not_allow_it_is_refused_here(operator_api: APIClient,
                                                       live_farm: Farm) -> None:
    pid = live_farm.ready()
    for action, text in (("pause", "it is not printing"), ("clear-bed", "has no bed to clear")):
        answer = post(operator_api, f"printers/{pid}/actions/{action}/", {"outcome": "ok"})
        assert answer.status_code == 409 and answer.json()["code"] == "not_allowed"
        assert text in answer.json()["detail"]
    assert live_farm.sim.stats()["requests"]["by_endpoint"].get("printers/actions/Pause") is None


def test_simplyprint_refuses_an_offline_printer(operator_api: APIClient,
                                                live_farm: Farm) -> None:
    """No webhook reports going offline: the mirror still shows it printing, SimplyPrint
    refuses, the action is failed with SimplyPrint's reason and nothing changed here."""
    pid = live_farm.printing()
    live_farm.sim.scenario("set_offline", printer_id=pid)
    answer = post(operator_api, f"printers/{pid}/actions/pause/")
    assert answer.status_code == 502
    body = answer.json()
    assert body["code"] == "simplyprint_refused" and body["simplyprint_status"] == 400
    assert "is offline" in body["detail"] and "Nothing was done" in body["detail"]
    action = OperatorAction.objects.get(pk=body["action"]["id"])
    assert (action.status, action.http_status) == (Status.FAILED, 400)
    assert "is offline" in action.error
    assert live_farm.printer(pid).state == "printing"


def test_simplyprint_refuses_cancelling_another_users_print(operator_api: APIClient,
                                                            live_farm: Farm) -> None:
    pid = live_farm.ready()
    live_farm.sim.scenario("start_job", printer_id=pid, file="theirs.gcode", user_id=3)
    live_farm.wait(lambda: live_farm.printer(pid).state == "printing")
    live_farm.sim.actions(cancel_others=False)
    answer = post(operator_api, f"printers/{pid}/actions/cancel/", {"reason": 6})
    assert answer.status_code == 502 and answer.json()["simplyprint_status"] == 403
    assert "Check the SimplyPrint plan and what the API key's user may do" in \
        answer.json()["detail"]
    assert live_farm.sim.printer(pid)["state"] == "printing"


def test_simplyprint_rate_limiting_is_a_503(operator_api: APIClient, live_farm: Farm,
                                            settings: Any) -> None:
    settings.PRINTFARM_ACTIONS = {**settings.PRINTFARM_ACTIONS, "max_wait_seconds": 0.5}
    pid = live_farm.printing()
    live_farm.sim.set_rate_limit(1, window=60.0)
    live_farm.sim.api("POST", "printers/Get", params={"pid": pid})  # spends the one request
    answer = post(operator_api, f"printers/{pid}/actions/pause/")
    assert answer.status_code == 503, answer.json()
    assert answer.json()["code"] == "simplyprint_unavailable"
    assert answer.json()["simplyprint_status"] == 429 and answer.headers["Retry-After"]
    assert OperatorAction.objects.get().status == Status.FAILED
    assert live_farm.sim.printer(pid)["state"] == "printing"


def test_an_unknown_printer_is_a_404(operator_api: APIClient, live_farm: Farm) -> None:
    answer = post(operator_api, "printers/999999/actions/pause/")
    assert answer.status_code == 404 and "999999" in answer.json()["detail"]
    assert not OperatorAction.objects.exists()


def test_bulk_clear_beds(operator_api: APIClient, live_farm: Farm) -> None:
    first = live_farm.ended("finish_job")
    second = live_farm.ended("fail_job")
    idle = live_farm.ready()
    answer = post(operator_api, "printers/actions/clear-bed/", {
        "outcome": "ok", "printers": [{"sp_id": first, "expect": {"condition": "bed_to_clear"}},
                                      {"sp_id": second}, {"sp_id": idle}]})
    assert answer.status_code == 202, answer.json()
    body = answer.json()
    statuses = {a["printer_id"]: a["status"] for a in body["actions"]}
    assert statuses[idle] == "refused" and "has no bed to clear" in body["detail"]
    assert {a["batch"] for a in body["actions"]} == {body["batch"]}
    assert live_farm.calls("printers/actions/ClearBed") == {"200": 1}  # one call for both
    sent = OperatorAction.objects.get(printer_sp_id=first)
    assert sent.request["query"] == {"pid": f"{first},{second}"}
    for pid in (first, second):
        action = live_farm.settled(OperatorAction.objects.get(printer_sp_id=pid).pk)
        assert action.status == Status.CONFIRMED and action.confirmed_by_event == \
            "job.bed_cleared"
        assert not live_farm.printer(pid).bed_needs_clearing
