"""The webhook envelope (``simplyprint-api.md`` §9.2): parsing and validating a delivery.

SimplyPrint's envelope is ``{webhook_id, event, timestamp, data}`` with no event id, so the
dedup key is a hash of the canonical body.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from ..state.payload import BIGINT_LIMIT
from .registry import canonical_name


class EnvelopeError(ValueError):
    """A delivery whose body is not a SimplyPrint envelope; the message says why."""


@dataclass(frozen=True)
class Envelope:
    webhook_id: int | None
    event: str
    timestamp: int
    data: dict[str, Any]
    raw: dict[str, Any]

    @property
    def canonical_event(self) -> str:
        return canonical_name(self.event)

    @property
    def dedup_key(self) -> str:
        """SHA-256 of the canonical JSON of the whole envelope: a retried delivery hashes equal."""
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


#: Deepest nesting of arrays and objects accepted in a delivery (SimplyPrint's are ~4 deep).
MAX_DEPTH = 32


def _reject_constant(name: str) -> Any:
    raise EnvelopeError(f"The body contains {name}, which JSON does not allow.")


def _check_storable(value: Any) -> None:
    """Refuse what parses as JSON in Python but cannot be stored faithfully (PostgreSQL's jsonb
    refuses it, and a 503 would make SimplyPrint retry a hopeless delivery forever): nesting
    deeper than :data:`MAX_DEPTH`, infinite numbers (``1e999``), NUL characters and unpaired
    surrogates (``"\\ud800"``) in strings or keys."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise EnvelopeError("The body contains a NUL character (\\u0000).")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise EnvelopeError("The body contains an unpaired UTF-16 surrogate.") from None
        elif isinstance(item, float) and not math.isfinite(item):
            raise EnvelopeError("The body contains a number too large for a float.")
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise EnvelopeError(f"The body is nested deeper than {MAX_DEPTH} levels.")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def parse_envelope(body: bytes) -> Envelope:
    """Parse and validate a delivery body. Raises :class:`EnvelopeError` with a clear message."""
    try:
        raw = json.loads(body, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, too many digits
        raise EnvelopeError(f"The body is not valid JSON: {exc}") from None
    except RecursionError:
        raise EnvelopeError(f"The body is nested deeper than {MAX_DEPTH} levels.") from None
    _check_storable(raw)
    if not isinstance(raw, dict):
        raise EnvelopeError("The body must be a JSON object with event, timestamp and data.")
    missing = [key for key in ("event", "timestamp", "data") if key not in raw]
    if missing:
        raise EnvelopeError(f"The envelope is missing: {', '.join(missing)}.")
    event, timestamp, data = raw["event"], raw["timestamp"], raw["data"]
    if not isinstance(event, str) or not event.strip() or len(event) > 100:
        raise EnvelopeError("'event' must be a non-empty string of at most 100 characters.")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise EnvelopeError("'timestamp' must be an integer (Unix seconds).")
    if not 0 <= timestamp < 2**42:
        raise EnvelopeError("'timestamp' is out of range for Unix seconds.")
    if data == []:  # PHP encodes an empty object as an empty array
        data = {}
    if not isinstance(data, dict):
        raise EnvelopeError("'data' must be a JSON object.")
    webhook_id = raw.get("webhook_id")
    if webhook_id is not None and (isinstance(webhook_id, bool) or not isinstance(webhook_id, int)
                                   or not -BIGINT_LIMIT <= webhook_id < BIGINT_LIMIT):
        raise EnvelopeError("'webhook_id' must be a 64-bit integer when present.")
    return Envelope(webhook_id=webhook_id, event=event, timestamp=timestamp, data=data, raw=raw)
