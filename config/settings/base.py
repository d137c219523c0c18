"""Settings shared by every profile. Every value that differs between machines comes from the
environment (see the configuration table in README.md); the defaults describe the embedded
single-process run: SQLite, an in-memory channel layer and an in-process worker."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONE, SELF

from config.logging import build_logging

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "apps.simpleprint",
    "apps.planning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: it turns a locked-out login into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR = Path(env.str("PRINTFARM_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'printfarm.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the receiver and the worker thread write without "database is locked";
    # IMMEDIATE takes the write lock at BEGIN so concurrent writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # An unreachable database must fail fast (the receiver answers 503, /readyz reports it)
    # instead of hanging each request for the OS's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3))
# Persistent connections on every engine: opening one per delivery (and, on SQLite, its
# pragmas and function registrations) cost more than the delivery's INSERT.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery broker, shared rate limit --------------------------
REDIS_URL = env.str("REDIS_URL", default="")

#: The channel layer's Redis read timeout. channels_redis waits for each process's messages with
#: a blocking BZPOPMIN of up to 5 s (``RedisChannelLayer.brpop_timeout``) and expects the read
#: to outlast it; redis-py 8 reads with a 5 s ``socket_timeout`` by default, which expired just
#: before Redis answered "nothing yet". After every 5 s without a message the consumer that held
#: the receive lock failed and its page was closed (1011), one page after another (channels_redis
#: issue #422; docs/live-updates.md). Above the wait, and finite: a Redis that stops answering is
#: still noticed (the consumer ends and its page reconnects).
CHANNEL_LAYER_SOCKET_TIMEOUT = 15.0


def redis_channel_layer(url: str) -> dict[str, Any]:
    """``CHANNEL_LAYERS`` on Redis at ``url`` (production, and the tests' production profile)."""
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT}],
                       "capacity": 1000, "expiry": 30},
        }
    }


