"""The production profile: PostgreSQL, Redis, Celery, behind a TLS-terminating proxy.

It refuses to start on a missing or unsafe environment (one error listing everything to fix);
see ``validation.py`` and the configuration table in docs/operations.md.
"""

import os
from urllib.parse import urlsplit

from config.logging import build_logging

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, LOG_LEVEL, SIMPLEPRINT_CONFIG, env
from .validation import is_true, validate_production_environment

validate_production_environment(os.environ)

DEBUG = False
PRINTFARM_DEMO_LOGIN = False
PRINTFARM_WORKER = env.str("PRINTFARM_WORKER", default="celery")
# nginx serves /static/ (collectstatic into STATIC_ROOT).
PRINTFARM_SERVE_STATIC = env.bool("PRINTFARM_SERVE_STATIC", default=False)

# --- Behind the proxy (deploy/nginx.conf terminates TLS and sets X-Forwarded-Proto) ------------
PRINTFARM_ALLOW_HTTP = is_true(os.environ.get("PRINTFARM_ALLOW_HTTP"))
# No SECURE_PROXY_SSL_HEADER: the ASGI application takes the scheme from X-Forwarded-Proto only
# when a trusted proxy sent it (PRINTFARM_TRUSTED_PROXIES, config/asgi.py); Django would take
# it from anyone.
SECURE_PROXY_SSL_HEADER = None
USE_X_FORWARDED_HOST = env.bool("DJANGO_USE_X_FORWARDED_HOST", default=False)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not PRINTFARM_ALLOW_HTTP)
# Probes reach the servers directly over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Preloading is a hard-to-undo, per-domain decision: opt in with DJANGO_SECURE_HSTS_PRELOAD.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"


def _trusted_origins() -> list[str]:
    explicit = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
    if explicit:
        return explicit
    public = urlsplit(SIMPLEPRINT_CONFIG["public_url"])
    origins = {f"{public.scheme}://{public.netloc}"}
    for host in ALLOWED_HOSTS:
        origins.add(f"https://*{host}" if host.startswith(".") else f"https://{host}")
    return sorted(origins)


CSRF_TRUSTED_ORIGINS = _trusted_origins()

# --- Logs: one JSON object a line by default --------------------------------------------------
LOGGING = build_logging(LOG_LEVEL, env.str("LOG_FORMAT", default="json"))
