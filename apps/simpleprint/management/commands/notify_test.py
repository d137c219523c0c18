"""``manage.py notify_test``: send a test notification to every Apprise target of
``PRINTFARM_NOTIFY_URLS`` (or of ``--urls``) and say which took it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.simpleprint.notify import sender


class Command(BaseCommand):
    help = "Send a test notification to every configured Apprise target (PRINTFARM_NOTIFY_URLS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--urls", help="Apprise URLs to try instead of PRINTFARM_NOTIFY_URLS")

    def handle(self, *args: Any, **options: Any) -> None:
        results = sender.send_test(options.get("urls"))
        if not results:
            raise CommandError("No notification target: set PRINTFARM_NOTIFY_URLS to one or more "
                               "Apprise URLs (for example tgram://<bot token>/<chat id>).")
        for target, delivered in results:
            line = f"{'✅ delivered' if delivered else '❌ not delivered'}: {target}"
            self.stdout.write(self.style.SUCCESS(line) if delivered else self.style.ERROR(line))
        if not all(delivered for _target, delivered in results):
            raise CommandError("Some targets did not take the test notification (see above).")
