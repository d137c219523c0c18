"""Settings for the test suite. TEST_DATABASE_URL / TEST_REDIS_URL switch it to PostgreSQL and
Redis (the production profile in CI); without them it runs on SQLite and in-memory layers."""

import os

from .base import *  # noqa: F403
from .base import SIMPLEPRINT_CONFIG, VAR_DIR, env, redis_channel_layer

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRINTFARM_WORKER = "inline"

if os.environ.get("TEST_DATABASE_URL"):
    DATABASES = {"default": env.db_url("TEST_DATABASE_URL")}
    # Concurrent runs on one PostgreSQL each set their own test database name.
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_printfarm")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "test.sqlite3"),
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }

SIMPLEPRINT_CONFIG = {
    **SIMPLEPRINT_CONFIG,
    "base_url": "http://127.0.0.1:1",
    "company_id": 1,
    "api_key": "test-api-key",
    "webhook_secret": "test-webhook-secret-3f9c0d6e8b1a4c27",
    "webhook_secret_previous": "",
    "allow_insecure_webhooks": False,
    "public_url": "http://testserver",
    # SimplePrintClient retry tuning (optional keys): tiny delays keep failing calls fast.
    "backoff_base": 0.01,
    "backoff_max": 0.05,
    "max_wait": 5.0,
}
PRINTFARM_DEMO_LOGIN = False
LANGUAGE_CODE = "en"
# Tests call the API far faster than people; the throttle tests set their own rates.
PRINTFARM_THROTTLES = {scope: "100000/min"
                       for scope in ("user", "anon", "simplyprint", "ping", "actions")}

# --- The production profile in CI: Redis for the channel layer, cache and Celery broker -------
TEST_REDIS_URL = env.str("TEST_REDIS_URL", default="")
if TEST_REDIS_URL:
    REDIS_URL = TEST_REDIS_URL
    CHANNEL_LAYERS = redis_channel_layer(TEST_REDIS_URL)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": TEST_REDIS_URL}}
    CELERY_BROKER_URL = TEST_REDIS_URL
