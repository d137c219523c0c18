"""What a refused or failed SimplyPrint call means, in words an operator can act on.

One place for the text shown by the sync's mode reason (the debug panel, ``/readyz`` for staff,
the logs), ``register_webhooks`` and ``simpleprint_doctor``. The causes follow the documented
status codes (``simplyprint-api.md`` §2.5–2.7): 401 a wrong key, 403 a missing permission or
plan (or, with "You don't have access to this account", a wrong company id), 404 for
``webhooks/*`` no Print Farm plan.
"""

from __future__ import annotations

from .client import SimplePrintAPIError, SimplePrintConnectionError, SimplePrintOutcomeUnknown

NO_ACCESS = "you don't have access to this account"


def hint(error: SimplePrintAPIError, base_url: str, *, webhooks: bool = False) -> str:
    """What to do about ``error``; ``webhooks`` when the call was one of ``webhooks/*``."""
    if isinstance(error, SimplePrintOutcomeUnknown):
        return "it may or may not have happened: list the state before trying again"
    if isinstance(error, SimplePrintConnectionError):
        return f"cannot reach {base_url}: check SIMPLEPRINT_BASE_URL and the network"
    status = error.status
    if status == 401:
        return "SimplyPrint does not accept the API key: check SIMPLEPRINT_API_KEY"
    if status == 403 and NO_ACCESS in error.message.lower():
        return ("the key cannot use this company: check SIMPLEPRINT_COMPANY_ID, and that the "
                "organization allows API use for this key")
    if status == 403:
        if webhooks:
            return ("this API key lacks the webhooks_manage permission, or the account has no "
                    "Print Farm plan: give the key's user that permission in SimplyPrint "
                    "(organization → roles), or register the webhook by hand in the panel")
        return "the key lacks a permission or plan this call needs"
    if status == 404 and webhooks:
        return ("webhooks need the Print Farm plan: upgrade, or register the webhook by hand "
                "in the panel (Settings → Webhooks)")
    if status == 429:
        return "rate limited by SimplyPrint: wait and retry"
    if status >= 500:
        return "SimplyPrint is failing or in maintenance: try again later"
    if 200 <= status < 300:
        return (f"SimplyPrint answered HTTP {status} with status false "
                f"({error.message or 'no message'})")
    if status == 400:
        return "SimplyPrint rejected the request: check the webhook id, URL and event names"
    return "see SimplyPrint's message"


def webhooks_refused(error: SimplePrintAPIError, base_url: str) -> str:
    """The reason the sync polls because the webhook API refused: the answer and the remedy."""
    return f"SimplyPrint's webhook API refused ({error}): {hint(error, base_url, webhooks=True)}"
