"""The one door to SimplyPrint's REST API (the contract: docs/simplyprint.md).

Every call: waits for a slot of the shared rate limit, sends ``X-API-KEY``, ``Accept:
application/json`` and a ``User-Agent``, puts each parameter where the contract says (query Q or
JSON body B, never both), is counted in :mod:`.api_usage`, and succeeds only on a 2xx whose
``status`` (or ``success``) is true; anything else raises :class:`SimplePrintAPIError`.

Retries, with exponential backoff and jitter, honouring ``Retry-After``:
- 429 on any call (SimplyPrint did not execute it); the shared limiter pauses too;
- 5xx and transport errors on reads (and idempotent writes such as ``SetEnabled``);
- a connection that could not be opened (the request never left) on any call.
Other 4xx are never retried. A state-changing call that timed out (or lost its connection after
sending) raises :class:`SimplePrintOutcomeUnknown`: re-read the state before trying again.

Every answer's ``Date`` header is SimplyPrint's clock (:mod:`.servertime`): ``last_date`` is the
time of the latest answer, the stamp a poll is ordered by. ``last_headers`` keeps the latest
answer's headers (the doctor looks for rate-limit headers there).
"""

from __future__ import annotations

import email.utils
import functools
import logging
import random
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx
from django.conf import settings

from . import api_usage, servertime
from .ratelimit import RateLimiter, RateLimitTimeout, get_limiter

logger = logging.getLogger(__name__)

VERSION = "0.1.0"
USER_AGENT = f"printfarm/{VERSION} (+SimplyPrint integration)"
#: Transport errors raised before the request was sent: safe to retry any call.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class SimplePrintAPIError(Exception):
    """SimplyPrint refused a call, or could not be asked. ``str()`` is ``HTTP error 429: Too
    Many Requests`` style; ``status`` is the HTTP code (0 when there was no answer)."""

    def __init__(self, status: int, message: str, endpoint: str) -> None:
        super().__init__(status, message, endpoint)
        self.status = status
        self.message = message
        self.endpoint = endpoint

    def __str__(self) -> str:
        return f"HTTP error {self.status}: {self.message}"


class SimplePrintConnectionError(SimplePrintAPIError):
    """No answer: connection refused, DNS failure, timeout on a read."""

    def __init__(self, base_url: str, detail: str, endpoint: str) -> None:
        super().__init__(0, detail, endpoint)
        self.base_url = base_url

    def __str__(self) -> str:
        return f"cannot reach {self.base_url} ({self.endpoint}): {self.message}"


class SimplePrintOutcomeUnknown(SimplePrintConnectionError):
    """A state-changing call was sent but no answer came: it may or may not have happened."""

    def __str__(self) -> str:
        return (f"outcome unknown: {self.endpoint} was sent to {self.base_url} but no answer "
                f"came ({self.message}); re-read the state before trying again")


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    page_amount: int
    #: The whole count, when SimplyPrint gives it (``total``).
    total: int | None = None


@dataclass(frozen=True)
class QueueSnapshot:
    """The whole print queue as ``queue/GetItems`` lists it (see :meth:`get_queue`).

    ``items``: live items (the paginated POST form's pages, plus what the GET form lists beside
    them, such as denied items); ``done_items``: finished ones; ``groups``: the queue groups.
    ``complete`` says whether every page arrived and agreed on the total: only a complete
    snapshot may show that an item is gone."""

    items: list[dict[str, Any]]
    done_items: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    complete: bool


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _listed(value: Any) -> list[dict[str, Any]]:
    """A list of objects from a list, or from an object keyed by id (PHP arrays)."""
    rows = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [row for row in rows if isinstance(row, dict)]


def _ids(value: int | Iterable[int]) -> str:
    """A printer id or ids as the CSV string SimplyPrint reads (``"12,13"``)."""
    if isinstance(value, int):
        return str(value)
    return ",".join(str(int(v)) for v in value)


