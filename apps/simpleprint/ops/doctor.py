"""``simpleprint_doctor``: check a live SimplyPrint account against what this service assumes.

Read-only unless ``fix`` (then our webhook is registered or repaired). Every finding says what
was checked, what SimplyPrint answered and what to do. The samples SimplyPrint keeps of each
subscribed event (``webhooks/GetSamplePayload``) and one page of ``printers/Get``,
``queue/GetItems`` and ``jobs/GetPaginatedPrintJobs`` go through the service's real parsers in a
dry run (inside a transaction that is rolled back, recording nothing for the pages); a sample
whose shape differs from the one the service expects is named field by field.

The assumptions it checks, and why each matters, are listed in ``docs/simplyprint.md``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db import models, transaction

from ..events.registry import EVENTS, SUBSCRIBED_EVENTS
from ..live.outbox import OutboxRecorder
from ..remote import explain, servertime
from ..remote.client import SimplePrintAPIError, SimplePrintClient
from ..state import changes, jobs, printers, queue
from ..state.jobs import POLLED_STATUSES
from ..state.payload import PayloadError, RereadNeeded, as_dict, as_int
from ..state.printers import ACTIVE_JOB_STATES
from ..state.stamps import EventTime
from ..sync import webhook_manager

Status = Literal["ok", "warn", "fail"]
#: Headers that would tell a client its rate limit (none is documented).
RATE_LIMIT_HEADERS = ("retry-after", "x-ratelimit-limit", "x-ratelimit-remaining",
                      "x-ratelimit-reset", "ratelimit-limit", "ratelimit-remaining",
                      "ratelimit-reset", "ratelimit", "ratelimit-policy")


@dataclass
class Finding:
    check: str
    status: Status
    message: str
    details: list[str] = field(default_factory=list)


@dataclass
class Report:
    account: str
    findings: list[Finding] = field(default_factory=list)
    #: What ``webhooks/GetSamplePayload`` gave per event, as received (``--save-samples``).
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(f.status == "fail" for f in self.findings)

    def add(self, check: str, status: Status, message: str,
            details: list[str] | None = None) -> Finding:
        finding = Finding(check, status, message, details or [])
        self.findings.append(finding)
        return finding

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "account": self.account,
                "findings": [asdict(f) for f in self.findings],
                "summary": {status: sum(f.status == status for f in self.findings)
                            for status in ("ok", "warn", "fail")}}


# --- comparing shapes --------------------------------------------------------------------------

def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"


def shape_differences(expected: Any, actual: Any, path: str = "data") -> list[str]:
    """Where ``actual`` differs in shape from ``expected`` (keys and JSON types, not values),
    one line per field. Null on either side matches anything (SimplyPrint sends null for
    absent values). Keys nobody expects are named only beside a missing one (they may carry
    what it meant); elsewhere they are harmless additions."""
    if expected is None or actual is None:
        return []
    if isinstance(expected, dict) and actual == []:
        actual = {}  # PHP writes an empty object as an empty array
    if _kind(expected) != _kind(actual):
        return [f"{path}: {_kind(actual)}, expected {_kind(expected)}"]
    if isinstance(expected, dict):
        lines = [f"{path}.{key}: missing (expected {_kind(value)})"
                 for key, value in expected.items() if key not in actual]
        if lines:
            lines += [f"{path}.{key}: not expected ({_kind(value)})"
                      for key, value in actual.items() if key not in expected]
        for key in expected.keys() & actual.keys():
            lines += shape_differences(expected[key], actual[key], f"{path}.{key}")
        return lines
    if isinstance(expected, list) and expected and actual:
        return shape_differences(expected[0], actual[0], f"{path}[]")
    return []


# --- the dry run -------------------------------------------------------------------------------

class _Rollback(Exception):
    pass


class DryRecorder(OutboxRecorder):
    """Compares what the pages would be shown, as the outbox does; records nothing."""

    def record(self, row: models.Model) -> None:
        pass

    def names(self, changed: dict[str, dict[str, str]]) -> None:
        pass


@contextlib.contextmanager
def dry_run() -> Iterator[None]:
    """Run the writers for real, then roll everything back; nothing reaches the pages."""
    with changes.recording_with(DryRecorder()), contextlib.suppress(_Rollback), \
            transaction.atomic():
        yield
        raise _Rollback


def _dry(apply: Callable[[], object]) -> str | None:
    """Apply in a dry run; None when it went through, else what stopped it."""
    outcome: str | None = None
    with dry_run():
        try:
            apply()
        except RereadNeeded as exc:
            outcome = f"re-read: {exc.reason}"
        except PayloadError as exc:
            outcome = f"PayloadError: {exc}"
        except Exception as exc:  # reported as a finding: the service would fail the same way
            outcome = f"{type(exc).__name__}: {exc}"
    return outcome


# --- the checks --------------------------------------------------------------------------------

class Doctor:
    def __init__(self, client: SimplePrintClient, *, fix: bool = False,
                 sample_limit: int = 1) -> None:
        self.client = client
        self.fix = fix
        self.sample_limit = sample_limit
        self.report = Report(f"company {client.company_id} at {client.base_url}")
        self.headers_seen: set[str] = set()

    def call(self, read: Callable[[], Any]) -> Any:
        try:
            return read()
        finally:
            self.headers_seen |= {name.lower() for name in self.client.last_headers}

    def refusal(self, error: SimplePrintAPIError, *, webhooks: bool = False) -> str:
        return f"{error} — {explain.hint(error, self.client.base_url, webhooks=webhooks)}"

    def run(self) -> Report:
        self.configuration()
        if not self.account():
            self.report.add("other checks", "warn", "not run: the account check failed")
            return self.report
        self.clock()
        hooks = self.webhooks()
        if hooks is not None:
            self.registration(hooks)
            self.samples()
        self.printers()
        self.queue()
        self.jobs()
        self.names()
        self.rate_limit()
        return self.report

    def configuration(self) -> None:
        config = settings.SIMPLEPRINT_CONFIG
        problems = []
        if not config["api_key"]:
            problems.append("SIMPLEPRINT_API_KEY is not set")
        if not config["webhook_secret"]:
            problems.append("SIMPLEPRINT_WEBHOOK_SECRET is not set: deliveries cannot be "
                            "authenticated")
        public = webhook_manager.receiver_url()
        if public.startswith("http://") and not any(
                host in public for host in ("127.0.0.1", "localhost", "[::1]")):
            problems.append(f"the receiver {public} is not HTTPS")
        detail = [f"receiver URL: {public}", f"rate limit: {config['rate_limit']}/min"]
        if problems:
            self.report.add("configuration", "fail", "; ".join(problems), detail)
        else:
            self.report.add("configuration", "ok", "API key, secret and public URL are set",
                            detail)

    def account(self) -> bool:
        try:
            message = self.call(self.client.test_account)
        except SimplePrintAPIError as exc:
            self.report.add("account", "fail", f"account/Test: {self.refusal(exc)}")
            return False
        try:
            user = self.call(self.client.get_user)
        except SimplePrintAPIError as exc:
            self.report.add("account", "warn", f"account/Test says {message!r}, but "
                            f"account/GetUser (what SimplyPrint's integrations use) refused: "
                            f"{self.refusal(exc)}")
            return True
        company, person = as_dict(user.get("company")), as_dict(user.get("user"))
        who = f"as {person.get('name') or person.get('id') or 'an unnamed user'}"
        if not company:
            self.report.add("account", "ok", f"the key works {who}; account/GetUser does not "
                            "name the company for this key, so the company id is only checked "
                            "by account/Test", [f"account/Test: {message}"])
        elif as_int(company.get("id")) != self.client.company_id:
            self.report.add("account", "fail", f"the key belongs to company {company.get('id')} "
                            f"({company.get('name')}), not {self.client.company_id}: check "
                            "SIMPLEPRINT_COMPANY_ID")
            return False
        else:
            self.report.add("account", "ok", f"the key works {who} for company "
                            f"{company.get('id')} ({company.get('name')})",
                            [f"account/Test: {message}"])
        return True

    def clock(self) -> None:
        date = self.client.last_date
        if date is None:
            self.report.add("clock", "warn", "SimplyPrint's answers carry no Date header: polls "
                            "are stamped with this machine's clock, deliveries with SimplyPrint's")
            return
        skew = servertime.offset()
        limit = settings.SIMPLEPRINT_CONFIG["max_clock_skew"]
        status: Status = "ok" if abs(skew) < limit / 2 else "warn"
        self.report.add("clock", status, f"SimplyPrint's clock is {skew:+.1f} s from this "
                        f"machine's; polls are stamped with SimplyPrint's (deliveries more than "
                        f"{limit:.0f} s ahead are ordered by their receipt)")

    def webhooks(self) -> list[dict[str, Any]] | None:
        try:
            hooks: list[dict[str, Any]] = self.call(self.client.list_webhooks)
        except SimplePrintAPIError as exc:
            self.report.add("webhooks", "fail", f"webhooks/Get: {self.refusal(exc, webhooks=True)}"
                            "; the service polls instead")
            return None
        self.report.add("webhooks", "ok", f"the webhook API answers ({len(hooks)} registered): "
                        "the Print Farm plan and the webhooks_manage permission are there")
        return hooks

    def registration(self, hooks: list[dict[str, Any]]) -> None:
        url = webhook_manager.receiver_url()
        ours = [h for h in hooks if webhook_manager.same_url(h.get("url"), url)]
        problems = []
        if not ours:
            problems.append(f"no webhook points at {url}")
        else:
            hook = ours[0]
            if not hook.get("enabled"):
                problems.append(f"webhook {hook.get('id')} is disabled")
            if (hook.get("secret") or "") != settings.SIMPLEPRINT_CONFIG["webhook_secret"]:
                problems.append(f"webhook {hook.get('id')} has another secret than "
                                "SIMPLEPRINT_WEBHOOK_SECRET")
            missing = sorted(set(SUBSCRIBED_EVENTS) - set(hook.get("events") or []))
            if missing:
                problems.append(f"webhook {hook.get('id')} misses {len(missing)} event(s): "
                                f"{', '.join(missing)}")
            if len(ours) > 1:
                problems.append(f"{len(ours)} webhooks point at {url}")
        if not problems:
            self.report.add("registration", "ok", f"webhook {ours[0].get('id')} points at {url}, "
                            "enabled, with our secret and every subscribed event")
            return
        if not self.fix:
            self.report.add("registration", "fail", "; ".join(problems),
                            ["fix: run with --fix, or `manage.py register_webhooks`"])
            return
        try:
            webhook, action = self.call(lambda: webhook_manager.ensure_registered(
                client=self.client))
        except SimplePrintAPIError as exc:
            self.report.add("registration", "fail", f"{'; '.join(problems)}; registering failed: "
                            f"{self.refusal(exc, webhooks=True)}")
            return
        self.report.add("registration", "ok", f"fixed: webhook {webhook.get('id')} {action} "
                        f"({'; '.join(problems)})")

    def samples(self) -> None:
        for event in SUBSCRIBED_EVENTS:
            try:
                samples = self.call(functools.partial(self.client.get_sample_payloads, event,
                                                      self.sample_limit))
            except SimplePrintAPIError as exc:
                self.report.add("samples", "warn", "webhooks/GetSamplePayload is not available "
                                f"({exc}): delivery shapes not checked")
                return
            self.report.samples[event] = samples
            self.sample(event, samples)

    def sample(self, event: str, samples: list[dict[str, Any]]) -> None:
        check = f"sample {event}"
        if not samples:
            self.report.add(check, "warn", "SimplyPrint has no sample of this event")
            return
        spec = EVENTS[event]
        assert spec.sample is not None and spec.effect is not None
        effect = spec.effect
        sample = samples[0]
        source = str(sample.get("source") or "unknown")
        where = "a real delivery" if source == "real" else f"{source}, not a real delivery"
        data = sample.get("data")
        data = {} if data == [] else data
        expected = spec.sample(spec, 1, int(sample.get("timestamp") or 0))
        differences = shape_differences(expected, data)
        if not isinstance(data, dict):
            self.report.add(check, "fail", f"data is {_kind(data)} ({where})")
            return
        timestamp = as_int(sample.get("timestamp")) or 0
        stopped = _dry(lambda: effect.apply(event, data, EventTime(timestamp, 0)))
        if stopped is not None and not stopped.startswith("re-read:"):
            self.report.add(check, "fail", f"the service cannot apply it ({where}): {stopped}; "
                            "such a delivery is applied by re-reading SimplyPrint",
                            differences)
        elif differences:
            self.report.add(check, "warn", f"applied, but its shape differs from the one "
                            f"assumed ({where})", differences)
        else:
            self.report.add(check, "ok", f"shape as assumed, applied ({where})"
                            + (f"; {stopped}" if stopped else ""))

    def _rows(self, check: str, rows: list[dict[str, Any]], required: tuple[str, ...],
              apply: Callable[[dict[str, Any]], object],
              states: Callable[[dict[str, Any]], str | None]) -> None:
        problems: list[str] = []
        for row in rows:
            missing = [key for key in required if _path(row, key) is None]
            if missing:
                problems.append(f"row {row.get('id')}: missing {', '.join(missing)}")
            state = states(row)
            if state is not None:
                problems.append(f"row {row.get('id')}: unknown state {state!r}")
            stopped = _dry(functools.partial(apply, row))
            if stopped is not None:
                problems.append(f"row {row.get('id')}: {stopped}")
        if problems:
            self.report.add(check, "fail", f"{len(problems)} problem(s) in {len(rows)} row(s)",
                            problems)
        else:
            self.report.add(check, "ok", f"{len(rows)} row(s) read as assumed")

    def printers(self) -> None:
        try:
            page = self.call(lambda: self.client.get_printers(page=1, page_size=100))
        except SimplePrintAPIError as exc:
            self.report.add("printers/Get", "fail", self.refusal(exc))
            return
        fetched = self.client.last_date or 0.0

        def apply(row: dict[str, Any]) -> None:
            job_row = row.get("job") if isinstance(row.get("job"), dict) else None
            job = jobs.apply_job_row(job_row, fetched, as_int(row.get("id"))) if job_row else None
            printers.apply_poll_row(row, fetched, job)

        def unknown(row: dict[str, Any]) -> str | None:
            state = str(as_dict(row.get("job")).get("state") or "").lower()
            known = state in POLLED_STATUSES or state in ACTIVE_JOB_STATES
            return None if not state or known else state

        self._rows("printers/Get", page.items, ("id", "printer.name", "printer.state",
                                                "printer.online"), apply, unknown)

    def queue(self) -> None:
        try:
            page = self.call(lambda: self.client.get_queue_page(1, 100))
            listing = self.call(self.client.get_queue_listing)
        except SimplePrintAPIError as exc:
            self.report.add("queue/GetItems", "fail", self.refusal(exc))
            return
        fetched = self.client.last_date or 0.0
        if page.total is None:
            self.report.add("queue/GetItems", "warn", "the paged form gives no total: a "
                            "snapshot can never be shown complete, so no item is marked deleted "
                            "by it")
        def apply(row: dict[str, Any]) -> None:
            queue.apply_queue_snapshot([row], fetched, complete=False)

        self._rows("queue/GetItems", [*page.items, *listing.done_items], ("id", "filename"),
                   apply, lambda row: None)

    def jobs(self) -> None:
        try:
            page = self.call(lambda: self.client.get_jobs(page=1, page_size=25))
        except SimplePrintAPIError as exc:
            self.report.add("jobs/GetPaginatedPrintJobs", "fail", self.refusal(exc))
            return
        fetched = self.client.last_date or 0.0

        def unknown(row: dict[str, Any]) -> str | None:
            status = str(row.get("status") or "").lower()
            return None if status in POLLED_STATUSES else status

        self._rows("jobs/GetPaginatedPrintJobs", page.items, ("id", "status", "printer"),
                   lambda row: jobs.apply_job_row(row, fetched), unknown)

    def names(self) -> None:
        reads = (("groups/Get", self.client.get_printer_groups),
                 ("tags/Get", self.client.get_tags),
                 ("queue/groups/Get", self.client.get_queue_groups))
        found, problems = [], []
        for endpoint, read in reads:
            try:
                found.append(f"{endpoint}: {len(self.call(read))}")
            except SimplePrintAPIError as exc:
                problems.append(f"{endpoint}: {self.refusal(exc)}")
        if problems:
            self.report.add("names", "warn", "some names cannot be read: the page shows ids "
                            "there", [*found, *problems])
        else:
            self.report.add("names", "ok", "group, tag and queue group names read", found)

    def rate_limit(self) -> None:
        seen = sorted(self.headers_seen & set(RATE_LIMIT_HEADERS))
        limit = settings.SIMPLEPRINT_CONFIG["rate_limit"]
        if seen:
            self.report.add("rate limit", "ok", f"SimplyPrint sends {', '.join(seen)}; this "
                            f"service keeps to SIMPLEPRINT_RATE_LIMIT={limit}/min and honours "
                            "Retry-After")
        else:
            self.report.add("rate limit", "warn", "no rate-limit header seen: SimplyPrint does "
                            f"not publish its limit; this service keeps to "
                            f"SIMPLEPRINT_RATE_LIMIT={limit}/min and backs off on 429")


def _path(row: dict[str, Any], dotted: str) -> Any:
    value: Any = row
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


#: The doctor makes about 40 calls (one per subscribed event's sample): within the shared
#: budget it waits for free slots rather than fail a check.
MAX_WAIT_SECONDS = 90.0


def run(*, fix: bool = False, client: SimplePrintClient | None = None,
        sample_limit: int = 1) -> Report:
    """Check the configured account (or ``client``'s)."""
    if client is not None:
        return Doctor(client, fix=fix, sample_limit=sample_limit).run()
    with SimplePrintClient(max_wait=MAX_WAIT_SECONDS) as own:
        return Doctor(own, fix=fix, sample_limit=sample_limit).run()
