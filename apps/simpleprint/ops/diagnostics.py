"""Operator diagnostics: the webhook overview, sample deliveries (run and rolled back),
reprocessing events, and SimplyPrint test deliveries.

SimplyPrint is reached only through :mod:`apps.simpleprint.sync.webhook_manager`.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from ..events.envelope import parse_envelope
from ..events.registry import SUBSCRIBED_EVENTS, sample_envelope
from ..live import outbox
from ..processing.inbox import apply_event, process_event, reset_for_reprocessing, store_delivery
from ..state import selectors
from ..state.payload import RereadNeeded
from ..sync import modes, webhook_manager

logger = logging.getLogger(__name__)

INJECTION_HEADERS = {"Secret-Header": "local-injection", "User-Agent": "printfarm local injection"}
#: Sample job and queue item ids come from a range no real farm reaches, so samples never
#: collide with real rows or deduplicate against each other.
SAMPLE_ID_BASE = 9_000_000_000


class SimplyPrintUnavailable(Exception):
    """SimplyPrint did not answer, or refused; the message says why."""


@dataclass(frozen=True)
class Outcome:
    action: str
    message: str
    event_id: int | None = None
    event: str | None = None
    status: str | None = None
    duplicate: bool = False
    webhook_id: int | None = None
    error: str = ""
    #: A rolled-back sample: the live changes it would have made.
    changes: list[dict[str, Any]] = field(default_factory=list)
    rolled_back: bool = False


def webhook_overview(*, refresh: bool = False) -> dict[str, Any]:
    """What an operator needs to see whether deliveries can arrive and do arrive. The
    registrations are what SimplyPrint last said (the sync's checks keep that fresh: no API
    call here); ``refresh`` asks SimplyPrint again (at most every few seconds)."""
    registrations = webhook_manager.refresh() if refresh else webhook_manager.remembered()
    webhooks = registrations.webhooks
    url = webhook_manager.receiver_url()
    counts = selectors.event_counts()
    last_received_at = counts.pop("last_received_at")
    config = settings.SIMPLEPRINT_CONFIG
    checked = registrations.checked_at
    return {
        "mode": modes.current_mode(),
        "receiver_url": url,
        "receiver_registered": None if webhooks is None
        else any(webhook_manager.same_url(w.get("url"), url) for w in webhooks),
        "secret_configured": bool(config["webhook_secret"]),
        "previous_secret_configured": bool(config["webhook_secret_previous"]),
        "insecure_webhooks_allowed": bool(config["allow_insecure_webhooks"]),
        "subscribed_events": list(SUBSCRIBED_EVENTS),
        "counts": counts,
        "last_received_at": last_received_at,
        "webhooks": webhooks,
        "webhooks_error": registrations.error or None,
        "webhooks_checked_at": None if checked is None
        else datetime.fromtimestamp(checked, tz=UTC),
    }


def visible_overview(overview: dict[str, Any], see_all: bool) -> dict[str, Any]:
    """``overview`` as a user sees it: other integrations' registrations (their URLs carry
    their own tokens) only with ``see_all``, otherwise only ours and how many are hidden."""
    webhooks = overview["webhooks"]
    if see_all or webhooks is None:
        return {**overview, "hidden_webhooks": 0}
    url = overview["receiver_url"]
    ours = [w for w in webhooks if webhook_manager.same_url(w.get("url"), url)]
    return {**overview, "webhooks": ours, "hidden_webhooks": len(webhooks) - len(ours)}


class _RolledBack(Exception):
    """Ends the sample's transaction: everything it wrote is undone."""


