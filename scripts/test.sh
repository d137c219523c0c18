#!/usr/bin/env bash
# The whole test suite: lint and types, then pytest on the embedded default (SQLite, in-memory
# layers) and, when TEST_DATABASE_URL and TEST_REDIS_URL are set, again on the production
# profile (PostgreSQL + Redis: the `production` tests, the end-to-end stack, and everything else
# except the browser tests). `make test` runs this; extra arguments go to both pytest runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# pytest exits 5 when a selection holds no tests: that is not a failure here.
pytest_run() {
  local rc=0
  python -m pytest "$@" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then exit "$rc"; fi
}

echo "== ruff"; ruff check .
echo "== mypy"; mypy .
echo "== import contracts"; lint-imports
echo "== pytest: embedded default (SQLite, in-memory channel layer and cache)"
(unset TEST_DATABASE_URL TEST_REDIS_URL TEST_DATABASE_NAME; pytest_run "$@")

if [ -n "${TEST_DATABASE_URL:-}" ] && [ -n "${TEST_REDIS_URL:-}" ]; then
  echo "== pytest: production profile (PostgreSQL, Redis, Celery, nginx)"
  pytest_run -m "not browser" "$@"
else
  echo "== production profile skipped: set TEST_DATABASE_URL and TEST_REDIS_URL to run it"
fi
