"""Reading SimplyPrint's JSON: ids, numbers, times, people and colours as the mirror stores them.

SimplyPrint's payloads are loosely typed (ids arrive as numbers or digit strings, objects may be
``null``); every writer reads them through these helpers, so one rule decides what counts as an
id or a time.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from django.utils.dateparse import parse_datetime

logger = logging.getLogger(__name__)

#: Integers that identify something are stored in 64-bit columns.
BIGINT_LIMIT = 2**63
#: A colour the page may paint with: ``#RGB``, ``#RRGGBB`` or ``#RRGGBBAA``, nothing else (a
#: colour is put into CSS: ``red;background-image:url(…)`` must never reach it).
HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
#: The keys of a material (or filament) that hold a colour for CSS.
COLOUR_KEYS = ("hex", "colorHex", "color_hex")


class PayloadError(ValueError):
    """The delivery's ``data`` lacks what its event needs. Retrying will not help; the event
    stays visibly failed until the handler is fixed and the event reprocessed."""


@dataclass(frozen=True)
class Subject:
    """Something SimplyPrint can be asked about again: a printer (``printers/Get?pid=``), a job
    (``jobs/GetDetails`` by ``uid``; ``sp_id`` is its id), a queue item (``queue/GetItem``), or
    the queue (``queue/GetItems``; ``sp_id`` a queue group, None for every group)."""

    kind: Literal["printer", "job", "queue_item", "queue"]
    sp_id: int | None = None
    uid: str = ""


class RereadNeeded(Exception):
    """The event says that something changed but not what: processing re-reads ``subjects``
    from SimplyPrint and applies what it finds (``queue.empty_queue`` does not say which items
    went)."""

    def __init__(self, reason: str, subjects: list[Subject]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.subjects = subjects


def as_int(value: Any) -> int | None:
    """An integer that fits the 64-bit columns, from a number or a string of digits; else None.

    A float is truncated (``46.7`` → 46); booleans, non-finite numbers and anything else are
    not numbers here."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
            return None
        value = int(text)
    if isinstance(value, int) and -BIGINT_LIMIT <= value < BIGINT_LIMIT:
        return value
    return None


def as_number(value: Any) -> float | None:
    """A finite number from a number or a numeric string; else None (``"NaN"`` is not one)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    return None


def as_percentage(value: Any) -> int | None:
    """A progress percentage, clamped to 0–100 (SimplyPrint's are whole numbers)."""
    number = as_int(value)
    return None if number is None else max(0, min(100, number))


def as_datetime(value: Any) -> datetime | None:
    """A datetime from an ISO string or Unix seconds; None for anything unreadable (an
    impossible date such as February 30th included)."""
    if isinstance(value, str) and value:
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    return from_unix(value)


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (payload fields may be null)."""
    return value if isinstance(value, dict) else {}


def from_unix(value: Any) -> datetime | None:
    """A UTC datetime from Unix seconds; None for anything that is not a positive time."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def person_name(user: Any) -> str:
    """``first_name last_name`` of a SimplyPrint user object (there is no combined name)."""
    if isinstance(user, str):
        return user
    if not isinstance(user, dict):
        return ""
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)


def printer_id_of(data: dict[str, Any]) -> int | None:
    """The printer an event is about, wherever the payload keeps it."""
    job = as_dict(data.get("job"))
    printer = as_dict(data.get("printer"))
    job_printer = as_dict(job.get("printer"))
    for candidate in (
        printer.get("id"), data.get("printer_id"), job.get("printer_id"), job_printer.get("id"),
        data.get("pid"),
    ):
        found = as_int(candidate)
        if found is not None:
            return found
    return None


def job_id_of(data: dict[str, Any]) -> int | None:
    job = data.get("job")
    return as_int(job.get("id")) if isinstance(job, dict) else None


def job_uid_of(data: dict[str, Any]) -> str:
    """The job's uid (what ``jobs/GetDetails`` takes), wherever the payload keeps it."""
    job = as_dict(data.get("job"))
    for candidate in (job.get("uid"), data.get("job_uid"), data.get("uid")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return ""


#: Where a queue event may keep its item: the documented key first, then names seen elsewhere.
QUEUE_ITEM_KEYS = ("queue_item", "item", "queueItem")


def queue_item_id_of(data: dict[str, Any]) -> int | None:
    for key in QUEUE_ITEM_KEYS:
        item = data.get(key)
        if isinstance(item, dict) and as_int(item.get("id")) is not None:
            return as_int(item.get("id"))
    return as_int(data.get("queue_item_id", data.get("item_id")))


def hex_colour(value: Any) -> str | None:
    """``value`` if it is a hex colour (:data:`HEX_COLOUR`), else None."""
    return value if isinstance(value, str) and HEX_COLOUR.fullmatch(value) else None


def materials(value: Any) -> list[Any]:
    """A printer's loaded materials as stored: a list, each colour either a valid hex colour or
    None (a colour that is not one is dropped and logged; the delivery keeps it as sent)."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    cleaned: list[Any] = []
    for item in value:
        if isinstance(item, dict):
            item = dict(item)
            for key in COLOUR_KEYS:
                if key in item and item[key] is not None and hex_colour(item[key]) is None:
                    logger.warning("material colour %s=%r is not #RGB/#RRGGBB/#RRGGBBAA: dropped",
                                   key, str(item[key])[:80])
                    item[key] = None
        cleaned.append(item)
    return cleaned
