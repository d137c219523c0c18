"""The production environment check: a good environment passes, every bad value is named."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.validation import production_problems, validate_production_environment
from tests.stack import ROOT

GOOD = {
    "DJANGO_SECRET_KEY": "k3J9-vQ2_pX8mZ1rT6wY4bN7cL0dF5gH2jK8sA3eU9iO1qW6zR4tY7uP0",
    "DATABASE_URL": "postgres://printfarm:pw@db.internal:5432/printfarm_prod",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "DJANGO_ALLOWED_HOSTS": "farm.example.com",
    "SIMPLEPRINT_COMPANY_ID": "4521",
    "SIMPLEPRINT_API_KEY": "sp-live-1f2e3d4c5b6a",
    "SIMPLEPRINT_WEBHOOK_SECRET": "9c1f0e7a5b3d2c4e6f8a0b1c",
    "SIMPLEPRINT_PUBLIC_URL": "https://farm.example.com",
}


def with_(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


def test_a_complete_safe_environment_passes() -> None:
    assert production_problems(GOOD) == []


@pytest.mark.parametrize(("changes", "named"), [
    ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is not set"),
    ({"DJANGO_SECRET_KEY": "short-key"}, "DJANGO_SECRET_KEY is too weak"),
    ({"DJANGO_SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production"}, "development key"),
    ({"DJANGO_SECRET_KEY": "a" * 60}, "DJANGO_SECRET_KEY is too weak"),
    ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG"),
    ({"DATABASE_URL": "sqlite:////tmp/db.sqlite3"}, "production needs PostgreSQL"),
    ({"DATABASE_URL": ""}, "DATABASE_URL is not set"),
    ({"REDIS_URL": ""}, "REDIS_URL is not set"),
    ({"REDIS_URL": "memcached://x"}, "REDIS_URL must start"),
    ({"DJANGO_ALLOWED_HOSTS": "*"}, "contains '*'"),
    ({"DJANGO_ALLOWED_HOSTS": "farm.example.com,*"}, "contains '*'"),
    ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS is not set"),
    ({"SIMPLEPRINT_COMPANY_ID": "0"}, "SIMPLEPRINT_COMPANY_ID"),
    ({"SIMPLEPRINT_COMPANY_ID": "acme"}, "SIMPLEPRINT_COMPANY_ID"),
    ({"SIMPLEPRINT_API_KEY": ""}, "SIMPLEPRINT_API_KEY"),
    ({"SIMPLEPRINT_WEBHOOK_SECRET": "tooshort"}, "at least 16"),
    ({"SIMPLEPRINT_ALLOW_INSECURE_WEBHOOKS": "1"}, "SIMPLEPRINT_ALLOW_INSECURE_WEBHOOKS"),
    ({"SIMPLEPRINT_PUBLIC_URL": "http://farm.example.com"}, "must be https"),
    ({"SIMPLEPRINT_PUBLIC_URL": ""}, "SIMPLEPRINT_PUBLIC_URL is not set"),
    ({"SIMPLEPRINT_PUBLIC_URL": "http://farm.example.com", "PRINTFARM_ALLOW_HTTP": "1"},
     "must be https"),
    ({"PRINTFARM_DEMO_LOGIN": "yes"}, "PRINTFARM_DEMO_LOGIN"),
    ({"PRINTFARM_WORKER": "inline"}, "PRINTFARM_WORKER"),
])
def test_each_unsafe_value_is_named(changes: dict[str, str], named: str) -> None:
    problems = production_problems(with_(**changes))
    assert len(problems) == 1
    assert named in problems[0]


def test_plain_http_is_allowed_for_loopback_with_the_test_switch() -> None:
    env = with_(SIMPLEPRINT_PUBLIC_URL="http://127.0.0.1:8443", PRINTFARM_ALLOW_HTTP="1")
    assert production_problems(env) == []


def test_one_error_lists_every_problem() -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        validate_production_environment({"DJANGO_ALLOWED_HOSTS": "*"})
    message = str(error.value)
    assert "8 value(s) to fix" in message
    for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS",
                 "SIMPLEPRINT_COMPANY_ID", "SIMPLEPRINT_API_KEY", "SIMPLEPRINT_WEBHOOK_SECRET",
                 "SIMPLEPRINT_PUBLIC_URL"):
        assert name in message


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DJANGO_", "PRINTFARM_", "SIMPLEPRINT_", "TEST_"))
             and k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env})


def test_production_settings_refuse_to_start_without_configuration() -> None:
    result = _manage({}, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deployment_checks() -> None:
    result = _manage(GOOD, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