def inject_sample(event: str) -> Outcome:
    """Run a sample delivery of ``event`` through the real path (the receiver's store, the
    registry's effect, the state writers, the live outbox) inside a transaction that is then
    rolled back: the answer lists the live changes it would have made, and nothing stays
    behind (no event, printer, job, queue item, live change or notification; nothing is
    published, as publishing happens only after a commit)."""
    body = sample_envelope(event, ref=SAMPLE_ID_BASE + secrets.randbelow(10**9),
                           timestamp=int(time.time()))
    envelope = parse_envelope(json.dumps(body).encode())
    would_change: list[dict[str, Any]] = []
    status, error, reread = "", "", ""
    try:
        with transaction.atomic():
            first = outbox.latest_seq()
            stored = store_delivery(envelope, dict(INJECTION_HEADERS))
            try:
                with transaction.atomic():
                    applied = apply_event(stored.event)
                status = "processed" if applied else "ignored"
            except RereadNeeded as exc:  # the inbox would ask SimplyPrint; a sample does not
                status, reread = "processed", f" ({exc.reason}: SimplyPrint would be asked)"
            except Exception as exc:  # shown as the inbox would record it
                status, error = "failed", f"{type(exc).__name__}: {exc}"
            would_change = [{"type": m["type"], "data": m["data"]}
                            for m in outbox.between(first)]
            raise _RolledBack
    except _RolledBack:
        pass
    return Outcome(
        action="inject_event", event=event, status=status, error=error,
        changes=would_change, rolled_back=True,
        message=f"Ran a sample {event} delivery through processing and rolled it back: it "
                f"would be {status}{reread} and would change {len(would_change)} row(s); "
                "nothing was kept.",
    )


def trigger_test_delivery(webhook_id: int) -> Outcome:
    """Ask SimplyPrint to send its ``test`` event to ``webhook_id``'s URL."""
    try:
        webhook_manager.trigger_test(webhook_id)
    except Exception as exc:  # reported to the operator with SimplyPrint's reason
        logger.warning("test delivery for webhook %s failed: %s", webhook_id, exc)
        raise SimplyPrintUnavailable(
            f"SimplyPrint did not trigger a test delivery for webhook {webhook_id}: {exc}"
        ) from exc
    return Outcome(
        action="webhook_id", webhook_id=webhook_id, event="test",
        message=f"SimplyPrint was asked to send a test delivery for webhook {webhook_id}; it "
                "appears in the event log when it arrives.",
    )


def set_webhook_enabled(webhook_id: int, enabled: bool) -> Outcome:
    """Switch a SimplyPrint webhook on or off (``webhook_manager.enable`` / ``disable``).
    Disabling this service's own webhook switches the sync to polling at once: nothing will be
    delivered any more, and waiting for the silence rule would leave the pages behind."""
    ours = not enabled and _is_ours(webhook_id)
    try:
        (webhook_manager.enable if enabled else webhook_manager.disable)(webhook_id)
    except Exception as exc:  # reported to the operator with SimplyPrint's reason
        logger.warning("switching webhook %s failed: %s", webhook_id, exc)
        raise SimplyPrintUnavailable(
            f"SimplyPrint did not {'enable' if enabled else 'disable'} webhook {webhook_id}: {exc}"
        ) from exc
    if ours:
        modes.poll_instead(f"our webhook {webhook_id} was disabled at SimplyPrint", time.time())
        return Outcome(action="disable", webhook_id=webhook_id,
                       message=f"Webhook {webhook_id} is disabled: SimplyPrint delivers nothing "
                               "to this service; state is polled from the API until it is "
                               "enabled again.")
    return Outcome(action="enable" if enabled else "disable", webhook_id=webhook_id,
                   message=f"Webhook {webhook_id} is {'enabled' if enabled else 'disabled'}.")


def _is_ours(webhook_id: int) -> bool:
    """Whether ``webhook_id`` points at this service (False when SimplyPrint cannot say)."""
    try:
        hooks = webhook_manager.list_webhooks()
    except Exception:  # cannot tell: the silence rule will notice
        return False
    url = webhook_manager.receiver_url()
    return any(str(h.get("id")) == str(webhook_id) and webhook_manager.same_url(h.get("url"), url)
               for h in hooks)


def reprocess(event_ids: list[int]) -> dict[int, str]:
    """Apply the given events again, now and in order; returns each one's new status."""
    return {event_id: process_event(event_id) for event_id in reset_for_reprocessing(event_ids)}
