"""The webhook receiver. It does the minimum: size limit, secret, envelope, one INSERT, 200.

The steps are plain functions on a ``META``-style mapping so that two doors share them: the
Django view below (the test client, WSGI, any other path) and, under an ASGI server, the fast
path in :mod:`.asgi`, which skips Django's middleware stack for deliveries.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ..events.envelope import EnvelopeError, parse_envelope
from ..ops import metrics
from ..processing.inbox import store_delivery

logger = logging.getLogger(__name__)

SECRET_HEADERS = ("HTTP_X_SP_SECRET", "HTTP_X_SP_TOKEN")
#: Request headers kept with each event for debugging.
KEPT_HEADERS = {
    "CONTENT_TYPE": "Content-Type",
    "HTTP_USER_AGENT": "User-Agent",
    "HTTP_X_FORWARDED_FOR": "X-Forwarded-For",
    "REMOTE_ADDR": "Remote-Addr",
}


@dataclass(frozen=True)
class Answer:
    """The receiver's answer: a JSON body, a status, extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def count(self) -> None:
        if self.status >= 400:
            metrics.count_rejection(self.body["code"])

    def response(self) -> JsonResponse:
        response = JsonResponse(self.body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def rejection(status: int, code: str, detail: str, **headers: str) -> Answer:
    return Answer(status, {"status": "rejected", "code": code, "detail": detail}, headers)


def accepted_secrets() -> list[str]:
    config = settings.SIMPLEPRINT_CONFIG
    return [s for s in (config["webhook_secret"], config["webhook_secret_previous"]) if s]


def secret_header_matching(meta: Mapping[str, str], secrets: list[str]) -> str | None:
    """The header whose value equals one of ``secrets`` (compared in constant time), if any."""
    for header in SECRET_HEADERS:
        presented = meta.get(header, "")
        if presented and any(
            hmac.compare_digest(presented.encode(), secret.encode()) for secret in secrets
        ):
            return header
    return None


def check_headers(meta: Mapping[str, str]) -> Answer | str:
    """Before the body is read: the declared size and the secret. Returns a rejection, or the
    name of the header that carried the secret (``"none"`` when insecure deliveries are on)."""
    limit = settings.SIMPLEPRINT_CONFIG["max_body_bytes"]
    declared = meta.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        return rejection(413, "too_large", f"The body is larger than {limit} bytes.")
    secrets = accepted_secrets()
    if secrets:
        header = secret_header_matching(meta, secrets)
        if header is None:
            logger.warning("webhook rejected: missing or wrong secret from %s",
                           meta.get("REMOTE_ADDR"))
            return rejection(401, "bad_secret",
                             "Missing or wrong webhook secret (X-SP-Secret or X-SP-Token).")
        return header
    if settings.SIMPLEPRINT_CONFIG["allow_insecure_webhooks"]:
        return "none"
    logger.error("webhook refused: SIMPLEPRINT_WEBHOOK_SECRET is not configured")
    return rejection(503, "not_configured", "The receiver has no webhook secret configured; "
                     "set SIMPLEPRINT_WEBHOOK_SECRET.", **{"Retry-After": "60"})


def receive_body(body: bytes, meta: Mapping[str, str], secret_header: str) -> Answer:
    """After the headers passed: the body (at most ``max_body_bytes`` + 1 read), parsed and
    stored in one INSERT. The 200 is only answered once the row is committed."""
    limit = settings.SIMPLEPRINT_CONFIG["max_body_bytes"]
    if len(body) > limit:
        return rejection(413, "too_large", f"The body is larger than {limit} bytes.")
    try:
        envelope = parse_envelope(body)
    except EnvelopeError as exc:
        return rejection(400, "bad_envelope", str(exc))
    headers = {name: meta[key] for key, name in KEPT_HEADERS.items() if meta.get(key)}
    headers["Secret-Header"] = secret_header.removeprefix("HTTP_")
    try:
        stored = store_delivery(envelope, headers)  # one INSERT, committed on its own
    except DatabaseError:
        logger.exception("webhook not stored: database unavailable")
        return rejection(503, "unavailable", "The event store is unavailable; retry later.",
                         **{"Retry-After": "10"})
    return Answer(200, {"status": "accepted", "id": stored.event.pk, "event": envelope.event,
                        "duplicate": stored.duplicate})


@method_decorator(csrf_exempt, name="dispatch")
class SimplePrintPrinterWebhookView(View):
    """``POST /api/v1/simpleprint/webhook/printers/``: SimplyPrint's deliveries arrive here."""

    http_method_names = ["post", "options"]

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        answer = rejection(405, "method_not_allowed",
                           "This endpoint only accepts SimplyPrint webhook deliveries (POST).",
                           Allow="POST, OPTIONS")
        answer.count()
        return answer.response()

    def post(self, request: HttpRequest) -> JsonResponse:
        checked = check_headers(request.META)
        if isinstance(checked, Answer):
            answer = checked
        else:
            limit = settings.SIMPLEPRINT_CONFIG["max_body_bytes"]
            answer = receive_body(request.read(limit + 1), request.META, checked)
        answer.count()
        return answer.response()
