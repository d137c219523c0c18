"""Ordering by SimplyPrint's time, not arrival.

A change carries a *stamp* ``(timestamp, rank, tiebreak)``: SimplyPrint's Unix seconds; a rank
that orders changes made within the same second (a job starts before it ends); and a number
derived from the delivery's content, so that two different changes of the same kind in the same
second (timestamps have one-second precision) are ordered the same way whatever order they
arrive in. A change applies to a part of the state only if its stamp is not older than the
stamp stored there, so replaying, duplicating or reordering deliveries converges to one state.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

Stamp = tuple[int, int, int]

ZERO: Stamp = (0, 0, 0)


class EventTime(NamedTuple):
    """When an event happened (SimplyPrint's seconds) and its content-derived tiebreak."""

    timestamp: int
    tiebreak: int = 0

    def stamp(self, rank: int) -> Stamp:
        return (self.timestamp, rank, self.tiebreak)


def is_not_older(stored: Stamp, incoming: Stamp) -> bool:
    return incoming >= stored


def read_stamp(times: dict[str, Any], aspect: str) -> Stamp:
    value = times.get(aspect)
    if isinstance(value, list | tuple) and len(value) == 3:
        return int(value[0]), int(value[1]), int(value[2])
    return ZERO


def claim_aspect(times: dict[str, Any], aspect: str, incoming: Stamp) -> bool:
    """Record ``incoming`` as the aspect's stamp if it is not older; say whether it was."""
    if not is_not_older(read_stamp(times, aspect), incoming):
        return False
    times[aspect] = list(incoming)
    return True


def from_unix(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def person_name(user: Any) -> str:
    """``first_name last_name`` of a SimplyPrint user object (there is no combined name)."""
    if isinstance(user, str):
        return user
    if not isinstance(user, dict):
        return ""
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)


def as_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (payload fields may be null)."""
    return value if isinstance(value, dict) else {}


class PayloadError(ValueError):
    """The delivery's ``data`` lacks what its event needs. Retrying will not help; the event
    stays visibly failed until the handler is fixed and the event reprocessed."""
