"""Handing stored events to the processor chosen by ``settings.PRINTFARM_WORKER``:

- ``inline``: process right away, in the same thread (tests);
- ``thread``: the in-process worker thread (the embedded default run);
- ``celery``: the ``process_webhook_event`` task (production).

Registered with the inbox at start-up (``SimplePrintConfig.ready``). Whatever the backend, a lost
hand-off only delays an event: the sweeper finds it in the inbox.
"""

from __future__ import annotations

import logging

from django.conf import settings

from ..processing.inbox import process_event
from .inprocess import worker
from .tasks import process_webhook_event

logger = logging.getLogger(__name__)


def dispatch(event_id: int) -> None:
    backend = settings.PRINTFARM_WORKER
    try:
        if backend == "inline":
            process_event(event_id)
        elif backend == "celery":
            process_webhook_event.delay(event_id)
        else:
            worker.submit(event_id)
    except Exception:  # the event is safe in the inbox; the sweeper will dispatch it again
        logger.exception("could not dispatch event %s; the sweeper will retry", event_id,
                         extra={"event_id": event_id})
