"""``manage.py register_webhooks`` end to end against the simulator, for every flag."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from apps.simpleprint.events.registry import SUBSCRIBED_EVENTS
from apps.simpleprint.sync import modes, webhook_manager
from tests.simplyprint_sim import SimulatedSimplyPrint
from tests.stack import ROOT

RECEIVER = "http://testserver/api/v1/simpleprint/webhook/printers/"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("register_webhooks", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fail(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("register_webhooks", *args, stdout=out, stderr=err)
    assert exited.value.code == 1
    return out.getvalue(), err.getvalue()


def test_register_prints_the_webhook(sp_settings: Any) -> None:
    out, err = run()
    assert out.splitlines()[:2] == ["🔗 Registering webhooks for printers...",
                                    "✅ Webhook registered!"]
    assert f"  URL: {RECEIVER}" in out
    assert f"  Events: {', '.join(SUBSCRIBED_EVENTS)}" in out
    assert err == ""


def test_running_twice_keeps_exactly_one_webhook(sp_settings: Any) -> None:
    run()
    out, _ = run()
    assert "✅ Already up to date" in out
    assert len(webhook_manager.list_webhooks()) == 1


def test_register_repairs_a_drifted_webhook(sp_settings: Any) -> None:
    webhook, _ = webhook_manager.ensure_registered(events=["job.done"])
    out, _ = run()
    assert "♻️ Webhook updated" in out
    assert [h["id"] for h in webhook_manager.list_webhooks()] == [webhook["id"]]


def test_url_flag_overrides_the_public_url(sp_settings: Any) -> None:
    run("--url", "https://farm.example.com")
    run("--url", "https://farm.example.com/api/v1/simpleprint/webhook/printers/")
    [hook] = webhook_manager.list_webhooks()
    assert hook["url"] == "https://farm.example.com/api/v1/simpleprint/webhook/printers/"


def test_list(sp_settings: Any) -> None:
    webhook, _ = webhook_manager.ensure_registered()
    out, _ = run("--list")
    assert out.splitlines() == [
        "📋 Registered webhooks:",
        f"  🔗 ID: {webhook['id']}  ← this service",
        "     Name: PrintFarm Planning V2 - Printer Events",
        f"     URL: {RECEIVER}",
        "     Enabled: ✅ Yes",
        "     Secret: set",
        f"     Events: {', '.join(SUBSCRIBED_EVENTS)}",
    ]


def test_list_when_there_is_none(sp_settings: Any) -> None:
    out, _ = run("--list")
    assert out.startswith("📋 No webhooks registered.")


def test_disable_then_enable(sp_settings: Any) -> None:
    webhook, _ = webhook_manager.ensure_registered()
    out, _ = run("--disable", str(webhook["id"]))
    assert out.splitlines() == [f"⏸️ Disabling webhook {webhook['id']}...", "✅ Webhook disabled"]
    assert webhook_manager.list_webhooks()[0]["enabled"] is False
    run("--enable", str(webhook["id"]))
    assert webhook_manager.list_webhooks()[0]["enabled"] is True


def test_test_flag_triggers_a_test_delivery(sp_settings: Any,
                                            simplyprint: SimulatedSimplyPrint) -> None:
    webhook, _ = webhook_manager.ensure_registered()
    out, _ = run("--test", str(webhook["id"]))
    assert out.splitlines() == [f"🧪 Testing webhook {webhook['id']}...",
                                "✅ Webhook sent successfully"]
    assert simplyprint.stats()["deliveries"]["created"] == 1


def test_delete(sp_settings: Any) -> None:
    webhook, _ = webhook_manager.ensure_registered()
    run("--delete", str(webhook["id"]))
    assert webhook_manager.list_webhooks() == []


def test_json_output(sp_settings: Any) -> None:
    registered = json.loads(run("--json")[0])
    assert (registered["ok"], registered["action"], registered["url"]) == (True, "created",
                                                                          RECEIVER)
    assert registered["webhook"]["has_secret"] is True
    assert "secret" not in registered["webhook"]
    listed = json.loads(run("--list", "--json")[0])
    assert [h["id"] for h in listed["webhooks"]] == [registered["webhook"]["id"]]
    tested = json.loads(run("--test", str(registered["webhook"]["id"]), "--json")[0])
    assert tested == {"ok": True, "action": "test", "id": registered["webhook"]["id"]}


def test_unknown_id_is_a_clear_error(sp_settings: Any) -> None:
    _, err = fail("--delete", "999")
    assert err.strip() == ("❌ HTTP error 400: id: Webhook not found — SimplyPrint rejected the "
                           "request: check the webhook id, URL and event names")


@pytest.mark.django_db
def test_404_says_webhooks_need_the_print_farm_plan(sp_settings: Any,
                                                   simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.control(webhooks_available=False)
    _, err = fail()
    assert err.strip().splitlines()[-1] == (
        "❌ HTTP error 404: Not Found — webhooks need the Print Farm plan: upgrade, or register "
        "the webhook by hand in the panel (Settings → Webhooks)")
    # The sync meets the same refusal: it polls, and says why.
    info = modes.mode_info()
    assert info["mode"] == "polling" and "Print Farm plan" in info["reason"]


@pytest.mark.django_db
def test_403_says_the_key_lacks_the_webhook_permission(sp_settings: Any,
                                                       simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.control(webhooks_available=False, webhooks_refusal="403")
    _, err = fail("--list")
    assert "this API key lacks the webhooks_manage permission" in err
    assert "webhooks_manage" in modes.mode_info()["webhooks_error"]


@pytest.mark.django_db
def test_401_says_check_the_api_key(sp_settings: Any) -> None:
    sp_settings.SIMPLEPRINT_CONFIG = {**sp_settings.SIMPLEPRINT_CONFIG, "api_key": "wrong"}
    _, err = fail("--list")
    assert err.strip() == ("❌ HTTP error 401: No API key provided, or not logged in — "
                           "SimplyPrint does not accept the API key: check SIMPLEPRINT_API_KEY")


@pytest.mark.django_db
def test_403_says_check_the_company_id(sp_settings: Any) -> None:
    sp_settings.SIMPLEPRINT_CONFIG = {**sp_settings.SIMPLEPRINT_CONFIG, "company_id": 2}
    _, err = fail("--list")
    assert "check SIMPLEPRINT_COMPANY_ID" in err


@pytest.mark.django_db
def test_an_unreachable_simplyprint(settings: Any) -> None:
    _, err = fail("--list")  # the test settings point at a closed port
    assert "cannot reach http://127.0.0.1:1" in err
    assert err.strip().endswith("check SIMPLEPRINT_BASE_URL and the network")


@pytest.mark.django_db
def test_error_as_json(sp_settings: Any, simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.control(webhooks_available=False)
    out, _ = fail("--list", "--json")
    error = json.loads(out)["error"]
    assert (error["status"], error["endpoint"]) == (404, "webhooks/Get")
    assert "Print Farm plan" in error["hint"]


def test_without_a_secret_it_warns_loudly(sp_settings: Any) -> None:
    sp_settings.SIMPLEPRINT_CONFIG = {**sp_settings.SIMPLEPRINT_CONFIG, "webhook_secret": ""}
    _, err = run()
    assert "⚠️  SIMPLEPRINT_WEBHOOK_SECRET is NOT set" in err
    assert webhook_manager.list_webhooks()[0]["secret"] is None


def test_the_real_command_line_exits_non_zero_on_error(
    simplyprint: SimulatedSimplyPrint, tmp_path: Any
) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SIMPLEPRINT_", "TEST_", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "PRINTFARM_VAR_DIR": str(tmp_path),
                "SIMPLEPRINT_BASE_URL": simplyprint.url, "SIMPLEPRINT_API_KEY": "wrong",
                "SIMPLEPRINT_COMPANY_ID": "1", "REDIS_URL": ""})
    done = subprocess.run([sys.executable, "manage.py", "register_webhooks", "--list"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].endswith("check SIMPLEPRINT_API_KEY")