def _unix(value: int | float | datetime | str) -> str:
    if isinstance(value, datetime):
        return str(int(value.timestamp()))
    if isinstance(value, int | float):
        return str(int(value))
    return value


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every client of the process: building one loads the CA bundle, tens
    of milliseconds with the GIL held, which stalled the live pages at each sync tick."""
    return httpx.create_ssl_context()


class SimplePrintClient:
    """Sync client; one ``httpx.Client`` per instance. Use as a context manager, or ``close()``.

    Account and timeout default to ``settings.SIMPLEPRINT_CONFIG``; retry tuning defaults to its
    optional keys ``max_attempts`` (4), ``backoff_base`` (0.5 s), ``backoff_max`` (10 s) and
    ``max_wait`` (30 s: the longest a call waits for the rate limit or a ``Retry-After``).
    """

    def __init__(self, base_url: str | None = None, company_id: int | None = None,
                 api_key: str | None = None, *, timeout: float | None = None,
                 limiter: RateLimiter | None = None, rate_limit: int | None = None,
                 max_attempts: int | None = None, backoff_base: float | None = None,
                 backoff_max: float | None = None, max_wait: float | None = None) -> None:
        config = settings.SIMPLEPRINT_CONFIG
        self.base_url = (base_url or config["base_url"]).rstrip("/")
        self.company_id = int(config["company_id"] if company_id is None else company_id)
        api_key = config["api_key"] if api_key is None else api_key
        self.max_attempts = max(1, int(max_attempts or config.get("max_attempts", 4)))
        self.backoff_base = config.get("backoff_base", 0.5) if backoff_base is None \
            else backoff_base
        self.backoff_max = config.get("backoff_max", 10.0) if backoff_max is None \
            else backoff_max
        self.max_wait = config.get("max_wait", 30.0) if max_wait is None else max_wait
        self.last_date: float | None = None
        self.last_headers: dict[str, str] = {}
        #: Requests sent by this client (each attempt counts).
        self.api_calls = 0
        self.limiter = limiter or get_limiter(
            api_usage.account_name(self.base_url, self.company_id, api_key),
            int(config["rate_limit"] if rate_limit is None else rate_limit))
        #: The last call asked of SimplyPrint: ``{method, endpoint, query, body}`` (what the
        #: audit trail keeps of an operator action).
        self.last_request: dict[str, Any] = {}
        self._http = httpx.Client(
            base_url=f"{self.base_url}/{self.company_id}/",
            timeout=float(timeout or config.get("timeout", 10.0)),
            verify=tls_context(),
            headers={"X-API-KEY": api_key, "Accept": "application/json",
                     "User-Agent": USER_AGENT},
        )

    def __enter__(self) -> SimplePrintClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- the request pipeline --------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": between half and all of base·2^(n-1)."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _acquire(self, endpoint: str) -> None:
        try:
            self.limiter.acquire(max_wait=self.max_wait)
        except RateLimitTimeout as exc:
            api_usage.record(endpoint, "throttled")
            raise SimplePrintAPIError(429, str(exc), endpoint) from exc

    def _observe(self, response: httpx.Response, sent: float) -> None:
        """Remember the answer's headers and SimplyPrint's clock (its ``Date``)."""
        self.last_headers = dict(response.headers)
        server_date = servertime.parse_date(response.headers.get("Date"))
        if server_date is not None:
            self.last_date = server_date
            servertime.observe(server_date, sent, time.time())

    def _call(self, method: str, endpoint: str, *, params: dict[str, Any] | None = None,
              body: dict[str, Any] | None = None, idempotent: bool,
              company_id: int | None = None) -> dict[str, Any]:
        """One call; ``company_id`` replaces the configured company in the path (``0`` for the
        account-level calls)."""
        url = endpoint if company_id is None else f"{self.base_url}/{company_id}/{endpoint}"
        self.last_request = {"method": method, "endpoint": endpoint, "body": body,
                             "query": {k: str(v) for k, v in (params or {}).items()}}
        attempt = 0
        while True:
            attempt += 1
            self._acquire(endpoint)
            sent = time.time()
            self.api_calls += 1
            try:
                response = self._http.request(method, url, params=params, json=body)
            except httpx.TransportError as exc:
                api_usage.record(endpoint, "error")
                detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if not idempotent and not isinstance(exc, NOT_SENT):
                    raise SimplePrintOutcomeUnknown(self.base_url, detail, endpoint) from exc
                if attempt >= self.max_attempts:
                    raise SimplePrintConnectionError(self.base_url, detail, endpoint) from exc
                delay = self._backoff(attempt)
                logger.info("SimplyPrint %s: %s; retry %d in %.2f s", endpoint, detail,
                            attempt, delay)
                time.sleep(delay)
                continue
            self._observe(response, sent)
            try:
                answer = response.json()
            except ValueError:
                answer = None
            answer = answer if isinstance(answer, dict) else {}
            succeeded = answer.get("status", answer.get("success")) is True
            if response.is_success and succeeded:
                api_usage.record(endpoint, "ok")
                return answer
            status = response.status_code
            api_usage.record(endpoint, str(status))
            message = str(answer.get("message") or response.reason_phrase or "request refused")
            error = SimplePrintAPIError(status, message, endpoint)
            hinted = _retry_after(response)
            delay = self._backoff(attempt) if hinted is None \
                else hinted + random.uniform(0, 0.1 * max(hinted, 0.1))
            if status == 429:
                self.limiter.pause(delay)  # holds back every caller; the next acquire waits
            retryable = status == 429 or (status >= 500 and idempotent)
            if not retryable or attempt >= self.max_attempts or delay > self.max_wait:
                raise error
            logger.info("SimplyPrint %s: %s; retry %d in %.2f s", endpoint, error, attempt,
                        delay)
            if status != 429:
                time.sleep(delay)

    # --- account ---------------------------------------------------------------------------------

    def test_account(self) -> str:
        """``account/Test``: checks the key and company; returns SimplyPrint's message."""
        answer = self._call("GET", "account/Test", idempotent=True)
        return str(answer.get("message") or "")

    def get_user(self) -> dict[str, Any]:
        """``GET /0/account/GetUser`` (company 0, as SimplyPrint's own integrations check a
        key): ``{user: {id, name, email}, company: {id, name}?}``."""
        answer = self._call("GET", "account/GetUser", idempotent=True, company_id=0)
        return {"user": answer.get("user"), "company": answer.get("company")}

    # --- printers --------------------------------------------------------------------------------

    def get_printers(self, page: int = 1, page_size: int = 100,
                     search: str | None = None) -> Page:
        """One page of printers with live state (POST: GET caps ``page_size`` at 25)."""
        body: dict[str, Any] = {"page": page, "page_size": page_size}
        if search:
            body["search"] = search
        answer = self._call("POST", "printers/Get", body=body, idempotent=True)
        data = answer.get("data")
        items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        return Page(items=items, page_amount=max(1, _int_or_none(answer.get("page_amount")) or 1),
                    total=_int_or_none(answer.get("total")))

    def get_printer(self, pid: int) -> dict[str, Any]:
        """One printer row (``printers/Get?pid=``: ``data`` is then an object)."""
        answer = self._call("POST", "printers/Get", params={"pid": pid}, idempotent=True)
        data = answer.get("data")
        if isinstance(data, list):
            data = data[0] if data else None
        if not isinstance(data, dict):
            raise SimplePrintAPIError(404, f"printer {pid} not found", "printers/Get")
        return data

    def get_printer_groups(self) -> list[dict[str, Any]]:
        """Printer group names (``groups/Get``)."""
        return _listed(self._call("GET", "groups/Get", idempotent=True).get("groups"))

    def get_tags(self) -> list[dict[str, Any]]:
        """Custom tags (``tags/Get``: ``tags: [{id, name, color}]``). SimplyPrint answers
        ``status: false`` with "... no custom tags ..." when there are none: that is []."""
        try:
            answer = self._call("GET", "tags/Get", idempotent=True)
        except SimplePrintAPIError as exc:
            if "no custom tags" in exc.message.lower():
                return []
            raise
        return _listed(answer.get("tags"))

    # --- printer actions (state-changing) --------------------------------------------------------

    def create_job(self, pid: int | Iterable[int], *, queue_file: int | None = None,
                   file_id: str | None = None, filesystem: str | None = None,
                   next_queue_item: bool = False, **options: Any) -> dict[str, Any]:
        """Start a print on ``pid`` (one or several printers) from exactly one source.
        ``options`` go into the body as given (``analysis_strict``, ``start_options`` …).
        Returns the answer: ``jobIds`` (the new job ids) and ``files``."""
        sources = {"queue_file": queue_file, "file_id": file_id, "filesystem": filesystem,
                   "next_queue_item": next_queue_item or None}
        given = {key: value for key, value in sources.items() if value is not None}
        if len(given) != 1:
            raise ValueError("give exactly one of queue_file, file_id, filesystem, "
                             "next_queue_item")
        body = {"pid": _ids(pid), **given, **options}
        answer = self._call("POST", "printers/actions/CreateJob", body=body, idempotent=False)
        answer.setdefault("jobIds", answer.get("job_ids") or answer.get("jobs") or [])
        return answer

    def pause(self, pid: int | Iterable[int]) -> dict[str, Any]:
        return self._call("POST", "printers/actions/Pause", params={"pid": _ids(pid)},
                          idempotent=False)

    def resume(self, pid: int | Iterable[int]) -> dict[str, Any]:
        return self._call("POST", "printers/actions/Resume", params={"pid": _ids(pid)},
                          idempotent=False)

    def cancel(self, pid: int | Iterable[int], reason: int | None = None,
               comment: str | None = None) -> dict[str, Any]:
        """``reason``: 1 failed, 2 regretted, 3 no extrusion/clog, 4 fell off, 5 no filament,
        6 other. Without either, no body is sent (as SimplyPrint's integrations do)."""
        body: dict[str, Any] = {}
        if reason is not None:
            body["reason"] = reason
        if comment is not None:
            body["comment"] = comment
        return self._call("POST", "printers/actions/Cancel", params={"pid": _ids(pid)},
                          body=body or None, idempotent=False)

    def clear_bed(self, pid: int | Iterable[int], success: bool = True,
                  rating: int | None = None) -> dict[str, Any]:
        """Mark the bed cleared; ``success`` (the print was good; a bad one's queue item goes
        back to the queue) is sent explicitly: SimplyPrint defaults it to false."""
        body: dict[str, Any] = {"success": success}
        if rating is not None:
            body["rating"] = rating
        return self._call("POST", "printers/actions/ClearBed", params={"pid": _ids(pid)},
                          body=body, idempotent=False)

    # --- jobs ------------------------------------------------------------------------------------

    def get_jobs(self, page: int = 1, page_size: int = 100, statuses: list[str] | None = None,
                 start_date: int | float | datetime | str | None = None,
                 end_date: int | float | datetime | str | None = None,
                 printer_ids: list[int] | None = None) -> Page:
        """Job history (``statuses``: ``ongoing``, ``cancelled``, ``failed``, ``finished``;
        dates as Unix seconds or datetimes)."""
        body: dict[str, Any] = {"page": page, "page_size": page_size}
        if statuses:
            body["accepted_statuses"] = list(statuses)
        if start_date is not None:
            body["start_date"] = _unix(start_date)
        if end_date is not None:
            body["end_date"] = _unix(end_date)
        if printer_ids:
            body["printer_ids"] = [int(p) for p in printer_ids]
        answer = self._call("POST", "jobs/GetPaginatedPrintJobs", body=body, idempotent=True)
        return Page(items=_listed(answer.get("data")),
                    page_amount=max(1, _int_or_none(answer.get("page_amount")) or 1),
                    total=_int_or_none(answer.get("total")))

    def get_job_details(self, uid: str) -> dict[str, Any]:
        """One job in full, by its **uid** (not the numeric id)."""
        answer = self._call("GET", "jobs/GetDetails", params={"id": uid}, idempotent=True)
        return dict(answer.get("job") or {})

    # --- queue -----------------------------------------------------------------------------------

    def get_queue_page(self, page: int = 1, page_size: int = 100,
                       gid: int | None = None) -> Page:
        """One page of live items, the POST filter form of ``queue/GetItems`` (body ``page``,
        ``page_size``, ``gid``): ``{queue: [...], total, page, page_amount}``. It leaves out
        denied and done items."""
        body: dict[str, Any] = {"compact": True, "page": page, "page_size": page_size}
        if gid is not None:
            body["gid"] = gid
        answer = self._call("POST", "queue/GetItems", body=body, idempotent=True)
        queue = answer.get("queue")
        items = _listed(queue.get("items") if isinstance(queue, dict) else queue)
        return Page(items=items, page_amount=max(1, _int_or_none(answer.get("page_amount")) or 1),
                    total=_int_or_none(answer.get("total")))

    def get_queue_listing(self) -> QueueSnapshot:
        """The legacy GET form of ``queue/GetItems`` with ``groups`` and ``done_items``: every
        item it lists, the done items and the queue groups, in one unpaginated answer. ``queue``
        may be a dict ``{items, done_items}`` or a list, ``done_items`` also at the top level."""
        answer = self._call("GET", "queue/GetItems", params={"groups": "1", "done_items": "1"},
                            idempotent=True)
        queue = answer.get("queue")
        done: Any = answer.get("done_items")
        if isinstance(queue, dict):
            items = _listed(queue.get("items"))
            done = queue.get("done_items") or done
        else:
            items = _listed(queue)
        return QueueSnapshot(items=items, done_items=_listed(done),
                             groups=_listed(answer.get("groups")), complete=True)

    def get_queue(self, gid: int | None = None, page_size: int = 100) -> QueueSnapshot:
        """The whole queue (or queue group ``gid``): every page of the POST form, then the GET
        form for done items, denied items and the groups. Complete only when every page came
        and all agreed on ``total`` and on the count: an item missing from an incomplete answer
        may just have moved to a page already read."""
        live: dict[Any, dict[str, Any]] = {}
        totals: set[int | None] = set()
        page, pages = 1, 1
        while page <= pages:
            answer = self.get_queue_page(page, page_size, gid)
            pages = answer.page_amount
            totals.add(answer.total)
            for item in answer.items:
                live.setdefault(item.get("id"), item)
            page += 1
        listing = self.get_queue_listing()
        total = next(iter(totals)) if len(totals) == 1 else None
        complete = total is not None and total == len(live)
        for item in listing.items:
            if gid is None or _int_or_none(item.get("group")) == gid:
                live.setdefault(item.get("id"), item)
        done = [item for item in listing.done_items
                if gid is None or _int_or_none(item.get("group")) == gid]
        return QueueSnapshot(items=list(live.values()), done_items=done, groups=listing.groups,
                             complete=complete)

    def get_queue_groups(self) -> list[dict[str, Any]]:
        """Queue groups (``queue/groups/Get``: ``list``, ``groups_exist``)."""
        return _listed(self._call("GET", "queue/groups/Get", idempotent=True).get("list"))

    def get_queue_item(self, item_id: int) -> dict[str, Any]:
        answer = self._call("GET", "queue/GetItem", params={"id": item_id}, idempotent=True)
        return dict(answer.get("item") or answer.get("queue") or {})

    # --- queue actions (state-changing; the item id is ``job`` in the query) -------------------

    def approve_queue_items(self, item_ids: Iterable[int],
                            comment: str | None = None) -> dict[str, Any]:
        """``queue/approval/ApproveItem``: ``jobs`` (CSV) in the query, ``comment`` in the
        body."""
        return self._call("POST", "queue/approval/ApproveItem", params={"jobs": _ids(item_ids)},
                          body={"comment": comment} if comment else None, idempotent=False)

    def deny_queue_item(self, item_id: int, comment: str, remove: bool) -> dict[str, Any]:
        """``queue/approval/DenyItem``. The item goes in both ``job`` (SimplyPrint's
        Activepieces piece) and ``jobs`` (its n8n node): the two disagree, and an endpoint reads
        the one it knows. ``remove`` is always sent (its default is unknown)."""
        ids = _ids(item_id)
        return self._call("POST", "queue/approval/DenyItem", params={"job": ids, "jobs": ids},
                          body={"comment": comment, "remove": remove}, idempotent=False)

    def delete_queue_item(self, item_id: int) -> dict[str, Any]:
        return self._call("POST", "queue/DeleteItem", params={"job": item_id}, idempotent=False)

    def revive_queue_item(self, item_id: int) -> dict[str, Any]:
        """A done item back into the active queue."""
        return self._call("POST", "queue/ReviveItem", params={"job": item_id}, idempotent=False)

    def set_queue_order(self, item_id: int, from_position: int, to_position: int
                        ) -> dict[str, Any]:
        """``queue/SetOrder`` (a GET that changes state; it answers ``success``): positions
        count from 1, the first item being 1 (as ``queue/AddItem``'s ``position``)."""
        return self._call("GET", "queue/SetOrder", params={
            "job": item_id, "from": from_position, "to": to_position}, idempotent=False)

    def move_queue_items(self, item_ids: Iterable[int], group: int) -> dict[str, Any]:
        """``queue/MoveItem``: ``jobs`` (CSV) and ``moveTo`` in the query, ``moveTo`` read as
        the target queue group (SimplyPrint's Activepieces piece; its n8n node reads a
        position)."""
        return self._call("POST", "queue/MoveItem",
                          params={"jobs": _ids(item_ids), "moveTo": group}, idempotent=False)

    # --- webhooks (Print Farm plan) ---------------------------------------------------------------

    def list_webhooks(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "webhooks/Get", idempotent=True).get("data") or [])

    def create_webhook(self, name: str, url: str, events: Iterable[str], secret: str | None,
                       enabled: bool = True, description: str | None = None,
                       webhook_id: int | None = None) -> dict[str, Any]:
        """Create, or replace ``webhook_id``. Every field is sent (an update may replace the
        whole record, and ``enabled`` defaults to false)."""
        body: dict[str, Any] = {
            "name": name, "description": description or "", "url": url,
            "events": list(events), "secret": secret or "", "enabled": enabled,
        }
        if webhook_id is not None:
            body["id"] = webhook_id
        answer = self._call("POST", "webhooks/Create", body=body, idempotent=False)
        return dict(answer.get("webhook") or {})

    def delete_webhook(self, webhook_id: int) -> None:
        self._call("POST", "webhooks/Delete", body={"id": webhook_id}, idempotent=False)

    def set_webhook_enabled(self, webhook_id: int, enabled: bool) -> None:
        self._call("POST", "webhooks/SetEnabled", body={"id": webhook_id, "enabled": enabled},
                   idempotent=True)

    def trigger_test_webhook(self, webhook_id: int) -> None:
        """SimplyPrint then POSTs an ``event: "test"`` delivery to the webhook's URL."""
        self._call("POST", "webhooks/TriggerTestWebhook", body={"id": webhook_id},
                   idempotent=False)

    def get_sample_payloads(self, event: str, limit: int = 1) -> list[dict[str, Any]]:
        answer = self._call("GET", "webhooks/GetSamplePayload",
                            params={"event": event, "limit": limit}, idempotent=True)
        return _listed(answer.get("samples"))
