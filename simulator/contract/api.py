"""The documented SimplyPrint API subset: one handler per endpoint path, registered in ``ROUTES``.

Each handler reads every parameter from the one place the contract gives (``call.query`` = Q,
``call.body`` = B); a parameter sent in the other place is simply not seen.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from simulator.config import SimConfig
from simulator.contract import payloads, variants
from simulator.contract.params import (
    INVALID_ENUM,
    ApiError,
    as_int,
    farm_call,
    int_list,
    invalid,
    ok,
    opt_bool,
    opt_ids,
    opt_int,
    opt_str,
    req_ids,
    req_int,
)
from simulator.domain.catalog import CUSTOM_TAGS, QUEUE_GROUPS
from simulator.domain.events import ALL_EVENTS
from simulator.domain.farm import Farm
from simulator.domain.model import Printer


class Outbox(Protocol):
    """What the webhook endpoints need from the sender (``simulator.delivery``)."""

    @property
    def samples(self) -> Mapping[str, Iterable[dict[str, Any]]]:
        """The last bodies first sent per event name, newest first."""
        ...

    def submit(self, webhook_id: int, url: str, secret: str | None,
               body: dict[str, Any]) -> object: ...


@dataclass
class Call:
    """One API request as a handler sees it, with the farm it acts on and the webhook outbox."""

    method: str
    query: Mapping[str, str]
    body: dict[str, Any]
    farm: Farm
    outbox: Outbox
    config: SimConfig


Handler = Callable[[Call], dict[str, Any]]
ROUTES: dict[str, tuple[frozenset[str], Handler]] = {}


def route(path: str, *methods: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES[path] = (frozenset(methods), handler)
        return handler
    return register


def paginate(rows: list[Any], page: int, page_size: int) -> tuple[list[Any], int]:
    page_amount = max(1, math.ceil(len(rows) / page_size))
    start = (page - 1) * page_size
    return rows[start:start + page_size], page_amount


# ---------------------------------------------------------------------- account & printers

@route("account/Test", "GET")
def account_test(call: Call) -> dict[str, Any]:
    return {"status": True, "message": "Your API key is valid!"}


#: Answered under company 0 too, as SimplyPrint's integrations call it (``/0/account/GetUser``).
ACCOUNT_LEVEL = frozenset({"account/GetUser"})


@route("account/GetUser", "GET")
def account_get_user(call: Call) -> dict[str, Any]:
    """The key's user, and (``getuser_company``) its company: N8N says the answer was patched
    to carry ``company`` for OAuth callers; for an API key it is not known."""
    user = call.farm.user(call.farm.api_user_id)
    answer = ok(user={"id": user.id, "name": user.name,
                      "email": f"{user.first_name.lower()}@example.com"})
    if call.config.getuser_company:
        answer["company"] = {"id": call.farm.company_id, "name": payloads.COMPANY_NAME}
    return answer


@route("tags/Get", "GET")
def tags_get(call: Call) -> dict[str, Any]:
    """Custom tags; without any, ``status: false`` and a message (an empty result, per both
    integrations)."""
    if not call.config.custom_tags:
        raise ApiError(200, "You have no custom tags yet")
    return ok(tags=[{"id": tag_id, "name": name, "color": None}
                    for tag_id, name in CUSTOM_TAGS.items()])


def _fit_count(call: Call, printer: Printer) -> int:
    farm = call.farm
    return sum(1 for item in farm.active_items()
               if item.approval == "approved" and farm.fits(item, printer))


@route("printers/Get", "GET", "POST")
def printers_get(call: Call) -> dict[str, Any]:
    farm = call.farm
    if "pid" in call.query:
        printer = farm_call(farm.printer, req_int(call.query, "pid"))
        return ok(page_amount=1, total=1,
                  data=payloads.printer_row(farm, printer, _fit_count(call, printer)))
    src: Mapping[str, Any] = call.body if call.method == "POST" else call.query
    page = opt_int(src, "page", 1, low=1)
    page_size = opt_int(src, "page_size", 10, low=1, high=100)
    assert page is not None and page_size is not None
    if call.method == "GET":
        page_size = min(page_size, 25)
    search = (opt_str(src, "search") or "").strip().lower()
    printers = [p for p in farm.printers.values() if search in p.name.lower()]
    rows, page_amount = paginate(printers, page, page_size)
    return ok(page_amount=page_amount, total=len(printers),
              data=[payloads.printer_row(farm, p, _fit_count(call, p)) for p in rows])


@route("groups/Get", "GET")
def groups_get(call: Call) -> dict[str, Any]:
    return ok(groups=[{"id": gid, "name": name} for gid, name in call.farm.groups.items()])


@route("printers/actions/CreateJob", "POST")
def create_job(call: Call) -> dict[str, Any]:
    farm, body = call.farm, call.body
    pids = req_ids(body, "pid")
    plan: list[tuple[int, dict[str, Any]]] = []
    if isinstance(body.get("multi_queue"), dict) and body["multi_queue"]:
        for item_id, targets in body["multi_queue"].items():
            qid = as_int("multi_queue", item_id)
            plan += [(pid, {"queue_item_id": qid}) for pid in int_list("multi_queue", targets)]
    elif body.get("queue_file") is not None:
        qid = as_int("queue_file", body["queue_file"])
        plan = [(pid, {"queue_item_id": qid}) for pid in pids]
    elif body.get("file_id") or body.get("filesystem"):
        file_ref = opt_str(body, "file_id") or opt_str(body, "filesystem") or ""
        plan = [(pid, {"file": f"file_{file_ref[:8]}.gcode"}) for pid in pids]
    elif opt_bool(body, "next_queue_item", False):
        plan = [(pid, {"next_queue_item": True}) for pid in pids]
    else:
        raise invalid("filesystem", "One of filesystem, queue_file, file_id, next_queue_item "
                      "or multi_queue is required")
    # Check everything first so that a refused request starts nothing.
    if len({pid for pid, _ in plan}) != len(plan):
        raise invalid("pid", "A printer can only take one job")
    for pid, _ in plan:
        printer = farm_call(farm.printer, pid)
        if not farm.can_start(printer) or printer.out_of_order:
            raise ApiError(400, f"Printer {printer.name} is not operational")
    copies = Counter(kw["queue_item_id"] for _, kw in plan if "queue_item_id" in kw)
    for item_id, count in copies.items():
        item = farm_call(farm.item, item_id)
        if item.approval != "approved" or item.left < count:
            raise invalid("queue_file", f"Queue item {item_id} has {item.left} copies left")
    if any(kw.get("next_queue_item") for _, kw in plan):
        _print_farm(call)
    jobs = [farm_call(farm.start_job, pid, user_id=farm.api_user_id, **kw) for pid, kw in plan]
    files: dict[str, dict[str, Any]] = {}
    for job in jobs:
        entry = files.setdefault(job.file, {
            "name": job.file, "analysis": dict(job.analysis), "printers": [],
            "queued": job.queue_item_id is not None,
            "cost": [{"estimate": True, "total_cost": job.cost,
                      "lines": [{"id": 1, "label": "Material usage", "cost": job.cost}]}]})
        entry["printers"].append(job.printer_id)
    # The key of the new job ids is an unknown (the switch ``create_job_ids``).
    return ok(files=list(files.values()),
              **{farm.rules.create_job_ids: [job.id for job in jobs]})


#: How a Pro account (no Print Farm plan) is answered by the queue's write endpoints.
PLAN_REFUSAL = "Your plan does not include this feature: it needs the Print Farm plan"


def _print_farm(call: Call) -> None:
    if not call.farm.rules.print_farm_plan:
        raise ApiError(403, PLAN_REFUSAL)


def _action(call: Call, states: tuple[str, ...], apply: Callable[[int], Any],
            check: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """A printer action on every printer of ``pid``: all are checked before any is changed,
    so a refused request changes nothing."""
    pids = req_ids(call.query, "pid")
    for pid in pids:
        _, job = farm_call(call.farm.require_job, pid, states)
        if check is not None:
            check(job)
    for pid in pids:
        farm_call(apply, pid)
    return ok()


@route("printers/actions/Pause", "POST")
def pause(call: Call) -> dict[str, Any]:
    return _action(call, ("printing",),
                   lambda pid: call.farm.pause_job(pid, user_id=call.farm.api_user_id))


@route("printers/actions/Resume", "POST")
def resume(call: Call) -> dict[str, Any]:
    return _action(call, ("paused",),
                   lambda pid: call.farm.resume_job(pid, user_id=call.farm.api_user_id))


@route("printers/actions/Cancel", "POST")
def cancel(call: Call) -> dict[str, Any]:
    farm = call.farm
    reason = opt_int(call.body, "reason")
    if reason is None and farm.rules.cancel_reason == "required":
        raise invalid("reason", "This field is required")
    if reason is not None and not 1 <= reason <= 6:
        raise invalid("reason", INVALID_ENUM)
    comment = opt_str(call.body, "comment", max_len=500) or ""

    def others(job: Any) -> None:
        if not farm.rules.cancel_others and job.user_id != farm.api_user_id:
            raise ApiError(403, "You don't have permission to cancel prints started by "
                                "other users")

    return _action(call, ("printing", "paused"), lambda pid: farm.cancel_job(
        pid, user_id=farm.api_user_id, reason=reason, comment=comment), others)


@route("printers/actions/ClearBed", "POST")
def clear_bed(call: Call) -> dict[str, Any]:
    farm = call.farm
    pids = req_ids(call.query, "pid")
    success = opt_bool(call.body, "success", False)
    rating = opt_int(call.body, "rating")
    for pid in pids:
        printer = farm_call(farm.printer, pid)
        if farm.active_job(printer) is not None:
            raise ApiError(400, f"Printer {printer.name} must be operational or offline")
        if printer.bed_clear and farm.rules.clear_bed_when_clear == "refuse":
            raise ApiError(400, f"Printer {printer.name} has no bed to clear")
    for pid in pids:
        farm.clear_bed(pid, success=success, rating=rating, user_id=farm.api_user_id)
    return ok()


# ---------------------------------------------------------------------- jobs

LIST_FILTER = {"ongoing": "ongoing", "cancelled": "cancelled", "failed": "failed",
               "finished": "done", "done": "done"}


def _date(field: str, value: Any, end: bool) -> float:
    """Unix seconds (number or digit string) or an ISO date/datetime."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return float(value)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise invalid(field, "Must be a Unix timestamp or an ISO date") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    bonus = 86399 if end and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)) else 0
    return parsed.timestamp() + bonus


