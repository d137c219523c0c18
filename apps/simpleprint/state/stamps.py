"""Ordering by SimplyPrint's time, not arrival.

A change carries a *stamp* ``(timestamp, rank, tiebreak)``: SimplyPrint's Unix seconds; a rank
that orders changes made within the same second (a job starts before it ends); and a number
derived from the delivery's content, so that two different changes of the same kind in the same
second (timestamps have one-second precision) are ordered the same way whatever order they
arrive in. A change applies to a part of the state only if its stamp is not older than the
stamp stored there, so replaying, duplicating or reordering deliveries converges to one state.
"""

from __future__ import annotations

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
