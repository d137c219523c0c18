"""``SimplePrintClient`` against the simulator over real HTTP: every method, every documented
error, retries; and, against a scripted server, exact parameter placement (Q vs B)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from apps.simpleprint.remote.client import (
    USER_AGENT,
    Page,
    SimplePrintAPIError,
    SimplePrintClient,
    SimplePrintConnectionError,
    SimplePrintOutcomeUnknown,
)
from apps.simpleprint.remote.ratelimit import LocalRateLimiter
from simulator.testing import Receiver, serve_in_thread, wait_for
from tests.simplyprint_sim import ScriptedSimplyPrint, SimulatedSimplyPrint, scripted_simplyprint


def make_client(base_url: str, **overrides: Any) -> SimplePrintClient:
    options: dict[str, Any] = {"company_id": 1, "api_key": "test-api-key",
                               "limiter": LocalRateLimiter(0), "backoff_base": 0.01,
                               "backoff_max": 0.02, "max_attempts": 4, "timeout": 5.0}
    options.update(overrides)
    return SimplePrintClient(base_url=base_url, **options)


@pytest.fixture(scope="module")
def scripted_server() -> Iterator[tuple[ScriptedSimplyPrint, str]]:
    with scripted_simplyprint() as running:
        yield running


@pytest.fixture
def scripted(scripted_server: tuple[ScriptedSimplyPrint, str]
             ) -> Iterator[tuple[ScriptedSimplyPrint, str]]:
    """A scripted server shared by the module, reset for each test."""
    server, _ = scripted_server
    yield scripted_server
    server.requests.clear()
    server.answers.clear()


@pytest.fixture
def client(simplyprint: SimulatedSimplyPrint) -> Iterator[SimplePrintClient]:
    with make_client(simplyprint.url) as sp:
        yield sp


def idle_printer(simplyprint: SimulatedSimplyPrint, pid: int = 1) -> int:
    """Make printer ``pid`` ready for a job: AutoPrint off, its print stopped, bed cleared."""
    simplyprint.scenario("set_autoprint", printer_id=pid, state="disabled")
    job = simplyprint.printer(pid)["job"]
    if job and job["state"] in ("printing", "paused"):
        simplyprint.scenario("cancel_job", printer_id=pid)
    simplyprint.scenario("clear_bed", printer_id=pid)
    return pid


# --- account and printers -------------------------------------------------------------------------

def test_account_test_returns_simplyprints_message(client: SimplePrintClient) -> None:
    assert client.test_account() == "Your API key is valid!"


def test_get_printers_returns_one_page(client: SimplePrintClient) -> None:
    page = client.get_printers(page=2, page_size=2)
    assert isinstance(page, Page)
    assert [row["id"] for row in page.items] == [3, 4]
    assert page.page_amount == 3


def test_get_printers_search_filters_by_name(client: SimplePrintClient) -> None:
    page = client.get_printers(search="A-1")
    assert [row["printer"]["name"] for row in page.items] == ["MK4 Bay A-1"]


def test_get_printer_returns_the_row(client: SimplePrintClient) -> None:
    row = client.get_printer(3)
    assert row["id"] == 3
    assert {"printer", "job", "tags"} <= row.keys()


def test_printer_groups(client: SimplePrintClient) -> None:
    assert {"id": 1, "name": "Bay A"} in client.get_printer_groups()


# --- printer actions ------------------------------------------------------------------------------

def test_create_job_from_an_api_file_starts_a_print(client: SimplePrintClient,
                                                     simplyprint: SimulatedSimplyPrint) -> None:
    pid = idle_printer(simplyprint)
    answer = client.create_job(pid, file_id="a" * 64)
    assert len(answer["jobIds"]) == 1
    assert simplyprint.printer(pid)["job"]["id"] == answer["jobIds"][0]


def test_create_job_from_a_queue_item(client: SimplePrintClient,
                                      simplyprint: SimulatedSimplyPrint) -> None:
    pid = idle_printer(simplyprint)
    item = simplyprint.scenario("add_queue_item", filename="bracket_0.4n_PLA_1h.gcode",
                                group=1)["queue_item"]
    answer = client.create_job(pid, queue_file=item["id"])
    assert answer["files"][0]["queued"] is True
    assert simplyprint.printer(pid)["job"]["state"] == "printing"


def test_create_job_needs_exactly_one_source(client: SimplePrintClient) -> None:
    with pytest.raises(ValueError):
        client.create_job(1)
    with pytest.raises(ValueError):
        client.create_job(1, queue_file=5, file_id="b" * 64)


def test_pause_resume_cancel(client: SimplePrintClient,
                             simplyprint: SimulatedSimplyPrint) -> None:
    pid = idle_printer(simplyprint)
    client.create_job(pid, file_id="c" * 64)
    client.pause(pid)
    assert simplyprint.printer(pid)["job"]["state"] == "paused"
    client.resume(pid)
    assert simplyprint.printer(pid)["job"]["state"] == "printing"
    client.cancel(pid, reason=6, comment="wrong colour")
    assert simplyprint.printer(pid)["job"]["state"] == "cancelled"


def test_clear_bed_marks_it_cleared(client: SimplePrintClient,
                                    simplyprint: SimulatedSimplyPrint) -> None:
    pid = idle_printer(simplyprint)
    client.create_job(pid, file_id="d" * 64)
    client.cancel(pid)
    assert simplyprint.printer(pid)["bed_clear"] is False
    client.clear_bed(pid, success=False, rating=2)
    assert simplyprint.printer(pid)["bed_clear"] is True


def test_an_action_refused_by_simplyprint_is_a_400(client: SimplePrintClient,
                                                   simplyprint: SimulatedSimplyPrint) -> None:
    pid = idle_printer(simplyprint)
    with pytest.raises(SimplePrintAPIError) as caught:
        client.resume(pid)
    assert caught.value.status == 400
    assert caught.value.endpoint == "printers/actions/Resume"


# --- jobs and queue -------------------------------------------------------------------------------

def test_get_jobs_filters_and_details(client: SimplePrintClient,
                                      simplyprint: SimulatedSimplyPrint) -> None:
    pid = idle_printer(simplyprint)
    job_id = client.create_job(pid, file_id="e" * 64)["jobIds"][0]
    page = client.get_jobs(statuses=["ongoing"], printer_ids=[pid], start_date=0,
                           end_date=4_000_000_000)
    assert [row["id"] for row in page.items] == [job_id]
    assert page.page_amount == 1
    details = client.get_job_details(page.items[0]["uid"])
    assert details["id"] == job_id
    assert client.get_jobs(statuses=["finished"], printer_ids=[pid]).items == []


def test_queue_items_and_one_item(client: SimplePrintClient,
                                     simplyprint: SimulatedSimplyPrint) -> None:
    added = simplyprint.scenario("add_queue_item", filename="gear_0.4n_PETG_1h.gcode",
                                 group=2)["queue_item"]
    snapshot = client.get_queue()
    assert added["id"] in [item["id"] for item in snapshot.items]
    assert snapshot.complete
    assert {g["name"] for g in snapshot.groups} == {"Production", "Prototypes"}
    assert client.get_queue_item(added["id"])["filename"] == "gear_0.4n_PETG_1h.gcode"


def test_queue_items_with_done_ones(client: SimplePrintClient,
                                    simplyprint: SimulatedSimplyPrint) -> None:
    pid = idle_printer(simplyprint)
    item = simplyprint.scenario("add_queue_item", filename="once_0.4n_PLA_1h.gcode",
                                group=1, amount=1)["queue_item"]
    client.create_job(pid, queue_file=item["id"])
    simplyprint.scenario("finish_job", printer_id=pid)
    snapshot = client.get_queue()
    assert item["id"] not in [i["id"] for i in snapshot.items]
    assert item["id"] in [i["id"] for i in snapshot.done_items]


def test_the_queue_is_read_page_by_page(client: SimplePrintClient) -> None:
    whole = client.get_queue()
    paged = client.get_queue(page_size=3)
    assert paged.complete and len(whole.items) > 3
    assert sorted(i["id"] for i in paged.items) == sorted(i["id"] for i in whole.items)


def test_a_queue_group_is_read_alone(client: SimplePrintClient,
                                     simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.scenario("add_queue_item", filename="proto_0.4n_PLA_1h.gcode", group=2)
    snapshot = client.get_queue(gid=2)
    assert snapshot.items and {i["group"] for i in snapshot.items} == {2}


@pytest.mark.parametrize("pages", [
    # the total changed between pages: an item may have moved to a page already read
    [{"queue": [{"id": 1}], "total": 3, "page_amount": 2},
     {"queue": [{"id": 3}], "total": 2, "page_amount": 2}],
    # fewer items than the total (an item shifted from page 2 to page 1 between the two reads)
    [{"queue": [{"id": 1}], "total": 3, "page_amount": 2},
     {"queue": [{"id": 3}], "total": 3, "page_amount": 2}],
    # no total at all
    [{"queue": [{"id": 1}]}],
])
def test_an_inconsistent_paged_answer_is_incomplete(
        pages: list[dict[str, Any]], scripted: tuple[ScriptedSimplyPrint, str]) -> None:
    server, url = scripted
    answers = iter(pages)

    def next_page() -> tuple[int, dict[str, Any]]:
        return 200, {"status": True, **next(answers)}

    server.answers["queue/GetItems"] = next_page
    with make_client(url) as sp:
        for page in range(1, len(pages) + 1):
            assert [i["id"] for i in sp.get_queue_page(page).items] == \
                [i["id"] for i in pages[page - 1]["queue"]]
    answers = iter([*pages, {"queue": {"items": [], "done_items": []}}])
    with make_client(url) as sp:
        assert not sp.get_queue().complete


@pytest.mark.parametrize("answer", [
    {"status": True, "queue": {"fits": True, "items": [{"id": 1}], "done_items": [{"id": 2}]}},
    {"status": True, "queue": [{"id": 1}], "done_items": [{"id": 2}]},
])
def test_queue_listing_parses_dict_and_list_shapes(
    answer: dict[str, Any], scripted: tuple[ScriptedSimplyPrint, str]
) -> None:
    server, url = scripted
    server.answers["queue/GetItems"] = (200, answer)
    with make_client(url) as sp:
        listing = sp.get_queue_listing()
    assert ([i["id"] for i in listing.items], [i["id"] for i in listing.done_items]) == ([1], [2])


def test_no_custom_tags_is_an_empty_list(client: SimplePrintClient,
                                         simplyprint: SimulatedSimplyPrint) -> None:
    assert {"id": 3, "name": "PETG only", "color": None} in client.get_tags()
    simplyprint.control(custom_tags=False)
    assert client.get_tags() == []


# --- webhooks -------------------------------------------------------------------------------------

def test_webhook_lifecycle(client: SimplePrintClient) -> None:
    created = client.create_webhook("farm", "https://farm.example.com/hook/", ["job.done"],
                                    "s" * 64, description="managed")
    assert created["enabled"] is True
    client.set_webhook_enabled(created["id"], False)
    listed = client.list_webhooks()
    assert [(h["id"], h["enabled"], h["secret"]) for h in listed] == [
        (created["id"], False, "s" * 64)]
    updated = client.create_webhook("farm", "https://farm.example.com/hook/",
                                    ["job.done", "job.failed"], "s" * 64,
                                    webhook_id=created["id"])
    assert updated["id"] == created["id"]
    assert updated["enabled"] is True
    client.delete_webhook(created["id"])
    assert client.list_webhooks() == []


def test_trigger_test_webhook_delivers_a_test_event(client: SimplePrintClient) -> None:
    receiver = Receiver()
    with serve_in_thread(receiver.app()) as url:
        hook = client.create_webhook("t", f"{url}/hook", ["job.done"], "t" * 32)
        client.trigger_test_webhook(hook["id"])
        wait_for(receiver.bodies)
    received = receiver.received[0]
    assert receiver.bodies()[0]["event"] == "test"
    assert received["headers"]["x-sp-secret"] == "t" * 32


def test_sample_payloads(client: SimplePrintClient) -> None:
    samples = client.get_sample_payloads("job.done", limit=2)
    assert samples and samples[0]["event"] == "job.done"
    assert samples[0]["webhook_id"] == 0


# --- parameter placement, headers ---------------------------------------------------------------

CALLS: list[tuple[str, dict[str, Any], str, str, dict[str, str], Any]] = [
    ("test_account", {}, "GET", "account/Test", {}, None),
    ("get_printers", {"page": 2, "page_size": 50, "search": "MK4"}, "POST", "printers/Get", {},
     {"page": 2, "page_size": 50, "search": "MK4"}),
    ("get_jobs", {"page": 1, "page_size": 10, "statuses": ["ongoing"], "start_date": 1700000000,
                  "end_date": 1700003600.5, "printer_ids": [3]}, "POST",
     "jobs/GetPaginatedPrintJobs", {},
     {"page": 1, "page_size": 10, "accepted_statuses": ["ongoing"], "start_date": "1700000000",
      "end_date": "1700003600", "printer_ids": [3]}),
    ("get_job_details", {"uid": "da69"}, "GET", "jobs/GetDetails", {"id": "da69"}, None),
    ("get_queue_listing", {}, "GET", "queue/GetItems", {"groups": "1", "done_items": "1"},
     None),
    ("get_queue_page", {"page": 2, "page_size": 50, "gid": 3}, "POST", "queue/GetItems", {},
     {"compact": True, "page": 2, "page_size": 50, "gid": 3}),
    ("get_queue_groups", {}, "GET", "queue/groups/Get", {}, None),
    ("get_tags", {}, "GET", "tags/Get", {}, None),
    ("get_queue_item", {"item_id": 890}, "GET", "queue/GetItem", {"id": "890"}, None),
    ("get_printer_groups", {}, "GET", "groups/Get", {}, None),
    ("create_job", {"pid": [12, 13], "queue_file": 890}, "POST", "printers/actions/CreateJob",
     {}, {"pid": "12,13", "queue_file": 890}),
    ("create_job", {"pid": 12, "next_queue_item": True, "analysis_strict": False}, "POST",
     "printers/actions/CreateJob", {},
     {"pid": "12", "next_queue_item": True, "analysis_strict": False}),
    ("pause", {"pid": 12}, "POST", "printers/actions/Pause", {"pid": "12"}, None),
    ("resume", {"pid": [12, 13]}, "POST", "printers/actions/Resume", {"pid": "12,13"}, None),
    ("cancel", {"pid": 12, "reason": 2, "comment": "oops"}, "POST", "printers/actions/Cancel",
     {"pid": "12"}, {"reason": 2, "comment": "oops"}),
    ("clear_bed", {"pid": 12}, "POST", "printers/actions/ClearBed", {"pid": "12"},
     {"success": True}),
    ("clear_bed", {"pid": [12, 13], "success": False, "rating": 1}, "POST",
     "printers/actions/ClearBed", {"pid": "12,13"}, {"success": False, "rating": 1}),
    ("cancel", {"pid": 12}, "POST", "printers/actions/Cancel", {"pid": "12"}, None),
    ("approve_queue_items", {"item_ids": [890, 891], "comment": "ok"}, "POST",
     "queue/approval/ApproveItem", {"jobs": "890,891"}, {"comment": "ok"}),
    ("approve_queue_items", {"item_ids": [890]}, "POST", "queue/approval/ApproveItem",
     {"jobs": "890"}, None),
    ("deny_queue_item", {"item_id": 890, "comment": "PLA only", "remove": False}, "POST",
     "queue/approval/DenyItem", {"job": "890", "jobs": "890"},
     {"comment": "PLA only", "remove": False}),
    ("delete_queue_item", {"item_id": 890}, "POST", "queue/DeleteItem", {"job": "890"}, None),
    ("revive_queue_item", {"item_id": 890}, "POST", "queue/ReviveItem", {"job": "890"}, None),
    ("set_queue_order", {"item_id": 890, "from_position": 4, "to_position": 1}, "GET",
     "queue/SetOrder", {"job": "890", "from": "4", "to": "1"}, None),
    ("move_queue_items", {"item_ids": [890], "group": 2}, "POST", "queue/MoveItem",
     {"jobs": "890", "moveTo": "2"}, None),
    ("list_webhooks", {}, "GET", "webhooks/Get", {}, None),
    ("create_webhook", {"name": "n", "url": "https://x.example/h/", "events": ["job.done"],
                        "secret": "s", "webhook_id": 11}, "POST", "webhooks/Create", {},
     {"id": 11, "name": "n", "description": "", "url": "https://x.example/h/",
      "events": ["job.done"], "secret": "s", "enabled": True}),
    ("delete_webhook", {"webhook_id": 11}, "POST", "webhooks/Delete", {}, {"id": 11}),
    ("set_webhook_enabled", {"webhook_id": 11, "enabled": False}, "POST", "webhooks/SetEnabled",
     {}, {"id": 11, "enabled": False}),
    ("trigger_test_webhook", {"webhook_id": 11}, "POST", "webhooks/TriggerTestWebhook", {},
     {"id": 11}),
    ("get_sample_payloads", {"event": "job.done", "limit": 3}, "GET",
     "webhooks/GetSamplePayload", {"event": "job.done", "limit": "3"}, None),
]


@pytest.mark.parametrize(("method", "kwargs", "verb", "path", "query", "body"), CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)])
def test_parameters_go_exactly_where_the_contract_says(
    method: str, kwargs: dict[str, Any], verb: str, path: str, query: dict[str, str],
    body: Any, scripted: tuple[ScriptedSimplyPrint, str],
) -> None:
    server, url = scripted
    with make_client(url) as sp:
        getattr(sp, method)(**kwargs)
    [request] = server.requests
    assert (request.method, request.path, request.query, request.body) == (verb, path, query,
                                                                           body)


def test_the_last_request_is_kept_as_sent(scripted: tuple[ScriptedSimplyPrint, str]) -> None:
    """What the audit trail keeps of an operator action: the call as it went out."""
    server, url = scripted
    with make_client(url) as sp:
        sp.set_queue_order(890, 4, 1)
        assert sp.last_request == {"method": "GET", "endpoint": "queue/SetOrder", "body": None,
                                   "query": {"job": "890", "from": "4", "to": "1"}}
        sp.clear_bed([3, 4], success=False)
        assert sp.last_request == {"method": "POST", "endpoint": "printers/actions/ClearBed",
                                   "query": {"pid": "3,4"}, "body": {"success": False}}
    assert [r.query for r in server.requests] == [{"job": "890", "from": "4", "to": "1"},
                                                  {"pid": "3,4"}]


def test_every_request_carries_key_accept_and_user_agent(
    scripted: tuple[ScriptedSimplyPrint, str]
) -> None:
    server, url = scripted
    with make_client(url) as sp:
        sp.test_account()
    headers = server.requests[0].headers
    assert headers["x-api-key"] == "test-api-key"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("printfarm/")


def test_account_and_timeout_come_from_settings(settings: Any,
                                                simplyprint: SimulatedSimplyPrint) -> None:
    settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "base_url": simplyprint.url,
                                   "timeout": 3.5}
    with SimplePrintClient() as sp:
        assert sp.test_account() == "Your API key is valid!"
        assert sp.company_id == 1
        assert sp._http.timeout.read == 3.5


# --- errors -------------------------------------------------------------------------------------

def test_error_str_is_http_error_code_and_message() -> None:
    error = SimplePrintAPIError(429, "Too Many Requests", "printers/Get")
    assert str(error) == "HTTP error 429: Too Many Requests"
    assert (error.status, error.message, error.endpoint) == (429, "Too Many Requests",
                                                             "printers/Get")


def test_wrong_key_is_401(simplyprint: SimulatedSimplyPrint) -> None:
    with make_client(simplyprint.url, api_key="wrong") as sp, \
            pytest.raises(SimplePrintAPIError) as caught:
        sp.test_account()
    assert str(caught.value) == "HTTP error 401: No API key provided, or not logged in"
    assert simplyprint.requests_to("account/Test") == {"401": 1}  # never retried


def test_wrong_company_is_403(simplyprint: SimulatedSimplyPrint) -> None:
    with make_client(simplyprint.url, company_id=2) as sp, \
            pytest.raises(SimplePrintAPIError) as caught:
        sp.get_printers()
    assert str(caught.value) == "HTTP error 403: You don't have access to this account"


def test_webhooks_without_the_plan_are_404(client: SimplePrintClient,
                                           simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.control(webhooks_available=False)
    with pytest.raises(SimplePrintAPIError) as caught:
        client.list_webhooks()
    assert caught.value.status == 404
    assert simplyprint.requests_to("webhooks/Get") == {"404": 1}


def test_validation_error_carries_simplyprints_message(client: SimplePrintClient,
                                                       simplyprint: SimulatedSimplyPrint) -> None:
    with pytest.raises(SimplePrintAPIError) as caught:
        client.create_webhook("farm", "https://farm.example.com/h/", ["job.completed"], "s")
    assert str(caught.value) == "HTTP error 400: events.0: Invalid enum value specified!"
    assert simplyprint.requests_to("webhooks/Create") == {"400": 1}


def test_status_false_on_http_200_is_an_error(scripted: tuple[ScriptedSimplyPrint, str]
                                              ) -> None:
    server, url = scripted
    server.answers["groups/Get"] = (200, {"status": False, "message": "You have no tags"})
    with make_client(url) as sp, pytest.raises(SimplePrintAPIError) as caught:
        sp.get_printer_groups()
    assert str(caught.value) == "HTTP error 200: You have no tags"


def test_success_key_counts_like_status(scripted: tuple[ScriptedSimplyPrint, str]) -> None:
    server, url = scripted
    server.answers["groups/Get"] = (200, {"success": True, "groups": []})
    with make_client(url) as sp:
        assert sp.get_printer_groups() == []


def test_429_waits_for_retry_after_then_succeeds(client: SimplePrintClient,
                                                 simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.set_rate_limit(2, window=1.0)
    for _ in range(3):
        assert client.test_account()
    assert simplyprint.requests_to("account/Test") == {"200": 3, "429": 1}


def test_429_is_retried_even_for_a_state_changing_call(
    client: SimplePrintClient, simplyprint: SimulatedSimplyPrint
) -> None:
    pid = idle_printer(simplyprint)
    client.create_job(pid, file_id="f" * 64)
    simplyprint.set_rate_limit(1, window=1.0)
    client.get_printer(pid)
    client.pause(pid)
    assert simplyprint.requests_to("printers/actions/Pause") == {"200": 1, "429": 1}
    assert simplyprint.printer(pid)["job"]["state"] == "paused"


def test_retry_after_longer_than_max_wait_fails_at_once(
    simplyprint: SimulatedSimplyPrint
) -> None:
    simplyprint.set_rate_limit(1, window=30.0)
    with make_client(simplyprint.url, max_wait=2.0) as sp:
        sp.test_account()
        with pytest.raises(SimplePrintAPIError) as caught:
            sp.test_account()
    assert str(caught.value) == "HTTP error 429: Too Many Requests"


def test_503_is_retried_for_reads(client: SimplePrintClient,
                                  simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.control(fail_next=2)
    assert client.get_printers().items
    assert simplyprint.requests_to("printers/Get") == {"503": 2, "200": 1}


def test_503_retries_are_bounded(simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.control(fail_next=10)
    with make_client(simplyprint.url, max_attempts=3) as sp, \
            pytest.raises(SimplePrintAPIError) as caught:
        sp.get_printers()
    assert caught.value.status == 503
    assert simplyprint.requests_to("printers/Get") == {"503": 3}


def test_503_on_a_state_changing_call_is_not_retried(
    client: SimplePrintClient, simplyprint: SimulatedSimplyPrint
) -> None:
    simplyprint.control(fail_next=1)
    with pytest.raises(SimplePrintAPIError) as caught:
        client.trigger_test_webhook(1)
    assert caught.value.status == 503
    assert simplyprint.requests_to("webhooks/TriggerTestWebhook") == {"503": 1}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_a_connection_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with make_client(url, max_attempts=2) as sp, \
            pytest.raises(SimplePrintConnectionError) as caught:
        sp.pause(12)  # never sent, so retrying would have been safe too
    assert str(caught.value).startswith(f"cannot reach {url}")
    assert caught.value.status == 0


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_timeout_on_a_state_changing_call_has_an_unknown_outcome(silent_server: str) -> None:
    with make_client(silent_server, timeout=0.2) as sp, \
            pytest.raises(SimplePrintOutcomeUnknown) as caught:
        sp.cancel(12)
    assert "outcome unknown" in str(caught.value)
    assert "re-read the state" in str(caught.value)


def test_timeout_on_a_read_is_retried_then_a_connection_error(silent_server: str) -> None:
    with make_client(silent_server, timeout=0.1, max_attempts=2) as sp, \
            pytest.raises(SimplePrintConnectionError) as caught:
        sp.get_printers()
    assert not isinstance(caught.value, SimplePrintOutcomeUnknown)
    assert "ReadTimeout" in str(caught.value)
