"""The planning projection on small hand-made farms."""

from __future__ import annotations

import pytest

from apps.planning.schedule import FarmPrinter, QueueEntry, project

NOW = 1_800_000_000.0
HOUR = 3600


def idle(sp_id: int, **kw: object) -> FarmPrinter:
    return FarmPrinter(sp_id=sp_id, name=f"P{sp_id}", state="operational", **kw)  # type: ignore[arg-type]


def printing(sp_id: int, time_left: int, **kw: object) -> FarmPrinter:
    return FarmPrinter(sp_id=sp_id, name=f"P{sp_id}", state="printing", job_sp_id=sp_id * 10,
                       job_file="part.gcode", time_left=time_left, progress_at=NOW, **kw)  # type: ignore[arg-type]


def item(sp_id: int, hours: float = 1, **kw: object) -> QueueEntry:
    return QueueEntry(sp_id=sp_id, filename=f"item{sp_id}.gcode",
                      estimate_seconds=int(hours * HOUR), **kw)  # type: ignore[arg-type]


def spans(projection: object, printer_id: int) -> list[tuple[str, int, float, float]]:
    plan = projection.printer(printer_id)  # type: ignore[attr-defined]
    return [(b.kind, b.sp_id, b.start - NOW, b.end - NOW) for b in plan.blocks]


def test_current_job_runs_until_its_expected_end_then_the_queue_follows() -> None:
    projection = project([printing(1, 2 * HOUR)], [item(7)], now=NOW)
    assert spans(projection, 1) == [("job", 10, 0, 2 * HOUR), ("queue", 7, 2 * HOUR, 3 * HOUR)]
    assert projection.item(7).copies == [(1, NOW + 2 * HOUR, NOW + 3 * HOUR)]


def test_earliest_free_printer_takes_the_next_item_in_queue_order() -> None:
    farm = [printing(1, 3 * HOUR), printing(2, 1 * HOUR), idle(3)]
    projection = project(farm, [item(7), item(8), item(9)], now=NOW)
    assert projection.item(7).copies[0][0] == 3
    assert projection.item(8).copies[0][0] == 2
    assert projection.item(9).copies[0][0] == 3
    assert projection.item(9).copies[0][1] == NOW + HOUR


def test_ties_between_free_printers_follow_board_order() -> None:
    projection = project([idle(5), idle(4)], [item(7), item(8)], now=NOW)
    assert [projection.item(i).copies[0][0] for i in (7, 8)] == [5, 4]


def test_each_copy_left_is_one_print() -> None:
    projection = project([idle(1)], [item(7, left=3)], now=NOW)
    plan = projection.item(7)
    assert [(s - NOW, e - NOW) for _, s, e in plan.copies] == [(0, HOUR), (HOUR, 2 * HOUR),
                                                              (2 * HOUR, 3 * HOUR)]
    assert plan.as_dict()["done_at"] == NOW + 3 * HOUR
    assert [b.copy for b in projection.printer(1).blocks] == [1, 2, 3]


def test_copies_spread_over_the_free_printers() -> None:
    projection = project([idle(1), idle(2)], [item(7, left=2)], now=NOW)
    assert sorted(p for p, _, _ in projection.item(7).copies) == [1, 2]
    assert projection.item(7).as_dict()["done_at"] == NOW + HOUR


def test_item_for_printers_goes_only_to_those_printers() -> None:
    farm = [idle(1), printing(2, HOUR)]
    projection = project(farm, [item(7, for_printers=[2])], now=NOW)
    assert projection.item(7).copies == [(2, NOW + HOUR, NOW + 2 * HOUR)]


def test_item_for_models_goes_only_to_printers_of_those_models() -> None:
    farm = [idle(1, model_id=11), idle(2, model_id=12)]
    projection = project(farm, [item(7, for_models=[12])], now=NOW)
    assert projection.item(7).copies[0][0] == 2


def test_item_for_groups_goes_only_to_printers_in_those_groups() -> None:
    farm = [idle(1, group_id=99), idle(2, group_id=100)]
    projection = project(farm, [item(7, for_groups=[100])], now=NOW)
    assert projection.item(7).copies[0][0] == 2


def test_any_one_restriction_is_enough() -> None:
    farm = [idle(1, group_id=99, model_id=11), idle(2, group_id=100, model_id=12)]
    entry = item(7, left=2, for_printers=[1], for_groups=[100])
    assert sorted(p for p, _, _ in project(farm, [entry], now=NOW).item(7).copies) == [1, 2]


def test_a_printer_skips_items_it_may_not_print_and_takes_a_later_one() -> None:
    farm = [idle(1), printing(2, HOUR)]
    queue = [item(7, for_printers=[2]), item(8)]
    projection = project(farm, queue, now=NOW)
    assert projection.item(8).copies == [(1, NOW, NOW + HOUR)]
    assert projection.item(7).copies == [(2, NOW + HOUR, NOW + 2 * HOUR)]


