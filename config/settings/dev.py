"""The embedded default run: one process, SQLite, the bundled simulator feeding it."""

from .base import *  # noqa: F403
from .base import SIMPLEPRINT_CONFIG, VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

SIMPLEPRINT_CONFIG = {
    **SIMPLEPRINT_CONFIG,
    "base_url": env.str("SIMPLEPRINT_BASE_URL", default="http://127.0.0.1:8100"),
    "company_id": env.int("SIMPLEPRINT_COMPANY_ID", default=1),
    "api_key": env.str("SIMPLEPRINT_API_KEY", default="simulator-key"),
    "rate_limit": env.int("SIMPLEPRINT_RATE_LIMIT", default=600),
}
# `make run` keeps the install's webhook secret in var/ (scripts/run-default.sh): management
# commands run from a second terminal read the same one as the running service.
_SECRET_FILE = VAR_DIR / "webhook-secret"
if not SIMPLEPRINT_CONFIG["webhook_secret"] and _SECRET_FILE.is_file():
    SIMPLEPRINT_CONFIG["webhook_secret"] = _SECRET_FILE.read_text().strip()

# A login and API token for a newcomer, printed at start-up; never on in production.
PRINTFARM_DEMO_LOGIN = env.bool("PRINTFARM_DEMO_LOGIN", default=True)
