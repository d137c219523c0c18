"""Finding 10, the small leaks: /readyz told anyone the database's host and port, login
attempts were not throttled, a password reset was offered with no mail to send it, and the
debug panel inserted a webhook's id into HTML unescaped. (The proxy and Origin items are in
test_proxy_and_origin.py.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "redis://secret-redis.internal:6390/0"


def test_readyz_names_what_failed_but_tells_anyone_no_more(client: Client,
                                                          settings: Any) -> None:
    settings.REDIS_URL = UNREACHABLE
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["redis"] == {"ok": False}
    assert "secret-redis" not in response.content.decode()
    assert "6390" not in response.content.decode()


def test_readyz_details_are_for_staff_and_the_metrics_token(client: Client,
                                                            settings: Any) -> None:
    settings.REDIS_URL = UNREACHABLE
    settings.PRINTFARM_METRICS_TOKEN = "scrape-token-5512"
    with_token = client.get("/readyz", headers={"Authorization": "Bearer scrape-token-5512"})
    assert with_token.json()["checks"]["redis"]["detail"]
    client.force_login(User.objects.create_user("ops", is_staff=True))
    assert client.get("/readyz").json()["checks"]["redis"]["detail"]


def login(client: Client, password: str) -> Any:
    return client.post("/accounts/login/", {"username": "guessed", "password": password,
                                            "next": "/planning-v2/"})


def test_logins_are_refused_for_a_while_after_too_many_failures(settings: Any) -> None:
    User.objects.create_user("guessed", password="the-right-pass-8842")
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, f"wrong-{attempt}").status_code == 200  # the form, with an error
    assert login(client, "wrong-again").status_code == 429  # the failure at the limit
    locked = login(client, "the-right-pass-8842")  # even the right password, for a while
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_right_password_before_the_limit_logs_in(settings: Any) -> None:
    User.objects.create_user("guessed", password="the-right-pass-8842")
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, f"wrong-{attempt}")
    assert login(client, "the-right-pass-8842").status_code == 302


def test_password_reset_is_not_offered_without_mail(client: Client) -> None:
    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.post("/accounts/password_reset/",
                       {"email": "someone@example.com"}).status_code == 404


def test_the_debug_panel_escapes_a_webhooks_id() -> None:
    """Every ``hook.id`` in the panel's HTML goes through ``esc()``."""
    source = (ROOT / "apps/planning/static/planning/debug.js").read_text()
    assert "hook.id" in source
    assert re.findall(r"\$\{hook\.id\}", source) == []