@route("jobs/GetPaginatedPrintJobs", "POST")
def paginated_jobs(call: Call) -> dict[str, Any]:
    farm, body = call.farm, call.body
    page = opt_int(body, "page", 1, low=1)
    page_size = opt_int(body, "page_size", 25, low=1, high=100)
    assert page is not None and page_size is not None
    statuses_field = "accepted_statuses" if "accepted_statuses" in body else "status"
    raw_statuses = body.get(statuses_field)
    statuses: set[str] | None = None
    if raw_statuses not in (None, []):
        values = raw_statuses if isinstance(raw_statuses, list) else [raw_statuses]
        statuses = set()
        for i, value in enumerate(values):
            if value not in LIST_FILTER:
                raise invalid(f"{statuses_field}.{i}", INVALID_ENUM)
            statuses.add(LIST_FILTER[value])
    printer_ids = opt_ids(body, "printer_ids")
    printer_types = opt_ids(body, "printer_types")
    user_ids = opt_ids(body, "user_ids")
    start = _date("start_date", body["start_date"], False) if body.get("start_date") else None
    end = _date("end_date", body["end_date"], True) if body.get("end_date") else None
    jobs = []
    for job in sorted(farm.jobs.values(), key=lambda j: (j.started, j.id), reverse=True):
        status = payloads.LIST_STATUS[job.state]
        if statuses is not None and status not in statuses:
            continue
        if printer_ids is not None and job.printer_id not in printer_ids:
            continue
        if printer_types is not None and \
                farm.printers[job.printer_id].model_id not in printer_types:
            continue
        if user_ids is not None and job.user_id not in user_ids:
            continue
        if (start is not None and job.started < start) or (end is not None and job.started > end):
            continue
        jobs.append(job)
    rows, page_amount = paginate(jobs, page, page_size)
    return ok(data=[payloads.job_list_row(farm, j) for j in rows], page_amount=page_amount)