if REDIS_URL:
    CHANNEL_LAYERS = redis_channel_layer(REDIS_URL)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    # Capacity as on Redis: the default 100 messages per page dropped deltas under bursts, and
    # every page then refilled the hole from the outbox (bench/README.md, ws_latency).
    CHANNEL_LAYERS = {"default": {"BACKEND": "apps.simpleprint.live.layer.LocalChannelLayer",
                                  "CONFIG": {"capacity": 1000}}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# How events are processed after they are stored: "thread" (in-process worker, the default
# without Redis), "celery" (production) or "inline" (tests: right after commit, same thread).
PRINTFARM_WORKER = env.str("PRINTFARM_WORKER", default="celery" if REDIS_URL else "thread")

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Socket timeouts: a broker read that never returns (seen in the chaos run after a Redis
# restart) raises instead of hanging a worker process forever; a task that still runs after
# the hard limit has its process replaced (its event stays in the inbox for the sweeper).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300, "socket_timeout": 15,
                                   "socket_connect_timeout": 5}
CELERY_TASK_TIME_LIMIT = 300
# Celery's Django fixup closes the database connection around every task unless this is set:
# a new PostgreSQL connection per event. config/celery.py closes stale connections instead,
# as Django does around a request, so DATABASE_CONN_MAX_AGE applies to the worker too.
CELERY_DB_REUSE_MAX = 2**31

# --- The SimplyPrint integration ---------------------------------------------------------------
SIMPLEPRINT_CONFIG = {
    "base_url": env.str("SIMPLEPRINT_BASE_URL", default="https://api.simplyprint.io"),
    "company_id": env.int("SIMPLEPRINT_COMPANY_ID", default=0),
    "api_key": env.str("SIMPLEPRINT_API_KEY", default=""),
    # The secret SimplyPrint sends back verbatim in X-SP-Secret / X-SP-Token.
    "webhook_secret": env.str("SIMPLEPRINT_WEBHOOK_SECRET", default=""),
    # During a rotation the previous secret is still accepted.
    "webhook_secret_previous": env.str("SIMPLEPRINT_WEBHOOK_SECRET_PREVIOUS", default=""),
    # Accept deliveries without any secret configured: only for the local simulator.
    "allow_insecure_webhooks": env.bool("SIMPLEPRINT_ALLOW_INSECURE_WEBHOOKS", default=False),
    "public_url": env.str("SIMPLEPRINT_PUBLIC_URL", default="http://127.0.0.1:8000"),
    "rate_limit": env.int("SIMPLEPRINT_RATE_LIMIT", default=60),
    "timeout": env.float("SIMPLEPRINT_TIMEOUT", default=10.0),
    "max_body_bytes": env.int("SIMPLEPRINT_WEBHOOK_MAX_BYTES", default=1024 * 1024),
    # A delivery stamped further ahead of its receipt (in SimplyPrint's clock) than this many
    # seconds is ordered by its receipt time instead, and flagged (timestamp_clamped).
    "max_clock_skew": env.float("SIMPLEPRINT_MAX_CLOCK_SKEW", default=300.0),
    # A printer's page in the SimplyPrint panel ({id}: its id), linked from the page's printer
    # drawer. SimplyPrint does not document it: assumed from the link integrations use.
    "printer_url": env.str("SIMPLEPRINT_PRINTER_URL",
                           default="https://simplyprint.io/panel/printers/{id}"),
}

# Processing of stored events: retry with exponential backoff, then stay visibly failed.
PRINTFARM_PROCESSING = {
    "max_attempts": env.int("PRINTFARM_MAX_ATTEMPTS", default=8),
    "backoff_base_seconds": env.float("PRINTFARM_BACKOFF_BASE", default=2.0),
    "backoff_max_seconds": env.float("PRINTFARM_BACKOFF_MAX", default=600.0),
    # The sweeper re-dispatches events still unprocessed this long after they were due.
    "sweep_grace_seconds": env.float("PRINTFARM_SWEEP_GRACE", default=10.0),
    "sweep_interval_seconds": env.float("PRINTFARM_SWEEP_INTERVAL", default=15.0),
}

# The event log keeps applied events (processed, ignored) this many days (0: forever); failed
# and pending events are kept until handled. Pruned hourly (processing/retention.py).
PRINTFARM_RETENTION = {
    "event_days": env.float("PRINTFARM_EVENT_RETENTION_DAYS", default=90.0),
}

# --- Celery worker heartbeat (production) -----------------------------------------------------
# The worker writes a heartbeat to the cache; /readyz fails when it is older than max_age.
PRINTFARM_HEARTBEAT = {
    "interval_seconds": env.float("PRINTFARM_HEARTBEAT_INTERVAL", default=15.0),
    "max_age_seconds": env.float("PRINTFARM_HEARTBEAT_MAX_AGE", default=60.0),
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker logs through LOGGING (JSON in production)
# config/celery.py builds the beat schedule from the one list of periodic jobs
# (apps/simpleprint/runtime/periodic.py).

# /metrics: staff users, or `Authorization: Bearer <token>` when this is set.
PRINTFARM_METRICS_TOKEN = env.str("PRINTFARM_METRICS_TOKEN", default="")

# Live updates: how many recent changes are kept for reconnecting pages to catch up.
PRINTFARM_LIVE = {
    "retention": env.int("PRINTFARM_LIVE_RETENTION", default=5000),
    # A reconnecting page missing more changes than this gets a snapshot instead of a replay.
    "replay_limit": env.int("PRINTFARM_LIVE_REPLAY_LIMIT", default=1000),
    # How long a page's consumer waits for a change whose number it skipped to be committed
    # (transactions of several workers commit out of order; a rolled-back one never does).
    "gap_wait_seconds": env.float("PRINTFARM_LIVE_GAP_WAIT", default=0.5),
    # Each page's consumer joins its group again and catches up from the outbox this often:
    # Redis forgets groups when it restarts (and channels_redis expires them after a day).
    # At the same tick it checks that the user may still listen (logout, deactivation, token
    # deleted: closed with 4401).
    "rejoin_seconds": env.float("PRINTFARM_LIVE_REJOIN", default=60.0),
    # Each page gets a heartbeat this often; two missed turn its indicator "Stale".
    "heartbeat_seconds": env.float("PRINTFARM_LIVE_HEARTBEAT", default=5.0),
    # Snapshots or replays one page may ask for ("resync"/"hello") in a minute; beyond that
    # its connection is closed (4429) and the page reconnects after its backoff.
    "resyncs_per_minute": env.int("PRINTFARM_LIVE_RESYNC_LIMIT", default=6),
    # Compress the pages' WebSocket messages (permessage-deflate; live/compression.py: under
    # daphne and under manage.py serve's uvicorn).
    "deflate": env.bool("PRINTFARM_LIVE_DEFLATE", default=True),
    # ... only messages of this many bytes or more: deflating costs CPU once per page, a
    # one-event delta gains a few hundred bytes.
    "deflate_min_bytes": env.int("PRINTFARM_LIVE_DEFLATE_MIN_BYTES", default=4096),
}

# --- Alerts outside the page (apps/simpleprint/notify) ----------------------------------------
PRINTFARM_NOTIFY = {
    # Apprise URLs, separated by spaces or commas (tgram://, slack://, discord://, mailto://,
    # json://, ...): failures, AI flags, offline printers and items awaiting approval. Empty: off.
    "urls": env.str("PRINTFARM_NOTIFY_URLS", default=""),
    "interval": env.float("PRINTFARM_NOTIFY_INTERVAL", default=5.0),
    "rate_per_minute": env.int("PRINTFARM_NOTIFY_RATE", default=10),
    "max_attempts": env.int("PRINTFARM_NOTIFY_MAX_ATTEMPTS", default=8),
    "backoff_base": env.float("PRINTFARM_NOTIFY_BACKOFF", default=15.0),
    "backoff_max": env.float("PRINTFARM_NOTIFY_BACKOFF_MAX", default=900.0),
    "max_age": env.float("PRINTFARM_NOTIFY_MAX_AGE", default=3600.0),
}

# --- Planning V2 page (apps/planning) ----------------------------------------------------------
PRINTFARM_PLANNING = {
    # Time between a print's end and the next print on that printer (clearing the bed).
    "turnaround_seconds": env.int("PRINTFARM_PLANNING_TURNAROUND", default=600),
    # Duration assumed for a queued file SimplyPrint has no estimate for.
    "default_estimate_seconds": env.int("PRINTFARM_PLANNING_DEFAULT_ESTIMATE", default=3600),
}
# Operator actions (apps/simpleprint/actions): how long an action SimplyPrint accepted may wait
# for the webhook or poll that confirms it before it is shown unconfirmed, and how long an
# action waits for a slot of the shared rate limit (or a Retry-After) before it answers 503.
PRINTFARM_ACTIONS = {
    "confirm_timeout_seconds": env.int("PRINTFARM_ACTION_CONFIRM_TIMEOUT", default=600),
    "max_wait_seconds": env.float("PRINTFARM_ACTION_MAX_WAIT", default=5.0),
}
# Serve /static/ from the app directories (the embedded run; behind nginx it never gets there).
PRINTFARM_SERVE_STATIC = env.bool("PRINTFARM_SERVE_STATIC", default=True)

DATA_UPLOAD_MAX_MEMORY_SIZE = SIMPLEPRINT_CONFIG["max_body_bytes"]

# The proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks,
# comma-separated): the client address the service records and throttles by, and whether the
# request came over https. Anyone else's forwarded headers are ignored.
PRINTFARM_TRUSTED_PROXIES = env.list("PRINTFARM_TRUSTED_PROXIES", default=["127.0.0.1", "::1"])

# --- Auth, API --------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/planning-v2/"
AUTHENTICATION_BACKENDS = [
    # django-axes counts failed logins (page, admin) and refuses them for a while after too
    # many from one address for one username; it must come first.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("PRINTFARM_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("PRINTFARM_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address as the ASGI application resolved it (a trusted proxy's X-Forwarded-For, else the
# peer): never a header as the client sent it.
AXES_CLIENT_IP_CALLABLE = "apps.simpleprint.live.auth.client_address"

# --- Mail: password reset is offered only when mail can be sent -------------------------------
# EMAIL_URL like smtp+tls://user:password@smtp.example.com:587 (django-environ's email_url).
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="printfarm@localhost")
PRINTFARM_PASSWORD_RESET = bool(EMAIL_URL)

# --- Content-Security-Policy (django-csp) ------------------------------------------------------
# Scripts, styles, images, fonts and connections (the WebSocket included) from this origin only;
# no inline script or style (the page sets positions and colours through the CSSOM), no
# plugins, no framing, forms post here only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [env.str("PRINTFARM_CSP_REPORT_URI")]}
           if env.str("PRINTFARM_CSP_REPORT_URI", default="") else {}),
    },
}
# Report violations without enforcing (to try a stricter policy first): the same policy as
# Content-Security-Policy-Report-Only.
if env.bool("PRINTFARM_CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY, CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY, {}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.simpleprint.api.errors.exception_handler",
    # Per user (or address), counted in the cache (Redis: shared by every server); a 429 says
    # when to retry (Retry-After). Rates: PRINTFARM_THROTTLES below.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.simpleprint.api.access.UserThrottle",
        "apps.simpleprint.api.access.ScopedThrottle",
    ],
    # The client address is REMOTE_ADDR, set from X-Forwarded-For only for a trusted proxy
    # (PRINTFARM_TRUSTED_PROXIES, config/asgi.py); never the header as the client sent it.
    "NUM_PROXIES": 0,
}
# "<n>/<second|minute|hour|day>". user: every API request of a signed-in user; anon: of an
# address without credentials (the public schema; everything else answers 401 first);
# simplyprint: requests that spend the shared SimplyPrint budget (test deliveries, switching
# webhooks); ping: websocket/ping/ (each holds a thread for up to 10 s); actions: operator
# actions (each is one SimplyPrint call).
PRINTFARM_THROTTLES = {
    "user": env.str("PRINTFARM_THROTTLE_USER", default="1200/min"),
    "anon": env.str("PRINTFARM_THROTTLE_ANON", default="120/min"),
    "simplyprint": env.str("PRINTFARM_THROTTLE_SIMPLYPRINT", default="10/min"),
    "ping": env.str("PRINTFARM_THROTTLE_PING", default="30/min"),
    "actions": env.str("PRINTFARM_THROTTLE_ACTIONS", default="60/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "printfarm API",
    "DESCRIPTION": "Mirror of a SimplyPrint print farm: printers, jobs, queue and the webhook log.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from this server (drf-spectacular-sidecar), not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {
        "StateSourceEnum": "apps.simpleprint.models.StateSource",
        "EventStatusEnum": "apps.simpleprint.models.PrinterWebhookEvent.Status",
        "JobStatusEnum": "apps.simpleprint.models.PrintJob.Status",
        "PrinterStateEnum": "apps.simpleprint.models.Printer.State",
        "QueueStateEnum": "apps.simpleprint.models.PrintQueue.State",
        "ActionKindEnum": "apps.simpleprint.models.OperatorAction.Kind",
        "ActionStatusEnum": "apps.simpleprint.models.OperatorAction.Status",
    },
}

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# "plain" or "json" (one object a line; the production default).
LOGGING = build_logging(LOG_LEVEL, env.str("LOG_FORMAT", default="plain"))

