"""Publishing committed changes to the Planning pages through the channel layer.

Every page of one SimplyPrint company listens to one group. The message carries the change's
sequence number; a page's consumer that sees a gap fills it from the outbox (see ``consumers``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from .models import LiveUpdate
from .runtime import home_loop

logger = logging.getLogger(__name__)


def company_group(company_id: int | None = None) -> str:
    company = settings.SIMPLEPRINT_CONFIG["company_id"] if company_id is None else company_id
    return f"planning.company-{company}"


def publish_update(update: LiveUpdate) -> None:
    """Publish the change encoded once: every page's consumer forwards the same text, and the
    in-memory layer's per-channel deep copy of a string is cheap."""
    text = json.dumps(update.as_message(), cls=DjangoJSONEncoder)
    send({"type": "live.update", "seq": update.pk, "text": text})


def send(message: dict[str, Any], group: str | None = None) -> None:
    """``group_send`` from synchronous code, onto the server's loop when there is one.

    The in-memory layer only works within the loop the consumers wait on, so a worker thread
    must hand the send over to that loop rather than run it in a loop of its own.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    target = group or company_group()
    loop = home_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    try:
        if loop is not None and loop.is_running() and running is not loop:
            future = asyncio.run_coroutine_threadsafe(layer.group_send(target, message), loop)
            future.result(timeout=5)
        else:
            async_to_sync(layer.group_send)(target, message)
    except Exception:  # pages catch up from the outbox on their next gap check
        logger.exception("could not publish to %s", target)
