"""Start-up validation of the production environment.

A pure function over a mapping of environment variables, so that it can be tested with good and
bad environments without importing settings. ``production.py`` calls
:func:`validate_production_environment` before anything else and refuses to start with one
error that lists every missing or unsafe value and what to set instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_KEY_LENGTH = 50
MIN_WEBHOOK_SECRET_LENGTH = 16
TRUE_VALUES = frozenset({"1", "true", "yes", "on", "y", "t"})
POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "pgsql", "postgis"})
REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: Keys shipped in the repository (dev and test profiles): never valid in production.
KNOWN_INSECURE_KEYS = frozenset({
    "dev-only-insecure-key-do-not-use-in-production",
    "test-secret-key-not-for-production",
})
GENERATE_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(64))'"


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_VALUES


def production_problems(environ: Mapping[str, str]) -> list[str]:
    """Every missing or unsafe production setting in ``environ``, each with what to set."""
    problems: list[str] = []

    def value(name: str) -> str:
        return environ.get(name, "").strip()

    key = value("DJANGO_SECRET_KEY")
    if not key:
        problems.append(f"DJANGO_SECRET_KEY is not set: set a random value ({GENERATE_KEY}).")
    elif key in KNOWN_INSECURE_KEYS or "insecure" in key:
        problems.append("DJANGO_SECRET_KEY is the development key: set a new random value "
                        f"({GENERATE_KEY}).")
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        problems.append(f"DJANGO_SECRET_KEY is too weak ({len(key)} characters): use at least "
                        f"{MIN_SECRET_KEY_LENGTH} random characters ({GENERATE_KEY}).")

    if is_true(environ.get("DJANGO_DEBUG")):
        problems.append("DJANGO_DEBUG is on: unset it (production never runs with DEBUG).")

    database_url = value("DATABASE_URL")
    if not database_url:
        problems.append("DATABASE_URL is not set: set postgres://USER:PASSWORD@HOST:5432/NAME.")
    elif urlsplit(database_url).scheme not in POSTGRES_SCHEMES:
        problems.append(f"DATABASE_URL uses '{urlsplit(database_url).scheme}': production needs "
                        "PostgreSQL (postgres://USER:PASSWORD@HOST:5432/NAME).")

    redis_url = value("REDIS_URL")
    if not redis_url:
        problems.append("REDIS_URL is not set: set redis://HOST:6379/0 (channel layer, cache, "
                        "Celery broker).")
    elif urlsplit(redis_url).scheme not in REDIS_SCHEMES:
        problems.append("REDIS_URL must start with redis://, rediss:// or unix://.")

    hosts = [h.strip() for h in value("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
    if not hosts:
        problems.append("DJANGO_ALLOWED_HOSTS is not set: set the public host name(s), "
                        "comma-separated (e.g. farm.example.com).")
    elif "*" in hosts:
        problems.append("DJANGO_ALLOWED_HOSTS contains '*': list the real host name(s).")

    company = value("SIMPLEPRINT_COMPANY_ID")
    if not company.isdigit() or int(company) <= 0:
        problems.append("SIMPLEPRINT_COMPANY_ID must be your SimplyPrint company id (a positive "
                        "integer, the number in https://simplyprint.io/panel/<id>/...).")
    if not value("SIMPLEPRINT_API_KEY"):
        problems.append("SIMPLEPRINT_API_KEY is not set: create an API key in SimplyPrint "
                        "(Account settings > API) and set it.")

    secret = value("SIMPLEPRINT_WEBHOOK_SECRET")
    if len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
        problems.append(f"SIMPLEPRINT_WEBHOOK_SECRET must be at least "
                        f"{MIN_WEBHOOK_SECRET_LENGTH} characters "
                        "(python -c 'import secrets; print(secrets.token_hex(32))').")
    if is_true(environ.get("SIMPLEPRINT_ALLOW_INSECURE_WEBHOOKS")):
        problems.append("SIMPLEPRINT_ALLOW_INSECURE_WEBHOOKS is on: unset it (only for the "
                        "local simulator).")

    public_url = value("SIMPLEPRINT_PUBLIC_URL")
    parts = urlsplit(public_url)
    allow_http = is_true(environ.get("PRINTFARM_ALLOW_HTTP"))
    if not public_url or not parts.hostname:
        problems.append("SIMPLEPRINT_PUBLIC_URL is not set: set the https:// address SimplyPrint "
                        "reaches this service at (e.g. https://farm.example.com).")
    elif parts.scheme != "https" and not (
        allow_http and parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    ):
        problems.append("SIMPLEPRINT_PUBLIC_URL must be https:// (plain http is only accepted "
                        "for a loopback address with PRINTFARM_ALLOW_HTTP=1, in tests).")

    if is_true(environ.get("PRINTFARM_DEMO_LOGIN")):
        problems.append("PRINTFARM_DEMO_LOGIN is on: unset it (the demo login is for the "
                        "embedded default only).")
    if value("PRINTFARM_WORKER") not in ("", "celery", "thread"):
        problems.append("PRINTFARM_WORKER must be 'celery' (or 'thread' for a single process).")
    return problems


def validate_production_environment(environ: Mapping[str, str]) -> None:
    problems = production_problems(environ)
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise ImproperlyConfigured(
            f"The production settings refuse to start; {len(problems)} value(s) to fix "
            f"(see docs/operations.md, Configuration):\n{listed}"
        )
