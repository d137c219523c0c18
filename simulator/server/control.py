"""Simulator-only endpoints under ``/_sim/``: stats, truth, clock, runtime control, scenarios."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.config import CHOICES, SWITCHES
from simulator.contract import payloads
from simulator.contract.params import (
    ApiError,
    farm_call,
    invalid,
    ok,
    opt_bool,
    opt_int,
    req_int,
)
from simulator.domain.clock import ManualClock, RealClock
from simulator.domain.farm import Farm
from simulator.domain.model import Job
from simulator.server.sim import Simulator

ControlHandler = Callable[[Simulator, dict[str, Any], dict[str, str]], dict[str, Any]]
CONTROL_ROUTES: dict[tuple[str, str], ControlHandler] = {}


def control_route(method: str, path: str) -> Callable[[ControlHandler], ControlHandler]:
    def register(handler: ControlHandler) -> ControlHandler:
        CONTROL_ROUTES[(method, path)] = handler
        return handler
    return register


@control_route("GET", "stats")
def stats(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    return ok(**sim.stats.snapshot(sim.delivery.counters()))


@control_route("POST", "stats/reset")
def stats_reset(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    sim.reset_stats()
    return ok()


@control_route("GET", "state")
def state(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    return ok(**sim.farm.state())


@control_route("POST", "advance")
def advance(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    if not isinstance(sim.clock, ManualClock):
        raise ApiError(400, "clock: advance needs the manual clock")
    seconds = body.get("seconds")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
        raise invalid("seconds", "Must be a number >= 0")
    before = sim.log.events[-1].seq if sim.log.events else 0
    sim.clock.advance(seconds)
    sim.sync()
    after = sim.log.events[-1].seq if sim.log.events else 0
    return ok(now=int(sim.farm.now), events=after - before)


def control_snapshot(sim: Simulator) -> dict[str, Any]:
    clock = sim.clock
    return {
        "clock": "manual" if isinstance(clock, ManualClock) else "real",
        "speed": clock.speed if isinstance(clock, RealClock) else None,
        "paused": clock.paused if isinstance(clock, RealClock) else None,
        "webhooks_available": sim.webhooks_available, "drop": sim.delivery.drop,
        "duplicate": sim.delivery.duplicate, "reorder": sim.delivery.reorder,
        "rate_limit": sim.limiter.per_minute, "fail_next": sim.fail_next,
        "natural": sim.farm.natural,
        **{name: getattr(sim.config, name) for name in SWITCHES},
    }


def _probability(body: dict[str, Any], field: str) -> float:
    value = body[field]
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        raise invalid(field, "Must be a number between 0 and 1")
    return float(value)


def _switch(field: str, value: Any) -> Any:
    """A value for one of ``SimConfig``'s switches, checked like the CLI checks it."""
    if field in CHOICES:
        if value not in CHOICES[field]:
            raise invalid(field, f"Must be one of {', '.join(CHOICES[field])}")
        return value
    if field == "slow_seconds":
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise invalid(field, "Must be a number >= 0")
        return float(value)
    if not isinstance(value, bool):
        raise invalid(field, "Must be a boolean")
    return value


