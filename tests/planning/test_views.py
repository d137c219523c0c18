"""The Planning V2 page, its login, languages and JSON endpoints."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from rest_framework.test import APIClient

from apps.simpleprint.live.messages import unpack
from apps.simpleprint.models import Printer, PrintJob, PrintQueue
from tests.simpleprint.conftest import History

pytestmark = pytest.mark.django_db
PAGE = "/planning-v2/"
SCHEDULE = "/planning-v2/api/schedule/"


@pytest.fixture
def browser(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_page_needs_a_login(client: Client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/planning-v2/"


def test_login_page_renders_and_logs_in(client: Client, user: User) -> None:
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "operator",
                                                "password": "operator-pass-8151",
                                                "next": PAGE})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert client.get(PAGE).status_code == 200


def test_logout_ends_the_session(browser: Client) -> None:
    assert browser.post("/accounts/logout/").status_code == 200
    assert browser.get(PAGE).status_code == 302


@override_settings(LANGUAGE_CODE="ru")
def test_page_is_russian_by_default(browser: Client) -> None:
    html = browser.get(PAGE).content.decode()
    assert '<html lang="ru"' in html
    assert "Отладка API" in html
    assert "Принтеры" in html


def test_page_renders_in_english_when_chosen(browser: Client) -> None:
    browser.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    html = browser.get(PAGE).content.decode()
    assert '<html lang="en"' in html
    assert "Debug API" in html
    assert "🧪 Webhook Testing" in html


def test_language_switch_to_russian(browser: Client) -> None:
    response = browser.post("/i18n/setlang/", {"language": "ru", "next": PAGE})
    assert response.status_code == 302
    assert "Отладка API" in browser.get(PAGE).content.decode()


def page_catalog(browser: Client) -> dict[str, Any]:
    """The translations the page carries for its scripts (JSON, not a script)."""
    html = browser.get(PAGE).content.decode()
    found = re.search(r'<script id="planning-i18n" type="application/json">(.*?)</script>', html)
    assert found, "no translations in the page"
    return dict(json.loads(found.group(1)))


def test_the_pages_translations_come_with_it(browser: Client) -> None:
    browser.post("/i18n/setlang/", {"language": "ru", "next": PAGE})
    catalog = page_catalog(browser)
    assert catalog["Printing"] == "Печатает"
    assert catalog["Failure rate"] == "Доля неудач"
    browser.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    assert "Printing" not in page_catalog(browser)


def test_page_carries_no_farm_data_only_its_shell(browser: Client,
                                                  farm_history: History) -> None:
    html = browser.get(PAGE).content.decode()
    assert "housing_top" not in html  # the state arrives over the WebSocket
    assert len(html) < 20_000


def test_static_files_are_served(browser: Client) -> None:
    response = browser.get("/static/planning/app.js")
    assert response.status_code == 200


def test_schedule_needs_a_login() -> None:
    assert APIClient().get(SCHEDULE).status_code in (401, 403)


def test_schedule_projects_the_farm(api: APIClient, farm_history: History) -> None:
    body = api.get(SCHEDULE).json()
    printers = {p["sp_id"]: p for p in body["printers"]}
    assert set(printers) == {385, 386, 412}
    printing = printers[412]["blocks"]
    assert printing[0]["kind"] == "job"
    assert printing[0]["sp_id"] == farm_history.printing_job
    items = {i["sp_id"]: i for i in body["items"]}
    assert set(items) == {farm_history.active_item}
    assert items[farm_history.active_item]["status"] == "scheduled"
    assert len(items[farm_history.active_item]["copies"]) == 5  # five copies left


def test_schedule_leaves_pending_items_out(api: APIClient, farm_history: History) -> None:
    PrintQueue.objects.filter(sp_id=farm_history.active_item).update(state="pending_approval")
    item = api.get(SCHEDULE).json()["items"][0]
    assert (item["status"], item["copies"]) == ("pending_approval", [])


def test_schedule_queries_do_not_grow_with_the_farm(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    printers = Printer.objects.bulk_create(
        Printer(sp_id=i, name=f"P{i}", state="printing", time_left=600) for i in range(1, 101))
    jobs = PrintJob.objects.bulk_create(
        PrintJob(sp_id=i, printer=p, status="printing") for i, p in enumerate(printers, 1))
    for printer, job in zip(printers, jobs, strict=True):
        printer.current_job = job
    Printer.objects.bulk_update(printers, ["current_job"])
    PrintQueue.objects.bulk_create(PrintQueue(sp_id=i, position=i) for i in range(1, 101))
    with django_assert_max_num_queries(6):
        assert api.get(SCHEDULE).status_code == 200


def test_snapshot_json_is_the_live_snapshot(api: APIClient, farm_history: History) -> None:
    body = api.get("/planning-v2/api/snapshot/").json()
    assert body["type"] == "snapshot"
    assert body["seq"] > 0
    assert {p["sp_id"] for p in unpack(body["data"]["printers"])} == {385, 386, 412}


def test_mode_json(api: APIClient) -> None:
    assert api.get("/planning-v2/api/mode/").json()["mode"] == "webhooks"


@override_settings(LANGUAGE_CODE="ru")
def test_root_redirects_to_the_page(client: Client) -> None:
    assert client.get("/")["Location"] == PAGE
