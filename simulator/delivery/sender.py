"""Asynchronous webhook sender: a queue, bounded workers, retries with backoff, fault injection.

It sends ready-made JSON bodies (``simulator.contract.payloads.envelope``) and reads only their
``event`` and ``timestamp``; what it did is counted in ``counts`` and kept in ``log``.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from simulator.config import SimConfig

USER_AGENT = "SimplyPrint-Webhooks (simulator)"
COUNTERS = ("created", "attempted", "succeeded", "failed", "retried", "dropped", "duplicated",
            "reordered")


@dataclass
class Delivery:
    id: int
    webhook_id: int
    url: str
    secret: str | None
    body: dict[str, Any]
    duplicate: bool = False
    reordered: bool = False
    attempts: int = 0
    status: int | None = None  # last HTTP status answered (None: no answer yet / error)
    outcome: str = "pending"  # pending, delivered, failed, dropped
    error: str | None = None
    history: list[int | str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "webhook_id": self.webhook_id, "event": self.body["event"],
                "timestamp": self.body["timestamp"], "url": self.url, "outcome": self.outcome,
                "status": self.status, "attempts": self.attempts, "history": list(self.history),
                "duplicate": self.duplicate, "reordered": self.reordered, "error": self.error}


class DeliveryService:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.counts: Counter[str] = Counter()
        self.drop = config.drop
        self.duplicate = config.duplicate
        self.reorder = config.reorder
        self.rng = random.Random(config.seed * 7919 + 17)  # apart from the farm's stream
        self.log: deque[Delivery] = deque(maxlen=5000)
        self.samples: defaultdict[str, deque[dict[str, Any]]] = defaultdict(
            lambda: deque(maxlen=5))
        self._ids = 0
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._held: Delivery | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.config.delivery_timeout,
                                         follow_redirects=False)
        self._workers = [asyncio.create_task(self._worker())
                         for _ in range(max(1, self.config.delivery_concurrency))]

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def pending(self) -> int:
        return sum(1 for d in self.log if d.outcome == "pending")

    def counters(self) -> dict[str, int]:
        """Every counter (since ``counts`` was last cleared), then ``pending``."""
        return {**{name: self.counts.get(name, 0) for name in COUNTERS}, "pending": self.pending()}

    def submit(self, webhook_id: int, url: str, secret: str | None,
               body: dict[str, Any]) -> Delivery:
        """Queue one delivery of ``body``, applying the configured faults. Never blocks."""
        delivery = self._new(webhook_id, url, secret, body)
        if self.rng.random() < self.drop:
            delivery.outcome = "dropped"
            self.counts["dropped"] += 1
            return delivery
        batch = [delivery]
        if self.rng.random() < self.duplicate:
            twin = self._new(webhook_id, url, secret, delivery.body)
            twin.duplicate = True
            self.counts["duplicated"] += 1
            batch.append(twin)
        if self._held is None and self.rng.random() < self.reorder:
            delivery.reordered = True
            self.counts["reordered"] += 1
            self._held = batch.pop(0)
            self._later(self.config.reorder_hold, self._release_if_held, delivery)
        for item in batch:
            self._enqueue(item)
        if self._held is not None and self._held is not delivery:
            self._release_held()
        return delivery

    def _new(self, webhook_id: int, url: str, secret: str | None,
             body: dict[str, Any]) -> Delivery:
        self._ids += 1
        delivery = Delivery(self._ids, webhook_id, url, secret, body)
        self.log.append(delivery)
        self.counts["created"] += 1
        return delivery

    def _release_if_held(self, delivery: Delivery) -> None:
        """Timer fallback: nothing followed the held delivery within ``reorder_hold``."""
        if self._held is delivery:
            self._release_held()

    def _release_held(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            self._enqueue(held)

    def _enqueue(self, delivery: Delivery) -> None:
        self._queue.put_nowait(delivery)

    def _later(self, delay: float, callback: Any, *args: Any) -> None:
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers.discard(handle)
            callback(*args)

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    async def _worker(self) -> None:
        while True:
            delivery = await self._queue.get()
            try:
                await self._attempt(delivery)
            finally:
                self._queue.task_done()

    async def _attempt(self, delivery: Delivery) -> None:
        assert self._client is not None
        delivery.attempts += 1
        self.counts["attempted"] += 1
        if delivery.attempts == 1 and not delivery.duplicate:
            self.samples[delivery.body["event"]].appendleft(delivery.body)
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if delivery.secret:
            headers["X-SP-Secret"] = delivery.secret
            headers["X-SP-Token"] = delivery.secret
        try:
            response = await self._client.post(delivery.url, json=delivery.body, headers=headers)
            delivery.status = response.status_code
            delivery.history.append(response.status_code)
            if 200 <= response.status_code < 300:
                delivery.outcome, delivery.error = "delivered", None
                self.counts["succeeded"] += 1
                return
            delivery.error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            delivery.status = None
            delivery.error = f"{type(exc).__name__}: {exc}"
            delivery.history.append(type(exc).__name__)
        if delivery.attempts >= self.config.retry_attempts:
            delivery.outcome = "failed"
            self.counts["failed"] += 1
            return
        self.counts["retried"] += 1
        self._later(self.config.retry_base * 2 ** (delivery.attempts - 1), self._enqueue,
                    delivery)
