"""JSON shapes exactly as ``simplyprint-api.md`` documents them (section numbers in docstrings).

Every function builds fresh dicts, so a payload never aliases farm state.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from simulator.domain.catalog import DONE_ITEM_TTL, MATERIAL_TYPES, MODELS
from simulator.domain.events import ALL_EVENTS
from simulator.domain.farm import Farm
from simulator.domain.model import FarmEvent, Job, Printer, QueueItem, Spool, User, Webhook

COMPANY_NAME = "Simulated Print Farm"
QUOTA_WARNINGS = {"over_quota": False, "insufficient_balance": False, "would_exceed": [],
                  "details": []}


def iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(int(t), UTC).isoformat(timespec="seconds")


def user(u: User) -> dict[str, Any]:
    """``user``/``started_by``/``approved_by``/``denied_by`` (9.6)."""
    return {"id": u.id, "sso": u.sso, "first_name": u.first_name, "last_name": u.last_name,
            "avatar": u.avatar}


def printer_short(p: Printer) -> dict[str, Any]:
    return {"id": p.id, "name": p.name}


def job(farm: Farm, j: Job) -> dict[str, Any]:
    """The webhook ``job`` object (9.6, 10.2)."""
    p = farm.printers[j.printer_id]
    group = ({"id": p.group_id, "name": farm.groups[p.group_id]}
             if p.group_id in farm.groups else None)
    return {
        "id": j.id, "uid": j.uid, "panel_url": f"https://simplyprint.io/panel/{j.id}",
        "printer_id": p.id, "state": j.state, "file": j.file,
        "percentage": j.percentage(farm.now), "time_left": j.time_left(farm.now),
        "current_layer": j.layer(farm.now), "analysis": dict(j.analysis),
        "started": int(j.started), "ended": None if j.ended is None else int(j.ended),
        "ai": None if j.ai is None else dict(j.ai), "autoprint": j.autoprint,
        "printer": {"id": p.id, "name": p.name, "group": group},
        "cost": j.cost, "duration": j.elapsed(farm.now),
        "skippedObjects": None if j.skipped_objects is None else list(j.skipped_objects),
    }


def _for(item: QueueItem) -> dict[str, Any]:
    def copy(values: list[int] | None) -> list[int] | None:
        return None if values is None else list(values)
    return {"printers": copy(item.for_printers), "models": copy(item.for_models),
            "groups": copy(item.for_groups)}


def queue_item(farm: Farm, item: QueueItem) -> dict[str, Any]:
    """The webhook ``queue_item`` (7.1, 10.4), key for key as the verified sample."""
    return {
        "id": item.id, "filename": item.filename, "note": item.note, "model": False,
        "printable": True, "type": "printable", "zipPrintable": False, "zipNoModel": None,
        "left": item.left, "printed": item.printed, "filesystem_id": item.filesystem_id,
        "for": _for(item), "tags": None if item.tags is None else dict(item.tags),
        "group": item.group, "analysis": json.loads(json.dumps(item.analysis)),
        "added": iso(item.added), "size": item.size, "index": None,
        "sort_order": item.sort_order, "user": farm.user(item.user_id).name,
        "user_id": item.user_id, "custom_fields": [], "quota_warnings": dict(QUOTA_WARNINGS),
    }


def queue_item_api(farm: Farm, item: QueueItem, index: int | None = None) -> dict[str, Any]:
    """A queue item in API answers: the webhook shape plus ``amount``, ``customFields``, ``index``
    and, for done items, ``ongoing``/``done``/``expires`` (7.1)."""
    data = queue_item(farm, item)
    data.update(amount=item.amount, customFields=[], index=index)
    if item.is_done:
        ongoing = farm.ongoing(item)
        data.update(ongoing=ongoing, done=None if ongoing else iso(item.done_at),
                    expires=None if ongoing or item.done_at is None
                    else iso(item.done_at + DONE_ITEM_TTL))
    return data


def filament(spool: Spool) -> dict[str, Any]:
    """A spool (9.6 ``filament``)."""
    return {"id": spool.id, "uid": spool.uid,
            "type": {"id": spool.type_id, "name": MATERIAL_TYPES.get(spool.type_id, "PLA")},
            "brand": "Prusament", "brandId": 3, "brandFilamentId": 11, "brandColorId": 42,
            "brandVariantId": None, "colorName": spool.color, "colorHex": spool.hex, "dia": 1.75,
            "note": None, "productionId": None, "batchId": None, "cost": 24.99}


def printer_row(farm: Farm, p: Printer, queue_fit_count: int) -> dict[str, Any]:
    """One ``printers/Get`` row (5.1, 10.1)."""
    state = farm.printer_state(p)
    j = farm.current_job(p)
    busy = j is not None and j.active
    tool, bed = (215.0, 60.0) if busy else (0.0, 0.0)
    job_row = None
    if j is not None and (j.active or not p.bed_clear):  # the last job shows until cleared
        time_ = j.time_left(farm.now)
        if time_ is None:
            time_ = int(farm.now - (j.ended or farm.now))
        job_row = {"id": j.id, "uid": j.uid, "state": j.state, "file": j.file,
                   "percentage": j.percentage(farm.now), "time": time_, "canPreview": True,
                   "layer": j.layer(farm.now)}
    return {
        "id": p.id,
        "sort_order": p.id,
        "printer": {
            "name": p.name, "state": state, "group": p.group_id, "position": p.position,
            "api": "OctoPrint" if p.model_id == 304 else "Bambu", "ui": "OctoPrint",
            "ip": p.ip, "public": 0, "machine": "Raspberry Pi 4 Model B Rev 1.2",
            "online": p.online, "region": "eu-west-2", "firmware": "Prusa-Firmware 6.1.3",
            "spVersion": "4.0.5",
            "temps": {"ambient": 23,
                      "current": {"tool": [tool - 0.2 if busy else 24.1],
                                  "bed": bed - 0.4 if busy else 23.0},
                      "target": {"tool": [tool], "bed": bed}},
            "hasPSU": 0, "psuOn": False, "hasFilSensor": True, "filSensor": True,
            "filamentRetraction": 250,
            "model": dict(MODELS[p.model_id]),
            "hasCam": int(p.has_cam),
            "hasQueue": {"items": queue_fit_count, "fits": queue_fit_count > 0},
            "health": {"usage": 24 if busy else 3, "temp": 61 if busy else 48, "memory": 19},
            "unsupported": 0, "latency": 42 if p.online else None,
            "outOfOrder": int(p.out_of_order),
        },
        "filament": None if p.filament is None else filament(p.filament),
        "job": job_row,
        "tags": {"nozzle": p.nozzle, "material": [dict(m) for m in p.material],
                 "custom": list(p.custom_tags)},
    }


LIST_STATUS = {"printing": "ongoing", "paused": "ongoing", "done": "done", "failed": "failed",
               "cancelled": "cancelled"}


def job_list_row(farm: Farm, j: Job) -> dict[str, Any]:
    """One ``jobs/GetPaginatedPrintJobs`` row (6.1)."""
    usage = round(sum(j.analysis.get("filament", [0])) * j.percentage(farm.now) / 100)
    item = farm.queue.get(j.queue_item_id) if j.queue_item_id is not None else None
    return {
        "id": j.id, "uid": j.uid, "status": LIST_STATUS[j.state],
        "cancelReasonType": None if j.cancel_reason is None else str(j.cancel_reason),
        "rating": j.rating, "filename": j.file, "startDate": iso(j.started),
        "endDate": iso(j.ended), "user": j.user_id, "autoprint": j.autoprint,
        "outsideSystem": False, "printer": j.printer_id,
        "filament": json.dumps({"e0": {"usage": usage}}),
        "filUsage": usage, "filUsageGram": round(usage * 0.00298),
        "currentPercentage": j.percentage(farm.now),
        "printTime": int(j.printed(j.ended if j.ended is not None else farm.now)),
        "cost": {"estimate": j.active, "total_cost": j.cost,
                 "lines": [{"id": 1, "label": "Material usage", "cost": j.cost}]},
        "queueItem": None if item is None else {"id": item.id, "user": item.user_id,
                                                 "queueNum": item.sort_order},
        "customFields": [],
    }


CANCEL_REASONS = {1: "Print failed", 2: "Regretted print", 3: "No filament extruded / nozzle clog",
                  4: "Fell off the plate", 5: "Not enough filament", 6: "Other"}


def job_details(farm: Farm, j: Job) -> dict[str, Any]:
    """``jobs/GetDetails`` ``job`` (6.2). ``started``/``created``/``ended`` are Unix seconds."""
    p = farm.printers[j.printer_id]
    time_ = j.time_left(farm.now)
    cancel_info = None
    if j.state == "cancelled":
        by = farm.user(j.cancelled_by)
        cancel_info = {"reason": CANCEL_REASONS.get(j.cancel_reason or 6, "Other"),
                       "comment": j.cancel_comment, "by": by.name,
                       "byOther": int(by.id != j.user_id)}
    return {
        "id": j.id, "uid": j.uid, "state": j.state, "file": j.file,
        "percentage": j.percentage(farm.now),
        "time": time_ if time_ is not None else int(farm.now - (j.ended or farm.now)),
        "layer": j.layer(farm.now), "started": int(j.started), "created": int(j.started),
        "ended": None if j.ended is None else int(j.ended), "currentTime": int(farm.now),
        "cost": j.cost, "failedReason": j.failed_reason, "cancelInfo": cancel_info,
        "rating": j.rating, "outsideSystem": False, "canPreview": True,
        "printer": {"id": p.id, "name": p.name, "extruders": MODELS[p.model_id]["extruders"],
                    "image": MODELS[p.model_id]["image"], "deleted": 0},
        "filament": [], "spools": [] if p.filament is None else [filament(p.filament)],
        "pauses": [dict(x) for x in j.pauses], "pictures": [], "notificationsSent": [],
        "ai": [] if j.ai is None else [j.ai["confidence"]],
        "analysis": dict(j.analysis), "notifications": {}, "customFields": {},
    }


def webhook_record(farm: Farm, hook: Webhook) -> dict[str, Any]:
    """A ``webhooks/Get`` record (8.1): ``created_by`` is an object."""
    creator = farm.user(hook.created_by)
    return {"id": hook.id, "name": hook.name, "url": hook.url,
            "created_by": {"id": creator.id, "first_name": creator.first_name,
                           "last_name": creator.last_name, "avatar": creator.avatar},
            "events": list(hook.events), "secret": hook.secret, "enabled": hook.enabled,
            "oauth_client_id": None, "created_at": iso(hook.created_at),
            "updated_at": iso(hook.updated_at)}


def webhook_created(farm: Farm, hook: Webhook) -> dict[str, Any]:
    """The ``webhooks/Create`` ``webhook`` (8.2): ``created_by`` and ``company`` are strings."""
    return {"id": hook.id, "name": hook.name, "description": hook.description, "url": hook.url,
            "secret": hook.secret, "enabled": hook.enabled, "events": list(hook.events),
            "created_by": farm.user(hook.created_by).name, "company": COMPANY_NAME}


def _render(farm: Farm, value: Any) -> Any:
    if isinstance(value, Job):
        return job(farm, value)
    if isinstance(value, User):
        return user(value)
    if isinstance(value, Printer):
        return printer_short(value)
    if isinstance(value, QueueItem):
        return queue_item(farm, value)
    if isinstance(value, Spool):
        return filament(value)
    if isinstance(value, list):
        return [_render(farm, v) for v in value]
    if isinstance(value, dict):
        return {k: _render(farm, v) for k, v in value.items()}
    return value


def event_data(farm: Farm, event: FarmEvent) -> dict[str, Any]:
    """A webhook's ``data`` for a farm event, rendered now (its facts are live objects): each fact
    under its own key, records in their webhook shape, plain values copied."""
    return {key: _render(farm, value) for key, value in event.facts.items()}


def envelope(webhook_id: int, event: str, timestamp: int, data: Any) -> dict[str, Any]:
    """A delivery body (9.2)."""
    return {"webhook_id": webhook_id, "event": event, "timestamp": timestamp, "data": data}


def synthetic_data(farm: Farm, event: str) -> dict[str, Any]:
    """A made-up ``data`` for ``GetSamplePayload`` when no real delivery of ``event`` exists."""
    assert event in ALL_EVENTS
    p = next(iter(farm.printers.values()))
    u = user(farm.user(None))
    some_job = next(reversed(farm.jobs.values()), None)
    j = job(farm, some_job) if some_job is not None else None
    item = next(iter(farm.queue.values()), None)
    qi = queue_item(farm, item) if item is not None else None
    short = printer_short(p)
    spool = filament(Spool.of(0, "0000000000", p.material[0] if p.material else {}))
    by_event: dict[str, dict[str, Any]] = {
        "job.started": {"job": j, "user": u, "started_by": u},
        "job.cancelled": {"job": j, "user": u},
        "job.bed_cleared": {"job": j, "printer": short, "user": u, "success": True},
        "job.objects_skipped": {"job": j, "user": u},
        "printer.autoprint_state_changed": {"printer": short, "state": p.autoprint, "user": u},
        "printer.nozzle_size_changed": {"printer": short, "nozzle": p.nozzle,
                                        "previous": p.nozzle, "user": u},
        "printer.material_changed": {"printer": short, "material": p.material, "user": u},
        "printer.custom_tag_assigned": {"printer": short, "tag": {"id": 3, "name": "PETG only"},
                                        "user": u},
        "printer.custom_tag_detached": {"printer": short, "tag": {"id": 3, "name": "PETG only"},
                                        "user": u},
        "printer.out_of_order_state_changed": {"printer": short, "out_of_order": False,
                                               "user": u},
        "printer.ai_failure_detected": {"job": j, "image": "https://cdn.simplyprint.io/ai/0.jpg",
                                        "failures": [{"confidence": 0.92, "type": "spaghetti"}]},
        "queue.item_approved": {"queue_item": qi, "approved_by": u},
        "queue.item_denied": {"queue_item": qi, "denied_by": u, "reason": "", "removed": False},
        "queue.empty_queue": {"user": u, "group": 0},
        "filament.assigned": {"filament": spool, "printer": short, "user": u,
                              "replaced_spool": None},
        "filament.unassigned": {"filament": spool, "printer": short, "user": u},
        "test": {},
    }
    if event in by_event:
        return by_event[event]
    if event.startswith("job."):
        return {"job": j}
    if event.startswith("queue."):
        return {"queue_item": qi, "user": u}
    return {}
