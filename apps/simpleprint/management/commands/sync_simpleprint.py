"""``python manage.py sync_simpleprint``: one full read of SimplyPrint (printers page by page,
jobs, queue, the names of groups, tags and queue groups) into the database, e.g. at first start.
Exits non-zero with a clear line when SimplyPrint cannot be read."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.simpleprint.remote import servertime
from apps.simpleprint.remote.client import SimplePrintAPIError
from apps.simpleprint.sync import polling as sync


class Command(BaseCommand):
    help = "Read every printer, the ongoing jobs and the queue from SimplyPrint once."

    def handle(self, *args: Any, **options: Any) -> None:
        client = sync.default_client()
        result = sync.SyncResult()
        started = time.monotonic()
        self.stdout.write("🔄 Syncing from SimplyPrint…")
        try:
            clock = servertime.now
            running = sync.sync_printers(client, clock, result, self._page)
            self.stdout.write(f"  🖨️  Printers: {result.printers} ({result.printers_changed} "
                              "changed)")
            sync.sync_jobs(client, clock, result, running=running, ongoing=True)
            self.stdout.write(f"  🧾 Jobs: {result.jobs} read")
            sync.sync_queue(client, clock, result)
            self.stdout.write(f"  📋 Queue: {result.queue} live items ({result.queue_changed} "
                              "changed)")
            sync.sync_names(client, result)
            self.stdout.write("  🏷️  Names of groups, tags and queue groups read")
        except SimplePrintAPIError as exc:
            self.stderr.write(self.style.ERROR(f"❌ Sync failed: {exc}"))
            raise CommandError(f"SimplyPrint could not be read: {exc}") from None
        self.stdout.write(self.style.SUCCESS(
            f"✅ Synced in {time.monotonic() - started:.1f} s with {result.calls} API calls."))

    def _page(self, page: int, pages: int, rows: int) -> None:
        self.stdout.write(f"  … printers page {page}/{pages}: {rows} printers")
