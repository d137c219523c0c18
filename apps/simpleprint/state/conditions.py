"""What a printer needs, at a glance: one *condition* per printer, the rule the page's cards,
counts and filters and the notifications all read (it is sent with the printer as
``condition``).

A printer's state says what SimplyPrint reports ("operational"); its condition says what a
person must know: an operational printer whose last job failed is ``failed`` (and its bed
must be cleared), not ready.
"""

from __future__ import annotations

from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..models import Printer, PrintJob

Condition = Literal[
    "offline", "out_of_order", "ai_flagged", "paused", "printing", "downloading", "cancelling",
    "error", "failed", "cancelled", "bed_to_clear", "ready", "unknown",
]

#: Conditions that need a person (the page's attention count and filter).
ATTENTION: frozenset[str] = frozenset({
    "offline", "ai_flagged", "paused", "error", "failed", "cancelled", "bed_to_clear",
})

#: How the server names a condition in a sentence ("the printer is now …"); the page has its
#: own labels (labels.js).
LABELS: dict[str, Promise] = {
    "offline": _("offline"), "out_of_order": _("out of order"),
    "ai_flagged": _("flagged by the AI"), "paused": _("paused"), "printing": _("printing"),
    "downloading": _("downloading"), "cancelling": _("cancelling"), "error": _("in error"),
    "failed": _("failed, bed to clear"), "cancelled": _("cancelled, bed to clear"),
    "bed_to_clear": _("done, bed to clear"), "ready": _("ready"), "unknown": _("unknown"),
}

_BUSY: dict[str, Condition] = {
    Printer.State.PRINTING: "printing", Printer.State.PAUSED: "paused",
    Printer.State.DOWNLOADING: "downloading", Printer.State.CANCELLING: "cancelling",
}
_ENDED: dict[str, Condition] = {
    PrintJob.Status.FAILED: "failed", PrintJob.Status.CANCELLED: "cancelled",
}


def condition(printer: Printer) -> Condition:
    """Offline and out of order first (the printer takes nothing); then a running job (flagged
    by the AI, paused, printing); then an error; then a bed to clear, named after how the last
    job ended (failed, cancelled, or done: ``bed_to_clear``); then ready."""
    if printer.state == Printer.State.OFFLINE:
        return "offline"
    if printer.out_of_order:
        return "out_of_order"
    busy = _BUSY.get(printer.state)
    if busy is not None:
        job = printer.current_job
        flagged = job is not None and job.ai_detected_at is not None
        return "ai_flagged" if flagged and busy in ("printing", "paused") else busy
    if printer.state == Printer.State.ERROR:
        return "error"
    if printer.bed_needs_clearing:
        last = printer.last_job
        return _ENDED.get(last.status, "bed_to_clear") if last is not None else "bed_to_clear"
    if printer.state == Printer.State.OPERATIONAL:
        return "ready"
    return "unknown"
