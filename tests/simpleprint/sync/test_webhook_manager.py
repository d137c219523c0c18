"""``webhook_manager`` against the simulator: exactly one webhook for our receiver URL, with
our events, enabled and with our secret, however often and from whatever state it runs."""

from __future__ import annotations

from typing import Any

import pytest

from apps.simpleprint.events.registry import SUBSCRIBED_EVENTS
from apps.simpleprint.remote.client import SimplePrintClient
from apps.simpleprint.sync import webhook_manager
from simulator.testing import Receiver, serve_in_thread, wait_for
from tests.simplyprint_sim import SimulatedSimplyPrint

RECEIVER = "http://testserver/api/v1/simpleprint/webhook/printers/"
SECRET = "test-webhook-secret-3f9c0d6e8b1a4c27"


def ours(hooks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [h for h in hooks if h["url"] == RECEIVER]


@pytest.mark.parametrize(("base", "expected"), [
    (None, RECEIVER),
    ("https://farm.example.com", "https://farm.example.com/api/v1/simpleprint/webhook/printers/"),
    ("https://farm.example.com/", "https://farm.example.com/api/v1/simpleprint/webhook/printers/"),
    ("https://farm.example.com/api/v1/simpleprint/webhook/printers",
     "https://farm.example.com/api/v1/simpleprint/webhook/printers/"),
    ("https://farm.example.com/api/v1/simpleprint/webhook/printers/",
     "https://farm.example.com/api/v1/simpleprint/webhook/printers/"),
])
def test_receiver_url(base: str | None, expected: str) -> None:
    assert webhook_manager.receiver_url(base) == expected


def test_first_run_creates_the_webhook(sp_settings: Any) -> None:
    webhook, action = webhook_manager.ensure_registered()
    assert action == "created"
    [hook] = webhook_manager.list_webhooks()
    assert hook["id"] == webhook["id"]
    assert (hook["url"], hook["enabled"], hook["secret"]) == (RECEIVER, True, SECRET)
    assert hook["events"] == list(SUBSCRIBED_EVENTS)


def test_second_run_changes_nothing(sp_settings: Any) -> None:
    first, _ = webhook_manager.ensure_registered()
    second, action = webhook_manager.ensure_webhook()
    assert action == "unchanged"
    assert second["id"] == first["id"]
    assert len(webhook_manager.list_webhooks()) == 1


def test_a_disabled_webhook_is_enabled_again(sp_settings: Any) -> None:
    webhook, _ = webhook_manager.ensure_registered()
    webhook_manager.disable(webhook["id"])
    again, action = webhook_manager.ensure_registered()
    assert (action, again["id"], again["enabled"]) == ("updated", webhook["id"], True)


def test_changed_events_and_secret_are_updated_in_place(sp_settings: Any) -> None:
    webhook, _ = webhook_manager.ensure_registered(events=["job.done"])
    sp_settings.SIMPLEPRINT_CONFIG = {**sp_settings.SIMPLEPRINT_CONFIG,
                                      "webhook_secret": "rotated-secret-0123456789abcdef"}
    again, action = webhook_manager.ensure_registered()
    assert action == "updated"
    [hook] = webhook_manager.list_webhooks()
    assert hook["id"] == webhook["id"] == again["id"]
    assert hook["secret"] == "rotated-secret-0123456789abcdef"
    assert set(hook["events"]) == set(SUBSCRIBED_EVENTS)


def test_duplicates_for_our_url_are_removed_and_others_left_alone(sp_settings: Any) -> None:
    with SimplePrintClient() as sp:
        for _ in range(3):
            sp.create_webhook("old", RECEIVER.rstrip("/"), ["job.done"], None)
        other = sp.create_webhook("other", "https://elsewhere.example/h", ["job.done"], None)
    webhook, action = webhook_manager.ensure_registered()
    hooks = webhook_manager.list_webhooks()
    assert action == "updated"
    assert [h["id"] for h in hooks if h["id"] != other["id"]] == [webhook["id"]]
    assert other["id"] in [h["id"] for h in hooks]


def test_enable_disable_delete(sp_settings: Any) -> None:
    webhook, _ = webhook_manager.ensure_registered()
    webhook_manager.disable(webhook["id"])
    assert webhook_manager.list_webhooks()[0]["enabled"] is False
    webhook_manager.enable(webhook["id"])
    assert webhook_manager.list_webhooks()[0]["enabled"] is True
    webhook_manager.delete(webhook["id"])
    assert webhook_manager.list_webhooks() == []


def test_trigger_test_sends_a_test_delivery_with_our_secret(sp_settings: Any) -> None:
    receiver = Receiver()
    with serve_in_thread(receiver.app()) as base:
        webhook, _ = webhook_manager.ensure_registered(url=f"{base}/hook")
        webhook_manager.trigger_test(webhook["id"])
        wait_for(receiver.bodies)
    assert receiver.bodies()[0]["event"] == "test"
    assert receiver.received[0]["headers"]["x-sp-secret"] == SECRET


def test_sample_payloads(sp_settings: Any) -> None:
    [sample] = webhook_manager.sample_payloads("queue.add_item", 1)
    assert sample["event"] == "queue.add_item"
    assert "queue_item" in sample["data"]


def test_an_explicit_client_is_used_and_left_open(simplyprint: SimulatedSimplyPrint) -> None:
    with SimplePrintClient(base_url=simplyprint.url) as sp:
        webhook_manager.ensure_registered(client=sp)
        assert len(webhook_manager.list_webhooks(client=sp)) == 1
