"""Who may act (403 naming the permission, the page's ``can``), the audit trail through the API
(filters, detail) and the admin (read-only, "send again" behind its permission), the expiry of
unconfirmed actions, and the snapshot's open actions."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.simpleprint import permissions
from apps.simpleprint.actions import confirm
from apps.simpleprint.actions.registry import ACTIONS
from apps.simpleprint.live import outbox
from apps.simpleprint.live.messages import unpack
from apps.simpleprint.models import LiveUpdate, OperatorAction
from tests.simpleprint.actions.conftest import BASE, Farm, Status, post
from tests.simpleprint.conftest import History, token_client

ENDPOINTS = [
    *(f"printers/385/actions/{spec.path}/" for spec in ACTIONS.values()
      if spec.target == "printer"),
    "printers/385/actions/start-next/",
    *(f"queue/501/actions/{spec.path}/" for spec in ACTIONS.values()
      if spec.target == "queue_item"),
    "printers/actions/clear-bed/", "queue/actions/approve/",
]


@pytest.mark.django_db
def test_a_viewer_gets_a_403_naming_the_permission(viewer: User, farm_history: History) -> None:
    client = token_client(viewer)
    for path in ENDPOINTS:
        answer = client.post(BASE + path, {"outcome": "ok"}, format="json")
        assert answer.status_code == 403, path
        family = "manage_queue" if path.startswith("queue") else "operate_printers"
        assert f"simpleprint.{family} (group Operator or Administrator)" in \
            answer.json()["detail"], path
    assert APIClient().post(BASE + ENDPOINTS[0], {}, format="json").status_code == 401
    assert not OperatorAction.objects.exists()


@pytest.mark.django_db
def test_the_groups_have_the_action_families() -> None:
    def codenames(group: str) -> set[str]:
        return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))

    families = {"operate_printers", "manage_queue"}
    assert codenames(permissions.VIEWER) & families == set()
    assert families <= codenames(permissions.OPERATOR)
    assert families <= codenames(permissions.ADMINISTRATOR)
    for group in permissions.GROUP_NAMES:
        assert "view_operatoraction" in codenames(group)


@pytest.mark.django_db
def test_the_page_knows_what_the_user_may_do(client: Client, viewer: User,
                                             operator: User) -> None:
    def can(user: User) -> dict[str, bool]:
        client.force_login(user)
        html = client.get("/planning-v2/").content.decode()
        found = re.search(r'"can": (\{[^}]*\})', html.replace("&quot;", '"'))
        assert found, "page_config.can"
        return dict(json.loads(found.group(1)))

    assert can(viewer)["operatePrinters"] is False and can(viewer)["manageQueue"] is False
    assert can(operator)["operatePrinters"] is True and can(operator)["manageQueue"] is True


def _row(user: User | None, **fields: Any) -> OperatorAction:
    values: dict[str, Any] = {"kind": "pause", "status": Status.CONFIRMED,
                              "username": user.username if user else "gone",
                              "target": "printer:385", "printer_sp_id": 385,
                              "idempotency_key": f"k{OperatorAction.objects.count()}",
                              "batch": "9b2c6f1e-4b1a-4f7e-9a39-2f0c7a1d5e11"}
    values.update(fields)
    return OperatorAction.objects.create(user=user, **values)


@pytest.mark.django_db
def test_the_trail_is_listed_filtered_and_detailed(api: APIClient, operator: User,
                                                   viewer: User) -> None:
    paused = _row(operator)
    failed = _row(operator, kind="cancel", status=Status.FAILED, http_status=400,
                  error="HTTP error 400: Printer is offline", request={"endpoint": "x"})
    item = _row(viewer, kind="approve", status=Status.PENDING, target="queue:501",
                printer_sp_id=None, queue_item_sp_id=501)

    def ids(**params: Any) -> list[int]:
        answer = api.get(BASE + "actions/", params)
        assert answer.status_code == 200, answer.json()
        return [row["id"] for row in answer.json()["results"]]

    assert ids() == [item.pk, failed.pk, paused.pk]
    assert ids(printer=385) == [failed.pk, paused.pk]
    assert ids(queue_item=501, open="true") == [item.pk]
    assert ids(status="failed") == [failed.pk] and ids(kind="pause") == [paused.pk]
    assert ids(user="viewer") == [item.pk]
    assert ids(created_after=(timezone.now() + timedelta(minutes=1)).isoformat()) == []
    assert api.get(BASE + "actions/", {"status": "maybe"}).status_code == 400
    listed = api.get(BASE + "actions/").json()["results"][1]
    assert "request" not in listed and listed["open"] is False
    detail = api.get(f"{BASE}actions/{failed.pk}/").json()
    assert detail["request"] == {"endpoint": "x"} and detail["http_status"] == 400


@pytest.mark.django_db
def test_overdue_actions_become_unconfirmed_with_a_live_message(operator: User) -> None:
    sending = _row(operator, status=Status.SENDING)
    pending = _row(operator, status=Status.PENDING, kind="resume")
    fresh = _row(operator, status=Status.PENDING, kind="cancel")
    OperatorAction.objects.filter(pk=pending.pk).update(
        created_at=timezone.now() - timedelta(hours=1))
    # Still sending after three minutes: the process that sent it stopped.
    OperatorAction.objects.filter(pk__in=[sending.pk, fresh.pk]).update(
        created_at=timezone.now() - timedelta(minutes=3))
    assert confirm.expire_overdue() == 2
    sending.refresh_from_db()
    pending.refresh_from_db()
    assert sending.status == pending.status == Status.UNCONFIRMED
    assert "stopped before SimplyPrint answered" in sending.error
    assert "neither a webhook nor a poll" in pending.error
    fresh.refresh_from_db()
    assert fresh.status == Status.PENDING
    messages = LiveUpdate.objects.filter(kind="action.updated")
    assert {m.payload["id"] for m in messages} == {sending.pk, pending.pk}
    open_actions = unpack(outbox.snapshot()["data"]["open_actions"])
    assert [action["id"] for action in open_actions] == [fresh.pk]


def admin_actions(client: Client) -> set[str]:
    html = client.get("/admin/simpleprint/operatoraction/").content.decode()
    select = re.search(r'<select name="action".*?</select>', html, re.S)
    return set(re.findall(r'<option value="(\w+)"', select.group(0))) if select else set()


@pytest.mark.django_db
def test_the_admin_shows_the_trail_read_only(viewer: User, operator: User) -> None:
    for user in (viewer, operator):
        user.is_staff = True
        user.save()
    action = _row(operator, request={"method": "POST", "endpoint": "printers/actions/Pause"},
                  confirmed_by_event_id=42, confirmed_by_event="job.paused",
                  confirmed_via="webhook")
    client = Client()
    client.force_login(viewer)
    listing = client.get("/admin/simpleprint/operatoraction/?status=confirmed")
    assert listing.status_code == 200 and "sp-confirmed" in listing.content.decode()
    page = client.get(f"/admin/simpleprint/operatoraction/{action.pk}/change/").content.decode()
    assert "printers/actions/Pause" in page and "job.paused #42" in page
    assert 'name="_save"' not in page  # nothing to edit
    assert "send_again" not in admin_actions(client)
    client.force_login(operator)
    assert "send_again" in admin_actions(client)


@pytest.mark.django_db(transaction=True)
def test_the_admin_sends_a_failed_action_again(operator: User, operator_api: APIClient,
                                               live_farm: Farm) -> None:
    pid = live_farm.printing()
    live_farm.sim.scenario("set_offline", printer_id=pid)
    failed = post(operator_api, f"printers/{pid}/actions/pause/").json()["action"]["id"]
    live_farm.sim.scenario("set_online", printer_id=pid)
    operator.is_staff = True
    operator.save()
    client = Client()
    client.force_login(operator)
    answer = client.post("/admin/simpleprint/operatoraction/",
                         {"action": "send_again", "_selected_action": [failed]}, follow=True)
    assert answer.status_code == 200
    again = OperatorAction.objects.exclude(pk=failed).get()
    assert (again.kind, again.username, again.printer_sp_id) == ("pause", "shift", pid)
    assert live_farm.settled(again.pk).status == Status.CONFIRMED
    assert live_farm.calls("printers/actions/Pause") == {"200": 1, "400": 1}
