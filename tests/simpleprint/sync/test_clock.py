"""One clock for ordering: polls are stamped with SimplyPrint's time (its answers' ``Date``), the
clock deliveries are stamped with, and a delivery's timestamp is trusted only up to a small
skew ahead of its receipt."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from apps.simpleprint.models import Printer, PrinterWebhookEvent
from apps.simpleprint.remote import servertime
from apps.simpleprint.state import jobs, printers
from apps.simpleprint.sync import modes
from apps.simpleprint.sync import polling as sync
from tests import payloads
from tests.simpleprint.conftest import Sim

pytestmark = pytest.mark.django_db(transaction=True)


def printer_state(pid: int) -> tuple[str, int | None]:
    printer = Printer.objects.select_related("current_job").get(sp_id=pid)
    return printer.state, printer.current_job.sp_id if printer.current_job else None


@pytest.mark.parametrize("skew", [-600, 600])
def test_a_poll_heals_a_printer_whatever_the_skew_between_the_clocks(
        make_sim: Callable[..., Sim], live_server: Any, sync_settings: dict[str, Any],
        skew: int) -> None:
    """SimplyPrint's clock ``skew`` seconds from ours, running at its real pace."""
    sync_settings["connectivity_interval"] = 1.0
    sim = make_sim(clock="real", speed=1.0, start_time=time.time() + skew, natural=False,
                   tick=0.05)
    sim.register(live_server.url)
    pid = next(p["id"] for p in sim.state()["printers"] if p["job"] is None)
    sim.scenario("set_autoprint", printer_id=pid, state="disabled")
    sync.full_sync(sim.client)  # our default clock: SimplyPrint's, as its answers show it
    modes.load(servertime.now())
    assert abs(servertime.offset() - skew) < 2

    started = sim.scenario("start_job", printer_id=pid, estimate=7200)["job"]["id"]
    sim.settle()
    assert printer_state(pid) == ("printing", started)

    sim.control(drop=1.0)  # the print ends, and nobody is told
    sim.scenario("finish_job", printer_id=pid)
    sim.scenario("clear_bed", printer_id=pid)
    sim.settle()
    time.sleep(1.7)  # the interval, plus the half second a Date header may be off
    assert sync.tick(sim.client) in ("read printers", "reconciled")
    assert printer_state(pid) == ("operational", None)

    sim.control(drop=0.0)  # a delivery after the poll is applied, too
    time.sleep(1.1)
    again = sim.scenario("start_job", printer_id=pid, estimate=7200)["job"]["id"]
    sim.settle()
    assert printer_state(pid) == ("printing", again)


def test_a_delivery_stamped_in_the_future_is_ordered_by_its_receipt_and_flagged(
        deliver: Callable[..., list[int]], api: Any) -> None:
    now = int(time.time())
    story = payloads.FarmStory(now=now + 3600)  # an hour ahead of us
    [event_id] = deliver(story.job_started(385, job_id=552500))
    event = PrinterWebhookEvent.objects.get(pk=event_id)
    assert event.timestamp_clamped and abs(event.ordering_timestamp - now) <= 2
    shown = api.get(f"/api/v1/simpleprint/webhook/events/{event_id}/").json()
    assert shown["timestamp_clamped"] is True and shown["timestamp"] == now + 3600

    idle = payloads.printer_row(385)  # a poll 10 s later says the printer is idle: it wins
    with transaction.atomic():
        printers.apply_poll_row(idle, now + 10)
    assert printer_state(385) == ("operational", None)


def test_a_delivery_within_the_allowed_skew_keeps_its_time(
        deliver: Callable[..., list[int]]) -> None:
    now = int(time.time())
    [event_id] = deliver(payloads.FarmStory(now=now + 120).job_started(385, job_id=552501))
    event = PrinterWebhookEvent.objects.get(pk=event_id)
    assert not event.timestamp_clamped and event.ordering_timestamp == now + 120


@pytest.mark.parametrize("timestamp", [253402300800, 2**41])
def test_a_timestamp_beyond_year_9999_never_answers_500(
        deliver: Callable[..., list[int]], api: Any, timestamp: int) -> None:
    story = payloads.FarmStory(now=timestamp)
    ids = deliver(story.job_started(385, job_id=552502),
                  story.printer_event("printer.nozzle_size_changed", 385, nozzle=0.6))
    assert [PrinterWebhookEvent.objects.get(pk=i).status for i in ids] == ["processed"] * 2
    event_id = ids[0]
    for url in ("/api/v1/simpleprint/printers/", "/api/v1/simpleprint/jobs/",
                "/api/v1/simpleprint/webhook/events/",
                f"/api/v1/simpleprint/webhook/events/{event_id}/",
                "/planning-v2/api/snapshot/", "/planning-v2/api/schedule/"):
        assert api.get(url).status_code == 200, url
    assert Printer.objects.get(sp_id=385).nozzle_size == 0.6


def test_polls_use_the_time_of_simplyprints_answer(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(natural=False)  # a manual clock, months from ours
    assert sync.full_sync(sim.client).printers == 8  # our default clock
    polled = Printer.objects.order_by("sp_id")[0].last_polled_at
    assert polled is not None and polled.timestamp() == sim.now
    assert {"completed", "done", "ongoing"} <= jobs.POLLED_STATUSES


def test_the_schedule_survives_the_clock_jump_of_the_first_answer(
        make_sim: Callable[..., Sim], sync_settings: dict[str, Any]) -> None:
    """Until SimplyPrint first answers, its time is taken to be ours; the first answer may show
    it a year away, and the schedule made before must not wait for that time to come."""
    sync_settings["poll_interval"] = 1.0
    sim = make_sim(webhooks=False, natural=False, clock="real", speed=1.0,
                   start_time=time.time() - 365 * 86400)
    done = [sync.tick(sim.client)]  # our clock, then SimplyPrint's
    assert abs(servertime.offset() + 365 * 86400) < 5
    for _ in range(2):
        time.sleep(1.7)  # the interval, plus the half second a Date header may be off
        done.append(sync.tick(sim.client))
    assert done == ["polled"] * 3