@control_route("GET", "control")
def get_control(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    return ok(control=control_snapshot(sim))


@control_route("POST", "control")
def set_control(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    known = {"webhooks_available", "drop", "duplicate", "reorder", "rate_limit", "fail_next",
             "speed", "paused", "natural", *SWITCHES}
    for field in body:
        if field not in known:
            raise invalid(field, "Unknown control")
    for field in SWITCHES:
        if field in body:
            setattr(sim.config, field, _switch(field, body[field]))
    if ("speed" in body or "paused" in body) and not isinstance(sim.clock, RealClock):
        raise invalid("speed" if "speed" in body else "paused", "Only with the real clock")
    speed = body.get("speed", 1)
    if not isinstance(speed, int | float) or isinstance(speed, bool) or speed <= 0:
        raise invalid("speed", "Must be a number > 0")
    for field in ("drop", "duplicate", "reorder"):
        if field in body:
            setattr(sim.delivery, field, _probability(body, field))
    if "rate_limit" in body:
        sim.limiter.per_minute = req_int(body, "rate_limit", low=0)
    if "fail_next" in body:
        sim.fail_next = req_int(body, "fail_next", low=0)
    if "webhooks_available" in body:
        sim.webhooks_available = opt_bool(body, "webhooks_available", True)
    if "natural" in body:
        sim.farm.natural = opt_bool(body, "natural", True)
    if isinstance(sim.clock, RealClock):
        sim.sync()
        if "speed" in body:
            sim.clock.speed = speed
        if "paused" in body:
            sim.clock.paused = opt_bool(body, "paused", False)
    return ok(control=control_snapshot(sim))


@control_route("GET", "deliveries")
def deliveries(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    limit = opt_int(query, "limit", 100, low=1, high=5000)
    event = query.get("event")
    rows = [d for d in reversed(sim.delivery.log) if event is None or d.body["event"] == event]
    return ok(deliveries=[d.as_dict() for d in rows[:limit]])


@control_route("GET", "events")
def events(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    """Every event the farm emitted (whatever happened to its deliveries), oldest first."""
    since = opt_int(query, "since", 0, low=0)
    limit = opt_int(query, "limit", 1000, low=1, high=20000)
    assert since is not None and limit is not None
    rows = [{"seq": e.seq, "event": e.event, "timestamp": e.timestamp, "data": e.data}
            for e in sim.log.events if e.seq > since]
    return ok(events=rows[:limit])


# ---------------------------------------------------------------------- scenario

def _job_result(farm: Farm, job: Job) -> dict[str, Any]:
    return {"job": payloads.job(farm, job)}


def _pid(body: dict[str, Any]) -> int:
    return req_int(body, "printer_id")


def _user(body: dict[str, Any]) -> int | None:
    return opt_int(body, "user_id")


def _ids(value: Any) -> list[int] | None:
    return None if value is None else [int(v) for v in value]


SCENARIO: dict[str, Callable[[Farm, dict[str, Any]], dict[str, Any] | None]] = {
    "start_job": lambda f, b: _job_result(f, f.start_job(
        _pid(b), user_id=_user(b), queue_item_id=opt_int(b, "queue_item_id"),
        next_queue_item=opt_bool(b, "next_queue_item", False), file=b.get("file"),
        estimate=opt_int(b, "estimate", low=1), autoprint=opt_bool(b, "autoprint", False))),
    "finish_job": lambda f, b: _job_result(f, f.finish_job(_pid(b))),
    "fail_job": lambda f, b: _job_result(f, f.fail_job(_pid(b), reason=b.get("reason")
                                                       or "Print failed")),
    "cancel_job": lambda f, b: _job_result(f, f.cancel_job(
        _pid(b), user_id=_user(b), reason=opt_int(b, "reason"), comment=b.get("comment") or "")),
    "pause_job": lambda f, b: _job_result(f, f.pause_job(_pid(b), user_id=_user(b))),
    "resume_job": lambda f, b: _job_result(f, f.resume_job(_pid(b), user_id=_user(b))),
    "skip_objects": lambda f, b: _job_result(f, f.skip_objects(
        _pid(b), _ids(b.get("objects")) or [1], user_id=_user(b))),
    "ai_failure": lambda f, b: _job_result(f, f.ai_failure(_pid(b))),
    "clear_bed": lambda f, b: {"cleared": f.clear_bed(
        _pid(b), success=opt_bool(b, "success", True), rating=opt_int(b, "rating"),
        user_id=_user(b))},
    "set_offline": lambda f, b: f.set_online(_pid(b), False),
    "set_online": lambda f, b: f.set_online(_pid(b), True),
    "set_out_of_order": lambda f, b: f.set_out_of_order(
        _pid(b), opt_bool(b, "value", True), user_id=_user(b)),
    "set_material": lambda f, b: f.set_material(
        _pid(b), b.get("material") or [{"ext": 0, "type": 1, "color": "Black", "hex": "#101010"}],
        user_id=_user(b)),
    "set_nozzle": lambda f, b: f.set_nozzle(_pid(b), float(b.get("nozzle", 0.6)),
                                            user_id=_user(b)),
    "set_autoprint": lambda f, b: f.set_autoprint(_pid(b), str(b.get("state", "enabled")),
                                                  user_id=_user(b)),
    "assign_tag": lambda f, b: f.assign_tag(_pid(b), req_int(b, "tag_id"), user_id=_user(b)),
    "detach_tag": lambda f, b: f.detach_tag(_pid(b), req_int(b, "tag_id"), user_id=_user(b)),
    "assign_filament": lambda f, b: f.assign_filament(_pid(b), user_id=_user(b)),
    "unassign_filament": lambda f, b: f.unassign_filament(_pid(b), user_id=_user(b)),
    "add_queue_item": lambda f, b: {"queue_item": payloads.queue_item(f, f.add_item(
        filename=b.get("filename") or "scenario_part.gcode", amount=opt_int(b, "amount", 1) or 1,
        group=opt_int(b, "group", 1) or 1, user_id=_user(b), estimate=opt_int(b, "estimate"),
        for_printers=_ids(b.get("for_printers")), for_models=_ids(b.get("for_models")),
        for_groups=_ids(b.get("for_groups")), tags=b.get("tags"), note=b.get("note"),
        pending=opt_bool(b, "pending_approval", False)))},
    "delete_queue_item": lambda f, b: f.delete_items([req_int(b, "id")], user_id=_user(b)),
    "approve_item": lambda f, b: f.approve_items([req_int(b, "id")], user_id=_user(b)),
    "deny_item": lambda f, b: f.deny_items([req_int(b, "id")], user_id=_user(b),
                                           comment=b.get("reason") or "",
                                           remove=opt_bool(b, "remove", False)),
}


@control_route("POST", "scenario")
def scenario(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    action = body.get("action")
    if action not in SCENARIO:
        raise invalid("action", f"Must be one of {', '.join(sorted(SCENARIO))}")
    result = farm_call(SCENARIO[action], sim.farm, body) or {}
    return ok(now=int(sim.farm.now), **result)


# ---------------------------------------------------------------------- operator actions

@control_route("GET", "actions")
def get_actions(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    """How the operator actions behave where SimplyPrint's is unknown (``domain/actions.py``)."""
    return ok(actions=sim.farm.rules.as_dict())


@control_route("POST", "actions")
def set_actions(sim: Simulator, body: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    try:
        sim.farm.rules.update(body)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    return ok(actions=sim.farm.rules.as_dict())