def test_offline_error_and_out_of_order_printers_take_nothing() -> None:
    farm = [FarmPrinter(1, state="offline", online=False), FarmPrinter(2, state="error"),
            idle(3, out_of_order=True), printing(4, 5 * HOUR)]
    projection = project(farm, [item(7)], now=NOW)
    assert [projection.printer(i).reason for i in (1, 2, 3, 4)] == [
        "offline", "error", "out_of_order", ""]
    assert all(not projection.printer(i).blocks for i in (1, 2, 3))
    assert projection.item(7).copies[0][0] == 4


def test_item_nobody_may_print_is_reported_unscheduled() -> None:
    projection = project([idle(1)], [item(7, for_printers=[99], left=2)], now=NOW)
    plan = projection.item(7)
    assert (plan.status, plan.unscheduled, plan.copies) == ("no_printer", 2, [])


def test_pending_approval_is_not_scheduled_and_does_not_block_the_queue() -> None:
    queue = [item(7, state="pending_approval"), item(8)]
    projection = project([idle(1)], queue, now=NOW)
    assert projection.item(7).status == "pending_approval"
    assert projection.item(7).copies == []
    assert projection.item(8).copies == [(1, NOW, NOW + HOUR)]


def test_approved_items_are_scheduled() -> None:
    projection = project([idle(1)], [item(7, state="approved")], now=NOW)
    assert projection.item(7).status == "scheduled"


def test_bed_turnaround_follows_every_print() -> None:
    turnaround = 600
    projection = project([printing(1, HOUR)], [item(7, left=2)], now=NOW, turnaround=turnaround)
    assert spans(projection, 1) == [
        ("job", 10, 0, HOUR),
        ("queue", 7, HOUR + turnaround, 2 * HOUR + turnaround),
        ("queue", 7, 2 * HOUR + 2 * turnaround, 3 * HOUR + 2 * turnaround),
    ]
    assert projection.printer(1).free_at == NOW + 3 * HOUR + 3 * turnaround
    # Free for new work at the end of its job: "next free" is that, not the end of the queue.
    assert projection.printer(1).free_from == NOW + HOUR + turnaround


def test_an_idle_printer_is_free_from_now_whatever_the_queue_gives_it() -> None:
    projection = project([idle(1)], [item(7, left=3)], now=NOW)
    assert projection.printer(1).free_from == NOW
    assert projection.printer(1).free_at == NOW + 3 * HOUR
    assert projection.as_dict()["printers"][0]["free_from"] == round(NOW)


def test_idle_printer_with_an_uncleared_bed_waits_for_the_turnaround() -> None:
    projection = project([idle(1, bed_needs_clearing=True)], [item(7)], now=NOW, turnaround=900)
    assert projection.item(7).copies[0][1] == NOW + 900


def test_paused_job_clock_stands_still() -> None:
    paused = FarmPrinter(1, state="paused", job_sp_id=5, time_left=HOUR, progress_at=NOW - 7200)
    assert spans(project([paused], [], now=NOW), 1) == [("job", 5, 0, HOUR)]


def test_job_end_from_the_last_progress_report() -> None:
    report = FarmPrinter(1, state="printing", job_sp_id=5, time_left=HOUR, progress_at=NOW - 600)
    assert spans(project([report], [], now=NOW), 1) == [("job", 5, 0, HOUR - 600)]


def test_job_without_time_left_ends_at_start_plus_estimate() -> None:
    started = FarmPrinter(1, state="printing", job_sp_id=5, job_started=NOW - 600,
                          job_estimate=HOUR)
    assert spans(project([started], [], now=NOW), 1) == [("job", 5, 0, HOUR - 600)]


def test_item_without_estimate_uses_the_default_and_says_so() -> None:
    projection = project([idle(1)], [QueueEntry(7)], now=NOW, default_estimate=1800)
    block = projection.printer(1).blocks[0]
    assert (block.end - block.start, block.estimated) == (1800, False)


def test_items_left_after_the_limit_are_reported_beyond_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import apps.planning.schedule as schedule

    monkeypatch.setattr(schedule, "MAX_COPIES", 2)
    projection = project([idle(1)], [item(7, left=2), item(8)], now=NOW)
    assert projection.truncated
    assert projection.item(8).status == "beyond_limit"


def test_as_dict_is_json_ready() -> None:
    data = project([printing(1, HOUR)], [item(7)], now=NOW, turnaround=60).as_dict()
    assert data["printers"][0]["blocks"][1] == {
        "kind": "queue", "sp_id": 7, "label": "item7.gcode", "start": NOW + HOUR + 60,
        "end": NOW + 2 * HOUR + 60, "copy": 1, "estimated": True}
    assert data["items"][0]["done_at"] == NOW + 2 * HOUR + 60
