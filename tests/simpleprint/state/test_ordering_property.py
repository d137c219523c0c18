"""Property: duplicated and reordered deliveries end in the same state as the in-order stream."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from apps.simpleprint.events.envelope import parse_envelope
from apps.simpleprint.models import (
    LiveUpdate,
    Printer,
    PrinterWebhookEvent,
    PrintJob,
    PrintQueue,
    QueueClearance,
)
from apps.simpleprint.processing import inbox
from tests.payloads import ALEX, FarmStory, envelope, queue_item

pytestmark = pytest.mark.django_db(transaction=True)

PRINTER_IDS = (385, 386)
QUEUE_GROUPS = {900: 2, 901: 2, 902: 3}
JOB_ENDINGS = ("job.done", "job.failed", "job.cancelled", None)
SETTINGS = (
    ("printer.nozzle_size_changed", lambda v: {"nozzle": (0.4, 0.6, 0.8)[v % 3]}),
    ("printer.material_changed", lambda v: {"material": [{"ext": 0, "type": v % 4,
                                                          "color": f"c{v}", "hex": "#101010"}]}),
    ("printer.out_of_order_state_changed", lambda v: {"out_of_order": bool(v % 2)}),
    ("printer.autoprint_state_changed", lambda v: {"state": ("enabled", "paused")[v % 2]}),
    ("printer.custom_tag_assigned", lambda v: {"tag": {"id": v % 3}}),
    ("printer.custom_tag_detached", lambda v: {"tag": {"id": v % 3}}),
)


@st.composite
def farm_histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A plausible in-order stream: jobs run one after another per printer, settings change,
    queue items come and go. Timestamps never decrease; several events may share a second."""
    story = FarmStory()
    stream: list[dict[str, Any]] = []

    def tick() -> None:
        story.tick(draw(st.sampled_from([0, 1, 30, 600])))

    for _ in range(draw(st.integers(3, 12))):
        kind = draw(st.sampled_from(["job", "job", "setting", "queue"]))
        printer = draw(st.sampled_from(PRINTER_IDS))
        tick()
        if kind == "job":
            started = story.job_started(printer)
            stream.append(started)
            for _ in range(draw(st.integers(0, 2))):
                tick()
                stream.append(story.job_event("job.paused", started, percentage=30))
                tick()
                stream.append(story.job_event("job.resumed", started, percentage=30))
            ending = draw(st.sampled_from(JOB_ENDINGS))
            if ending:
                story.tick(draw(st.sampled_from([1, 3600])))
                stream.append(story.job_event(ending, started, percentage=70))
                if draw(st.booleans()):
                    tick()
                    stream.append(story.job_event("job.bed_cleared", started))
        elif kind == "setting":
            event, data = draw(st.sampled_from(SETTINGS))
            stream.append(story.printer_event(event, printer, **data(draw(st.integers(0, 9)))))
        else:
            item_id = draw(st.sampled_from(sorted(QUEUE_GROUPS)))
            # An item keeps its queue group: whether an emptying of a group covers an item
            # that moved between groups around it depends on arrival order (reconciliation
            # settles it; see docs/architecture.md).
            item = queue_item(item_id, sort_order=draw(st.integers(1, 5)),
                              group=QUEUE_GROUPS[item_id])
            event = draw(st.sampled_from([
                "queue.add_item", "queue.move_item", "queue.delete_item",
                "queue.item_pending_approval", "queue.item_approved", "queue.item_denied",
            ]))
            stream.append(story.queue_event(event, item))
            if draw(st.integers(0, 9)) == 0:
                tick()
                stream.append(envelope("queue.empty_queue", {"user": ALEX, "group": 2},
                                       story.now))
    return stream


def apply_stream(stream: list[dict[str, Any]]) -> None:
    for delivery in stream:
        with transaction.atomic():
            stored = inbox.store_delivery(parse_envelope(json.dumps(delivery).encode()), {})
        inbox.process_event(stored.event.pk)


def farm_state() -> dict[str, Any]:
    return {
        "printers": list(Printer.objects.order_by("sp_id").values_list(
            "sp_id", "state", "current_job__sp_id", "bed_needs_clearing", "progress",
            "material", "nozzle_size", "custom_tags", "autoprint_state", "out_of_order")),
        "jobs": list(PrintJob.objects.order_by("sp_id").values_list(
            "sp_id", "status", "percentage", "started_at", "ended_at", "duration",
            "skipped_objects", "bed_cleared_at", "ended_by_name", "printer__sp_id")),
        "queue": list(PrintQueue.objects.order_by("sp_id").values_list(
            "sp_id", "state", "position", "group_id", "left", "decided_by_name")),
    }


def reset_state() -> None:
    for model in (PrinterWebhookEvent, LiveUpdate, Printer, PrintJob, PrintQueue,
                  QueueClearance):
        model.objects.all().delete()


# Derandomized so CI runs the same examples every time; no shrinking, which takes minutes on
# database-backed examples (a failure prints the whole stream instead).
@settings(max_examples=100, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stream=farm_histories(), data=st.data())
def test_duplicates_and_reordering_converge_to_the_in_order_state(stream, data):
    reset_state()
    apply_stream(stream)
    expected = farm_state()

    reset_state()
    duplicated = stream + data.draw(st.lists(st.sampled_from(stream), max_size=len(stream)))
    shuffled = data.draw(st.permutations(duplicated))
    apply_stream(shuffled)

    assert farm_state() == expected
