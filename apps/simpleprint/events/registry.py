"""The one registry of SimplyPrint's events (``simplyprint-api.md`` §9.4): every name, its
label, whether this service subscribes to it, how it changes the mirror (its effect, with its
rank among changes of the same second), its sample delivery, and the brief's guessed names for it.

Everything else is derived from :data:`EVENTS`: the catalogue, the categories, the subscription
list, the samples, the aliases, the dispatch in ``processing.inbox.apply_event`` and the labels
on the page. Adding an event means one entry here, plus its effect's code and a test.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ..models import Printer, PrintJob, PrintQueue
from ..state import printers
from ..state.jobs import AiFailure, JobEvent
from ..state.printers import PrinterEvent
from ..state.queue import QueueEmptied, QueueEvent
from . import samples
from .spec import Acknowledged, EventSpec

Job, Printing, Queue = PrintJob.Status, Printer.State, PrintQueue.State

#: The name of SimplyPrint's test delivery (``webhooks/TriggerTestWebhook``).
TEST_EVENT = "test"


def _informational(*names: str) -> list[EventSpec]:
    """Events stored and shown in the log, but not applied (they are marked ignored)."""
    return [EventSpec(name) for name in names]


_SPECS: list[EventSpec] = [
    # --- jobs: the status they set, and what they mean for the printer -----------------------
    EventSpec("job.started", _("Job started"), True, samples.job(),
              effect=JobEvent(1, Job.PRINTING, Printing.PRINTING, keeps_job=True),
              aliases=("job.start",)),
    EventSpec("job.paused", _("Job paused"), True, samples.job(),
              effect=JobEvent(2, Job.PAUSED, Printing.PAUSED, keeps_job=True),
              aliases=("job.pause",)),
    EventSpec("job.resumed", _("Job resumed"), True, samples.job(),
              effect=JobEvent(3, Job.PRINTING, Printing.PRINTING, keeps_job=True),
              aliases=("job.resume",)),
    EventSpec("job.cancelled", _("Job cancelled"), True, samples.job(),
              effect=JobEvent(4, Job.CANCELLED, Printing.OPERATIONAL, records_user=True),
              aliases=("job.canceled",)),
    EventSpec("job.done", _("Job done"), True, samples.job(),
              effect=JobEvent(4, Job.DONE, Printing.OPERATIONAL),
              aliases=("job.completed", "job.finished")),
    EventSpec("job.failed", _("Job failed"), True, samples.job(),
              effect=JobEvent(4, Job.FAILED, Printing.OPERATIONAL), aliases=("job.error",)),
    EventSpec("job.bed_cleared", _("Bed cleared"), True, samples.job(),
              effect=JobEvent(5, printer_state=Printing.OPERATIONAL, clears_bed=True,
                              without_job="bed")),
    EventSpec("job.objects_skipped", _("Objects skipped"), True, samples.job(),
              effect=JobEvent(3, skips_objects=True)),
    # --- printers: settings, each an aspect of its own -----------------------------------------
    EventSpec("printer.autoprint_state_changed", _("AutoPrint changed"), True,
              samples.printer({"state": "enabled"}),
              effect=PrinterEvent(1, printers.set_autoprint)),
    EventSpec("printer.nozzle_size_changed", _("Nozzle changed"), True,
              samples.printer({"nozzle": 0.6}), effect=PrinterEvent(1, printers.set_nozzle)),
    EventSpec("printer.material_changed", _("Material changed"), True,
              samples.printer({"material": [{"ext": 0, "type": 2, "color": "Black",
                                             "hex": "#000000"}]}),
              effect=PrinterEvent(1, printers.set_material)),
    EventSpec("printer.custom_tag_assigned", _("Tag assigned"), True,
              samples.printer({"tag": {"id": 31, "name": "Sample tag"}}),
              effect=PrinterEvent(1, printers.attach_tag)),
    EventSpec("printer.custom_tag_detached", _("Tag detached"), True,
              samples.printer({"tag": {"id": 31, "name": "Sample tag"}}),
              effect=PrinterEvent(1, printers.detach_tag)),
    EventSpec("printer.out_of_order_state_changed", _("Out of order changed"), True,
              samples.printer({"out_of_order": False}),
              effect=PrinterEvent(1, printers.set_out_of_order),
              aliases=("printer.out_of_order",)),
    EventSpec("printer.ai_state_changed", effect=PrinterEvent(1)),
    # With a job object it flags that job (confidence, type, frame); without, only the printer.
    EventSpec("printer.ai_failure_detected", _("AI failure detected"), True, samples.job(),
              effect=AiFailure(3)),
    EventSpec("printer.ai_failure_false_positive", effect=PrinterEvent(1)),
    EventSpec("printer.autoprint_max_cycles", effect=PrinterEvent(1)),
    # --- company and organisation: informational -----------------------------------------------
    *_informational("company.autoprint_state_changed", "organization.user_signup",
                    "organization.user_pending"),
    # --- the queue: the item state each sets ---------------------------------------------------
    EventSpec("queue.add_item", _("Queue item added"), True, samples.queue_item(),
              effect=QueueEvent(1, Queue.QUEUED), aliases=("queue.item_added",)),
    EventSpec("queue.delete_item", _("Queue item deleted"), True, samples.queue_item(),
              effect=QueueEvent(4, Queue.DELETED),
              aliases=("queue.item_removed", "queue.item_deleted")),
    EventSpec("queue.empty_queue", _("Queue emptied"), True, samples.empty_queue(),
              effect=QueueEmptied()),
    EventSpec("queue.move_item", _("Queue item moved"), True, samples.queue_item(),
              effect=QueueEvent(2)),
    EventSpec("queue.revive_item", _("Queue item revived"), True, samples.queue_item(),
              effect=QueueEvent(3, Queue.QUEUED)),
    EventSpec("queue.item_pending_approval", _("Queue item awaits approval"), True,
              samples.queue_item(), effect=QueueEvent(1, Queue.PENDING_APPROVAL)),
    EventSpec("queue.item_approved", _("Queue item approved"), True,
              samples.queue_item({"approved_by": samples.APPROVER}),
              effect=QueueEvent(2, Queue.APPROVED)),
    EventSpec("queue.item_denied", _("Queue item denied"), True,
              samples.queue_item({"denied_by": samples.APPROVER, "reason": "Wrong material",
                                  "removed": False}),
              effect=QueueEvent(2, Queue.DENIED, removal_deletes=True)),
    # --- filament, balance, quota, maintenance: informational ----------------------------------
    # --- filament: the spool loaded shows in the printer's material ---------------------------
    EventSpec("filament.assigned", _("Spool assigned"), True,
              samples.printer({"filament": samples.FILAMENT, "replaced_spool": None}),
              effect=PrinterEvent(1, printers.assign_filament)),
    EventSpec("filament.unassigned", _("Spool unassigned"), True,
              samples.printer({"filament": samples.FILAMENT}),
              effect=PrinterEvent(1, printers.unassign_filament)),
    *_informational("filament.create", "filament.update", "filament.delete"),
    *_informational("balance.charged", "balance.refunded", "balance.topped_up",
                    "balance.adjusted"),
    *_informational("quota.request_new", "quota.request_resolved", "quota.adjusted",
                    "quota.reset"),
    *_informational(*(f"maintenance.{name}" for name in (
        "job_created", "job_updated", "job_started", "job_completed", "job_cancelled",
        "job_reopened", "job_overdue", "job_deleted", "problem_reported", "problem_resolved",
        "low_stock", "task_completed", "task_skipped", "schedule_created", "schedule_updated",
        "schedule_deleted", "spare_part_created", "spare_part_updated", "spare_part_deleted",
        "stock_adjusted",
    ))),
    EventSpec(TEST_EVENT, _("Test delivery"), sample=samples.test(), effect=Acknowledged()),
]

#: Every event SimplyPrint knows (62 plus ``test``), by name.
EVENTS: dict[str, EventSpec] = {spec.name: spec for spec in _SPECS}
assert len(EVENTS) == len(_SPECS) == 63, "an event is listed twice or missing"

#: Every event name, in the catalogue's order.
CATALOGUE: tuple[str, ...] = tuple(EVENTS)

#: The events this service turns into state; registered at SimplyPrint by default.
SUBSCRIBED_EVENTS: tuple[str, ...] = tuple(name for name, spec in EVENTS.items()
                                           if spec.subscribed)

#: Every event a sample delivery exists for: what the service subscribes to, plus ``test``.
SAMPLE_EVENTS: tuple[str, ...] = tuple(name for name, spec in EVENTS.items() if spec.sample)

#: The brief's guessed names that have a real counterpart.
ALIASES: dict[str, str] = {alias: spec.name for spec in _SPECS for alias in spec.aliases}

#: Every value of ``PrinterWebhookEvent.category``.
CATEGORIES: tuple[str, ...] = tuple(sorted({spec.category for spec in _SPECS} | {"unknown"}))


def canonical_name(event: str) -> str:
    """The real event name for ``event``, resolving the brief's aliases."""
    return ALIASES.get(event, event)


def spec_of(event: str) -> EventSpec | None:
    """The registry entry of ``event`` (or of the real event an alias names)."""
    return EVENTS.get(canonical_name(event))


def category_of(event: str) -> str:
    spec = spec_of(event)
    return spec.category if spec is not None else "unknown"


def received_names(event: str) -> list[str]:
    """Every name a delivery of ``event`` may arrive under: the real one and its aliases."""
    name = canonical_name(event)
    spec = EVENTS.get(name)
    return [name, *(spec.aliases if spec is not None else ())]


def label_of(event: str) -> str:
    """What the page calls ``event``: its label, or the name itself."""
    spec = spec_of(event)
    return str(spec.label) if spec is not None and spec.label else event


def sample_envelope(event: str, *, ref: int, timestamp: int, webhook_id: int = 0
                    ) -> dict[str, Any]:
    """A whole delivery body (§9.2) for ``event``; ``ref`` is used as its job or queue item
    id. ``webhook_id`` 0 marks it a sample (§8.5)."""
    spec = EVENTS.get(event)
    if spec is None or spec.sample is None:
        raise ValueError(f"no sample for {event}")
    return {"webhook_id": webhook_id, "event": event, "timestamp": timestamp,
            "data": spec.sample(spec, ref, timestamp)}