@route("jobs/GetDetails", "GET")
def job_details(call: Call) -> dict[str, Any]:
    uid = opt_str(call.query, "id")
    if not uid:
        raise invalid("id", "This field is required")
    job = call.farm.jobs_by_uid.get(uid)
    if job is None:
        raise invalid("id", "Print job not found")
    return ok(job=payloads.job_details(call.farm, job))


# ---------------------------------------------------------------------- queue

def _items_api(call: Call, items: list[Any]) -> list[dict[str, Any]]:
    return [payloads.queue_item_api(call.farm, item, index) for index, item in
            enumerate(items, start=1)]


@route("queue/GetItems", "GET", "POST")
def queue_get_items(call: Call) -> dict[str, Any]:
    farm = call.farm
    if call.method == "POST":
        page = opt_int(call.body, "page", 1, low=1)
        page_size = opt_int(call.body, "page_size", 100, low=1, high=100)
        gid = opt_int(call.body, "gid")
        assert page is not None and page_size is not None
        items = [i for i in farm.active_items() if i.approval != "denied"
                 and (gid is None or i.group == gid)]
        rows, page_amount = paginate(items, page, page_size)
        return ok(queue=_items_api(call, rows), total=len(items), page=page,
                  page_amount=page_amount)
    items = farm.active_items()
    if "p" in call.query:
        printer = farm_call(farm.printer, req_int(call.query, "p"))
        items = [i for i in items if farm.fits(i, printer)]
    queue: dict[str, Any] = {
        "fits": any(i.approval == "approved" for i in items), "items": _items_api(call, items)}
    payload: dict[str, Any] = {}
    if "groups" in call.query or call.query.get("done_items") in ("1", "true"):
        queue["done_items"] = _items_api(call, [i for i in farm.sorted_items() if i.is_done])
    if "groups" in call.query:
        payload["groups"] = [dict(g) for g in QUEUE_GROUPS]
    return ok(queue=queue, **payload)


