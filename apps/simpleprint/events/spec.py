"""What the registry knows of one SimplyPrint event (see :mod:`.registry`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.functional import Promise

from ..state.stamps import EventTime


class Effect(Protocol):
    """How an event changes the mirror: a state writer's entry point. ``apply`` returns False
    when the event changes nothing this service keeps (the event is then marked ignored)."""

    @property
    def rank(self) -> int:
        """Order among changes of the same second (a job starts before it ends)."""

    def apply(self, name: str, data: dict[str, Any], at: EventTime) -> bool: ...


@dataclass(frozen=True)
class Acknowledged:
    """An event that is processed but changes no state (SimplyPrint's ``test`` delivery)."""

    rank: int = 0

    def apply(self, name: str, data: dict[str, Any], at: EventTime) -> bool:
        return True


#: Builds the ``data`` of a sample delivery: (spec, id to use for its job or item, time).
SampleBuilder = Callable[["EventSpec", int, int], dict[str, Any]]


@dataclass(frozen=True)
class EventSpec:
    """One event of SimplyPrint's catalogue.

    ``effect`` is None for events this service stores but does not apply (ignored);
    ``subscribed`` events are registered at SimplyPrint; ``sample`` builds a realistic delivery
    for local injection; ``aliases`` are the brief's guessed names that mean this event."""

    name: str
    label: str | Promise = ""
    subscribed: bool = False
    sample: SampleBuilder | None = None
    effect: Effect | None = None
    aliases: tuple[str, ...] = field(default=())

    @property
    def category(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def rank(self) -> int:
        """Order among changes made within the same second (a job starts before it ends)."""
        return self.effect.rank if self.effect is not None else 0
