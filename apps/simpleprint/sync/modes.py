"""How state reaches the service: ``webhooks`` (deliveries, reconciled on a slow schedule) or
``polling`` (the fallback when deliveries cannot or do not arrive).

- webhooks → polling: SimplyPrint answered 404 for its webhook API (no Print Farm plan, or
  webhooks unavailable), or no delivery at all for ``silence_threshold`` seconds while printers
  are busy *and* no answer to a test delivery asked for then within ``probe_grace`` seconds
  (long prints are quiet: silence alone does not mean webhooks are broken).
- polling → webhooks: a delivery was received after the switch.

Times are SimplyPrint's Unix seconds (the clock the sync is given), so the decision compares
event timestamps with the same clock that stamps polls.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from ..models import Printer, PrinterWebhookEvent, SyncState
from ..remote.api_usage import api_usage
from ..remote.client import SimplePrintAPIError
from ..state.payload import from_unix
from .webhook_manager import receiver_url, same_url

logger = logging.getLogger(__name__)

Mode = SyncState.Mode


class WebhookClient(Protocol):
    def list_webhooks(self) -> list[dict[str, Any]]: ...

    def trigger_test_webhook(self, webhook_id: int) -> None: ...


BUSY = (Printer.State.PRINTING, Printer.State.PAUSED)


def config() -> dict[str, Any]:
    return settings.PRINTFARM_SYNC


def printers_interval(*, busy: bool) -> float:
    """Webhooks mode: seconds between two ``printers/Get`` reads (a reconcile or a printers-only
    read): ``connectivity_interval`` always, ``progress_interval`` while printers are ``busy``,
    when enabled (> 0); at most ``reconcile_interval``."""
    cfg = config()
    enabled = [cfg["connectivity_interval"], cfg["progress_interval"] if busy else 0.0]
    return float(min([cfg["reconcile_interval"], *(s for s in enabled if s > 0)]))


def stale_limit(mode: str | None = None) -> float:
    """Seconds without news after which a printer's state is shown as stale: ``stale_after``,
    plus, with webhooks, the time between two ``printers/Get`` reads (nothing reports
    connectivity in between). Used by the API and sent to the page (``state.rules``)."""
    cfg = config()
    limit = float(cfg["stale_after"])
    if (mode or current_mode()) == Mode.WEBHOOKS:
        limit += printers_interval(busy=False)
    return limit


def load(now: float | None = None) -> SyncState:
    """The sync state row, created in webhooks mode on first use."""
    state, _ = SyncState.objects.get_or_create(
        pk=1, defaults={"mode_changed_at": from_unix(now) if now else None,
                        "reason": "webhooks are the default"})
    return state


def switch(state: SyncState, mode: str, reason: str, now: float) -> bool:
    """Move to ``mode`` (saving the state); say whether it was a change."""
    if state.mode == mode:
        return False
    logger.warning("sync mode: %s → %s (%s)", state.mode, mode, reason)
    state.mode, state.reason, state.mode_changed_at = mode, reason, from_unix(now)
    if mode == Mode.POLLING:
        state.switch_event_id = PrinterWebhookEvent.objects.aggregate(m=Max("id"))["m"] or 0
        state.next_poll_at = from_unix(now)  # poll at once
    else:
        busy = Printer.objects.filter(state__in=BUSY).exists()
        state.next_poll_at = from_unix(now + printers_interval(busy=busy))
    state.save()
    return True


def evaluate(state: SyncState, now: float, client: WebhookClient) -> None:
    """Apply the switching rules to ``state`` at SimplyPrint time ``now``."""
    if state.mode == Mode.POLLING:
        if PrinterWebhookEvent.objects.filter(pk__gt=state.switch_event_id).exists():
            switch(state, Mode.WEBHOOKS, "deliveries resumed", now)
        return
    if not state.registration_checked:
        try:
            client.list_webhooks()
        except SimplePrintAPIError as exc:
            if exc.status != 404:
                raise
            state.registration_checked = True
            switch(state, Mode.POLLING, f"SimplyPrint's webhook API answered 404 ({exc})", now)
            return
        state.registration_checked = True
    silence = config()["silence_threshold"]
    last = PrinterWebhookEvent.objects.aggregate(t=Max("timestamp"))["t"] or 0
    since = max(last, _ts(state.mode_changed_at))
    if now - since <= silence or not Printer.objects.filter(state__in=BUSY).exists():
        return
    probe = _ts(state.probe_sent_at)
    if probe < since:
        if _ask_for_test_delivery(client):
            state.probe_sent_at = from_unix(now)
            state.save(update_fields=["probe_sent_at"])
            return
    elif now - probe <= config()["probe_grace"]:
        return
    switch(state, Mode.POLLING, f"no delivery for {int(now - since)} s while printers are busy, "
           "not even the test delivery asked for", now)


def _ask_for_test_delivery(client: WebhookClient) -> bool:
    """Ask SimplyPrint for a test delivery to this service's webhook; False if there is none."""
    ours = [hook for hook in client.list_webhooks()
            if hook.get("enabled") and same_url(hook.get("url"), receiver_url())]
    if not ours:
        return False
    client.trigger_test_webhook(int(ours[0]["id"]))
    return True


def registration_failed(reason: str, now: float) -> None:
    """For the webhook registration: SimplyPrint refused it (404), so poll instead."""
    with transaction.atomic():
        state = SyncState.objects.select_for_update().filter(pk=1).first() or load(now)
        state.registration_checked = True
        switch(state, Mode.POLLING, reason, now)


def current_mode() -> str:
    state = SyncState.objects.filter(pk=1).only("mode").first()
    return state.mode if state else Mode.WEBHOOKS


def mode_info() -> dict[str, Any]:
    """The mode, why, and the poller's schedule, with the API budget of the last hour."""
    state = SyncState.objects.filter(pk=1).first() or SyncState(reason="not started yet")
    return {
        "mode": state.mode, "reason": state.reason, "since": state.mode_changed_at,
        "last_poll_at": state.last_poll_at, "last_reconcile_at": state.last_reconcile_at,
        "next_poll_at": state.next_poll_at, "backoff": state.backoff,
        "last_error": state.last_error, "api": api_usage(3600),
    }


def poll_instead(reason: str, now: float) -> None:
    """Poll from now on, because deliveries cannot arrive (our webhook was disabled); the
    first delivery after it switches back, as after any switch to polling."""
    with transaction.atomic():
        state = SyncState.objects.select_for_update().filter(pk=1).first() or load(now)
        switch(state, Mode.POLLING, reason, now)


def live_status() -> dict[str, Any]:
    """What every page's heartbeat carries (``live.heartbeat``): the mode and the staleness
    limit that goes with it."""
    mode = current_mode()
    return {"mode": mode, "stale_after": stale_limit(mode)}


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value else 0.0