@route("queue/GetItem", "GET")
def queue_get_item(call: Call) -> dict[str, Any]:
    item = farm_call(call.farm.item, req_int(call.query, "id"))
    return ok(item=payloads.queue_item_api(call.farm, item))


@route("queue/AddItem", "POST")
def queue_add_item(call: Call) -> dict[str, Any]:
    farm, body = call.farm, call.body
    _print_farm(call)
    filesystem, file_id = opt_str(body, "filesystem"), opt_str(body, "fileId")
    if not filesystem and not file_id:
        raise invalid("filesystem", "Either filesystem or fileId is required")
    amount = opt_int(body, "amount", 1, low=1, high=10000)
    group = opt_int(body, "group")
    if group is None:
        raise invalid("group", "This field is required when queue groups exist")
    if group not in {g["id"] for g in QUEUE_GROUPS}:
        raise invalid("group", "Queue group not found")
    position = str(body.get("position", "bottom"))
    if position not in ("top", "bottom") and not (position.isdigit() and int(position) >= 1):
        raise invalid("position", "Must be top, bottom or a position number")
    tags = body.get("tags") if isinstance(body.get("tags"), dict) else None
    ref = (file_id or filesystem or "")[:8]
    item = farm.add_item(
        filename=f"file_{ref}.gcode", amount=amount or 1, group=group, user_id=farm.api_user_id,
        for_printers=opt_ids(body, "for_printers") or None,
        for_models=opt_ids(body, "for_models") or None,
        for_groups=opt_ids(body, "for_groups") or None, tags=tags, position=position,
        filesystem_id=filesystem)
    return ok(created_id=item.id)


