"""Which queue item a printer takes next: the one the Planning page's projection shows next for
it. The projection belongs to the page (``apps/planning/schedule.py``), which the SimplyPrint
integration never imports: the page passes its chooser in at start-up
(``PlanningConfig.ready``), as the side effects against the import direction are."""

from __future__ import annotations

from collections.abc import Callable

#: A printer's SimplyPrint id → the SimplyPrint id of the queue item it takes next (None: none).
Chooser = Callable[[int], int | None]
_chooser: Chooser | None = None


class NoChooser(RuntimeError):
    """No chooser is registered: the Planning app is not installed."""


def register(chooser: Chooser) -> None:
    global _chooser
    _chooser = chooser


def next_item_for(printer_sp_id: int) -> int | None:
    if _chooser is None:
        raise NoChooser("no next-item chooser registered: is apps.planning installed?")
    return _chooser(printer_sp_id)
