"""Printer state: the only writer of :class:`Printer` rows.

A printer's state has independent *aspects* (its job state, material, nozzle, each custom tag,
AutoPrint, out-of-order), each ordered by its own stamp, because SimplyPrint reports them in
separate events that may arrive in any order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from ..models import Printer, PrintJob, StateSource
from . import changes, names
from .payload import (
    PayloadError,
    as_dict,
    as_int,
    as_number,
    as_percentage,
    from_unix,
    hex_colour,
    materials,
    person_name,
    printer_id_of,
)
from .prepared import PreparedGet
from .stamps import EventTime, Stamp, claim_aspect

#: Applies one setting event to a printer; says whether anything changed.
SettingHandler = Callable[[Printer, dict[str, Any], Stamp], bool]


@dataclass(frozen=True)
class PrinterEvent:
    """A ``printer.*`` event: the printer it names is created when first heard of, and
    ``setting`` (when given) applies the changed setting; without one the event is ignored."""

    rank: int
    setting: SettingHandler | None = None

    def apply(self, name: str, data: dict[str, Any], at: EventTime) -> bool:
        sp_id = printer_id_of(data)
        if sp_id is None:
            raise PayloadError(f"{name} without data.printer.id")
        printer = ensure_printer(sp_id, name=as_dict(data.get("printer")).get("name", ""))
        if self.setting is None or not self.setting(printer, data, at.stamp(self.rank)):
            return False
        _touch(printer, StateSource.WEBHOOK)
        printer.save()
        changes.changed(printer)
        return True


_LOCKED_PRINTER = PreparedGet(lambda: Printer.objects.select_for_update(of=("self",))
                              .select_related("current_job", "last_job")
                              .defer("current_job__raw", "last_job__raw"), "sp_id")


def ensure_printer(sp_id: int, *, name: str = "", group: Any = None) -> Printer:
    """The printer row for a SimplyPrint id, locked for update; created when first heard of.
    Read with its current and last job (its message shows them; their payloads are not read)."""
    printer, created = _LOCKED_PRINTER.get_or_create(sp_id, defaults={"name": name})
    changed = False
    if name and not printer.name:
        printer.name, changed = name, True
    group_id = as_int(group.get("id")) if isinstance(group, dict) else None
    group_name = str(group.get("name") or "") if isinstance(group, dict) else ""
    if group_id and printer.group_id in (None, group_id) and group_name \
            and printer.group_name != group_name:
        names.remember({names.Kind.GROUPS: {group_id: group_name}})
        printer.group_id, printer.group_name, changed = group_id, group_name, True
    elif group_id and printer.group_id is None:
        printer.group_id, changed = group_id, True
    if changed and not created:
        printer.save(update_fields=["name", "group_id", "group_name"])
    return printer


def apply_job_state(printer: Printer, job: PrintJob | None, state: str, stamp: Stamp, *,
                    bed_needs_clearing: bool, job_data: dict[str, Any] | None = None,
                    ended: PrintJob | None = None) -> bool:
    """Move the printer's job aspect for a job event, unless a newer one was applied already:
    ``state``, with ``job`` as the current job (None: no job), whose ``job_data`` gives the
    progress and time left; ``ended`` is the job that just ended (the printer's last job)."""
    if not claim_aspect(printer.aspect_times, "job", stamp):
        return False
    printer.state = state
    printer.raw_state = state
    printer.current_job = job
    printer.last_job = ended or printer.last_job
    printer.bed_needs_clearing = bed_needs_clearing
    if bed_needs_clearing:  # a job event said so: only a bed clear or a new print undoes it
        printer.aspect_times[BED_BY_EVENT] = list(stamp)
    else:
        printer.aspect_times.pop(BED_BY_EVENT, None)
    if job is not None and job_data is not None:
        printer.progress = as_percentage(job_data.get("percentage", job_data.get("progress")))
        printer.time_left = as_int(job_data.get("time_left", job_data.get("time")))
    else:
        printer.progress = None
        printer.time_left = None
    printer.progress_at = from_unix(stamp[0])
    _touch(printer, StateSource.WEBHOOK)
    printer.save()
    changes.changed(printer)
    return True


def announce_job(job: PrintJob) -> None:
    """A job's shown facts changed (its end reason, an AI flag): the printers showing it as
    their current or last job are announced again, so that their cards show it too."""
    for printer in Printer.objects.filter(
            models.Q(current_job=job) | models.Q(last_job=job)).select_for_update():
        changes.changed(printer)


def _touch(printer: Printer, source: str) -> None:
    printer.state_source = source
    printer.state_updated_at = timezone.now()


def set_autoprint(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
    value = data.get("state")
    if value is None and isinstance(data.get("autoprint"), dict):
        value = data["autoprint"].get("state")
    if value is None and "enabled" in data:
        value = "enabled" if data["enabled"] else "disabled"
    if not isinstance(value, str):
        raise PayloadError("printer.autoprint_state_changed without data.state")
    if not claim_aspect(printer.aspect_times, "autoprint", stamp):
        return False
    printer.autoprint_state = value.lower()
    return True


def set_nozzle(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
    value = next((data[k] for k in ("nozzle", "nozzle_size", "size") if k in data), None)
    size = as_number(value)
    if size is None or size <= 0:
        raise PayloadError("printer.nozzle_size_changed without a numeric data.nozzle")
    if not claim_aspect(printer.aspect_times, "nozzle", stamp):
        return False
    printer.nozzle_size = size
    return True


def set_material(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
    value = data.get("material", data.get("materials"))
    if not isinstance(value, list | dict):
        raise PayloadError("printer.material_changed without data.material")
    if not claim_aspect(printer.aspect_times, "material", stamp):
        return False
    printer.material = materials(value)
    return True


def _tag(attached: bool) -> SettingHandler:
    def handler(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
        tag = data.get("tag")
        tag_id = as_int(tag.get("id") if isinstance(tag, dict) else data.get("tag_id"))
        if tag_id is None:
            raise PayloadError("custom tag event without data.tag.id")
        if isinstance(tag, dict):
            names.remember({names.Kind.TAGS: names.pairs([tag])})
        if not claim_aspect(printer.aspect_times, f"tag:{tag_id}", stamp):
            return False
        tags = [t for t in printer.custom_tags if t != tag_id]
        printer.custom_tags = sorted([*tags, tag_id]) if attached else tags
        return True

    return handler


def set_out_of_order(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
    value = next((data[k] for k in ("out_of_order", "outOfOrder", "state") if k in data), None)
    if value is None:
        raise PayloadError("printer.out_of_order_state_changed without data.out_of_order")
    if not claim_aspect(printer.aspect_times, "out_of_order", stamp):
        return False
    printer.out_of_order = bool(value) and value not in ("0", "false", "off")
    reason = next((data[k] for k in ("reason", "comment", "note") if isinstance(data.get(k), str)),
                  "")
    printer.out_of_order_reason = reason.strip()[:500] if printer.out_of_order else ""
    printer.out_of_order_by = person_name(data.get("user"))[:200] if printer.out_of_order else ""
    return True


attach_tag = _tag(attached=True)
detach_tag = _tag(attached=False)


def _spool(filament: dict[str, Any]) -> dict[str, Any]:
    """What the material of a printer keeps of an assigned spool."""
    return {"id": as_int(filament.get("id")), "uid": str(filament.get("uid") or ""),
            "brand": str(filament.get("brand") or "")}


def with_spool(material: Any, filament: dict[str, Any]) -> list[dict[str, Any]]:
    """The printer's material with ``filament`` (a SimplyPrint spool) loaded in its extruder
    (``extruder`` when the spool says, else the first): its type, colour and the spool."""
    entries = [dict(m) for m in material if isinstance(m, dict)] if isinstance(material, list) \
        else []
    ext = as_int(filament.get("extruder")) or 0
    kind = filament.get("type")
    type_id = as_int(kind.get("id")) if isinstance(kind, dict) else as_int(kind)
    current = next((m for m in entries if as_int(m.get("ext")) == ext), None)
    loaded = {**(current or {}), "ext": ext, "spool": _spool(filament)}
    if type_id is not None:
        loaded["type"] = type_id
    if isinstance(filament.get("colorName"), str) and filament["colorName"]:
        loaded["color"] = filament["colorName"]
    if "colorHex" in filament:  # only a colour the page may paint with (payload.HEX_COLOUR)
        loaded["hex"] = hex_colour(filament["colorHex"])
    others = [m for m in entries if m is not current]
    return sorted([*others, loaded], key=lambda m: as_int(m.get("ext")) or 0)


def _spool_names(filament: dict[str, Any]) -> None:
    kind = filament.get("type")
    if isinstance(kind, dict):
        names.remember({names.Kind.MATERIAL_TYPES: names.pairs([kind])})


def assign_filament(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
    """``filament.assigned``: the spool is now loaded; the printer's material shows it."""
    filament = data.get("filament")
    if not isinstance(filament, dict) or as_int(filament.get("id")) is None:
        raise PayloadError("filament.assigned without data.filament.id")
    _spool_names(filament)
    if not claim_aspect(printer.aspect_times, "material", stamp):
        return False
    printer.material = with_spool(printer.material, filament)
    return True


def unassign_filament(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
    """``filament.unassigned``: the spool left the printer; its material keeps type and colour
    (a setting of its own) without the spool."""
    filament = data.get("filament")
    spool_id = as_int(filament.get("id")) if isinstance(filament, dict) else None
    if spool_id is None:
        raise PayloadError("filament.unassigned without data.filament.id")
    if not claim_aspect(printer.aspect_times, "material", stamp):
        return False
    printer.material = [
        {k: v for k, v in m.items() if k != "spool"}
        if as_int(as_dict(m.get("spool")).get("id")) == spool_id else m
        for m in printer.material if isinstance(m, dict)]
    return True


# --- polled state ------------------------------------------------------------------------------

#: ``printers/Get`` ``printer.state`` → the state shown (section 5.2 of the API notes).
_RAW_STATES: dict[str, str] = {
    "operational": Printer.State.OPERATIONAL,
    "printing": Printer.State.PRINTING, "resuming": Printer.State.PRINTING,
    "paused": Printer.State.PAUSED, "pausing": Printer.State.PAUSED,
    "cancelling": Printer.State.CANCELLING,
    "downloading": Printer.State.DOWNLOADING,
    "offline": Printer.State.OFFLINE,
    "error": Printer.State.ERROR, "not_ready": Printer.State.ERROR,
}
#: Job states of a ``printers/Get`` job row under which the job is still the printer's job.
ACTIVE_JOB_STATES = frozenset({"printing", "paused", "pausing", "resuming", "cancelling",
                               "downloading", "ongoing"})
#: Aspect recording that a job event left the bed to be cleared (see _bed_needs_clearing).
BED_BY_EVENT = "bed"


def _bed_needs_clearing(printer: Printer, job_row: dict[str, Any] | None, active: bool) -> bool:
    """Whether a polled printer's bed waits to be cleared. A finished job still shown means it
    does; an active one that it does not. Whether ``printers/Get`` keeps the last job until the
    bed is cleared or drops it when the print ends is undocumented: a row without a job clears
    the mark only when no job event set it (a ``job.bed_cleared`` or the next print does)."""
    if job_row is not None:
        if active:
            printer.aspect_times.pop(BED_BY_EVENT, None)
        return not active
    return printer.bed_needs_clearing and BED_BY_EVENT in printer.aspect_times


def poll_state(raw_state: str, online: bool) -> str:
    if not online:
        return Printer.State.OFFLINE
    return _RAW_STATES.get(raw_state.lower(), Printer.State.UNKNOWN)


def apply_poll_row(row: dict[str, Any], fetched_at: float, job: PrintJob | None = None) -> bool:
    """Apply one ``printers/Get`` row fetched at SimplyPrint time ``fetched_at``.

    Each aspect is claimed with the poll's stamp ``(fetched_at, 0, 0)``: a webhook of the same
    second or later wins, an older one delivered late loses. ``job`` is the row's job, already
    applied by the caller. Returns whether anything shown changed (and then publishes it)."""
    sp_id = as_int(row.get("id"))
    if sp_id is None:
        raise PayloadError("printers/Get row without an id")
    info, tags = as_dict(row.get("printer")), as_dict(row.get("tags"))
    job_row = row["job"] if isinstance(row.get("job"), dict) else None
    stamp = EventTime(int(fetched_at), 0).stamp(0)
    printer = ensure_printer(sp_id, name=str(info.get("name") or ""))
    before = changes.capture(printer)

    printer.name = str(info.get("name") or printer.name)
    if "group" in info:  # 0 = no group
        group_id = as_int(info.get("group")) or None
        if isinstance(info.get("groupName"), str) and group_id:
            names.remember({names.Kind.GROUPS: {group_id: info["groupName"]}})
        if group_id != printer.group_id or (group_id and not printer.group_name):
            printer.group_id = group_id
            printer.group_name = names.name_of(names.Kind.GROUPS, group_id)
    model = as_dict(info.get("model"))
    printer.model_id = as_int(model.get("id")) or printer.model_id
    printer.model_name = str(model.get("name") or printer.model_name)
    printer.sort_order = as_int(row.get("sort_order")) or printer.sort_order
    online = bool(info.get("online"))
    printer.online = online  # no webhook reports connectivity: the poll is its only source
    if claim_aspect(printer.aspect_times, "job", stamp):
        raw_state = str(info.get("state") or "")
        printer.raw_state = raw_state
        printer.state = poll_state(raw_state, online)
        job_state = str((job_row or {}).get("state") or "").lower()
        active = job_row is not None and job_state in ACTIVE_JOB_STATES
        printer.current_job = job if active else None
        printer.bed_needs_clearing = _bed_needs_clearing(printer, job_row, active)
        if job is not None and not active:
            printer.last_job = job
        if active and job_row is not None:
            printer.progress = as_percentage(job_row.get("percentage", job_row.get("progress")))
            printer.time_left = as_int(job_row.get("time", job_row.get("time_left")))
        else:
            printer.progress = printer.time_left = None
        printer.progress_at = from_unix(fetched_at)
    elif not online:
        printer.state = Printer.State.OFFLINE
    filament = as_dict(row.get("filament"))
    if "material" in tags and claim_aspect(printer.aspect_times, "material", stamp):
        material = materials(tags["material"]) if isinstance(tags["material"], list) else []
        printer.material = with_spool(material, filament) if as_int(filament.get("id")) \
            is not None else material
    nozzle = as_number(tags.get("nozzle"))
    if nozzle is not None and nozzle > 0 \
            and claim_aspect(printer.aspect_times, "nozzle", stamp):
        printer.nozzle_size = nozzle
    custom = tags.get("custom")
    if isinstance(custom, list):
        wanted = {i for i in (as_int(t) for t in custom) if i is not None}
        kept = set(printer.custom_tags)
        for tag_id in wanted | kept:
            if claim_aspect(printer.aspect_times, f"tag:{tag_id}", stamp):
                kept = kept | {tag_id} if tag_id in wanted else kept - {tag_id}
        printer.custom_tags = sorted(kept)
    if "outOfOrder" in info and claim_aspect(printer.aspect_times, "out_of_order", stamp):
        printer.out_of_order = bool(info["outOfOrder"])
    printer.last_polled_at = from_unix(fetched_at)
    if not changes.differs(printer, before):
        printer.save(update_fields=["aspect_times", "last_polled_at", "progress_at"])
        return False
    _touch(printer, StateSource.POLL)
    printer.save()
    changes.changed(printer)
    return True
