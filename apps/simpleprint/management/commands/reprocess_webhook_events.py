"""``manage.py reprocess_webhook_events``: apply stored events again (failed ones, or by id)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.simpleprint.processing import inbox


class Command(BaseCommand):
    help = "Reprocess stored SimplyPrint webhook events: every failed one, or the ids given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="event ids to reprocess")
        parser.add_argument("--failed", action="store_true",
                            help="reprocess every event whose processing failed")
        parser.add_argument("--all", action="store_true", dest="everything",
                            help="reprocess every stored event (safe: processing is idempotent)")

    def handle(self, *args: Any, ids: list[int], failed: bool, everything: bool,
               **options: Any) -> None:
        if not (ids or failed or everything):
            raise CommandError("Say which events: ids, --failed or --all.")
        selected = inbox.reset_for_reprocessing(ids or None, failed=failed)
        if ids and len(selected) != len(set(ids)):
            missing = sorted(set(ids) - set(selected))
            self.stderr.write(self.style.WARNING(f"No such event(s): {missing}"))
        if not selected:
            self.stdout.write("Nothing to reprocess.")
            return
        self.stdout.write(f"🔁 Reprocessing {len(selected)} event(s)...")
        outcomes: dict[str, int] = {}
        for done, event_id in enumerate(selected, start=1):
            status = inbox.process_event(event_id)
            outcomes[status] = outcomes.get(status, 0) + 1
            if done % 100 == 0 or done == len(selected):
                self.stdout.write(f"  {done}/{len(selected)}")
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
        style = self.style.ERROR if outcomes.get("failed") else self.style.SUCCESS
        self.stdout.write(style(f"{'⚠️' if outcomes.get('failed') else '✅'} {summary}"))
