"""A realistic farm history, delivered through the receiver and processed like in production,
and users to look at it with."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.simpleprint.permissions import ADMINISTRATOR, OPERATOR, VIEWER, ensure_groups
from apps.simpleprint.remote.client import SimplePrintClient
from apps.simpleprint.remote.ratelimit import LocalRateLimiter
from simulator import SimConfig
from simulator.testing import SimulatorClient, run_in_thread
from tests import payloads

WEBHOOK_PATH = "/api/v1/simpleprint/webhook/printers/"


@pytest.fixture
def deliver(post_delivery: Callable[..., Any], django_capture_on_commit_callbacks: Any
            ) -> Callable[..., list[int]]:
    """POST deliveries to the receiver; each is processed when its transaction commits."""

    def send(*bodies: dict[str, Any]) -> list[int]:
        ids = []
        with django_capture_on_commit_callbacks(execute=True):
            for body in bodies:
                response = post_delivery(body)
                assert response.status_code == 200, response.content
                ids.append(response.json()["id"])
        return ids

    return send


@dataclass
class History:
    done_job: int = 1001
    failed_job: int = 1002
    printing_job: int = 1003
    active_item: int = 501
    deleted_item: int = 502
    ignored_event: int = 0
    failed_event: int = 0
    first_event: int = 0


@pytest.fixture
def farm_history(deliver: Callable[..., list[int]], farm: payloads.FarmStory) -> History:
    """Three printers: one finished and cleared a job, one failed one, one is printing; a
    queue with one live and one deleted item; an ignored event and one that fails."""
    history = History()
    first = farm.job_started(385, job_id=history.done_job)
    farm.tick()
    paused = farm.job_event("job.paused", first, percentage=20)
    farm.tick()
    resumed = farm.job_event("job.resumed", first, percentage=20)
    farm.tick(3600)
    done = farm.job_event("job.done", first)
    farm.tick()
    cleared = farm.job_event("job.bed_cleared", first)
    second = farm.job_started(386, job_id=history.failed_job,
                              file="gear_M3_0.4n_PETG_1h05m.gcode")
    farm.tick(600)
    failed = farm.job_event("job.failed", second, percentage=35)
    farm.tick()
    third = farm.job_started(412, job_id=history.printing_job,
                             file="housing_top_0.6n_ASA_5h02m.gcode")
    nozzle = farm.printer_event("printer.nozzle_size_changed", 385, nozzle=0.6)
    live_item = payloads.queue_item(history.active_item)
    gone_item = payloads.queue_item(history.deleted_item, filename="clip_x10_0.4n_PLA_40m.gcode",
                                    sort_order=2)
    added = farm.queue_event("queue.add_item", live_item)
    added_gone = farm.queue_event("queue.add_item", gone_item)
    farm.tick()
    deleted = farm.queue_event("queue.delete_item", gone_item)
    filament = payloads.envelope("filament.update", {
        "filament": {"id": 77, "uid": "AB12", "type": {"id": 1, "name": "PLA"},
                     "colorName": "Galaxy Black", "colorHex": "#1b1b1b", "dia": 1.75},
        "printer": payloads.printer_ref(386), "user": payloads.ALEX, "replaced_spool": None,
    }, farm.now)
    broken = payloads.envelope("job.done", {"job": {"printer_id": 385, "state": "done"}},
                               farm.tick())
    ids = deliver(first, paused, resumed, done, cleared, second, failed, third, nozzle, added,
                  added_gone, deleted, filament, broken)
    history.first_event, history.ignored_event, history.failed_event = ids[0], ids[-2], ids[-1]
    return history


@pytest.fixture
def user(django_user_model: type[User]) -> User:
    return django_user_model.objects.create_user("operator", password="operator-pass-8151")


@pytest.fixture
def staff(django_user_model: type[User]) -> User:
    """A staff user in no group: the staff flag alone allows no action."""
    return django_user_model.objects.create_user("lead", password="lead-pass-2207",
                                                 is_staff=True)


def member(django_user_model: type[User], username: str, group: str, *, is_staff: bool = False
           ) -> User:
    """A user in one of the shipped groups (migration 0005; made again after a transactional
    test's flush emptied the tables)."""
    ensure_groups(django_apps)
    user = django_user_model.objects.create_user(username, password=f"{username}-pass-3301",
                                                 is_staff=is_staff)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def viewer(django_user_model: type[User]) -> User:
    return member(django_user_model, "viewer", VIEWER)


@pytest.fixture
def operator(django_user_model: type[User]) -> User:
    return member(django_user_model, "shift", OPERATOR)


@pytest.fixture
def administrator(django_user_model: type[User]) -> User:
    return member(django_user_model, "chief", ADMINISTRATOR, is_staff=True)


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api(user: User) -> APIClient:
    """An API client authenticated with a non-staff user's token."""
    return token_client(user)


@pytest.fixture
def staff_api(staff: User) -> APIClient:
    return token_client(staff)


@pytest.fixture
def operator_api(operator: User) -> APIClient:
    return token_client(operator)


@pytest.fixture
def admin_api(administrator: User) -> APIClient:
    """A staff user of the Administrator group: every action."""
    return token_client(administrator)


# --- a simulator on a manual clock, with a client on it -----------------------------------------

class Sim(SimulatorClient):
    """One simulator on the test settings' account, with a ``SimplePrintClient`` on it."""

    def __init__(self, base_url: str) -> None:
        config = settings.SIMPLEPRINT_CONFIG
        super().__init__(base_url, api_key=config["api_key"], company_id=config["company_id"])
        # Its own unlimited budget: the simulator enforces the limits these tests set.
        self.client = SimplePrintClient(base_url=base_url, limiter=LocalRateLimiter(0))

    def register(self, receiver_base: str) -> int:
        """Subscribe the receiver served at ``receiver_base`` (``live_server``)."""
        from apps.simpleprint.events.registry import SUBSCRIBED_EVENTS

        return self.create_webhook(receiver_base + WEBHOOK_PATH, [*SUBSCRIBED_EVENTS, "test"],
                                   name="printfarm",
                                   secret=settings.SIMPLEPRINT_CONFIG["webhook_secret"])

    def events(self) -> list[dict[str, Any]]:
        """Every event the farm emitted, as delivered (``/_sim/events``)."""
        return list(self._sim("GET", "events", params={"limit": 20000})["events"])


@pytest.fixture
def make_sim(settings: Any) -> Iterator[Callable[..., Sim]]:
    """Start simulators (manual clock, eight printers); the last one started is the account of
    the settings too (what the service's own clients, such as a re-read, talk to)."""
    with contextlib.ExitStack() as stack:
        def start(**overrides: Any) -> Sim:
            config = settings.SIMPLEPRINT_CONFIG
            values: dict[str, Any] = {
                "clock": "manual", "api_key": config["api_key"], "company_id":
                config["company_id"], "rate_limit": 0, "printers": 8, "seed": 3,
                "retry_base": 0.02, "retry_attempts": 2, "delivery_concurrency": 1}
            values.update(overrides)
            sim = stack.enter_context(Sim(stack.enter_context(run_in_thread(SimConfig(**values)))))
            settings.SIMPLEPRINT_CONFIG = {**settings.SIMPLEPRINT_CONFIG, "base_url": sim.url}
            return sim
        yield start
