"""This service's webhook registration at SimplyPrint, on top of :class:`SimplePrintClient`.

:func:`ensure_registered` keeps exactly ONE webhook pointing at our receiver URL, with the
subscribed events, ``enabled: true`` and the configured secret: it lists first, updates by id,
and deletes extra registrations of the same URL, so running it again never adds a duplicate.
Every function takes an optional ``client`` (default: one built from settings, closed after).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from ..events.registry import SUBSCRIBED_EVENTS
from ..remote.client import SimplePrintClient

logger = logging.getLogger(__name__)

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
        ours = sorted((h for h in sp.list_webhooks() if same_url(h.get("url"), target)),
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
    action: Action = "created" if keep is None else "updated"
    logger.info("webhook %s %s for %s", webhook.get("id"), action, target)
    return webhook, action


#: The name the REST API's end-to-end test uses.
ensure_webhook = ensure_registered


def list_webhooks(*, client: SimplePrintClient | None = None) -> list[dict[str, Any]]:
    with _client(client) as sp:
        return sp.list_webhooks()


def enable(webhook_id: int, *, client: SimplePrintClient | None = None) -> None:
    with _client(client) as sp:
        sp.set_webhook_enabled(webhook_id, True)


def disable(webhook_id: int, *, client: SimplePrintClient | None = None) -> None:
    with _client(client) as sp:
        sp.set_webhook_enabled(webhook_id, False)


def delete(webhook_id: int, *, client: SimplePrintClient | None = None) -> None:
    with _client(client) as sp:
        sp.delete_webhook(webhook_id)


def trigger_test(webhook_id: int, *, client: SimplePrintClient | None = None) -> None:
    """Ask SimplyPrint to send a ``test`` delivery to the webhook's URL."""
    with _client(client) as sp:
        sp.trigger_test_webhook(webhook_id)


def sample_payloads(event: str, limit: int = 1, *, client: SimplePrintClient | None = None
                    ) -> list[dict[str, Any]]:
    with _client(client) as sp:
        return sp.get_sample_payloads(event, limit)
