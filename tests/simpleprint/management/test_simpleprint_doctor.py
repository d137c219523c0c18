"""``manage.py simpleprint_doctor`` against the simulator: it passes against the default one,
names a payload mismatch field by field against a variant, writes nothing unless ``--fix``."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from apps.simpleprint.events.registry import SUBSCRIBED_EVENTS
from apps.simpleprint.models import LiveUpdate, NamedRef, Printer, PrintJob, PrintQueue
from apps.simpleprint.sync import webhook_manager
from tests.simplyprint_sim import SimulatedSimplyPrint

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def account(sp_settings: Any) -> Any:
    """The simulator as the configured account, with a public HTTPS receiver URL (and no
    request budget of ours: a doctor makes about 40 calls, these tests several doctors)."""
    sp_settings.SIMPLEPRINT_CONFIG = {**sp_settings.SIMPLEPRINT_CONFIG, "rate_limit": 0,
                                      "public_url": "https://farm.example.com"}
    return sp_settings


def doctor(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("simpleprint_doctor", *args, stdout=out)
    except SystemExit as exited:
        return int(exited.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_it_passes_against_the_default_simulator(account: Any) -> None:
    webhook_manager.ensure_webhook()
    code, out = doctor()
    assert code == 0, out
    assert "✅ Ready" in out
    assert "✅ account: the key works as Alex Johnson for company 1" in out
    for event in SUBSCRIBED_EVENTS:
        assert f"sample {event}:" in out


def test_it_changes_nothing_unless_told_to_fix(account: Any,
                                               simplyprint: SimulatedSimplyPrint) -> None:
    code, out = doctor()
    assert code == 1
    assert "❌ registration: no webhook points at https://farm.example.com/" in out
    # The dry runs went through the real writers and were rolled back.
    for model in (Printer, PrintJob, PrintQueue, NamedRef, LiveUpdate):
        assert not model.objects.exists(), model
    assert webhook_manager.list_webhooks() == []

    code, out = doctor("--fix")
    assert code == 0, out
    assert "✅ registration: fixed: webhook" in out
    [hook] = webhook_manager.list_webhooks()
    assert hook["url"] == "https://farm.example.com/api/v1/simpleprint/webhook/printers/"


def test_it_names_each_mismatch_of_a_changed_payload(account: Any,
                                                     simplyprint: SimulatedSimplyPrint) -> None:
    webhook_manager.ensure_webhook()
    simplyprint.control(shapes="missing_keys")
    code, out = doctor()
    assert code == 1
    assert ("❌ sample printer.nozzle_size_changed: the service cannot apply it (synthetic, not "
            "a real delivery): PayloadError: printer.nozzle_size_changed without a numeric "
            "data.nozzle") in out
    assert "     data.nozzle: missing (expected a number)" in out
    assert "     data.queue_item: missing (expected an object)" in out
    assert "     data.queue_item_id: not expected (a number)" in out


def test_a_real_sample_is_checked_and_saved(account: Any, simplyprint: SimulatedSimplyPrint,
                                            tmp_path: Path) -> None:
    webhook_manager.ensure_webhook()
    simplyprint.control(skipped_objects="ids")
    busy = next(p["id"] for p in simplyprint.state()["printers"]
                if p["job"] and p["state"] == "printing")
    simplyprint.scenario("skip_objects", printer_id=busy, objects=[3])
    simplyprint.settle()
    code, out = doctor("--save-samples", str(tmp_path), "--json")
    report = json.loads(out)
    finding = next(f for f in report["findings"] if f["check"] == "sample job.objects_skipped")
    assert finding["status"] == "warn" and "a real delivery" in finding["message"]
    assert finding["details"] == [
        "data.job.skippedObjects[]: a number, expected an object"]
    saved = json.loads((tmp_path / "job.objects_skipped.json").read_text())
    assert saved[0]["source"] == "real" and saved[0]["data"]["job"]["skippedObjects"] == [3]
    assert code == 0 and report["ok"]


def test_a_wrong_key_stops_at_the_account(account: Any) -> None:
    account.SIMPLEPRINT_CONFIG = {**account.SIMPLEPRINT_CONFIG, "api_key": "wrong"}
    code, out = doctor("--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    [failed] = [f for f in report["findings"] if f["status"] == "fail"]
    assert failed["check"] == "account" and "check SIMPLEPRINT_API_KEY" in failed["message"]


def test_a_refused_webhook_api_is_explained(account: Any,
                                           simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.control(webhooks_available=False, webhooks_refusal="403")
    code, out = doctor()
    assert code == 1
    assert "❌ webhooks: webhooks/Get: HTTP error 403" in out
    assert "lacks the webhooks_manage permission" in out
    assert "✅ printers/Get" in out  # the rest is still checked


def test_an_older_backend_and_a_key_without_company_still_pass(
        account: Any, simplyprint: SimulatedSimplyPrint) -> None:
    webhook_manager.ensure_webhook()
    simplyprint.control(sample_payloads=False, getuser_company=False)
    code, out = doctor()
    assert code == 0, out
    assert "account/GetUser does not name the company for this key" in out
    assert "⚠️  samples: webhooks/GetSamplePayload is not available" in out
