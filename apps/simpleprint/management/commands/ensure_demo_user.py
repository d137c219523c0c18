"""``manage.py ensure_demo_user``: a login and an API token for a newcomer's first run.

Only where ``settings.PRINTFARM_DEMO_LOGIN`` is true (the dev profile). Idempotent: the user and
token are created once and later runs print them again. The password is random and kept in
``$PRINTFARM_VAR_DIR/demo-login.json`` (mode 0600) so it can be shown again; ``--reset-password``
draws a new one (a password changed by hand is otherwise left alone).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

USERNAME = "demo"


def credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-login.json"


def _remembered_password() -> str | None:
    try:
        return str(json.loads(credentials_file().read_text())["password"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(password: str) -> None:
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"username": USERNAME, "password": password}, handle)


class Command(BaseCommand):
    help = "Create (once) the demo superuser and its API token, and print the login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset-password", action="store_true",
                            help="Give the demo user a new random password.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "PRINTFARM_DEMO_LOGIN", False):
            raise CommandError("The demo login is disabled (PRINTFARM_DEMO_LOGIN is false); it is "
                               "meant for the local default run only.")
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(
                username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
            )
            password: str | None = _remembered_password()
            if created or options["reset_password"]:
                password = secrets.token_urlsafe(12)
                user.set_password(password)
                user.save(update_fields=["password"])
                _remember(password)
            elif password is None or not user.check_password(password):
                password = "(changed elsewhere; --reset-password draws a new one)"
            token, _ = Token.objects.get_or_create(user=user)
        base = settings.SIMPLEPRINT_CONFIG["public_url"].rstrip("/")
        self.stdout.write(
            f"Demo login ({'created' if created else 'existing'}; dev only):\n"
            f"  user:     {USERNAME}\n"
            f"  password: {password}\n"
            f"  token:    {token.key}\n"
            f"  admin:    {base}/admin/\n"
            f"  API docs: {base}/api/docs/\n"
            f'  try:      curl -H "Authorization: Token {token.key}" '
            f"{base}/api/v1/simpleprint/webhook/test/\n"
        )
