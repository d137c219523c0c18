"""The embedded default's background machinery, inside the ASGI server process: a worker
thread that processes stored events, and a scheduler thread that runs the periodic jobs
(:mod:`.periodic`). In production Celery and Celery beat do these jobs instead.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections

from ..live import publisher
from ..processing.inbox import BATCH_LIMIT, process_events
from . import tasks
from .periodic import PERIODIC

logger = logging.getLogger(__name__)


class DaemonLoop:
    """A daemon thread running ``_run``, started once (and again if it ever died)."""

    thread_name = "printfarm"

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.thread_name,
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        raise NotImplementedError


class InProcessWorker(DaemonLoop):
    """One daemon thread applying events in the order they were handed over; those that
    waited while it was busy are applied together (``inbox.process_events``)."""

    thread_name = "printfarm-worker"

    def __init__(self) -> None:
        super().__init__()
        self._queue: queue.Queue[int] = queue.Queue()

    def submit(self, event_id: int) -> None:
        self.start()
        self._queue.put(event_id)

    def _run(self) -> None:
        while True:
            event_ids = [self._queue.get()]
            while len(event_ids) < BATCH_LIMIT:  # what waited meanwhile goes along
                try:
                    event_ids.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                close_old_connections()
                process_events(event_ids)
                # Back-pressure: let the server's loop send these events' changes first.
                publisher.flush()
            except Exception:  # never let the thread die; the events stay in the inbox
                logger.exception("worker crashed on events %s", event_ids)
            finally:
                for _ in event_ids:
                    self._queue.task_done()


@dataclass
class ScheduledJob:
    name: str
    interval: float
    func: Callable[[], object]
    next_run: float = field(default=0.0)


class Scheduler(DaemonLoop):
    """Runs registered jobs at their intervals in one daemon thread."""

    thread_name = "printfarm-scheduler"

    def __init__(self) -> None:
        super().__init__()
        self._jobs: dict[str, ScheduledJob] = {}

    def register(self, name: str, interval: float, func: Callable[[], object],
                 *, first_run_in: float | None = None) -> None:
        delay = interval if first_run_in is None else first_run_in
        self._jobs[name] = ScheduledJob(name, interval, func, time.monotonic() + delay)

    def names(self) -> set[str]:
        return set(self._jobs)

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
    """Start the worker, and the scheduler with every periodic job (idempotent)."""
    if settings.PRINTFARM_WORKER != "thread":
        return
    for job in PERIODIC:
        if job.enabled() and not job.celery_only:
            scheduler.register(job.task, job.interval(), tasks.by_name(job.task),
                               first_run_in=job.first_run_in)
    worker.start()
    scheduler.start()
