"""This service's webhook registration at SimplyPrint, on top of :class:`SimplePrintClient`.

:func:`ensure_registered` keeps exactly ONE webhook pointing at our receiver URL, with the
subscribed events, ``enabled: true`` and the configured secret: it lists first, updates by id,
and deletes extra registrations of the same URL, so running it again never adds a duplicate.
Every function takes an optional ``client`` (default: one built from settings, closed after).

What SimplyPrint last said about the registrations is remembered in the cache
(:func:`remembered`, without secrets): every listing here, the sync's checks and every change
refresh it, so that showing it (``GET webhook/test/``, the debug panel) costs no API call;
:func:`refresh` asks SimplyPrint again, at most once per :data:`REFRESH_MIN_AGE` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from ..events.registry import SUBSCRIBED_EVENTS
from ..remote import explain
from ..remote.client import SimplePrintAPIError, SimplePrintClient

logger = logging.getLogger(__name__)

CACHE_KEY = "printfarm:sp:webhooks"
#: A refresh asked for sooner than this after the last answer gets the remembered one.
REFRESH_MIN_AGE = 10.0

WEBHOOK_NAME = "PrintFarm Planning V2 - Printer Events"
WEBHOOK_DESCRIPTION = "Managed by printfarm (manage.py register_webhooks); do not edit by hand"

Action = Literal["created", "updated", "unchanged"]


@contextlib.contextmanager
def _client(client: SimplePrintClient | None) -> Iterator[SimplePrintClient]:
    if client is not None:
        yield client
        return
    with SimplePrintClient() as own:
        yield own


def receiver_path() -> str:
    return reverse("simpleprint:webhook-printers")


def receiver_url(base: str | None = None) -> str:
    """Our receiver's public URL: ``base`` (default ``SIMPLEPRINT_CONFIG['public_url']``) plus
    the receiver path, unless ``base`` already ends with it."""
    base = (base or settings.SIMPLEPRINT_CONFIG["public_url"]).strip()
    path = receiver_path()
    if base.rstrip("/").endswith(path.rstrip("/")):
        return base.rstrip("/") + "/"
    return base.rstrip("/") + path


def same_url(left: str | None, right: str | None) -> bool:
    """URLs equal up to scheme/host case and a trailing slash."""
    if not left or not right:
        return False

    def norm(url: str) -> tuple[str, str, str, str]:
        parts = urlsplit(url.strip())
        return parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query

    return norm(left) == norm(right)


def shown(webhook: dict[str, Any]) -> dict[str, Any]:
    """A registration as SimplyPrint lists it, minus the secret it returns in clear text."""
    kept = {key: value for key, value in webhook.items() if key != "secret"}
    kept["has_secret"] = bool(webhook.get("secret"))
    return kept


@dataclass(frozen=True)
class Registrations:
    """What SimplyPrint last said about the registrations: the list (secrets removed), or why
    it could not be asked; ``checked_at`` is our Unix time of the answer (None: never asked)."""

    webhooks: list[dict[str, Any]] | None
    error: str
    checked_at: float | None


def remember(webhooks: list[dict[str, Any]] | None, error: str = "") -> Registrations:
    state = Registrations(None if webhooks is None else [shown(w) for w in webhooks], error,
                          time.time())
    try:
        cache.set(CACHE_KEY, state, timeout=None)
    except Exception:  # shown with a reason; the next check writes it again
        logger.warning("could not remember the webhook registrations", exc_info=True)
    return state


def remembered() -> Registrations:
    try:
        state = cache.get(CACHE_KEY)
    except Exception:
        state = None
    if isinstance(state, Registrations):
        return state
    return Registrations(None, "not asked yet: refresh to ask SimplyPrint (the sync asks when "
                               "it checks the webhooks)", None)


def refresh(*, client: SimplePrintClient | None = None) -> Registrations:
    """Ask SimplyPrint for the registrations now, unless it answered less than
    :data:`REFRESH_MIN_AGE` seconds ago; a refusal is remembered with its reason."""
    state = remembered()
    if state.checked_at is not None and time.time() - state.checked_at < REFRESH_MIN_AGE:
        return state
    with _client(client) as sp:
        try:
            _listed(sp)
        except SimplePrintAPIError as exc:
            return remember(None, f"SimplyPrint could not be asked for its webhooks: {exc} — "
                                  f"{explain.hint(exc, sp.base_url, webhooks=True)}")
    return remembered()


def _listed(sp: SimplePrintClient) -> list[dict[str, Any]]:
    webhooks = sp.list_webhooks()
    remember(webhooks)
    return webhooks


def _up_to_date(hook: dict[str, Any], events: list[str], secret: str) -> bool:
    return (set(hook.get("events") or []) == set(events) and bool(hook.get("enabled"))
            and (hook.get("secret") or "") == secret and hook.get("name") == WEBHOOK_NAME)


def ensure_registered(url: str | None = None, events: Iterable[str] = SUBSCRIBED_EVENTS,
                      secret: str | None = None, *, client: SimplePrintClient | None = None
                      ) -> tuple[dict[str, Any], Action]:
    """Make exactly one webhook point at ``url`` (default :func:`receiver_url`) with ``events``,
    enabled, and ``secret`` (default: the configured one). Returns the webhook and what was done.
    """
    target = url or receiver_url()
    wanted = list(dict.fromkeys(events))
    secret = settings.SIMPLEPRINT_CONFIG["webhook_secret"] if secret is None else secret
    if not secret:
        logger.warning("registering webhook %s WITHOUT a secret: deliveries cannot be "
                       "authenticated", target)
    with _client(client) as sp:
        ours = sorted((h for h in _listed(sp) if same_url(h.get("url"), target)),
                      key=lambda h: int(h.get("id") or 0))
        keep = next((h for h in ours if _up_to_date(h, wanted, secret)), ours[0] if ours
                    else None)
        for extra in ours:
            if extra is not keep:
                logger.info("deleting duplicate webhook %s for %s", extra.get("id"), target)
                sp.delete_webhook(int(extra["id"]))
        if keep is not None and _up_to_date(keep, wanted, secret):
            return keep, "unchanged" if len(ours) == 1 else "updated"
        webhook = sp.create_webhook(
            WEBHOOK_NAME, target, wanted, secret, enabled=True, description=WEBHOOK_DESCRIPTION,
            webhook_id=None if keep is None else int(keep["id"]))
        _listed(sp)
    action: Action = "created" if keep is None else "updated"
    logger.info("webhook %s %s for %s", webhook.get("id"), action, target)
    return webhook, action


#: The name the REST API's end-to-end test uses.
ensure_webhook = ensure_registered


def list_webhooks(*, client: SimplePrintClient | None = None) -> list[dict[str, Any]]:
    with _client(client) as sp:
        return _listed(sp)


def enable(webhook_id: int, *, client: SimplePrintClient | None = None) -> None:
    with _client(client) as sp:
        sp.set_webhook_enabled(webhook_id, True)
        _listed(sp)


def disable(webhook_id: int, *, client: SimplePrintClient | None = None) -> None:
    with _client(client) as sp:
        sp.set_webhook_enabled(webhook_id, False)
        _listed(sp)


def delete(webhook_id: int, *, client: SimplePrintClient | None = None) -> None:
    with _client(client) as sp:
        sp.delete_webhook(webhook_id)
        _listed(sp)


def trigger_test(webhook_id: int, *, client: SimplePrintClient | None = None) -> None:
    """Ask SimplyPrint to send a ``test`` delivery to the webhook's URL."""
    with _client(client) as sp:
        sp.trigger_test_webhook(webhook_id)


def sample_payloads(event: str, limit: int = 1, *, client: SimplePrintClient | None = None
                    ) -> list[dict[str, Any]]:
    with _client(client) as sp:
        return sp.get_sample_payloads(event, limit)
