"""Log formatting: plain lines for people, one JSON object a line for log collectors.

``LOG_FORMAT=json`` selects JSON (the production default). Values passed with ``extra=`` (for
example ``extra={"event_id": 42}``) become keys of the JSON object.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

#: Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def build_logging(level: str, log_format: str) -> dict[str, Any]:
    """The ``LOGGING`` dict: the project's and the server's loggers at ``level``, everything
    else at WARNING."""
    formatter = "json" if log_format == "json" else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "config.logging.JsonFormatter"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": formatter}},
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "apps": {"handlers": ["console"], "level": level, "propagate": False},
            "celery": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # manage.py serve: a line per request and per page connected at INFO.
            "uvicorn": {"handlers": ["console"], "level": level, "propagate": False},
        },
    }
