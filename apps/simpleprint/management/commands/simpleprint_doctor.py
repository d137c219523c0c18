"""``manage.py simpleprint_doctor``: check the configured SimplyPrint account before go-live.

Read-only unless ``--fix`` (registers or repairs our webhook). ``--json`` for scripts,
``--save-samples DIR`` keeps SimplyPrint's sample deliveries (one file per event) to become test
fixtures. Exit status 0 when nothing failed, 1 otherwise. The checks: ``apps/simpleprint/ops/
doctor.py``; what each means: ``docs/simplyprint.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.simpleprint.ops import doctor

ICONS = {"ok": "✅", "warn": "⚠️ ", "fail": "❌"}


class Command(BaseCommand):
    help = "Check the configured SimplyPrint account against what this service assumes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true",
                            help="register or repair this service's webhook (else read-only)")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="machine-readable output")
        parser.add_argument("--save-samples", metavar="DIR",
                            help="write SimplyPrint's sample deliveries to DIR/<event>.json")
        parser.add_argument("--samples", type=int, default=1, metavar="N",
                            help="samples to ask for per event (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["as_json"]:
            self.stdout.write("🩺 Checking the SimplyPrint account...")
        report = doctor.run(fix=bool(options["fix"]), sample_limit=max(1, options["samples"]))
        if options["save_samples"]:
            self._save(Path(options["save_samples"]), report)
        if options["as_json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        else:
            self._print(report)
        if not report.ok:
            sys.exit(1)

    def _save(self, directory: Path, report: doctor.Report) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for event, samples in report.samples.items():
            (directory / f"{event}.json").write_text(
                json.dumps(samples, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        if report.samples:
            report.add("samples saved", "ok",
                       f"{len(report.samples)} file(s) in {directory}")

    def _print(self, report: doctor.Report) -> None:
        self.stdout.write(f"  {report.account}")
        for finding in report.findings:
            style = {"ok": self.style.SUCCESS, "warn": self.style.WARNING,
                     "fail": self.style.ERROR}[finding.status]
            self.stdout.write(style(f"{ICONS[finding.status]} {finding.check}: "
                                    f"{finding.message}"))
            for line in finding.details:
                self.stdout.write(f"     {line}")
        summary = report.as_dict()["summary"]
        verdict = "✅ Ready" if report.ok else "❌ Not ready"
        self.stdout.write(f"{verdict}: {summary['ok']} ok, {summary['warn']} warning(s), "
                          f"{summary['fail']} failed")
