"""Finding 3: authorisation was the staff flag alone. Every action needs its Django permission
(API, admin actions, the page), the groups Viewer, Operator and Administrator ship with the
schema, and only staff with ``manage_webhooks`` see other integrations' registrations."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from rest_framework.test import APIClient

from apps.simpleprint import permissions
from apps.simpleprint.remote.client import SimplePrintClient
from apps.simpleprint.sync import webhook_manager
from tests.simpleprint.conftest import History
from tests.simplyprint_sim import SimulatedSimplyPrint

pytestmark = pytest.mark.django_db
BASE = "/api/v1/simpleprint/"
OTHER_INTEGRATION = "https://erp.example.com/hooks/simplyprint?token=3rd-party-secret"


def actions(farm_history: History) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"webhook/events/{farm_history.failed_event}/reprocess/", {}),
        ("webhook/test/", {"inject_event": "job.done"}),
        ("webhook/test/", {"webhook_id": 11}),
        ("webhook/hooks/11/enabled/", {"enabled": False}),
        ("websocket/ping/?wait=0", {}),
    ]


def test_the_staff_flag_alone_allows_no_action(staff_api: APIClient,
                                              farm_history: History) -> None:
    for path, body in actions(farm_history):
        response = staff_api.post(BASE + path, body, format="json")
        assert response.status_code == 403, (path, response.json())
        assert "Ask an administrator" in response.json()["detail"]


@pytest.mark.parametrize(("group", "allowed"), [
    (permissions.VIEWER, set()),
    (permissions.OPERATOR, {"reprocess_events", "inject_samples", "test_webhooks", "ping_pages"}),
    (permissions.ADMINISTRATOR, {"reprocess_events", "inject_samples", "test_webhooks",
                                 "ping_pages", "manage_webhooks"}),
])
def test_the_shipped_groups_have_their_rows_of_the_table(group: str, allowed: set[str]) -> None:
    codenames = set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))
    custom = {codename for codename, _ in apps.get_model("simpleprint",
                                                         "PrinterWebhookEvent")._meta.permissions}
    assert codenames & custom == allowed
    assert {"view_printer", "view_printjob", "view_printqueue",
            "view_printerwebhookevent"} <= codenames


def test_every_permission_of_the_table_exists_and_every_custom_one_is_granted() -> None:
    for name in permissions.GRANTS:
        app_label, codename = name.split(".")
        assert Permission.objects.filter(content_type__app_label=app_label,
                                         codename=codename).exists(), name
    for model in apps.get_app_config("simpleprint").get_models():
        for codename, _ in model._meta.permissions:
            assert f"simpleprint.{codename}" in permissions.GRANTS, codename


def test_an_operator_may_act_but_not_switch_webhooks(operator_api: APIClient,
                                                    farm_history: History) -> None:
    reprocess = operator_api.post(f"{BASE}webhook/events/{farm_history.failed_event}/reprocess/")
    assert reprocess.status_code == 200
    inject = operator_api.post(BASE + "webhook/test/", {"inject_event": "job.done"},
                               format="json")
    assert inject.status_code == 200
    switch = operator_api.post(BASE + "webhook/hooks/11/enabled/", {"enabled": False},
                               format="json")
    assert switch.status_code == 403
    assert "manage_webhooks (group Administrator)" in switch.json()["detail"]


@pytest.fixture
def two_integrations(sp_settings: Any, simplyprint: SimulatedSimplyPrint) -> int:
    """Ours and another integration's registration (its URL carries its own token)."""
    sp_settings.SIMPLEPRINT_CONFIG = {**sp_settings.SIMPLEPRINT_CONFIG,
                                      "public_url": "https://farm.example.com"}
    ours, _ = webhook_manager.ensure_webhook()
    simplyprint.api("POST", "webhooks/Create", json={
        "name": "ERP", "url": OTHER_INTEGRATION, "events": ["job.done"], "secret": "x" * 20})
    with SimplePrintClient() as sp:  # what the sync's next check remembers
        webhook_manager.remember(sp.list_webhooks())
    return int(ours["id"])


def test_a_non_staff_user_never_sees_other_integrations_urls(
        api: APIClient, two_integrations: int) -> None:
    body = api.get(BASE + "webhook/test/")
    assert body.status_code == 200
    overview = body.json()
    assert [hook["id"] for hook in overview["webhooks"]] == [two_integrations]
    assert overview["hidden_webhooks"] == 1
    assert "3rd-party-secret" not in body.content.decode()


def test_staff_without_manage_webhooks_do_not_see_them_either(
        staff_api: APIClient, two_integrations: int) -> None:
    assert "3rd-party-secret" not in staff_api.get(BASE + "webhook/test/").content.decode()


def test_an_administrator_sees_every_registration(admin_api: APIClient,
                                                  two_integrations: int) -> None:
    overview = admin_api.get(BASE + "webhook/test/").json()
    assert OTHER_INTEGRATION in [hook["url"] for hook in overview["webhooks"]]
    assert overview["hidden_webhooks"] == 0


def admin_actions(client: Client) -> set[str]:
    html = client.get("/admin/simpleprint/printerwebhookevent/").content.decode()
    select = re.search(r'<select name="action".*?</select>', html, re.S)
    return set(re.findall(r'<option value="(\w+)"', select.group(0))) if select else set()


def test_admin_actions_need_their_permissions(farm_history: History, viewer: User,
                                              operator: User) -> None:
    for user in (viewer, operator):
        user.is_staff = True
        user.save()
    client = Client()
    client.force_login(viewer)
    assert admin_actions(client) & {"reprocess_selected", "send_test_delivery"} == set()
    client.force_login(operator)
    assert {"reprocess_selected", "send_test_delivery"} <= admin_actions(client)


def test_a_posted_admin_action_without_the_permission_changes_nothing(
        farm_history: History, viewer: User) -> None:
    from apps.simpleprint.models import PrinterWebhookEvent

    viewer.is_staff = True
    viewer.save()
    client = Client()
    client.force_login(viewer)
    before = PrinterWebhookEvent.objects.get(pk=farm_history.failed_event).attempts
    client.post("/admin/simpleprint/printerwebhookevent/", {
        "action": "reprocess_selected", "_selected_action": [farm_history.failed_event]})
    assert PrinterWebhookEvent.objects.get(pk=farm_history.failed_event).attempts == before


def page_config(client: Client) -> dict[str, Any]:
    html = client.get("/planning-v2/").content.decode()
    match = re.search(r'<script id="planning-config" type="application/json">(.*?)</script>',
                      html, re.S)
    assert match
    return dict(json.loads(match.group(1)))


def test_the_page_hides_what_the_user_may_not_do(viewer: User, administrator: User) -> None:
    client = Client()
    client.force_login(viewer)
    assert not any(page_config(client)["can"].values())
    assert 'id="inject-form"' not in client.get("/planning-v2/").content.decode()
    client.force_login(administrator)
    assert all(page_config(client)["can"].values())
    assert 'id="inject-form"' in client.get("/planning-v2/").content.decode()
