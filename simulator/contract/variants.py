"""Where SimplyPrint's behaviour is unknown, the alternatives: each a switch of ``SimConfig``
(set at start or through ``/_sim/control``), applied to the rendered JSON.

The defaults follow what SimplyPrint's own integrations publish (a finished job's ``state`` is
``completed``, ``skippedObjects`` are objects, a delivery's ``queue_item.tags`` is a list or
null); the other values are the alternatives nobody has ruled out, so that the service's tests
can run against each and a guess of the service can never be confirmed by construction.
"""

from __future__ import annotations

from typing import Any

from simulator.config import SimConfig
from simulator.domain.catalog import QUEUE_GROUPS

#: States of a job that is still the printer's job (printers/Get keeps it while these last).
ACTIVE_JOB_STATES = ("printing", "paused")

#: ``shapes=unexpected_keys``: the undocumented events carry their facts under other names.
UNEXPECTED_KEYS: dict[str, dict[str, str]] = {
    "printer.autoprint_state_changed": {"state": "autoprint_state"},
    "printer.nozzle_size_changed": {"nozzle": "nozzle_diameter"},
    "printer.material_changed": {"material": "materials_list"},
    "printer.custom_tag_assigned": {"tag": "custom_tag"},
    "printer.custom_tag_detached": {"tag": "custom_tag"},
    "printer.out_of_order_state_changed": {"out_of_order": "value"},
    "job.bed_cleared": {"job": "print_job", "success": "cleared_ok"},
    "queue.revive_item": {"queue_item": "item"},
    "queue.empty_queue": {"group": "queue_group"},
}
#: ``shapes=missing_keys``: the undocumented events lack the fact they announce.
MISSING_KEYS: dict[str, tuple[str, ...]] = {
    "printer.autoprint_state_changed": ("state",),
    "printer.nozzle_size_changed": ("nozzle", "previous"),
    "printer.material_changed": ("material",),
    "printer.custom_tag_assigned": ("tag",),
    "printer.custom_tag_detached": ("tag",),
    "printer.out_of_order_state_changed": ("out_of_order",),
    "job.bed_cleared": ("job",),
    "queue.empty_queue": ("group",),
}


def _job(job: dict[str, Any], config: SimConfig) -> dict[str, Any]:
    job = dict(job)
    if job.get("state") == "done":
        job["state"] = config.job_done_state
    skipped = job.get("skippedObjects")
    if isinstance(skipped, list) and config.skipped_objects == "objects":
        job["skippedObjects"] = [{"id": n, "name": f"object {n}"} for n in skipped]
    return job


def _empty_queue_group(group: Any, config: SimConfig) -> Any:
    if config.empty_queue_group == "id" or not isinstance(group, int):
        return group
    if group == 0:
        return None
    if config.empty_queue_group == "object":
        name = next((g["name"] for g in QUEUE_GROUPS if g["id"] == group), "")
        return {"id": group, "name": name}
    return group


def _shape(event: str, data: dict[str, Any], config: SimConfig) -> dict[str, Any]:
    if config.shapes == "unexpected_keys":
        if event == "job.objects_skipped" and isinstance(data.get("job"), dict):
            job = dict(data["job"])
            job["skipped_objects"] = job.pop("skippedObjects", None)
            data = {**data, "job": job}
        renames = UNEXPECTED_KEYS.get(event)
        if renames is not None or event == "job.objects_skipped":
            data = {(renames or {}).get(k, k): v for k, v in data.items()}
            data["extra"] = {"unexpected": True}
    elif config.shapes == "missing_keys":
        if event == "job.objects_skipped" and isinstance(data.get("job"), dict):
            data = {**data, "job": {k: v for k, v in data["job"].items()
                                    if k != "skippedObjects"}}
        elif event == "queue.revive_item" and isinstance(data.get("queue_item"), dict):
            item_id = data["queue_item"].get("id")
            data = {**{k: v for k, v in data.items() if k != "queue_item"},
                    "queue_item_id": item_id}
        data = {k: v for k, v in data.items() if k not in MISSING_KEYS.get(event, ())}
    return data


def delivery(event: str, data: dict[str, Any], config: SimConfig) -> Any:
    """A delivery's ``data`` as the switches say SimplyPrint sends it."""
    if isinstance(data.get("job"), dict):
        data = {**data, "job": _job(data["job"], config)}
    if isinstance(data.get("queue_item"), dict):
        tags = data["queue_item"].get("tags")
        custom = tags.get("custom") if isinstance(tags, dict) else None
        data = {**data, "queue_item": {**data["queue_item"],
                                       "tags": list(custom) if custom else None}}
    if event == "queue.empty_queue" and "group" in data:
        data = {**data, "group": _empty_queue_group(data["group"], config)}
    data = _shape(event, data, config)
    return empty_as_list(data) if config.empty_as_list else data


def answer(endpoint: str, payload: dict[str, Any], config: SimConfig) -> dict[str, Any]:
    """An API answer as the switches say SimplyPrint gives it."""
    if endpoint == "printers/Get":
        data = payload.get("data")
        rows = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        for row in rows:
            job = row.get("job")
            if not isinstance(job, dict):
                continue
            if config.last_job == "drop" and job.get("state") not in ACTIVE_JOB_STATES:
                row["job"] = None
            elif job.get("state") == "done":
                row["job"] = {**job, "state": config.job_done_state}
    elif endpoint == "jobs/GetDetails" and isinstance(payload.get("job"), dict):
        payload = {**payload, "job": _job(payload["job"], config)}
    return empty_as_list(payload) if config.empty_as_list else payload


def empty_as_list(value: Any) -> Any:
    """Every empty object as ``[]``, as PHP's ``json_encode`` writes an empty array."""
    if isinstance(value, dict):
        return [] if not value else {k: empty_as_list(v) for k, v in value.items()}
    if isinstance(value, list):
        return [empty_as_list(v) for v in value]
    return value
