"""Printer setting events: each changes its own part of the printer's state."""

from __future__ import annotations

import pytest

from apps.simpleprint.models import Printer, PrinterWebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("event, data, field, expected", [
    ("printer.autoprint_state_changed", {"state": "paused"}, "autoprint_state", "paused"),
    ("printer.nozzle_size_changed", {"nozzle": 0.6, "previous": 0.4}, "nozzle_size", 0.6),
    ("printer.material_changed",
     {"material": [{"ext": 0, "type": 2, "color": "Orange", "hex": "#FF7F00"}]},
     "material", [{"ext": 0, "type": 2, "color": "Orange", "hex": "#FF7F00"}]),
    ("printer.out_of_order_state_changed", {"out_of_order": True}, "out_of_order", True),
    ("printer.custom_tag_assigned", {"tag": {"id": 3, "name": "PETG only"}}, "custom_tags", [3]),
])
def test_setting_event_updates_its_field(post_delivery, farm, event, data, field, expected):
    post_delivery(farm.printer_event(event, 386, **data))
    printer = Printer.objects.get(sp_id=386)
    assert getattr(printer, field) == expected
    assert printer.name == "MK4 Bay A-2"
    assert PrinterWebhookEvent.objects.get().status == "processed"


def test_custom_tag_detached_removes_only_that_tag(post_delivery, farm):
    post_delivery(farm.printer_event("printer.custom_tag_assigned", 386, tag={"id": 3}))
    farm.tick()
    post_delivery(farm.printer_event("printer.custom_tag_assigned", 386, tag={"id": 8}))
    farm.tick()
    post_delivery(farm.printer_event("printer.custom_tag_detached", 386, tag={"id": 3}))
    assert Printer.objects.get().custom_tags == [8]


def test_a_late_older_setting_does_not_overwrite_a_newer_one(post_delivery, farm):
    older = farm.printer_event("printer.nozzle_size_changed", 386, nozzle=0.6)
    farm.tick()
    newer = farm.printer_event("printer.nozzle_size_changed", 386, nozzle=0.8)
    post_delivery(newer)
    post_delivery(older)
    assert Printer.objects.get().nozzle_size == 0.8


def test_out_of_order_does_not_change_the_job_state(post_delivery, farm):
    post_delivery(farm.job_started(386))
    farm.tick()
    post_delivery(farm.printer_event("printer.out_of_order_state_changed", 386,
                                     out_of_order=True))
    printer = Printer.objects.get()
    assert printer.out_of_order is True and printer.state == "printing"


@pytest.mark.parametrize("event", ["printer.ai_state_changed", "printer.autoprint_max_cycles"])
def test_informational_printer_events_are_ignored(post_delivery, farm, event):
    post_delivery(farm.printer_event(event, 386))
    assert PrinterWebhookEvent.objects.get().status == "ignored"


def test_setting_event_missing_its_value_fails_visibly(post_delivery, farm):
    post_delivery(farm.printer_event("printer.material_changed", 386))
    event = PrinterWebhookEvent.objects.get()
    assert event.status == "failed" and "data.material" in event.processing_error
