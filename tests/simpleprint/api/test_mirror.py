"""``printers/``, ``jobs/`` and ``queue/``: the mirrored state, by SimplyPrint id."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.simpleprint.conftest import History

pytestmark = pytest.mark.django_db
BASE = "/api/v1/simpleprint/"


def results(api: APIClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(BASE + path, params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_printers_list_with_current_jobs(api: APIClient, farm_history: History) -> None:
    printers = {row["sp_id"]: row for row in results(api, "printers/")}
    assert set(printers) == {385, 386, 412}
    assert printers[412]["state"] == "printing"
    assert printers[412]["current_job"]["sp_id"] == farm_history.printing_job
    assert printers[385]["current_job"] is None
    assert printers[385]["nozzle_size"] == 0.6


def test_printer_filters_and_detail(api: APIClient, farm_history: History) -> None:
    assert [row["sp_id"] for row in results(api, "printers/", state="printing")] == [412]
    assert [row["sp_id"] for row in results(api, "printers/", group_id=100)] == [412]
    detail = api.get(BASE + "printers/386/").json()
    assert (detail["name"], detail["state"]) == ("MK4 Bay A-2", "operational")
    assert detail["bed_needs_clearing"] is True


def test_printer_ordering(api: APIClient, farm_history: History) -> None:
    assert [row["sp_id"] for row in results(api, "printers/", ordering="-sp_id")] == [
        412, 386, 385]


def test_jobs_history_newest_first(api: APIClient, farm_history: History) -> None:
    jobs = results(api, "jobs/")
    assert [job["sp_id"] for job in jobs] == [1003, 1002, 1001]
    assert [job["status"] for job in jobs] == ["printing", "failed", "done"]
    assert jobs[2]["printer_id"] == 385 and jobs[2]["bed_cleared_at"] is not None


@pytest.mark.parametrize(("params", "expected"), [
    ({"printer": 386}, [1002]),
    ({"status": "done"}, [1001]),
    ({"file_name": "petg"}, [1002]),
    ({"started_after": "2024-06-10T09:00:00Z"}, [1003, 1002]),
    ({"started_before": "2024-06-10T09:00:00Z"}, [1001]),
    ({"ended_after": "2024-06-10T09:10:00Z"}, [1002]),
    ({"ordering": "sp_id"}, [1001, 1002, 1003]),
])
def test_job_filters(api: APIClient, farm_history: History, params: dict[str, Any],
                     expected: list[int]) -> None:
    assert [job["sp_id"] for job in results(api, "jobs/", **params)] == expected


def test_job_detail(api: APIClient, farm_history: History) -> None:
    job = api.get(f"{BASE}jobs/{farm_history.failed_job}/").json()
    assert (job["status"], job["percentage"], job["file_name"]) == (
        "failed", 35, "gear_M3_0.4n_PETG_1h05m.gcode")


@pytest.mark.parametrize(("path", "params", "field"), [
    ("jobs/", {"printer": "abc"}, "printer"),
    ("jobs/", {"status": "exploded"}, "status"),
    ("jobs/", {"started_after": "yesterday"}, "started_after"),
    ("printers/", {"state": "sleeping"}, "state"),
    ("queue/", {"state": "lost"}, "state"),
    ("queue/", {"ordering": "-secret"}, "ordering"),
])
def test_bad_values_are_400_naming_the_parameter(api: APIClient, path: str,
                                                 params: dict[str, str], field: str) -> None:
    response = api.get(BASE + path, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_queue_shows_active_items_by_default(api: APIClient, farm_history: History) -> None:
    assert [item["sp_id"] for item in results(api, "queue/")] == [farm_history.active_item]


@pytest.mark.parametrize(("state", "expected"), [
    ("all", [501, 502]), ("active", [501]), ("deleted", [502]), ("queued", [501]),
])
def test_queue_state_filter(api: APIClient, farm_history: History, state: str,
                            expected: list[int]) -> None:
    assert [item["sp_id"] for item in results(api, "queue/", state=state)] == expected


def test_queue_detail_finds_a_deleted_item(api: APIClient, farm_history: History) -> None:
    item = api.get(f"{BASE}queue/{farm_history.deleted_item}/").json()
    assert (item["state"], item["filename"]) == ("deleted", "clip_x10_0.4n_PLA_40m.gcode")


@pytest.mark.parametrize("path", ["printers/999/", "jobs/999/", "queue/999/", "jobs/abc/"])
def test_unknown_ids_are_json_404(api: APIClient, path: str) -> None:
    response = api.get(BASE + path)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_job_list_queries_do_not_grow_with_rows(
    api: APIClient, farm_history: History, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):
        results(api, "jobs/")
    with django_assert_max_num_queries(4):
        results(api, "printers/")
