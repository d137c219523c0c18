"""Reading request parameters and the API's error answers.

``ApiError(status, message)`` is answered as ``{"status": false, "message": ...}``; ``invalid`` is
the 400 ``"<field>: <reason>"``; ``farm_call`` turns a farm refusal into a 400 with its message.
The ``opt_*``/``req_*`` readers take a mapping (the query string or the JSON body) and a field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simulator.domain.farm import FarmError

INVALID_ENUM = "Invalid enum value specified!"


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def ok(**payload: Any) -> dict[str, Any]:
    return {"status": True, "message": None, **payload}


def invalid(field: str, reason: str) -> ApiError:
    return ApiError(400, f"{field}: {reason}")


def as_int(field: str, value: Any) -> int:
    if isinstance(value, bool):
        raise invalid(field, "Must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(field, "Must be an integer") from None


def opt_int(src: Mapping[str, Any], field: str, default: int | None = None, *,
            low: int | None = None, high: int | None = None) -> int | None:
    value = src.get(field)
    if value is None or value == "":
        return default
    number = as_int(field, value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise invalid(field, f"Must be between {low} and {high}" if high is not None
                      else f"Must be at least {low}")
    return number


def req_int(src: Mapping[str, Any], field: str, **bounds: int) -> int:
    if src.get(field) in (None, ""):
        raise invalid(field, "This field is required")
    number = opt_int(src, field, **bounds)
    assert number is not None
    return number


def int_list(field: str, value: Any) -> list[int]:
    """A CSV string (``"12,13"``), one int, or a JSON array of ints."""
    if isinstance(value, str):
        parts = [p for p in (x.strip() for x in value.split(",")) if p]
    elif isinstance(value, list):
        parts = value
    else:
        parts = [value]
    return [as_int(f"{field}.{i}" if isinstance(value, list) else field, p)
            for i, p in enumerate(parts)]


def req_ids(src: Mapping[str, Any], field: str) -> list[int]:
    ids = int_list(field, src.get(field)) if src.get(field) not in (None, "", []) else []
    if not ids:
        raise invalid(field, "This field is required")
    return ids


def opt_ids(src: Mapping[str, Any], field: str) -> list[int] | None:
    value = src.get(field)
    return None if value is None else int_list(field, value)


def opt_bool(src: Mapping[str, Any], field: str, default: bool) -> bool:
    value = src.get(field)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.lower() in (
            "0", "1", "true", "false")):
        return str(value).lower() in ("1", "true")
    raise invalid(field, "Must be a boolean")


def opt_str(src: Mapping[str, Any], field: str, *, max_len: int | None = None) -> str | None:
    value = src.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(field, "Must be a string")
    if max_len is not None and len(value) > max_len:
        raise invalid(field, f"Must be at most {max_len} characters")
    return value


def farm_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except FarmError as exc:
        raise ApiError(400, str(exc)) from None
