"""Why a job failed or was cancelled: read once from ``jobs/GetDetails`` of the simulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.simpleprint.models import PrintJob
from apps.simpleprint.sync import details, polling
from tests.simpleprint.conftest import Sim

pytestmark = pytest.mark.django_db(transaction=True)


def idle_printers(sim: Sim) -> list[int]:
    return [p["id"] for p in sim.state()["printers"] if p["job"] is None and p["online"]
            and not p["out_of_order"] and p["bed_clear"]]


def test_failed_and_cancelled_jobs_get_their_reason_once(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(natural=False)
    first, second = idle_printers(sim)[:2]
    for printer in (first, second):
        sim.scenario("start_job", printer_id=printer, file=f"part_{printer}.gcode")
    sim.advance(60)
    sim.scenario("fail_job", printer_id=first, reason="Spaghetti detected")
    sim.scenario("cancel_job", printer_id=second, reason=3, comment="no flow", user_id=4)
    polling.full_sync(sim.client, sim.clock)
    assert {"failed", "cancelled"} <= set(PrintJob.objects.values_list("status", flat=True))

    assert details.fetch_end_details(sim.client) == 2
    failed = PrintJob.objects.get(status="failed")
    cancelled = PrintJob.objects.get(status="cancelled")
    assert failed.end_reason == "Spaghetti detected"
    assert cancelled.end_reason.startswith("No filament extruded")
    assert cancelled.end_reason.endswith("— no flow")
    assert cancelled.ended_by_name == "Priya Natarajan"

    calls = sim.requests_to("jobs/GetDetails")
    assert details.fetch_end_details(sim.client) == 0  # once per job
    assert sim.requests_to("jobs/GetDetails") == calls == {"200": 2}


def test_a_job_simplyprint_does_not_know_is_not_asked_again(
    make_sim: Callable[..., Sim], settings: Any
) -> None:
    sim = make_sim(natural=False)
    job = PrintJob.objects.create(sp_id=1, uid="no-such-uid", status="failed")
    assert details.fetch_end_details(sim.client) == 1
    job.refresh_from_db()
    assert job.details_fetched_at is not None and job.end_reason == ""
    assert details.fetch_end_details(sim.client) == 0
