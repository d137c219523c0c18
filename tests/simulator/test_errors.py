"""Every documented failure: 401, 403, 404, 405, 406, 400, 429, webhooks-unavailable, 503."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from simulator.testing import SimulatorClient
from tests.simulator.conftest import COMPANY

NOT_LOGGED_IN = {"status": False, "message": "No API key provided, or not logged in"}


def test_missing_or_wrong_key_is_401(sim: SimulatorClient) -> None:
    base = str(sim.base_url).rstrip("/")
    url = f"{base}/{COMPANY}/account/Test"
    assert httpx.get(url).status_code == 401
    response = httpx.get(url, headers={"X-API-KEY": "nope"})
    assert response.status_code == 401 and response.json() == NOT_LOGGED_IN
    assert httpx.get(f"{base}/_sim/state").status_code == 401
    assert httpx.get(url, headers={"x-api-key": "test-key"}).status_code == 200


def test_wrong_company_is_403(sim: SimulatorClient) -> None:
    response = sim.get(f"/{COMPANY + 1}/account/Test")
    assert response.status_code == 403
    assert response.json() == {"status": False, "message": "You don't have access to this account"}


def test_unknown_path_is_404_and_wrong_method_405(sim: SimulatorClient) -> None:
    for path in (f"/{COMPANY}/printers/Nope", f"/{COMPANY}/webhooks/List", "/nothing"):
        response = sim.get(path)
        assert response.status_code == 404 and response.json()["status"] is False
    response = sim.api("GET", "webhooks/Create")
    assert response.status_code == 405 and response.json()["status"] is False
    assert sim.api("POST", "account/Test").status_code == 405
    assert sim.api("GET", "queue/DeleteItem", params={"job": 1}).status_code == 405


def test_non_json_accept_is_406(sim: SimulatorClient) -> None:
    response = sim.api("GET", "account/Test", headers={"Accept": "text/html"})
    assert response.status_code == 406 and response.json()["status"] is False
    assert sim.api("GET", "account/Test", headers={"Accept": "application/json"}).status_code == 200


def test_validation_errors_are_400(sim: SimulatorClient) -> None:
    def message(method: str, endpoint: str, **kwargs: object) -> str:
        response = sim.api(method, endpoint, **kwargs)
        assert response.status_code == 400, response.text
        assert response.json()["status"] is False
        return str(response.json()["message"])

    hook = {"name": "x", "url": "http://127.0.0.1:1/hook"}
    assert message("POST", "webhooks/Create", json={**hook, "events": ["order.created"]}) == \
        "events.0: Invalid enum value specified!"
    assert message("POST", "webhooks/Create",
                   json={**hook, "events": ["job.done", "job.completed"]}) == \
        "events.1: Invalid enum value specified!"
    assert message("POST", "webhooks/Create", json={**hook, "events": []}).startswith("events: ")
    assert message("POST", "webhooks/Create",
                   json={**hook, "url": "not a url", "events": ["test"]}).startswith("url: ")
    assert message("POST", "webhooks/Create",
                   json={**hook, "events": ["test"], "secret": "s" * 129}).startswith("secret: ")
    assert message("POST", "webhooks/Create",
                   json={**hook, "id": 999, "events": ["test"]}).startswith("id: ")
    assert message("POST", "printers/Get", json={"page_size": 101}).startswith("page_size: ")
    assert message("POST", "jobs/GetPaginatedPrintJobs",
                   json={"accepted_statuses": ["ongoing", "bogus"]}) == \
        "accepted_statuses.1: Invalid enum value specified!"
    assert message("POST", "printers/actions/Cancel", params={"pid": 1},
                   json={"reason": 9}) == "reason: Invalid enum value specified!"
    assert message("POST", "queue/AddItem", json={"fileId": "ab" * 32}).startswith("group: ")
    assert message("POST", "queue/AddItem", json={"group": 1}).startswith("filesystem: ")
    assert message("GET", "webhooks/GetSamplePayload",
                   params={"event": "job.completed"}) == "event: Invalid enum value specified!"
    assert message("GET", "jobs/GetDetails", params={"id": "nope"}).startswith("id: ")


def test_parameter_in_the_wrong_place_is_ignored(sim: SimulatorClient) -> None:
    # page_size belongs in the POST body; in the query it is not seen (default 10 applies).
    body = sim.api("POST", "printers/Get", params={"page_size": 100}).json()
    assert len(body["data"]) == 10 and body["page_amount"] == 2
    # CreateJob reads pid from the body only.
    response = sim.api("POST", "printers/actions/CreateJob", params={"pid": 1},
                       json={"next_queue_item": True})
    assert response.status_code == 400 and response.json()["message"].startswith("pid: ")
    # Pause reads pid from the query only.
    response = sim.api("POST", "printers/actions/Pause", json={"pid": 1})
    assert response.status_code == 400 and response.json()["message"].startswith("pid: ")
    # jobs/GetDetails reads id from the query only.
    assert sim.api("GET", "jobs/GetDetails", json={"id": "x"}).status_code == 400


def test_rate_limit_is_429_with_retry_after(make_sim: Callable[..., SimulatorClient]) -> None:
    sim = make_sim(rate_limit=3)
    assert [sim.api("GET", "account/Test").status_code for _ in range(3)] == [200] * 3
    response = sim.api("GET", "account/Test")
    assert response.status_code == 429
    assert response.json() == {"status": False, "message": "Too Many Requests"}
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    stats = sim.stats()  # control endpoints are not rate limited
    assert stats["requests"]["rate_limited"] == 1
    assert stats["requests"]["by_endpoint_status"]["account/Test"] == {"200": 3, "429": 1}
    assert sum(m["count"] for m in stats["requests"]["per_minute"]) == 4
    sim.control(rate_limit=0)
    assert sim.api("GET", "account/Test").status_code == 200


def test_webhooks_unavailable_answers_404(make_sim: Callable[..., SimulatorClient]) -> None:
    sim = make_sim()
    assert sim.api("GET", "webhooks/Get").status_code == 200
    sim.control(webhooks_available=False)
    for method, endpoint in (("GET", "webhooks/Get"), ("POST", "webhooks/Create"),
                             ("GET", "webhooks/GetSamplePayload")):
        response = sim.api(method, endpoint)
        assert response.status_code == 404 and response.json()["status"] is False
    assert sim.api("GET", "account/Test").status_code == 200
    off = make_sim(webhooks=False)
    assert off.api("GET", "webhooks/Get").status_code == 404


def test_fail_next_answers_503(sim: SimulatorClient) -> None:
    sim.control(fail_next=2)
    codes = [sim.api("GET", "account/Test").status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert sim.stats()["requests"]["by_status"]["503"] == 2


def test_control_validation(sim: SimulatorClient) -> None:
    assert sim.post("/_sim/control", json={"drop": 2}).status_code == 400
    assert sim.post("/_sim/control", json={"bogus": 1}).status_code == 400
    assert sim.post("/_sim/control", json={"speed": 10}).status_code == 400  # manual clock
    assert sim.post("/_sim/scenario", json={"action": "explode"}).status_code == 400
    assert sim.post("/_sim/scenario", json={"action": "pause_job", "printer_id": 99}
                    ).status_code == 400
    assert sim.get("/_sim/advance").status_code == 405
    assert sim.get("/_sim/nothing").status_code == 404
