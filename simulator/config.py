"""Simulator configuration: one dataclass, filled from CLI options and ``SIMULATOR_*`` env vars."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

#: The values each multiple-choice switch takes (the first is the default).
CHOICES: dict[str, tuple[str, ...]] = {
    "webhooks_refusal": ("404", "403", "401", "status_false", "500", "timeout"),
    "last_job": ("keep", "drop"),
    "shapes": ("assumed", "unexpected_keys", "missing_keys"),
    "job_done_state": ("completed", "done"),
    "skipped_objects": ("objects", "ids"),
    "empty_queue_group": ("id", "null", "object"),
}
#: The switches that can also be changed while running (``/_sim/control``).
SWITCHES: tuple[str, ...] = (*CHOICES, "retry_after", "empty_as_list", "getuser_company",
                             "sample_payloads", "custom_tags", "slow_seconds")


@dataclass
class SimConfig:
    host: str = field(default="127.0.0.1", metadata={"help": "bind address"})
    port: int = field(default=8100, metadata={"help": "bind port"})
    printers: int = field(default=12, metadata={"help": "number of printers"})
    seed: int = field(default=1, metadata={"help": "random seed (same seed = same farm)"})
    speed: float = field(default=60.0, metadata={"help": "simulated seconds per real second"})
    pace: float = field(default=1.0, metadata={
        "help": "durations and gaps compressed this many times, timestamps kept (use with "
                "--speed 1 for a demo whose times are the wall clock's)"})
    company_id: int = field(default=1, metadata={"help": "the only company id the key may use"})
    api_key: str = field(default="simulator-key", metadata={"help": "accepted X-API-KEY"})
    rate_limit: int = field(default=600, metadata={"help": "requests/minute per key (0 = off)"})
    webhooks: bool = field(
        default=True, metadata={"help": "webhooks available (off: webhooks/* answer 404)"})
    clock: str = field(default="real", metadata={"help": "real or manual"})
    start_time: float | None = field(
        default=None, metadata={"help": "simulated start (Unix s); default now, manual 1767225600"})
    natural: bool = field(
        default=True, metadata={"help": "random farm activity (off: only scheduled consequences)"})
    drop: float = field(default=0.0, metadata={"help": "probability a delivery is never sent"})
    duplicate: float = field(default=0.0, metadata={"help": "probability a delivery is sent twice"})
    reorder: float = field(
        default=0.0, metadata={"help": "probability a delivery is held until after the next one"})
    retry_base: float = field(default=1.0, metadata={"help": "first retry delay, real seconds"})
    retry_attempts: int = field(default=6, metadata={"help": "max delivery attempts"})
    delivery_timeout: float = field(default=5.0, metadata={"help": "delivery HTTP timeout (s)"})
    delivery_concurrency: int = field(default=8, metadata={"help": "parallel deliveries"})
    reorder_hold: float = field(
        default=2.0, metadata={"help": "max real seconds a reordered delivery is held"})
    tick: float = field(default=0.25, metadata={"help": "real seconds between farm updates"})
    log_level: str = field(default="info", metadata={"help": "uvicorn log level"})
    # --- where SimplyPrint's behaviour is unknown: one switch per alternative ---------------
    webhooks_refusal: str = field(default="404", metadata={
        "help": "how webhooks/* refuse while webhooks are unavailable: 404, 403, 401, "
                "status_false (200 with status false), 500 or timeout"})
    slow_seconds: float = field(
        default=30.0, metadata={"help": "how long a 'timeout' refusal keeps the caller waiting"})
    last_job: str = field(default="keep", metadata={
        "help": "printers/Get job after a print ends: keep (until the bed is cleared) or drop"})
    retry_after: bool = field(default=True, metadata={"help": "429 answers carry Retry-After"})
    empty_as_list: bool = field(default=False, metadata={
        "help": "empty JSON objects are sent as [] (PHP) in deliveries and answers"})
    shapes: str = field(default="assumed", metadata={
        "help": "data of the events without a published sample: assumed, unexpected_keys "
                "or missing_keys"})
    job_done_state: str = field(default="completed", metadata={
        "help": "job state of a finished job in deliveries, printers/Get and GetDetails: "
                "completed (SimplyPrint's samples) or done"})
    skipped_objects: str = field(default="objects", metadata={
        "help": "skippedObjects elements: objects (SimplyPrint's type) or ids"})
    empty_queue_group: str = field(default="id", metadata={
        "help": "queue.empty_queue group: id (0 = every group), null (null = every group) or "
                "object ({id, name}; null = every group)"})
    getuser_company: bool = field(default=True, metadata={
        "help": "account/GetUser answers with the company (unknown for API keys)"})
    sample_payloads: bool = field(default=True, metadata={
        "help": "webhooks/GetSamplePayload exists (older backends: 404)"})
    custom_tags: bool = field(default=True, metadata={
        "help": "the account has custom tags (off: tags/Get answers status false)"})

    def __post_init__(self) -> None:
        if self.clock not in ("real", "manual"):
            raise ValueError("clock must be 'real' or 'manual'")
        for name in ("drop", "duplicate", "reorder"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for name, choices in CHOICES.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}")


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _converter(annotation: Any) -> Any:
    text = str(annotation)
    if "bool" in text:
        return _parse_bool
    if "int" in text:
        return int
    if "float" in text:
        return float
    return str


def from_args(argv: Sequence[str] | None = None,
              env: Mapping[str, str] | None = None) -> SimConfig:
    """Build a config: defaults < ``SIMULATOR_<FIELD>`` env vars < CLI options."""
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="python -m simulator",
                                     description="Local SimplyPrint API + webhook simulator")
    values: dict[str, Any] = {}
    try:
        for f in fields(SimConfig):
            raw = env.get(f"SIMULATOR_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _converter(f.type)(raw)
        if "SIMULATOR_NO_WEBHOOKS" in env and _parse_bool(env["SIMULATOR_NO_WEBHOOKS"]):
            values["webhooks"] = False
    except ValueError as exc:
        parser.error(f"bad SIMULATOR_* environment value: {exc}")
    for f in fields(SimConfig):
        flag = "--" + f.name.replace("_", "-")
        conv = _converter(f.type)
        if conv is _parse_bool:
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction,
                                default=argparse.SUPPRESS, help=f.metadata.get("help"))
        else:
            parser.add_argument(flag, dest=f.name, type=conv, default=argparse.SUPPRESS,
                                help=f.metadata.get("help"))
    values.update(vars(parser.parse_args(argv)))
    try:
        return SimConfig(**values)
    except ValueError as exc:
        parser.error(str(exc))
