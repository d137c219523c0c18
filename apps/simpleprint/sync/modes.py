"""How state reaches the service: ``webhooks`` (deliveries, reconciled on a slow schedule) or
``polling`` (the fallback when deliveries cannot or do not arrive).

- webhooks → polling: SimplyPrint's webhook API refused (any answer but a 429: 401, 403, 404,
  ``status: false``, 5xx, no answer at all), or no delivery at all for ``silence_threshold``
  seconds while printers are busy *and* no answer to a test delivery asked for then within
  ``probe_grace`` seconds (long prints are quiet: silence alone does not mean webhooks are
  broken). The reason is kept in words an operator can act on (:mod:`..remote.explain`).
- polling → webhooks: a delivery was received after the switch. While polling, the webhook API
  is asked again every ``webhook_recheck_interval`` seconds; once it answers, our webhook is
  registered (or repaired) and a test delivery asked for, whose arrival switches back.

Times are SimplyPrint's Unix seconds (the clock the sync is given), so the decision compares
event times with the same clock that stamps polls.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from ..models import Printer, PrinterWebhookEvent, SyncState
from ..remote import explain
from ..remote.api_usage import api_usage
from ..remote.client import SimplePrintAPIError, SimplePrintClient
from ..state.payload import from_unix
from . import webhook_manager

logger = logging.getLogger(__name__)

Mode = SyncState.Mode


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


def evaluate(state: SyncState, now: float, client: SimplePrintClient) -> None:
    """Apply the switching rules to ``state`` at SimplyPrint time ``now``. A refusal of the
    webhook API never raises: it switches to polling with the reason (only a 429 does, for the
    tick's backoff)."""
    if state.mode == Mode.POLLING:
        if PrinterWebhookEvent.objects.filter(pk__gt=state.switch_event_id).exists():
            state.webhooks_error = ""
            switch(state, Mode.WEBHOOKS, "deliveries resumed", now)
            return
        recheck = config()["webhook_recheck_interval"]
        asked = now - max(_ts(state.webhooks_checked_at), _ts(state.mode_changed_at))
        if recheck > 0 and not 0 <= asked < recheck:  # < 0: stamped by a clock since corrected
            _recheck(state, now, client)
        return
    if not state.registration_checked:
        if _webhooks(state, now, client) is None:
            return
        state.registration_checked = True
        state.save(update_fields=["registration_checked"])
    silence = config()["silence_threshold"]
    last = PrinterWebhookEvent.objects.aggregate(t=Max("ordering_timestamp"))["t"] or 0
    since = max(last, _ts(state.mode_changed_at))
    if now - since <= silence or not Printer.objects.filter(state__in=BUSY).exists():
        return
    probe = _ts(state.probe_sent_at)
    if probe < since:
        hooks = _webhooks(state, now, client)
        if hooks is None:
            return
        if _ask_for_test_delivery(state, now, client, hooks):
            state.probe_sent_at = from_unix(now)
            state.save(update_fields=["probe_sent_at"])
            return
    elif now - probe <= config()["probe_grace"]:
        return
    switch(state, Mode.POLLING, f"no delivery for {int(now - since)} s while printers are busy, "
           "not even the test delivery asked for", now)


def _webhooks(state: SyncState, now: float, client: SimplePrintClient
              ) -> list[dict[str, Any]] | None:
    """The registrations at SimplyPrint, remembered for the overview; None when the webhook API
    refused (then the sync polls, and ``webhooks_error`` says why)."""
    try:
        hooks = client.list_webhooks()
    except SimplePrintAPIError as exc:
        if exc.status == 429:
            raise
        refused(explain.webhooks_refused(exc, client.base_url), now, state)
        webhook_manager.remember(None, state.webhooks_error)
        return None
    webhook_manager.remember(hooks)
    state.webhooks_error, state.webhooks_checked_at = "", from_unix(now)
    state.save(update_fields=["webhooks_error", "webhooks_checked_at"])
    return hooks


def _recheck(state: SyncState, now: float, client: SimplePrintClient) -> None:
    """While polling: ask the webhook API again; when it answers, register our webhook if it is
    missing (a disabled one was disabled on purpose and stays so), and ask for a test delivery
    (its arrival switches back)."""
    hooks = _webhooks(state, now, client)
    if hooks is None:
        return
    ours = [h for h in hooks
            if webhook_manager.same_url(h.get("url"), webhook_manager.receiver_url())]
    if ours and not any(h.get("enabled") for h in ours):
        return  # disabled at SimplyPrint (the panel, or the page's switch): on purpose
    if not ours:
        try:
            webhook, _ = webhook_manager.ensure_registered(client=client)
            hooks = [webhook]
        except SimplePrintAPIError as exc:
            if exc.status == 429:
                raise
            refused(explain.webhooks_refused(exc, client.base_url), now, state)
            return
    if _ask_for_test_delivery(state, now, client, hooks):
        state.reason = "the webhook API answers again: waiting for a delivery to switch back"
        state.probe_sent_at = from_unix(now)
        state.save(update_fields=["reason", "probe_sent_at"])


def _ask_for_test_delivery(state: SyncState, now: float, client: SimplePrintClient,
                           hooks: list[dict[str, Any]]) -> bool:
    """Ask SimplyPrint for a test delivery to this service's webhook; False if there is none
    (or SimplyPrint refused: then the sync polls with the reason)."""
    ours = [hook for hook in hooks if hook.get("enabled")
            and webhook_manager.same_url(hook.get("url"), webhook_manager.receiver_url())]
    if not ours:
        return False
    try:
        client.trigger_test_webhook(int(ours[0]["id"]))
    except SimplePrintAPIError as exc:
        if exc.status == 429:
            raise
        refused(explain.webhooks_refused(exc, client.base_url), now, state)
        return False
    return True


def refused(reason: str, now: float, state: SyncState | None = None) -> None:
    """SimplyPrint's webhook API refused (the sync, or ``register_webhooks``): poll, and keep
    ``reason`` for the operator."""
    with transaction.atomic():
        if state is None:
            state = SyncState.objects.select_for_update().filter(pk=1).first() or load(now)
        logger.warning("SimplyPrint's webhook API refused: %s", reason)
        state.registration_checked = True
        state.webhooks_error, state.webhooks_checked_at = reason, from_unix(now)
        if not switch(state, Mode.POLLING, reason, now):
            state.reason = reason
            state.save()


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
        "last_error": state.last_error, "webhooks_error": state.webhooks_error,
        "webhooks_checked_at": state.webhooks_checked_at, "api": api_usage(3600),
    }


def summary(now: float) -> str:
    """One line for operators (``/readyz`` for staff, the doctor): how state arrives, since
    when, and why."""
    state = SyncState.objects.filter(pk=1).first()
    if state is None:
        return "the sync has not run yet"
    since = state.mode_changed_at
    ago = f" for {int(now - since.timestamp())} s" if since is not None else ""
    line = f"{state.mode}{ago}: {state.reason}" if state.reason else f"{state.mode}{ago}"
    if state.last_error:
        line += f"; the last SimplyPrint read failed: {state.last_error}"
    return line


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
