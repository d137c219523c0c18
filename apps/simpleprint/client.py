"""STAND-IN until feat/client merges: the smallest ``SimplePrintClient`` the sync needs, with
the interface feat/client publishes (on a merge conflict, take feat/client's file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings


class SimplePrintAPIError(Exception):
    def __init__(self, status: int | None, message: str, endpoint: str) -> None:
        super().__init__(f"{endpoint}: HTTP {status}: {message}")
        self.status, self.message, self.endpoint = status, message, endpoint


@dataclass
class Page:
    items: list[dict[str, Any]]
    page_amount: int


class SimplePrintClient:
    def __init__(self, base_url: str | None = None, company_id: int | None = None,
                 api_key: str | None = None, timeout: float | None = None) -> None:
        config = settings.SIMPLEPRINT_CONFIG
        self.base_url = (base_url or config["base_url"]).rstrip("/")
        self.company_id = company_id or config["company_id"]
        self._http = httpx.Client(timeout=timeout or config["timeout"],
                                  headers={"X-API-KEY": api_key or config["api_key"],
                                           "Accept": "application/json"})

    def _call(self, method: str, endpoint: str, *, params: dict[str, Any] | None = None,
              json: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}/{self.company_id}/{endpoint}"
        try:
            response = self._http.request(method, url, params=params, json=json)
        except httpx.HTTPError as exc:
            raise SimplePrintAPIError(None, str(exc), endpoint) from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400 or body.get("status") is not True:
            raise SimplePrintAPIError(response.status_code, str(body.get("message") or
                                                             response.reason_phrase), endpoint)
        return body

    def get_printers(self, page: int = 1, page_size: int = 100) -> Page:
        body = self._call("POST", "printers/Get", json={"page": page, "page_size": page_size})
        return Page(list(body.get("data") or []), int(body.get("page_amount") or 1))

    def get_all_printers(self) -> list[dict[str, Any]]:
        first = self.get_printers(1)
        items = list(first.items)
        for page in range(2, first.page_amount + 1):
            items += self.get_printers(page).items
        return items

    def get_jobs(self, page: int = 1, page_size: int = 100, statuses: list[str] | None = None,
                 start_date: Any = None, end_date: Any = None,
                 printer_ids: list[int] | None = None) -> Page:
        body: dict[str, Any] = {"page": page, "page_size": page_size}
        if statuses:
            body["accepted_statuses"] = statuses
        if start_date is not None:
            body["start_date"] = str(start_date)
        if end_date is not None:
            body["end_date"] = str(end_date)
        if printer_ids:
            body["printer_ids"] = printer_ids
        answer = self._call("POST", "jobs/GetPaginatedPrintJobs", json=body)
        return Page(list(answer.get("data") or []), int(answer.get("page_amount") or 1))

    def get_queue_items(self, include_done: bool = False) -> list[dict[str, Any]]:
        body = self._call("GET", "queue/GetItems",
                          params={"done_items": "1"} if include_done else None)
        queue = body.get("queue")
        if isinstance(queue, list):
            return queue
        queue = queue if isinstance(queue, dict) else {}
        return list(queue.get("items") or []) + list(queue.get("done_items") or [])

    def list_webhooks(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "webhooks/Get").get("data") or [])