@route("queue/UpdateItem", "POST")
def queue_update_item(call: Call) -> dict[str, Any]:
    body = call.body
    _print_farm(call)
    item_id = req_int(call.query, "job")
    farm_call(call.farm.update_item, item_id, amount=opt_int(body, "amount", low=1),
              note=opt_str(body, "note"), for_printers=opt_ids(body, "for_printers"),
              for_models=opt_ids(body, "for_models"), for_groups=opt_ids(body, "for_groups"))
    return ok()


@route("queue/DeleteItem", "POST")
def queue_delete_item(call: Call) -> dict[str, Any]:
    _print_farm(call)
    field = "job" if call.query.get("job") else "jobs"
    ids = req_ids(call.query, field)
    farm_call(call.farm.delete_items, ids, user_id=call.farm.api_user_id)
    return ok()


@route("queue/SetOrder", "GET")
def queue_set_order(call: Call) -> dict[str, Any]:
    _print_farm(call)
    item_id = req_int(call.query, "job")
    req_int(call.query, "from", low=0)
    to = req_int(call.query, "to", low=0)
    # Whether positions count from 0 or 1 is an unknown (the switch ``set_order_base``).
    position = to + 1 if call.farm.rules.set_order_base == "0" else to
    farm_call(call.farm.set_order, item_id, max(1, position), user_id=call.farm.api_user_id)
    return {"success": True, "message": None}


@route("queue/MoveItem", "POST")
def queue_move_item(call: Call) -> dict[str, Any]:
    """``jobs`` (CSV) to ``moveTo``: a queue group (Activepieces) or a 0-based position
    (n8n), per the switch ``move_item``."""
    _print_farm(call)
    farm = call.farm
    ids = req_ids(call.query, "jobs")
    move_to = req_int(call.query, "moveTo", low=0)
    if farm.rules.move_item == "group":
        farm_call(farm.move_to_group, ids, move_to, user_id=farm.api_user_id)
    else:
        for item_id in ids:
            farm_call(farm.set_order, item_id, move_to + 1, user_id=farm.api_user_id)
    return ok()


@route("queue/EmptyQueue", "POST")
def queue_empty(call: Call) -> dict[str, Any]:
    _print_farm(call)
    group = opt_int(call.body, "group", 0, low=0)
    assert group is not None
    call.farm.empty_queue(group=group, done_items=opt_bool(call.body, "done_items", False),
                          user_id=call.farm.api_user_id)
    return ok()


@route("queue/ReviveItem", "POST")
def queue_revive(call: Call) -> dict[str, Any]:
    _print_farm(call)
    farm_call(call.farm.revive_item, req_int(call.query, "job"), user_id=call.farm.api_user_id)
    return ok()


@route("queue/groups/Get", "GET")
def queue_groups(call: Call) -> dict[str, Any]:
    return ok(list=[dict(g) for g in QUEUE_GROUPS], groups_exist=bool(QUEUE_GROUPS))


@route("queue/approval/GetPendingItems", "GET")
def queue_pending(call: Call) -> dict[str, Any]:
    return ok(items=_items_api(call, [i for i in call.farm.active_items()
                                      if i.approval == "pending"]))


@route("queue/approval/ApproveItem", "POST")
def queue_approve(call: Call) -> dict[str, Any]:
    _print_farm(call)
    opt_str(call.body, "comment", max_len=500)
    farm_call(call.farm.approve_items, req_ids(call.query, "jobs"),
              user_id=call.farm.api_user_id)
    return ok()


