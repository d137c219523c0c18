"""Payload shapes, field by field, against simplyprint-api.md."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.domain.events import ALL_EVENTS, REAL_EVENTS
from simulator.testing import Receiver, SimulatorClient, wait_for
from tests.simulator.conftest import register

ROW_KEYS = {"id", "sort_order", "printer", "filament", "job", "tags"}
PRINTER_KEYS = {
    "name", "state", "group", "position", "api", "ui", "ip", "public", "machine", "online",
    "region", "firmware", "spVersion", "temps", "hasPSU", "psuOn", "hasFilSensor", "filSensor",
    "filamentRetraction", "model", "hasCam", "hasQueue", "health", "unsupported", "latency",
    "outOfOrder",
}
MODEL_KEYS = {"id", "name", "brand", "bedSize", "bedType", "maxHeight", "hasHeatedBed",
              "extruders", "maxToolTemp", "maxBedTemp", "filamentWidth", "nozzleDia"}
ROW_JOB_KEYS = {"id", "uid", "state", "file", "percentage", "time", "canPreview", "layer"}
WEBHOOK_JOB_KEYS = {
    "id", "uid", "panel_url", "printer_id", "state", "file", "percentage", "time_left",
    "current_layer", "analysis", "started", "ended", "ai", "autoprint", "printer", "cost",
    "duration", "skippedObjects",
}
QUEUE_ITEM_KEYS = {
    "id", "filename", "note", "model", "printable", "type", "zipPrintable", "zipNoModel", "left",
    "printed", "filesystem_id", "for", "tags", "group", "analysis", "added", "size", "index",
    "sort_order", "user", "user_id", "custom_fields", "quota_warnings",
}
USER_KEYS = {"id", "sso", "first_name", "last_name", "avatar"}
LIST_ROW_KEYS = {
    "id", "uid", "status", "cancelReasonType", "rating", "filename", "startDate", "endDate",
    "user", "autoprint", "outsideSystem", "printer", "filament", "filUsage", "filUsageGram",
    "currentPercentage", "printTime", "cost", "queueItem", "customFields",
}
DETAILS_KEYS = {
    "id", "state", "file", "percentage", "time", "layer", "started", "created", "ended",
    "currentTime", "cost", "failedReason", "cancelInfo", "rating", "outsideSystem", "canPreview",
    "printer", "filament", "spools", "pauses", "pictures", "notificationsSent", "ai",
    "analysis", "notifications", "customFields",
}


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] is True
    assert "message" in body
    return body


def _busy_printer(sim: SimulatorClient) -> dict[str, Any]:
    rows = _ok(sim.api("POST", "printers/Get", json={"page_size": 100}))["data"]
    return next(r for r in rows if r["job"] and r["job"]["state"] == "printing")


def test_account_test(sim: SimulatorClient) -> None:
    assert sim.api("GET", "account/Test").json() == {
        "status": True, "message": "Your API key is valid!"}


def test_printers_get_list_and_pid(sim: SimulatorClient) -> None:
    body = _ok(sim.api("POST", "printers/Get", json={"page": 1, "page_size": 5}))
    assert body["page_amount"] == 3 and body["total"] == 12
    assert isinstance(body["data"], list) and len(body["data"]) == 5
    for row in body["data"]:
        assert set(row) == ROW_KEYS
        printer = row["printer"]
        assert set(printer) == PRINTER_KEYS
        assert set(printer["model"]) >= MODEL_KEYS
        assert set(printer["temps"]) == {"ambient", "current", "target"}
        assert set(printer["temps"]["current"]) == {"tool", "bed"}
        assert set(printer["hasQueue"]) == {"items", "fits"}
        assert set(printer["health"]) == {"usage", "temp", "memory"}
        assert printer["outOfOrder"] in (0, 1) and printer["hasCam"] in (0, 1)
        assert isinstance(printer["group"], int) and isinstance(printer["online"], bool)
        assert set(row["tags"]) == {"nozzle", "material", "custom"}
        for material in row["tags"]["material"]:
            assert set(material) == {"ext", "type", "color", "hex"}
        if row["job"] is not None:
            assert set(row["job"]) == ROW_JOB_KEYS
    assert body["data"][0]["printer"]["name"] == "MK4 Bay A-1"

    busy = _busy_printer(sim)
    one = _ok(sim.api("POST", "printers/Get", params={"pid": busy["id"]}))
    assert isinstance(one["data"], dict) and one["data"]["id"] == busy["id"]
    assert one["data"]["job"]["state"] == "printing" and one["data"]["job"]["time"] > 0
    searched = _ok(sim.api("POST", "printers/Get", json={"search": "x1c", "page_size": 100}))
    assert searched["data"] and all("X1C" in r["printer"]["name"] for r in searched["data"])


def test_printers_get_with_get_caps_page_size(make_sim: Callable[..., SimulatorClient]) -> None:
    sim = make_sim(printers=30)
    got = _ok(sim.api("GET", "printers/Get", params={"page_size": 100}))
    assert len(got["data"]) == 25 and got["page_amount"] == 2
    posted = _ok(sim.api("POST", "printers/Get", json={"page_size": 100}))
    assert len(posted["data"]) == 30 and posted["page_amount"] == 1


def test_groups(sim: SimulatorClient) -> None:
    groups = _ok(sim.api("GET", "groups/Get"))["groups"]
    assert groups[0] == {"id": 1, "name": "Bay A"} and len(groups) == 3
    qgroups = _ok(sim.api("GET", "queue/groups/Get"))
    assert qgroups["groups_exist"] is True
    assert set(qgroups["list"][0]) == {"id", "name", "virtual", "extensions", "sort_order"}


def test_job_list_and_details(sim: SimulatorClient) -> None:
    busy = _busy_printer(sim)
    sim.scenario("finish_job", printer_id=busy["id"])
    body = _ok(sim.api("POST", "jobs/GetPaginatedPrintJobs", json={"page": 1, "page_size": 100}))
    assert body["page_amount"] == 1 and body["data"]
    for row in body["data"]:
        assert set(row) == LIST_ROW_KEYS
        assert row["status"] in ("ongoing", "cancelled", "failed", "done")
        assert isinstance(json.loads(row["filament"]), dict)
        datetime.fromisoformat(row["startDate"])
        assert set(row["cost"]) == {"estimate", "total_cost", "lines"}
    done = _ok(sim.api("POST", "jobs/GetPaginatedPrintJobs",
                       json={"accepted_statuses": ["finished"]}))["data"]
    assert [r["status"] for r in done] == ["done"]
    assert done[0]["endDate"] is not None and done[0]["currentPercentage"] == 100
    ongoing = _ok(sim.api("POST", "jobs/GetPaginatedPrintJobs",
                          json={"accepted_statuses": ["ongoing"], "printer_ids": [busy["id"]]}))
    assert ongoing["data"] == []
    dated = _ok(sim.api("POST", "jobs/GetPaginatedPrintJobs",
                        json={"start_date": "2026-01-02", "end_date": "2026-01-03"}))
    assert dated["data"] == []

    details = _ok(sim.api("GET", "jobs/GetDetails", params={"id": done[0]["uid"]}))["job"]
    assert set(details) >= DETAILS_KEYS
    # A finished job is "completed" where SimplyPrint's published samples show it.
    assert details["state"] == "completed" and details["percentage"] == 100
    assert set(details["printer"]) == {"id", "name", "extruders", "image", "deleted"}


def test_queue_shapes(sim: SimulatorClient) -> None:
    legacy = _ok(sim.api("GET", "queue/GetItems", params={"groups": ""}))
    assert set(legacy["queue"]) == {"fits", "items", "done_items"}
    assert legacy["groups"][0]["name"] == "Production"
    item = legacy["queue"]["items"][0]
    assert set(item) >= QUEUE_ITEM_KEYS
    assert set(item["for"]) == {"printers", "models", "groups"}
    assert {"estimate", "slicer", "filament"} <= set(item["analysis"])
    assert isinstance(item["amount"], int)
    plain = _ok(sim.api("GET", "queue/GetItems"))
    assert set(plain["queue"]) == {"fits", "items"} and "groups" not in plain
    for_printer = _ok(sim.api("GET", "queue/GetItems", params={"p": 1}))
    assert isinstance(for_printer["queue"]["fits"], bool)

    filtered = _ok(sim.api("POST", "queue/GetItems", json={"page": 1, "page_size": 5, "gid": 1}))
    assert isinstance(filtered["queue"], list) and filtered["page"] == 1
    assert {"total", "page_amount"} <= set(filtered)
    assert all(i["group"] == 1 for i in filtered["queue"])

    one = _ok(sim.api("GET", "queue/GetItem", params={"id": item["id"]}))["item"]
    assert one["id"] == item["id"] and set(one) >= QUEUE_ITEM_KEYS


def test_queue_mutations(sim: SimulatorClient) -> None:
    created = _ok(sim.api("POST", "queue/AddItem", json={
        "fileId": "ab" * 32, "amount": 3, "group": 2, "for_printers": "1,2",
        "for_models": "304", "position": "top"}))
    item_id = created["created_id"]
    item = _ok(sim.api("GET", "queue/GetItem", params={"id": item_id}))["item"]
    assert item["left"] == 3 and item["for"] == {"printers": [1, 2], "models": [304],
                                                  "groups": None}
    _ok(sim.api("POST", "queue/UpdateItem", params={"job": item_id},
                json={"amount": 4, "note": "rush"}))
    item = _ok(sim.api("GET", "queue/GetItem", params={"id": item_id}))["item"]
    assert (item["amount"], item["left"], item["note"]) == (4, 4, "rush")
    moved = sim.api("GET", "queue/SetOrder", params={"job": item_id, "from": 1, "to": 3}).json()
    assert moved == {"success": True, "message": None}
    _ok(sim.api("POST", "queue/DeleteItem", params={"job": item_id}))
    assert sim.api("GET", "queue/GetItem", params={"id": item_id}).status_code == 400
    _ok(sim.api("POST", "queue/EmptyQueue", json={"group": 2}))
    left = _ok(sim.api("POST", "queue/GetItems", json={"gid": 2}))["queue"]
    assert [i for i in left if i["printed"] == 0 and i["left"] == i["amount"]] == []


def test_webhook_records(sim: SimulatorClient, receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    created = _ok(sim.api("POST", "webhooks/Create", json={
        "name": "printfarm", "url": url, "events": ["job.started"], "secret": "x"}))["webhook"]
    assert set(created) == {"id", "name", "description", "url", "secret", "enabled", "events",
                            "created_by", "company"}
    assert isinstance(created["created_by"], str) and created["enabled"] is False
    record = _ok(sim.api("GET", "webhooks/Get"))["data"][0]
    assert set(record) == {"id", "name", "url", "created_by", "events", "secret", "enabled",
                           "oauth_client_id", "created_at", "updated_at"}
    assert set(record["created_by"]) == {"id", "first_name", "last_name", "avatar"}
    datetime.fromisoformat(record["created_at"])
    updated = _ok(sim.api("POST", "webhooks/Create", json={
        "id": created["id"], "name": "renamed", "url": url, "events": ["job.done"],
        "enabled": True}))["webhook"]
    assert updated["id"] == created["id"] and updated["enabled"] is True
    assert len(_ok(sim.api("GET", "webhooks/Get"))["data"]) == 1
    _ok(sim.api("POST", "webhooks/SetEnabled", json={"id": created["id"], "enabled": False}))
    assert _ok(sim.api("GET", "webhooks/Get"))["data"][0]["enabled"] is False
    _ok(sim.api("POST", "webhooks/Delete", json={"id": created["id"]}))
    assert _ok(sim.api("GET", "webhooks/Get"))["data"] == []


def test_envelope_and_data_shapes(sim: SimulatorClient, receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    register(sim, url, list(REAL_EVENTS))
    sim.control(natural=False)
    sim.scenario("set_autoprint", printer_id=1, state="disabled")
    sim.scenario("set_autoprint", printer_id=2, state="disabled")
    for pid in (1, 2):
        state = sim.state()["printers"][pid - 1]
        if state["job"] and state["job"]["state"] == "printing":
            sim.scenario("cancel_job", printer_id=pid)
        sim.scenario("clear_bed", printer_id=pid)
    added = sim.scenario("add_queue_item", filename="part.gcode", for_printers=[1],
                           estimate=600)
    started = sim.scenario("start_job", printer_id=1, queue_item_id=added["queue_item"]["id"])
    sim.scenario("start_job", printer_id=2, file="x.gcode", estimate=600)
    sim.scenario("pause_job", printer_id=1)
    sim.scenario("resume_job", printer_id=1)
    sim.scenario("skip_objects", printer_id=1, objects=[2])
    sim.scenario("ai_failure", printer_id=2)
    sim.scenario("fail_job", printer_id=2)
    sim.advance(3600)
    sim.scenario("clear_bed", printer_id=1, success=True)
    sim.scenario("set_nozzle", printer_id=1, nozzle=0.6)
    sim.scenario("set_material", printer_id=1)
    sim.scenario("assign_tag", printer_id=1, tag_id=3)
    sim.scenario("detach_tag", printer_id=1, tag_id=3)
    sim.scenario("set_out_of_order", printer_id=1, value=True)
    sim.scenario("assign_filament", printer_id=1)
    sim.scenario("unassign_filament", printer_id=1)
    pending = sim.scenario("add_queue_item", pending_approval=True)["queue_item"]["id"]
    _ok(sim.api("POST", "queue/approval/DenyItem", params={"jobs": pending},
                json={"comment": "no", "remove": True}))
    _ok(sim.api("POST", "queue/EmptyQueue", json={"group": 2}))

    expected = {
        "job.started": {"job", "user", "started_by"}, "job.paused": {"job"},
        "job.resumed": {"job"}, "job.done": {"job"}, "job.failed": {"job"},
        "job.bed_cleared": {"job", "printer", "user", "success"},
        "job.objects_skipped": {"job", "user"},
        "printer.ai_failure_detected": {"job", "image", "failures"},
        "printer.nozzle_size_changed": {"printer", "nozzle", "previous", "user"},
        "printer.material_changed": {"printer", "material", "user"},
        "printer.custom_tag_assigned": {"printer", "tag", "user"},
        "printer.custom_tag_detached": {"printer", "tag", "user"},
        "printer.out_of_order_state_changed": {"printer", "out_of_order", "user"},
        "printer.autoprint_state_changed": {"printer", "state", "user"},
        "filament.assigned": {"filament", "printer", "user", "replaced_spool"},
        "filament.unassigned": {"filament", "printer", "user"},
        "queue.add_item": {"queue_item", "user"},
        "queue.item_pending_approval": {"queue_item", "user"},
        "queue.item_denied": {"queue_item", "denied_by", "reason", "removed"},
        "queue.empty_queue": {"user", "group"},
    }
    wait_for(lambda: expected.keys() <= {b["event"] for b in rec.bodies()})
    for body in rec.bodies():
        assert set(body) == {"webhook_id", "event", "timestamp", "data"}
        assert isinstance(body["timestamp"], int)
        data = body["data"]
        if body["event"] in expected:
            assert set(data) == expected[body["event"]], body["event"]
        if "job" in data:
            assert set(data["job"]) == WEBHOOK_JOB_KEYS
            assert set(data["job"]["printer"]) == {"id", "name", "group"}
            assert data["job"]["state"] in ("printing", "paused", "completed", "failed",
                                            "cancelled")
        if "queue_item" in data:
            assert set(data["queue_item"]) == QUEUE_ITEM_KEYS
        for key in ("user", "started_by", "denied_by", "approved_by"):
            if key in data:
                assert set(data[key]) == USER_KEYS
        if "printer" in data and "job" not in data:
            assert set(data["printer"]) == {"id", "name"}
    by_event: dict[str, Any] = {}
    for body in rec.bodies():  # deliveries run concurrently: arrival order is not event order
        if body["data"].get("job", {}).get("printer_id", 1) == 1:
            by_event.setdefault(body["event"], body["data"])
    assert by_event["job.started"]["job"]["id"] == started["job"]["id"]
    assert by_event["job.objects_skipped"]["job"]["skippedObjects"] == [
        {"id": 2, "name": "object 2"}]
    assert by_event["job.bed_cleared"]["success"] is True
    assert by_event["printer.nozzle_size_changed"]["nozzle"] == 0.6
    assert by_event["printer.custom_tag_assigned"]["tag"] == {"id": 3, "name": "PETG only"}
    assert by_event["queue.empty_queue"]["group"] == 2
    assert by_event["queue.item_denied"]["removed"] is True
    assert by_event["job.done"]["job"]["percentage"] == 100
    ai = next(b["data"] for b in rec.bodies() if b["event"] == "printer.ai_failure_detected")
    assert ai["job"]["printer_id"] == 2 and ai["failures"][0]["type"] == "spaghetti"


def test_sample_payload(sim: SimulatorClient, receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    synthetic = _ok(sim.api("GET", "webhooks/GetSamplePayload",
                            params={"event": "job.done", "limit": 1}))["samples"]
    assert synthetic[0]["source"] == "synthetic" and synthetic[0]["webhook_id"] == 0
    assert set(synthetic[0]["data"]["job"]) == WEBHOOK_JOB_KEYS
    register(sim, url, ["job.done"])
    busy = _busy_printer(sim)
    sim.scenario("finish_job", printer_id=busy["id"])
    wait_for(lambda: rec.bodies())
    real = _ok(sim.api("GET", "webhooks/GetSamplePayload",
                       params={"event": "job.done", "limit": 5}))["samples"]
    assert real[0]["source"] == "real" and real[0]["webhook_id"] == 0
    assert {k: v for k, v in real[0].items() if k not in ("source", "webhook_id")} == {
        k: v for k, v in rec.bodies()[0].items() if k != "webhook_id"}
    for event in sorted(ALL_EVENTS):
        _ok(sim.api("GET", "webhooks/GetSamplePayload", params={"event": event}))


def test_create_job_and_actions(sim: SimulatorClient) -> None:
    sim.control(natural=False)
    rows = _ok(sim.api("POST", "printers/Get", json={"page_size": 100}))["data"]
    idle = [r["id"] for r in rows if r["job"] is None]
    busy = [r["id"] for r in rows if r["job"] and r["job"]["state"] == "printing"]
    for pid in idle:
        sim.scenario("set_autoprint", printer_id=pid, state="disabled")
    sim.scenario("cancel_job", printer_id=busy[0])
    sim.scenario("clear_bed", printer_id=busy[0])
    created = _ok(sim.api("POST", "printers/actions/CreateJob",
                          json={"pid": f"{busy[0]}", "file_id": "cd" * 32}))
    assert len(created["jobIds"]) == 1
    assert set(created["files"][0]) == {"name", "analysis", "printers", "queued", "cost"}
    pid = str(busy[0])
    _ok(sim.api("POST", "printers/actions/Pause", params={"pid": pid}))
    row = _ok(sim.api("POST", "printers/Get", params={"pid": pid}))["data"]
    assert row["printer"]["state"] == "paused" and row["job"]["id"] == created["jobIds"][0]
    assert sim.api("POST", "printers/actions/Pause", params={"pid": pid}).status_code == 400
    _ok(sim.api("POST", "printers/actions/Resume", params={"pid": pid}))
    assert sim.api("POST", "printers/actions/ClearBed", params={"pid": pid}).status_code == 400
    _ok(sim.api("POST", "printers/actions/Cancel", params={"pid": pid},
                json={"reason": 2, "comment": "oops"}))
    row = _ok(sim.api("POST", "printers/Get", params={"pid": pid}))["data"]
    assert row["printer"]["state"] == "operational" and row["job"]["state"] == "cancelled"
    again = sim.api("POST", "printers/actions/CreateJob", json={"pid": pid, "file_id": "x"})
    assert again.status_code == 400  # the bed is not cleared yet
    _ok(sim.api("POST", "printers/actions/ClearBed", params={"pid": pid}, json={"success": True}))
    assert _ok(sim.api("POST", "printers/Get", params={"pid": pid}))["data"]["job"] is None
    queued = _ok(sim.api("POST", "printers/actions/CreateJob",
                         json={"pid": pid, "next_queue_item": True}))
    assert queued["files"][0]["queued"] is True
