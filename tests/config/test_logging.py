"""JSON log lines: one object a line, with the values passed through ``extra``."""

from __future__ import annotations

import json
import logging

from config.logging import JsonFormatter, build_logging


def format_record(**extra: object) -> dict[str, object]:
    logger = logging.getLogger("apps.simpleprint.tests")
    record = logger.makeRecord(logger.name, logging.WARNING, __file__, 1,
                               "event %s failed", (42,), None, extra=extra)
    return json.loads(JsonFormatter().format(record))


def test_a_record_is_one_json_object_with_its_message() -> None:
    entry = format_record()
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "apps.simpleprint.tests"
    assert entry["message"] == "event 42 failed"
    assert "time" in entry


def test_event_id_given_in_extra_is_a_key() -> None:
    assert format_record(event_id=42)["event_id"] == 42


def test_exceptions_are_kept_in_the_object() -> None:
    try:
        raise ValueError("bad payload")
    except ValueError:
        import sys

        record = logging.LogRecord("apps", logging.ERROR, __file__, 1, "boom", None,
                                   sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: bad payload" in str(entry["exc_info"])


def test_log_format_json_selects_the_json_formatter() -> None:
    assert build_logging("INFO", "json")["handlers"]["console"]["formatter"] == "json"
    assert build_logging("INFO", "plain")["handlers"]["console"]["formatter"] == "plain"
