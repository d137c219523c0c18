"""Queue events: items appear, move, wait for approval and go away."""

from __future__ import annotations

import pytest

from apps.simpleprint.models import PrinterWebhookEvent, PrintQueue
from tests.payloads import ALEX, envelope, queue_item

pytestmark = pytest.mark.django_db(transaction=True)


def test_add_item_creates_a_queued_item(post_delivery, farm):
    post_delivery(farm.queue_event("queue.add_item", queue_item(890, printers=[385, 386])))
    item = PrintQueue.objects.get()
    assert item.state == "queued" and item.filename == "gear_M3_0.4n_PETG_1h05m.gcode"
    assert item.for_printers == [385, 386] and item.left == 5 and item.group_id == 2
    assert item.added_by_name == "Alex Johnson" and item.estimate_seconds == 3900


def test_move_item_changes_the_position(post_delivery, farm):
    post_delivery(farm.queue_event("queue.add_item", queue_item(890, sort_order=3)))
    farm.tick()
    post_delivery(farm.queue_event("queue.move_item", queue_item(890, sort_order=1)))
    item = PrintQueue.objects.get()
    assert item.position == 1 and item.state == "queued"


def test_delete_item_removes_it_from_the_active_queue(post_delivery, farm):
    post_delivery(farm.queue_event("queue.add_item", queue_item(890)))
    farm.tick()
    post_delivery(farm.queue_event("queue.delete_item", queue_item(890)))
    assert PrintQueue.objects.get().state == "deleted"


@pytest.mark.parametrize("event, extra, state", [
    ("queue.item_approved", {}, "approved"),
    ("queue.item_denied", {"removed": False}, "denied"),
    ("queue.item_denied", {"removed": True}, "deleted"),
])
def test_approval_flow(post_delivery, farm, event, extra, state):
    post_delivery(farm.queue_event("queue.item_pending_approval", queue_item(891)))
    assert PrintQueue.objects.get().state == "pending_approval"
    farm.tick()
    post_delivery(farm.queue_event(event, queue_item(891), **extra))
    item = PrintQueue.objects.get()
    assert item.state == state and item.decided_by_name == "Maria Petrova"


def test_revive_item_brings_a_done_item_back(post_delivery, farm):
    post_delivery(farm.queue_event("queue.add_item", queue_item(892)))
    PrintQueue.objects.filter(sp_id=892).update(state="done")
    farm.tick()
    post_delivery(farm.queue_event("queue.revive_item", queue_item(892)))
    assert PrintQueue.objects.get().state == "queued"


def test_queue_event_without_item_fails_visibly(post_delivery, farm):
    post_delivery(envelope("queue.add_item", {"user": ALEX}, farm.now))
    assert PrinterWebhookEvent.objects.get().status == "failed"

