"""The embedded default's background machinery, inside the ASGI server process: a worker thread
that processes stored events, and a scheduler thread for periodic jobs (the sweeper, and the
pollers when they are registered). In production Celery and Celery beat do these jobs instead.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections

logger = logging.getLogger(__name__)

_home_loop: asyncio.AbstractEventLoop | None = None


def set_home_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the ASGI server's event loop, so that threads can publish onto it."""
    global _home_loop
    _home_loop = loop


def home_loop() -> asyncio.AbstractEventLoop | None:
    return _home_loop


class InProcessWorker:
    """One daemon thread applying events in the order they were handed over."""

    def __init__(self) -> None:
        self._queue: queue.Queue[int] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, event_id: int) -> None:
        self.start()
        self._queue.put(event_id)

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="printfarm-worker", daemon=True
                )
                self._thread.start()

    def join_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted event has been handled (for tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._queue.unfinished_tasks

    def _run(self) -> None:
        from . import broadcast
        from .services.inbox import process_event

        while True:
            event_id = self._queue.get()
            try:
                close_old_connections()
                process_event(event_id)
                # Back-pressure: let the server's loop send this event's changes first.
                broadcast.flush()
            except Exception:  # never let the thread die; the event stays in the inbox
                logger.exception("worker crashed on event %s", event_id)
            finally:
                self._queue.task_done()


@dataclass
class PeriodicJob:
    name: str
    interval: float
    func: Callable[[], object]
    next_run: float = field(default=0.0)


class Scheduler:
    """Runs registered jobs at their intervals in one daemon thread."""

    def __init__(self) -> None:
        self._jobs: dict[str, PeriodicJob] = {}
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def register(self, name: str, interval: float, func: Callable[[], object],
                 *, first_run_in: float | None = None) -> None:
        delay = interval if first_run_in is None else first_run_in
        self._jobs[name] = PeriodicJob(name, interval, func, time.monotonic() + delay)

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="printfarm-scheduler", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            now = time.monotonic()
            for job in list(self._jobs.values()):
                if job.next_run <= now:
                    job.next_run = now + job.interval
                    try:
                        close_old_connections()
                        job.func()
                    except Exception:
                        logger.exception("periodic job %s failed", job.name)
            time.sleep(0.5)


worker = InProcessWorker()
scheduler = Scheduler()


def start_background() -> None:
    """Start the worker and the scheduler with the sweeper, the live-update pruner and the
    SimplyPrint sync tick (idempotent)."""
    from django.conf import settings

    from .services.inbox import sweep
    from .services.live import prune_live_updates

    if settings.PRINTFARM_WORKER != "thread":
        return
    interval = settings.PRINTFARM_PROCESSING["sweep_interval_seconds"]
    scheduler.register("sweep", interval, sweep, first_run_in=1.0)
    scheduler.register("prune_live_updates", 60.0, prune_live_updates)
    if settings.PRINTFARM_SYNC["enabled"]:
        from .services.sync import tick

        scheduler.register("simpleprint-sync", settings.PRINTFARM_SYNC["tick_interval"], tick,
                           first_run_in=2.0)
    worker.start()
    scheduler.start()
