"""Printer state: the only writer of :class:`Printer` rows.

A printer's state has independent *aspects* (its job state, material, nozzle, each custom tag,
AutoPrint, out-of-order), each ordered by its own stamp, because SimplyPrint reports them in
separate events that may arrive in any order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from ..models import Printer, PrintJob, StateSource
from . import live
from .stamps import PayloadError, Stamp, as_int, claim_aspect, from_unix

#: Printer state a job event implies, and whether the job stays the printer's current job.
_JOB_EVENT_PRINTER_STATE: dict[str, tuple[str, bool]] = {
    "job.started": (Printer.State.PRINTING, True),
    "job.resumed": (Printer.State.PRINTING, True),
    "job.paused": (Printer.State.PAUSED, True),
    "job.done": (Printer.State.OPERATIONAL, False),
    "job.failed": (Printer.State.OPERATIONAL, False),
    "job.cancelled": (Printer.State.OPERATIONAL, False),
    "job.bed_cleared": (Printer.State.OPERATIONAL, False),
}


def ensure_printer(sp_id: int, *, name: str = "", group: Any = None) -> Printer:
    """The printer row for a SimplyPrint id, locked for update; created when first heard of."""
    printer, created = Printer.objects.select_for_update().get_or_create(
        sp_id=sp_id, defaults={"name": name}
    )
    changed = False
    if name and not printer.name:
        printer.name, changed = name, True
    if isinstance(group, dict) and group.get("id") and printer.group_id is None:
        printer.group_id, printer.group_name, changed = group["id"], group.get("name") or "", True
    if changed and not created:
        printer.save(update_fields=["name", "group_id", "group_name"])
    return printer


def apply_job_event(printer: Printer, job: PrintJob | None, event: str, stamp: Stamp,
                    job_data: dict[str, Any] | None = None) -> bool:
    """Move the printer's job aspect for a job event, unless a newer one was applied already.
    ``job_data`` is the event's job object, the source of progress and time left."""
    target = _JOB_EVENT_PRINTER_STATE.get(event)
    if target is None or not claim_aspect(printer.aspect_times, "job", stamp):
        return False
    state, keeps_job = target
    printer.state = state
    printer.raw_state = state
    printer.current_job = job if keeps_job else None
    printer.bed_needs_clearing = event in ("job.done", "job.failed", "job.cancelled")
    if keeps_job and job_data is not None:
        printer.progress = as_int(job_data.get("percentage", job_data.get("progress")))
        printer.time_left = as_int(job_data.get("time_left", job_data.get("time")))
    else:
        printer.progress = None
        printer.time_left = None
    printer.progress_at = from_unix(stamp[0])
    _touch(printer, StateSource.WEBHOOK)
    printer.save()
    live.printer_changed(printer)
    return True


def apply_printer_event(printer: Printer, event: str, data: dict[str, Any], stamp: Stamp) -> bool:
    """Apply one ``printer.*`` event carrying a setting; say whether anything changed."""
    handler = _SETTING_HANDLERS.get(event)
    if handler is None:
        return False
    if not handler(printer, data, stamp):
        return False
    _touch(printer, StateSource.WEBHOOK)
    printer.save()
    live.printer_changed(printer)
    return True


def _touch(printer: Printer, source: str) -> None:
    printer.state_source = source
    printer.state_updated_at = timezone.now()


def _autoprint(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
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


def _nozzle(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
    value = next((data[k] for k in ("nozzle", "nozzle_size", "size") if k in data), None)
    try:
        size = float(value) if value is not None else None
    except (TypeError, ValueError):
        size = None
    if size is None:
        raise PayloadError("printer.nozzle_size_changed without a numeric data.nozzle")
    if not claim_aspect(printer.aspect_times, "nozzle", stamp):
        return False
    printer.nozzle_size = size
    return True


def _material(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
    value = data.get("material", data.get("materials"))
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise PayloadError("printer.material_changed without data.material")
    if not claim_aspect(printer.aspect_times, "material", stamp):
        return False
    printer.material = value
    return True


def _tag(attached: bool) -> Callable[[Printer, dict[str, Any], Stamp], bool]:
    def handler(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
        tag = data.get("tag")
        tag_id = as_int(tag.get("id") if isinstance(tag, dict) else data.get("tag_id"))
        if tag_id is None:
            raise PayloadError("custom tag event without data.tag.id")
        if not claim_aspect(printer.aspect_times, f"tag:{tag_id}", stamp):
            return False
        tags = [t for t in printer.custom_tags if t != tag_id]
        printer.custom_tags = sorted([*tags, tag_id]) if attached else tags
        return True

    return handler


def _out_of_order(printer: Printer, data: dict[str, Any], stamp: Stamp) -> bool:
    value = next((data[k] for k in ("out_of_order", "outOfOrder", "state") if k in data), None)
    if value is None:
        raise PayloadError("printer.out_of_order_state_changed without data.out_of_order")
    if not claim_aspect(printer.aspect_times, "out_of_order", stamp):
        return False
    printer.out_of_order = bool(value) and value not in ("0", "false", "off")
    return True


_SETTING_HANDLERS = {
    "printer.autoprint_state_changed": _autoprint,
    "printer.nozzle_size_changed": _nozzle,
    "printer.material_changed": _material,
    "printer.custom_tag_assigned": _tag(attached=True),
    "printer.custom_tag_detached": _tag(attached=False),
    "printer.out_of_order_state_changed": _out_of_order,
}
