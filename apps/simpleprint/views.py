"""The webhook receiver. It does the minimum: size limit, secret, envelope, one INSERT, 200."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from . import metrics
from .events import EnvelopeError, parse_envelope
from .services.inbox import store_delivery

logger = logging.getLogger(__name__)

SECRET_HEADERS = ("HTTP_X_SP_SECRET", "HTTP_X_SP_TOKEN")
#: Request headers kept with each event for debugging.
KEPT_HEADERS = {
    "CONTENT_TYPE": "Content-Type",
    "HTTP_USER_AGENT": "User-Agent",
    "HTTP_X_FORWARDED_FOR": "X-Forwarded-For",
    "REMOTE_ADDR": "Remote-Addr",
}


def _error(status: int, code: str, detail: str, **headers: str) -> JsonResponse:
    metrics.count_rejection(code)
    response = JsonResponse({"status": "rejected", "code": code, "detail": detail}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def accepted_secrets() -> list[str]:
    config = settings.SIMPLEPRINT_CONFIG
    return [s for s in (config["webhook_secret"], config["webhook_secret_previous"]) if s]


def secret_header_matching(request: HttpRequest, secrets: list[str]) -> str | None:
    """The header whose value equals one of ``secrets`` (compared in constant time), if any."""
    for header in SECRET_HEADERS:
        presented = request.META.get(header, "")
        if presented and any(
            hmac.compare_digest(presented.encode(), secret.encode()) for secret in secrets
        ):
            return header
    return None


@method_decorator(csrf_exempt, name="dispatch")
class SimplePrintPrinterWebhookView(View):
    """``POST /api/v1/simpleprint/webhook/printers/``: SimplyPrint's deliveries arrive here."""

    http_method_names = ["post", "options"]

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return _error(405, "method_not_allowed",
                      "This endpoint only accepts SimplyPrint webhook deliveries (POST).",
                      Allow="POST, OPTIONS")

    def post(self, request: HttpRequest) -> JsonResponse:
        limit = settings.SIMPLEPRINT_CONFIG["max_body_bytes"]
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > limit:
            return _error(413, "too_large", f"The body is larger than {limit} bytes.")

        secrets = accepted_secrets()
        secret_header = None
        if secrets:
            secret_header = secret_header_matching(request, secrets)
            if secret_header is None:
                logger.warning("webhook rejected: missing or wrong secret from %s",
                               request.META.get("REMOTE_ADDR"))
                return _error(401, "bad_secret",
                              "Missing or wrong webhook secret (X-SP-Secret or X-SP-Token).")
        elif not settings.SIMPLEPRINT_CONFIG["allow_insecure_webhooks"]:
            logger.error("webhook refused: SIMPLEPRINT_WEBHOOK_SECRET is not configured")
            return _error(503, "not_configured",
                          "The receiver has no webhook secret configured; set "
                          "SIMPLEPRINT_WEBHOOK_SECRET.", **{"Retry-After": "60"})

        body = request.read(limit + 1)
        if len(body) > limit:
            return _error(413, "too_large", f"The body is larger than {limit} bytes.")
        try:
            envelope = parse_envelope(body)
        except EnvelopeError as exc:
            return _error(400, "bad_envelope", str(exc))

        headers = {name: request.META[key] for key, name in KEPT_HEADERS.items()
                   if request.META.get(key)}
        headers["Secret-Header"] = secret_header.removeprefix("HTTP_") if secret_header else "none"
        try:
            with transaction.atomic():
                stored = store_delivery(envelope, headers)
        except DatabaseError:
            logger.exception("webhook not stored: database unavailable")
            return _error(503, "unavailable",
                          "The event store is unavailable; retry later.", **{"Retry-After": "10"})
        return JsonResponse({
            "status": "accepted",
            "id": stored.event.pk,
            "event": envelope.event,
            "duplicate": stored.duplicate,
        })
