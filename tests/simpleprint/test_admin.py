"""The admin over realistic data: every list and detail page opens, filters and search work,
the event list's query count does not grow with rows, and the two actions run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.simpleprint.models import PrinterWebhookEvent
from tests import payloads
from tests.simpleprint.conftest import History

pytestmark = pytest.mark.django_db
ADMIN = "/admin/simpleprint/"
EVENTS = ADMIN + "printerwebhookevent/"


def page(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def rows(client: Client, url: str, **params: Any) -> str:
    """The changelist's result table only (the filter sidebar names every choice)."""
    html = page(client, url, **params)
    start = html.find('<table id="result_list"')
    return html[start:html.index("</table>", start)] if start >= 0 else ""


@pytest.mark.parametrize("model", ["printerwebhookevent", "printjob", "printqueue", "printer"])
def test_changelists_open(admin_client: Client, farm_history: History, model: str) -> None:
    assert "sp-badge" in page(admin_client, f"{ADMIN}{model}/")


@pytest.mark.parametrize(("model", "key"), [
    ("printjob", "done_job"), ("printqueue", "active_item"), ("printerwebhookevent", "first_event"),
])
def test_change_pages_open(admin_client: Client, farm_history: History, model: str,
                           key: str) -> None:
    from django.apps import apps

    model_class = apps.get_model("simpleprint", model)
    lookup = "pk" if model == "printerwebhookevent" else "sp_id"
    obj = model_class.objects.get(**{lookup: getattr(farm_history, key)})
    html = page(admin_client, f"{ADMIN}{model}/{obj.pk}/change/")
    assert "<pre" in html


def test_printer_change_page_opens(admin_client: Client, farm_history: History) -> None:
    from apps.simpleprint.models import Printer

    html = page(admin_client, f"{ADMIN}printer/{Printer.objects.get(sp_id=412).pk}/change/")
    assert "sp-printing" in html


def test_event_detail_shows_the_payload_pretty_and_read_only(
    admin_client: Client, farm_history: History
) -> None:
    html = page(admin_client, f"{EVENTS}{farm_history.first_event}/change/")
    assert "&quot;event&quot;: &quot;job.started&quot;" in html
    assert "&quot;Secret-Header&quot;: &quot;X_SP_SECRET&quot;" in html
    assert 'name="payload"' not in html
    assert 'name="event"' not in html


def test_add_is_not_offered(admin_client: Client) -> None:
    assert admin_client.get(f"{EVENTS}add/").status_code == 403


@pytest.mark.parametrize(("params", "present", "absent"), [
    ({"status": "failed"}, "sp-failed", "sp-processed"),
    ({"status": "ignored"}, "filament.update", "sp-processed"),
    ({"event": "queue.delete_item"}, "queue.delete_item", "job.started"),
    ({"category": "filament"}, "filament.update", "job.started"),
    ({"q": "job.paused"}, "job.paused", "job.resumed"),
    ({"q": "386"}, "job.failed", "job.paused"),
])
def test_event_filters_and_search(admin_client: Client, farm_history: History,
                                  params: dict[str, str], present: str, absent: str) -> None:
    html = rows(admin_client, EVENTS, **params)
    assert present in html
    assert absent not in html


def test_search_for_a_word_on_a_number_field_finds_nothing_without_error(
    admin_client: Client, farm_history: History
) -> None:
    assert "job.paused" not in rows(admin_client, EVENTS, q="not-a-number")


def test_date_hierarchy_drills_down(admin_client: Client, farm_history: History) -> None:
    event = PrinterWebhookEvent.objects.get(pk=farm_history.first_event)
    day = event.received_at
    html = rows(admin_client, EVENTS, received_at__year=day.year,
                received_at__month=day.month, received_at__day=day.day)
    assert "job.started" in html


@pytest.mark.parametrize(("params", "present", "absent"), [
    ({"q": "PETG"}, "gear_M3", "bracket_v2"),
    ({"q": "1003"}, "housing_top", "bracket_v2"),
    ({"status__exact": "done"}, "bracket_v2", "housing_top"),
    ({"q": "X1C"}, "housing_top", "gear_M3"),
])
def test_job_filters_and_search(admin_client: Client, farm_history: History,
                                params: dict[str, str], present: str, absent: str) -> None:
    html = rows(admin_client, ADMIN + "printjob/", **params)
    assert present in html
    assert absent not in html


def test_queue_and_printer_filters(admin_client: Client, farm_history: History) -> None:
    assert "clip_x10" in rows(admin_client, ADMIN + "printqueue/", state__exact="deleted")
    html = rows(admin_client, ADMIN + "printer/", state__exact="printing")
    assert "X1C Bay B-1" in html and "MK4 Bay A-1" not in html


def _changelist_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client, EVENTS)
    return len(queries)


def test_event_list_query_count_does_not_grow_with_rows(
    admin_client: Client, deliver: Callable[..., list[int]], farm: payloads.FarmStory
) -> None:
    def started(count: int) -> list[dict[str, Any]]:
        return [farm.job_started(385 if i % 2 else 386) for i in range(count) if farm.tick()]

    deliver(*started(5))
    few = _changelist_queries(admin_client)
    deliver(*started(45))
    assert PrinterWebhookEvent.objects.count() == 50
    assert _changelist_queries(admin_client) == few


def test_job_list_query_count_does_not_grow_with_rows(
    admin_client: Client, deliver: Callable[..., list[int]], farm: payloads.FarmStory
) -> None:
    deliver(*[farm.job_started(385) for _ in range(3) if farm.tick()])
    with CaptureQueriesContext(connection) as few:
        page(admin_client, ADMIN + "printjob/")
    deliver(*[farm.job_started(386) for _ in range(30) if farm.tick()])
    with CaptureQueriesContext(connection) as many:
        page(admin_client, ADMIN + "printjob/")
    assert len(many) == len(few)


def test_reprocess_action(admin_client: Client, farm_history: History) -> None:
    event = PrinterWebhookEvent.objects.get(pk=farm_history.failed_event)
    event.payload["data"]["job"]["id"] = 1004
    event.save(update_fields=["payload"])

    response = admin_client.post(EVENTS, {
        "action": "reprocess_selected",
        "_selected_action": [farm_history.failed_event, farm_history.ignored_event],
    }, follow=True)

    assert "Reprocessed 2 event(s): 1 ignored, 1 processed." in response.content.decode()
    assert PrinterWebhookEvent.objects.get(pk=farm_history.failed_event).status == "processed"


def test_send_test_delivery_action_explains_a_failure(
    admin_client: Client, farm_history: History
) -> None:
    response = admin_client.post(EVENTS, {
        "action": "send_test_delivery", "_selected_action": [farm_history.first_event],
    }, follow=True)
    html = response.content.decode()
    assert 'class="error"' in html
    assert "webhook" in html


def test_send_test_delivery_action_needs_a_webhook_id(
    admin_client: Client, post_delivery: Callable[..., Any]
) -> None:
    assert post_delivery({**payloads.envelope("test", {}), "webhook_id": 0}).status_code == 200
    sample = PrinterWebhookEvent.objects.get(event="test")
    response = admin_client.post(EVENTS, {
        "action": "send_test_delivery", "_selected_action": [sample.pk],
    }, follow=True)
    assert "None of the selected events came from a registered webhook" in (
        response.content.decode())