@route("queue/approval/DenyItem", "POST")
def queue_deny(call: Call) -> dict[str, Any]:
    """The item comes from ``job`` (Activepieces) or ``jobs`` (n8n): the switch
    ``deny_param`` says which this account reads (``both``: ``jobs``, else ``job``)."""
    _print_farm(call)
    rules = call.farm.rules
    field = rules.deny_param if rules.deny_param != "both" else \
        "jobs" if call.query.get("jobs") else "job"
    comment = opt_str(call.body, "comment", max_len=500) or ""
    if not comment.strip() and rules.deny_comment == "required":
        raise invalid("comment", "This field is required")
    farm_call(call.farm.deny_items, req_ids(call.query, field), user_id=call.farm.api_user_id,
              comment=comment, remove=opt_bool(call.body, "remove", False))
    return ok()


# ---------------------------------------------------------------------- webhooks

@route("webhooks/Get", "GET")
def webhooks_get(call: Call) -> dict[str, Any]:
    return ok(data=[payloads.webhook_record(call.farm, h) for h in call.farm.webhooks.values()])


def _valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@route("webhooks/Create", "POST")
def webhooks_create(call: Call) -> dict[str, Any]:
    farm, body = call.farm, call.body
    webhook_id = opt_int(body, "id")
    if webhook_id is not None:
        farm_call(farm.webhook, webhook_id)
    name = opt_str(body, "name", max_len=255)
    if not name:
        raise invalid("name", "This field is required")
    url = opt_str(body, "url", max_len=2048)
    if not url:
        raise invalid("url", "This field is required")
    if not _valid_url(url):
        raise invalid("url", "Must be a valid URL")
    events = body.get("events")
    if events in (None, []):
        raise invalid("events", "This field is required")
    if not isinstance(events, list):
        raise invalid("events", "Must be an array")
    for i, event in enumerate(events):
        if event not in ALL_EVENTS:
            raise invalid(f"events.{i}", INVALID_ENUM)
    secret = opt_str(body, "secret", max_len=128) or None
    hook = farm.save_webhook(
        webhook_id=webhook_id, name=name, url=url, events=list(dict.fromkeys(events)),
        secret=secret, enabled=opt_bool(body, "enabled", False),
        description=opt_str(body, "description", max_len=1000) or "", user_id=farm.api_user_id)
    return ok(webhook=payloads.webhook_created(farm, hook))


@route("webhooks/Delete", "POST")
def webhooks_delete(call: Call) -> dict[str, Any]:
    hook = farm_call(call.farm.webhook, req_int(call.body, "id"))
    del call.farm.webhooks[hook.id]
    return ok()


@route("webhooks/SetEnabled", "POST")
def webhooks_set_enabled(call: Call) -> dict[str, Any]:
    hook = farm_call(call.farm.webhook, req_int(call.body, "id"))
    if call.body.get("enabled") is None:
        raise invalid("enabled", "This field is required")
    hook.enabled = opt_bool(call.body, "enabled", False)
    hook.updated_at = call.farm.now
    return ok()


@route("webhooks/TriggerTestWebhook", "POST")
def webhooks_trigger_test(call: Call) -> dict[str, Any]:
    hook = farm_call(call.farm.webhook, req_int(call.body, "id"))
    call.outbox.submit(hook.id, hook.url, hook.secret,
                       payloads.envelope(hook.id, "test", int(call.farm.now),
                                         variants.delivery("test", {}, call.config)))
    return ok()


@route("webhooks/GetSamplePayload", "GET")
def webhooks_sample(call: Call) -> dict[str, Any]:
    event = opt_str(call.query, "event")
    if not event:
        raise invalid("event", "This field is required")
    if event not in ALL_EVENTS:
        raise invalid("event", INVALID_ENUM)
    limit = opt_int(call.query, "limit", 1, low=1, high=25)
    real = list(call.outbox.samples.get(event, ()))[:limit]
    if real:
        samples = [{**body, "webhook_id": 0, "source": "real"} for body in real]
    else:
        data = variants.delivery(event, payloads.synthetic_data(call.farm, event), call.config)
        samples = [{**payloads.envelope(0, event, int(call.farm.now), data),
                    "source": "synthetic"}]
    return ok(samples=samples)
