"""``manage.py register_webhooks``: this service's webhook at SimplyPrint.

No flag registers it (idempotent: exactly one webhook for our URL). ``--list``, ``--test ID``,
``--enable ID``, ``--disable ID``, ``--delete ID`` manage registrations; ``--url`` overrides the
public URL, ``--json`` prints machine-readable output. A failure is one line saying what to do,
and exit status 1.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from apps.simpleprint.remote import explain, servertime
from apps.simpleprint.remote.client import SimplePrintAPIError, SimplePrintClient
from apps.simpleprint.sync import modes, webhook_manager

ACTIONS = ("test", "enable", "disable", "delete")


class Command(BaseCommand):
    help = "Register (idempotently), list, test, enable, disable or delete SimplyPrint webhooks."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--list", action="store_true", help="list registered webhooks")
        group.add_argument("--test", type=int, metavar="ID", help="send a test delivery")
        group.add_argument("--enable", type=int, metavar="ID", help="enable a webhook")
        group.add_argument("--disable", type=int, metavar="ID", help="disable a webhook")
        group.add_argument("--delete", type=int, metavar="ID", help="delete a webhook")
        parser.add_argument("--url", help="public URL of this service (the receiver path is "
                                          "appended unless the URL already ends with it)")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="machine-readable output")

    def handle(self, *args: Any, **options: Any) -> None:
        self.as_json = bool(options["as_json"])
        url = webhook_manager.receiver_url(options.get("url"))
        client = SimplePrintClient()
        try:
            with client:
                if options["list"]:
                    self._list(client, url)
                    return
                for action in ACTIONS:
                    if options.get(action) is not None:
                        self._act(client, action, int(options[action]))
                        return
                self._register(client, url)
        except SimplePrintAPIError as error:
            if error.status != 429 and (options["list"] or not any(
                    options.get(action) is not None for action in ACTIONS)):
                self._record_refusal(error, client.base_url)
            self._fail(error, explain.hint(error, client.base_url, webhooks=True))

    def _record_refusal(self, error: SimplePrintAPIError, base_url: str) -> None:
        """The refusal the sync would meet: it polls now, and shows this reason."""
        try:
            modes.refused(explain.webhooks_refused(error, base_url), servertime.now())
        except DatabaseError as exc:  # a database not migrated yet: the message still matters
            self.stderr.write(f"(could not record it for the sync: {exc})")

    # --- output ---------------------------------------------------------------------------------

    def _emit_json(self, payload: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str))

    def _fail(self, error: SimplePrintAPIError, hint: str) -> None:
        if self.as_json:
            self._emit_json({"ok": False, "error": {"status": error.status,
                                                    "endpoint": error.endpoint,
                                                    "message": str(error), "hint": hint}})
        else:
            self.stderr.write(self.style.ERROR(f"❌ {error} — {hint}"))
        sys.exit(1)

    # --- the actions ----------------------------------------------------------------------------

    def _register(self, client: SimplePrintClient, url: str) -> None:
        secret = settings.SIMPLEPRINT_CONFIG["webhook_secret"]
        if not secret:
            self.stderr.write(self.style.WARNING(
                "⚠️  SIMPLEPRINT_WEBHOOK_SECRET is NOT set: the webhook is registered without a "
                "secret, so deliveries cannot be authenticated and the receiver refuses them. "
                "Generate one: python -c 'import secrets; print(secrets.token_hex(32))'"))
        if not self.as_json:
            self.stdout.write("🔗 Registering webhooks for printers...")
        webhook, action = webhook_manager.ensure_registered(url, client=client)
        if self.as_json:
            self._emit_json({"ok": True, "action": action, "url": url,
                             "webhook": webhook_manager.shown(webhook)})
            return
        headline = {"created": "✅ Webhook registered!", "updated": "♻️ Webhook updated",
                    "unchanged": "✅ Already up to date"}[action]
        self.stdout.write(self.style.SUCCESS(headline))
        self.stdout.write(f"  ID: {webhook.get('id')}")
        self.stdout.write(f"  URL: {webhook.get('url') or url}")
        self.stdout.write(f"  Events: {', '.join(webhook.get('events') or [])}")

    def _list(self, client: SimplePrintClient, url: str) -> None:
        webhooks = webhook_manager.list_webhooks(client=client)
        if self.as_json:
            self._emit_json({"ok": True, "receiver_url": url,
                             "webhooks": [webhook_manager.shown(w) for w in webhooks]})
            return
        if not webhooks:
            self.stdout.write("📋 No webhooks registered. Run without flags to register one.")
            return
        self.stdout.write("📋 Registered webhooks:")
        for hook in webhooks:
            ours = "  ← this service" if webhook_manager.same_url(hook.get("url"), url) else ""
            self.stdout.write(f"  🔗 ID: {hook.get('id')}{ours}")
            self.stdout.write(f"     Name: {hook.get('name')}")
            self.stdout.write(f"     URL: {hook.get('url')}")
            self.stdout.write(f"     Enabled: {'✅ Yes' if hook.get('enabled') else '❌ No'}")
            self.stdout.write(f"     Secret: {'set' if hook.get('secret') else 'none'}")
            self.stdout.write(f"     Events: {', '.join(hook.get('events') or [])}")

    def _act(self, client: SimplePrintClient, action: str, webhook_id: int) -> None:
        start, done, run = {
            "test": (f"🧪 Testing webhook {webhook_id}...", "✅ Webhook sent successfully",
                     lambda: webhook_manager.trigger_test(webhook_id, client=client)),
            "enable": (f"🔛 Enabling webhook {webhook_id}...", "✅ Webhook enabled",
                       lambda: webhook_manager.enable(webhook_id, client=client)),
            "disable": (f"⏸️ Disabling webhook {webhook_id}...", "✅ Webhook disabled",
                        lambda: webhook_manager.disable(webhook_id, client=client)),
            "delete": (f"🗑️ Deleting webhook {webhook_id}...", "✅ Webhook deleted",
                       lambda: webhook_manager.delete(webhook_id, client=client)),
        }[action]
        if not self.as_json:
            self.stdout.write(start)
        run()
        if self.as_json:
            self._emit_json({"ok": True, "action": action, "id": webhook_id})
        else:
            self.stdout.write(self.style.SUCCESS(done))
