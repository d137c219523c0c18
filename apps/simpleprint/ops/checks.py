"""System checks and the start-up warning about an unverified webhook endpoint."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core import checks

logger = logging.getLogger("apps.simpleprint")


def webhook_security_warning() -> str | None:
    config = settings.SIMPLEPRINT_CONFIG
    if config["webhook_secret"]:
        return None
    if config["allow_insecure_webhooks"]:
        return ("SIMPLEPRINT_WEBHOOK_SECRET is not set and SIMPLEPRINT_ALLOW_INSECURE_WEBHOOKS is "
                "on: the webhook endpoint accepts deliveries from anyone. Use this only with the "
                "local simulator.")
    return ("SIMPLEPRINT_WEBHOOK_SECRET is not set: the webhook endpoint refuses every delivery "
            "(503) until a secret is configured.")


@checks.register(checks.Tags.security)
def check_webhook_secret(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    message = webhook_security_warning()
    if message is None:
        return []
    return [checks.Warning(message, id="simpleprint.W001",
                           hint="Set SIMPLEPRINT_WEBHOOK_SECRET to a long random value "
                                "(python -c 'import secrets; print(secrets.token_hex(32))').")]


def log_startup_warnings() -> None:
    message = webhook_security_warning()
    if message:
        logger.warning(message)
