"""Webhook deliveries: headers, retries with backoff, give-up, and drop/duplicate/reorder faults."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from simulator.testing import Receiver, SimulatorClient, wait_for
from tests.simulator.conftest import register

Hook = tuple[Receiver, str]


def _nudge(sim: SimulatorClient, count: int = 1) -> None:
    """Emit ``count`` printer.nozzle_size_changed events on printer 1."""
    for i in range(count):
        sim.scenario("set_nozzle", printer_id=1, nozzle=round(0.4 + 0.1 * (i + 1), 1))


def _deliveries(sim: SimulatorClient) -> list[dict[str, Any]]:
    return sim.get("/_sim/deliveries", params={"limit": 100}).json()["deliveries"]


def _subscribe(sim: SimulatorClient, url: str, **options: Any) -> int:
    """Subscribe ``url`` to the nozzle event and stop the random farm activity."""
    webhook_id = register(sim, url, ["printer.nozzle_size_changed"], **options)
    sim.control(natural=False)
    return webhook_id


def _outcome(sim: SimulatorClient, outcome: str) -> dict[str, Any]:
    """Wait for the first delivery that reached ``outcome``."""
    return wait_for(lambda: next((d for d in _deliveries(sim) if d["outcome"] == outcome), None))


def test_headers_and_secret(sim: SimulatorClient, receiver: Hook) -> None:
    rec, url = receiver
    webhook_id = _subscribe(sim, url, secret="top-secret")
    _nudge(sim)
    wait_for(lambda: rec.received)
    headers = rec.received[0]["headers"]
    assert headers["x-sp-secret"] == "top-secret" and headers["x-sp-token"] == "top-secret"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "SimplyPrint-Webhooks (simulator)"
    body = rec.bodies()[0]
    assert body["webhook_id"] == webhook_id and body["event"] == "printer.nozzle_size_changed"
    assert body["timestamp"] == sim.state()["now"]


def test_no_secret_no_header_and_filters(sim: SimulatorClient, receiver: Hook) -> None:
    rec, url = receiver
    register(sim, url, ["printer.nozzle_size_changed"], secret=None)
    register(sim, url, ["printer.nozzle_size_changed"], enabled=False)
    register(sim, url, ["job.done"])
    sim.control(natural=False)
    _nudge(sim)
    wait_for(lambda: rec.received)
    time.sleep(0.1)
    assert len(rec.received) == 1  # disabled and unsubscribed webhooks got nothing
    assert "x-sp-secret" not in rec.received[0]["headers"]
    assert "x-sp-token" not in rec.received[0]["headers"]


def test_trigger_test_webhook(sim: SimulatorClient, receiver: Hook) -> None:
    rec, url = receiver
    webhook_id = register(sim, url, ["job.done"], enabled=False)
    response = sim.api("POST", "webhooks/TriggerTestWebhook", json={"id": webhook_id})
    assert response.json() == {"status": True, "message": None}
    wait_for(lambda: rec.received)
    body = rec.bodies()[0]
    assert body["event"] == "test" and body["data"] == {} and body["webhook_id"] == webhook_id
    assert rec.received[0]["headers"]["x-sp-secret"] == "s3cret"


def test_retry_with_backoff_then_success(sim: SimulatorClient, receiver: Hook) -> None:
    rec, url = receiver
    rec.statuses.extend([500, 503])
    _subscribe(sim, url)
    _nudge(sim)
    wait_for(lambda: len(rec.received) == 3)
    gaps = [b["at"] - a["at"] for a, b in zip(rec.received, rec.received[1:], strict=False)]
    assert gaps[0] >= 0.02 and gaps[1] >= 0.04  # retry_base 0.02 s, doubling
    assert rec.bodies()[0] == rec.bodies()[2]
    delivery = _outcome(sim, "delivered")
    assert delivery["attempts"] == 3 and delivery["history"] == [500, 503, 200]
    assert delivery["status"] == 200
    stats = sim.stats()["deliveries"]
    assert stats["attempted"] == 3 and stats["retried"] == 2 and stats["succeeded"] == 1


def test_gives_up_after_max_attempts(make_sim: Callable[..., SimulatorClient],
                                     receiver: Hook) -> None:
    rec, url = receiver
    sim = make_sim(retry_attempts=3)
    rec.statuses.extend([500] * 10)
    _subscribe(sim, url)
    _nudge(sim)
    delivery = _outcome(sim, "failed")
    assert delivery["attempts"] == 3 and len(rec.received) == 3
    assert sim.stats()["deliveries"]["failed"] == 1


def test_unreachable_url_is_retried(make_sim: Callable[..., SimulatorClient]) -> None:
    sim = make_sim(retry_attempts=2)
    _subscribe(sim, "http://127.0.0.1:9/hook")
    _nudge(sim)
    delivery = _outcome(sim, "failed")
    assert delivery["attempts"] == 2 and delivery["status"] is None and delivery["error"]


def test_drop_fault(make_sim: Callable[..., SimulatorClient], receiver: Hook) -> None:
    rec, url = receiver
    sim = make_sim(drop=1.0)
    _subscribe(sim, url)
    _nudge(sim, 3)
    time.sleep(0.2)
    assert rec.received == []
    assert [d["outcome"] for d in _deliveries(sim)] == ["dropped"] * 3
    assert sim.stats()["deliveries"]["dropped"] == 3
    sim.control(drop=0.0)
    _nudge(sim)
    wait_for(lambda: len(rec.received) == 1)


def test_duplicate_fault(make_sim: Callable[..., SimulatorClient], receiver: Hook) -> None:
    rec, url = receiver
    sim = make_sim(duplicate=1.0)
    _subscribe(sim, url)
    _nudge(sim, 2)
    wait_for(lambda: len(rec.received) == 4)
    bodies = rec.bodies()
    assert len({repr(sorted(b["data"].items())) for b in bodies}) == 2
    assert sim.stats()["deliveries"]["duplicated"] == 2


def test_reorder_fault(make_sim: Callable[..., SimulatorClient], receiver: Hook) -> None:
    rec, url = receiver
    sim = make_sim(reorder=1.0, delivery_concurrency=1, reorder_hold=0.5)
    _subscribe(sim, url)
    _nudge(sim, 2)  # the first is held back until the second is queued
    wait_for(lambda: len(rec.received) == 2)
    assert [b["data"]["nozzle"] for b in rec.bodies()] == [0.6, 0.5]
    _nudge(sim)  # nothing follows it: released by the hold timer
    wait_for(lambda: len(rec.received) == 3, timeout=4)
    assert sim.stats()["deliveries"]["reordered"] == 2


def test_webhooks_unavailable_stops_deliveries(sim: SimulatorClient, receiver: Hook) -> None:
    rec, url = receiver
    register(sim, url, ["printer.nozzle_size_changed"])
    sim.control(natural=False, webhooks_available=False)
    _nudge(sim)
    time.sleep(0.1)
    assert rec.received == []