# --- SimplyPrint sync: polling fallback and reconciliation ---------------------------------
# Seconds. No webhook reports connectivity or progress: connectivity_interval (> 0) reads
# printers/Get only that often whatever the printers do. The default 30 s keeps online/offline and
# progress as fresh as the 30 s poller the brief replaced, at about a third of its calls (one
# printers/Get per 100 printers; bench/README.md); 0 reads printers/Get only at the reconcile
# (progress is then extrapolated; progress_interval > 0 reads that often while printers are busy).
PRINTFARM_SYNC = {
    "enabled": env.bool("PRINTFARM_SYNC_ENABLED", default=True),
    "tick_interval": env.float("PRINTFARM_SYNC_TICK", default=5.0),
    "poll_interval": env.float("PRINTFARM_POLL_INTERVAL", default=30.0),
    "reconcile_interval": env.float("PRINTFARM_RECONCILE_INTERVAL", default=600.0),
    "queue_reconcile_interval": env.float("PRINTFARM_QUEUE_RECONCILE_INTERVAL", default=3600.0),
    # Webhooks mode: read the queue this long after a print started or ended (copies left change
    # without a queue event); 0: only every queue_reconcile_interval.
    "queue_after_jobs": env.float("PRINTFARM_QUEUE_AFTER_JOBS", default=120.0),
    "progress_interval": env.float("PRINTFARM_PROGRESS_INTERVAL", default=0.0),
    "connectivity_interval": env.float("PRINTFARM_CONNECTIVITY_INTERVAL", default=30.0),
    # Names of printer groups, custom tags and queue groups (groups/Get, tags/Get, ...).
    "names_interval": env.float("PRINTFARM_NAMES_INTERVAL", default=3600.0),
    # While polling, how often SimplyPrint's webhook API is asked again (0: never); once it
    # answers, the webhook is registered and a test delivery switches back to webhooks.
    "webhook_recheck_interval": env.float("PRINTFARM_WEBHOOK_RECHECK", default=600.0),
    "silence_threshold": env.float("PRINTFARM_SILENCE_THRESHOLD", default=900.0),
    # After that silence a test delivery is asked for; none within this many seconds → polling.
    "probe_grace": env.float("PRINTFARM_PROBE_GRACE", default=120.0),
    "stale_after": env.float("PRINTFARM_STALE_AFTER", default=120.0),
    "backoff_max_interval": env.float("PRINTFARM_POLL_BACKOFF_MAX", default=600.0),
}
