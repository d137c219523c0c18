"""``webhook/events/``: the event log, its filters, ordering, pages, detail and reprocessing."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.simpleprint.models import PrinterWebhookEvent, PrintJob
from tests.simpleprint.conftest import History

pytestmark = pytest.mark.django_db
URL = "/api/v1/simpleprint/webhook/events/"


def listed(api: APIClient, **params: Any) -> list[dict[str, Any]]:
    response = api.get(URL, params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_list_shows_every_delivery_newest_first_without_payload(
    api: APIClient, farm_history: History
) -> None:
    body = api.get(URL).json()
    assert body["count"] == 14
    assert body["results"][0]["id"] == farm_history.failed_event
    assert "payload" not in body["results"][0]
    assert {"id", "event", "status", "printer_sp_id", "job_sp_id"} <= set(body["results"][0])


def test_statuses_reflect_processing(api: APIClient, farm_history: History) -> None:
    statuses = {row["id"]: row["status"] for row in listed(api)}
    assert statuses[farm_history.failed_event] == "failed"
    assert statuses[farm_history.ignored_event] == "ignored"
    assert list(statuses.values()).count("processed") == 12


@pytest.mark.parametrize(("status", "count"), [
    ("processed", 12), ("ignored", 1), ("failed", 1), ("pending", 0),
])
def test_filter_by_status(api: APIClient, farm_history: History, status: str, count: int) -> None:
    rows = listed(api, status=status)
    assert len(rows) == count
    assert {row["status"] for row in rows} <= {status}


def test_filter_by_event_name(api: APIClient, farm_history: History) -> None:
    assert {row["event"] for row in listed(api, event="job.done")} == {"job.done"}
    assert len(listed(api, event="job.done")) == 2


def test_filter_by_category(api: APIClient, farm_history: History) -> None:
    assert len(listed(api, category="queue")) == 3
    assert [row["event"] for row in listed(api, category="filament")] == ["filament.update"]


def test_filter_by_printer_and_job(api: APIClient, farm_history: History) -> None:
    assert {row["printer_sp_id"] for row in listed(api, printer=386)} == {386}
    assert len(listed(api, printer=386)) == 2
    job_events = listed(api, job=farm_history.done_job)
    assert [row["event"] for row in job_events] == [
        "job.bed_cleared", "job.done", "job.resumed", "job.paused", "job.started"]


def test_filter_by_occurrence_time(api: APIClient, farm_history: History) -> None:
    # The story starts at 2024-06-10T08:00:00Z, a minute a step; its last three steps are at
    # 09:15 (twice) and 09:16.
    early = listed(api, occurred_before="2024-06-10T08:02:30Z", ordering="timestamp")
    assert [row["event"] for row in early] == ["job.started", "job.paused", "job.resumed"]
    late = listed(api, occurred_after="2024-06-10T09:15:00Z")
    assert [row["event"] for row in late] == ["job.done", "filament.update",
                                              "queue.delete_item"]


def test_filter_by_reception_time(api: APIClient, farm_history: History) -> None:
    assert len(listed(api, received_after="2000-01-01T00:00:00Z")) == 14
    assert listed(api, received_before="2000-01-01T00:00:00Z") == []


def test_ordering(api: APIClient, farm_history: History) -> None:
    oldest_first = listed(api, ordering="timestamp,id")
    assert oldest_first[0]["id"] == farm_history.first_event
    timestamps = [row["timestamp"] for row in listed(api, ordering="-timestamp")]
    assert timestamps == sorted(timestamps, reverse=True)


def test_pagination(api: APIClient, farm_history: History) -> None:
    first = api.get(URL, {"page_size": 5}).json()
    assert (first["count"], len(first["results"])) == (14, 5)
    last = api.get(first["next"].replace("http://testserver", "")).json()
    third = api.get(URL, {"page_size": 5, "page": 3}).json()
    assert len(third["results"]) == 4 and third["next"] is None
    assert {row["id"] for row in first["results"]}.isdisjoint(r["id"] for r in last["results"])


def test_page_out_of_range_is_a_json_404(api: APIClient, farm_history: History) -> None:
    response = api.get(URL, {"page": 99})
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(("params", "field"), [
    ({"received_after": "notadate"}, "received_after"),
    ({"occurred_before": "2024-13-45"}, "occurred_before"),
    ({"printer": "abc"}, "printer"),
    ({"job": "1.5x"}, "job"),
    ({"status": "bogus"}, "status"),
    ({"category": "spaceship"}, "category"),
    ({"ordering": "payload"}, "ordering"),
])
def test_bad_filter_values_are_400_naming_the_parameter(
    api: APIClient, params: dict[str, str], field: str
) -> None:
    response = api.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"]
    assert field in body["detail"]


@pytest.mark.parametrize("moment", ["2000-01-01T00:00:00+16:00", "2000-01-01T00:00:00-23:59",
                                    "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_date_filters_take_any_iso_offset(api: APIClient, farm_history: History,
                                          moment: str) -> None:
    for param in ("received_after", "occurred_before"):
        assert api.get(URL, {param: moment}).status_code == 200


def test_detail_has_payload_and_headers(api: APIClient, farm_history: History) -> None:
    body = api.get(f"{URL}{farm_history.first_event}/").json()
    assert body["payload"]["event"] == "job.started"
    assert body["payload"]["data"]["job"]["id"] == farm_history.done_job
    assert body["headers"]["Secret-Header"] == "X_SP_SECRET"
    assert body["status"] == "processed"


def test_unknown_event_is_a_json_404(api: APIClient) -> None:
    response = api.get(f"{URL}987654/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No PrinterWebhookEvent matches the given query."}


def test_reprocess_a_failed_event_after_fixing_its_payload(
    admin_api: APIClient, farm_history: History
) -> None:
    event = PrinterWebhookEvent.objects.get(pk=farm_history.failed_event)
    assert event.status == "failed"
    assert "without data.job.id" in event.processing_error
    event.payload["data"]["job"]["id"] = 1004
    event.save(update_fields=["payload"])

    response = admin_api.post(f"{URL}{event.pk}/reprocess/")

    assert response.status_code == 200
    assert response.json() == {"id": event.pk, "status": "processed", "processing_error": ""}
    assert PrintJob.objects.get(sp_id=1004).status == "done"


def test_reprocessing_an_unfixed_event_reports_it_failed_again(
    admin_api: APIClient, farm_history: History
) -> None:
    response = admin_api.post(f"{URL}{farm_history.failed_event}/reprocess/")
    assert response.json()["status"] == "failed"
    assert "without data.job.id" in response.json()["processing_error"]


def test_event_filter_finds_deliveries_sent_under_an_alias(
    api: APIClient, deliver: Any, farm: Any
) -> None:
    started = farm.job_started(385, job_id=2001)
    farm.tick()
    alias = dict(farm.job_event("job.done", started), event="job.completed")
    deliver(started, alias)
    assert [row["event"] for row in listed(api, event="job.done")] == ["job.completed"]
    assert len(listed(api, event="job.completed")) == 1
