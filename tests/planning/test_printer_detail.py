"""The printer drawer's endpoint: a printer's latest jobs with how they ended, its failure rate
over 7 and 30 days, the queue items it may take next, the latest operator actions on it, and its
page in SimplyPrint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from apps.planning.selectors import DETAIL_ACTIONS
from apps.simpleprint.models import OperatorAction, Printer, PrintJob
from tests.simpleprint.conftest import History

pytestmark = pytest.mark.django_db


def detail(api: APIClient, sp_id: int) -> Any:
    response = api.get(f"/planning-v2/api/printers/{sp_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_it_needs_a_login(farm_history: History) -> None:
    assert APIClient().get("/planning-v2/api/printers/386/").status_code in (401, 403)


def test_an_unknown_printer_is_404(api: APIClient) -> None:
    response = api.get("/planning-v2/api/printers/999/")
    assert response.status_code == 404
    assert "999" in response.json()["detail"]


def test_a_failed_job_shows_with_its_outcome_and_counts_in_the_failure_rate(
    api: APIClient, farm_history: History
) -> None:
    # the farm's story happened at payloads.BASE_TS: move its failure into the last hour
    PrintJob.objects.filter(sp_id=farm_history.failed_job).update(
        ended_at=timezone.now() - timedelta(hours=1))
    body = detail(api, 386)
    assert body["printer"]["sp_id"] == 386 and body["printer"]["condition"] == "failed"
    assert [(j["sp_id"], j["status"]) for j in body["jobs"]] == [(farm_history.failed_job,
                                                                   "failed")]
    week, month = body["failure_rates"]
    assert (week["days"], week["ended"], week["failed"], week["rate"]) == (7, 1, 1, 1.0)
    assert (month["days"], month["ended"], month["rate"]) == (30, 1, 1.0)
    assert body["simplyprint_url"] == "https://simplyprint.io/panel/printers/386"


def test_the_failure_rate_counts_only_jobs_that_ended_in_its_window(
    api: APIClient, farm_history: History
) -> None:
    printer = Printer.objects.get(sp_id=385)
    now = timezone.now()
    # the last one ended a minute from now by SimplyPrint's clock, a little ahead of ours
    for n, (status, days_ago) in enumerate([("failed", 10), ("failed", 3), ("cancelled", 2),
                                            ("done", 40), ("done", -1 / 1440)]):
        PrintJob.objects.create(sp_id=9100 + n, printer=printer, status=status,
                                started_at=now - timedelta(days=days_ago, hours=1),
                                ended_at=now - timedelta(days=days_ago))
    week, month = detail(api, 385)["failure_rates"]
    assert (week["ended"], week["done"], week["failed"], week["cancelled"]) == (3, 1, 1, 1)
    assert week["rate"] == round(1 / 3, 3)
    assert (month["ended"], month["failed"], month["rate"]) == (4, 2, 0.5)  # not the 40-day one


def test_the_latest_twenty_jobs_newest_first(api: APIClient, farm_history: History) -> None:
    printer = Printer.objects.get(sp_id=385)
    start = timezone.now() - timedelta(days=5)
    PrintJob.objects.bulk_create(PrintJob(
        sp_id=9200 + n, printer=printer, status="done", started_at=start + timedelta(hours=n),
        ended_at=start + timedelta(hours=n, minutes=30), end_reason="") for n in range(25))
    jobs = detail(api, 385)["jobs"]
    assert len(jobs) == 20
    assert [j["sp_id"] for j in jobs[:3]] == [9224, 9223, 9222]


def test_next_lists_the_copies_the_projection_gives_it(
    api: APIClient, farm_history: History
) -> None:
    body = detail(api, 385)
    assert body["plan"]["available"] is True
    assert body["next"], body
    first = body["next"][0]
    assert (first["sp_id"], first["copy"]) == (farm_history.active_item, 1)
    assert first["end"] > first["start"] >= body["plan"]["free_from"] - 1


def test_a_printer_that_takes_nothing_lists_what_it_may_print_once_it_can(
    api: APIClient, farm_history: History
) -> None:
    Printer.objects.filter(sp_id=385).update(out_of_order=True)
    body = detail(api, 385)
    assert (body["plan"]["available"], body["plan"]["reason"]) == (False, "out_of_order")
    assert [item["sp_id"] for item in body["next"]] == [farm_history.active_item]
    assert body["next"][0]["left"] == 5


@override_settings(SIMPLEPRINT_CONFIG={"printer_url": "https://panel.example/p/{id}?x={y}"})
def test_the_link_follows_the_configured_address(api: APIClient, farm_history: History) -> None:
    assert detail(api, 412)["simplyprint_url"] == "https://panel.example/p/412?x={y}"


def test_its_queries_do_not_grow_with_the_jobs(
    api: APIClient, farm_history: History, django_assert_max_num_queries: Any
) -> None:
    printer = Printer.objects.get(sp_id=385)
    PrintJob.objects.bulk_create(PrintJob(sp_id=9300 + n, printer=printer, status="failed",
                                          ended_at=timezone.now()) for n in range(200))
    with django_assert_max_num_queries(9):
        detail(api, 385)


def test_the_drawer_lists_the_latest_actions_on_this_printer_only(
    api: APIClient, farm_history: History
) -> None:
    def action(n: int, printer: int, **fields: Any) -> OperatorAction:
        values: dict[str, Any] = {"kind": "pause", "status": OperatorAction.Status.CONFIRMED,
                                  "username": "shift", "target": f"printer:{printer}",
                                  "printer_sp_id": printer, "idempotency_key": f"k{n}",
                                  "batch": f"00000000-0000-4000-8000-{n:012d}"}
        return OperatorAction.objects.create(**{**values, **fields})

    older = [action(n, 385).pk for n in range(DETAIL_ACTIONS)]
    action(90, 386)  # another printer's
    refused = action(91, 385, kind="clear_bed", status=OperatorAction.Status.REFUSED,
                     refusal="state_changed", error="MK4 Bay A-1 is now printing")
    shown = detail(api, 385)["actions"]
    assert [row["id"] for row in shown] == [refused.pk, *reversed(older[1:])]  # newest first
    assert (shown[0]["kind"], shown[0]["status"], shown[0]["error"]) == (
        "clear_bed", "refused", "MK4 Bay A-1 is now printing")
