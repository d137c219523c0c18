"""``ensure_demo_user``: a demo superuser and token for the default run, nowhere else."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_enabled(settings: Any, tmp_path: Path) -> Path:
    settings.PRINTFARM_DEMO_LOGIN = True
    settings.VAR_DIR = tmp_path
    return tmp_path


def run(*args: str) -> dict[str, str]:
    out = io.StringIO()
    call_command("ensure_demo_user", *args, stdout=out)
    return dict(re.findall(r"^  (\w+):\s+(.+)$", out.getvalue(), re.MULTILINE))


def test_refuses_unless_the_demo_login_is_enabled() -> None:
    with pytest.raises(CommandError, match="PRINTFARM_DEMO_LOGIN"):
        call_command("ensure_demo_user")
    assert not User.objects.filter(username="demo").exists()


def test_creates_a_superuser_whose_login_and_token_work(demo_enabled: Path) -> None:
    shown = run()
    user = User.objects.get(username="demo")
    assert user.is_superuser and user.is_staff
    assert user.check_password(shown["password"])
    assert shown["token"] == Token.objects.get(user=user).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {shown['token']}")
    assert client.get("/api/v1/simpleprint/webhook/events/").status_code == 200
    assert (demo_enabled / "demo-login.json").stat().st_mode & 0o077 == 0


def test_running_again_shows_the_same_login(demo_enabled: Path) -> None:
    first, second = run(), run()
    assert first == second
    assert User.objects.filter(username="demo").count() == 1


def test_reset_password_draws_a_new_one_and_keeps_the_token(demo_enabled: Path) -> None:
    first = run()
    reset = run("--reset-password")
    assert reset["password"] != first["password"]
    assert reset["token"] == first["token"]
    assert User.objects.get(username="demo").check_password(reset["password"])


def test_a_password_changed_by_hand_is_left_alone(demo_enabled: Path) -> None:
    run()
    user = User.objects.get(username="demo")
    user.set_password("chosen-by-hand-4471")
    user.save()
    assert "changed elsewhere" in run()["password"]
    assert User.objects.get(username="demo").check_password("chosen-by-hand-4471")
