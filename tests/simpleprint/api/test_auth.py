"""Who may call what: 401 without credentials (with a WWW-Authenticate challenge), 403 for a
signed-in user who lacks the right, token and session both accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from tests.simpleprint.conftest import History

pytestmark = pytest.mark.django_db
BASE = "/api/v1/simpleprint/"
READ_URLS = [
    "webhook/test/", "webhook/events/", "webhook/events/1/", "printers/", "printers/385/",
    "jobs/", "jobs/1001/", "queue/", "queue/501/",
]


@pytest.mark.parametrize("path", READ_URLS)
def test_anonymous_read_is_401_with_a_token_challenge(client: Client, path: str) -> None:
    response = client.get(BASE + path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("path", ["webhook/test/", "webhook/events/1/reprocess/"])
def test_anonymous_change_is_401(client: Client, path: str) -> None:
    response = client.post(BASE + path, {"inject_event": "test"}, content_type="application/json")
    assert response.status_code == 401


def test_wrong_token_is_401(client: Client) -> None:
    response = client.get(BASE + "printers/", headers={"Authorization": "Token not-a-token"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


@pytest.mark.parametrize("path", READ_URLS)
def test_token_reads_every_endpoint(api: APIClient, farm_history: History, path: str) -> None:
    response = api.get(BASE + path.replace("events/1/", f"events/{farm_history.first_event}/"))
    assert response.status_code == 200, response.json()


def test_session_login_reads(client: Client, user: User) -> None:
    client.force_login(user)
    assert client.get(BASE + "webhook/events/").status_code == 200


def test_a_user_without_the_permission_may_not_reprocess(api: APIClient,
                                                        farm_history: History) -> None:
    response = api.post(f"{BASE}webhook/events/{farm_history.failed_event}/reprocess/")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert detail.startswith("You do not have permission to perform this action")
    assert "simpleprint.reprocess_events (group Operator or Administrator)" in detail


def test_a_user_without_the_permission_may_not_inject_or_trigger(api: APIClient) -> None:
    response = api.post(BASE + "webhook/test/", {"inject_event": "job.done"}, format="json")
    assert response.status_code == 403
    assert "inject_samples" in response.json()["detail"]


def test_session_post_needs_csrf(administrator: User) -> None:
    client = Client(enforce_csrf_checks=True)
    user = administrator
    client.force_login(user)
    response = client.post(BASE + "webhook/test/", {"inject_event": "test"},
                           content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_receiver_needs_no_login(post_delivery: Callable[..., Any]) -> None:
    response = post_delivery({"webhook_id": 11, "event": "test", "timestamp": 1718000000,
                              "data": {}})
    assert response.status_code == 200
