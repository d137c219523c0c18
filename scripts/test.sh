#!/usr/bin/env bash
# The whole test suite: lint and types, then pytest on the embedded default (SQLite, in-memory
# layers) and, when TEST_DATABASE_URL and TEST_REDIS_URL are set, again on the production
# profile (PostgreSQL + Redis: the `production` tests, the end-to-end stack, and everything else
# except the browser tests), the two side by side. `make test` runs this; extra arguments go to
# both pytest runs.
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
# With PostgreSQL and Redis the two passes run side by side (each test starts its own servers
# on free ports, so they do not meet; most of their time is waiting, not CPU): the embedded
# pass's output follows the production pass's. PRINTFARM_TEST_SERIAL=1 runs them one by one.
embedded() { (unset TEST_DATABASE_URL TEST_REDIS_URL TEST_DATABASE_NAME; pytest_run "$@"); }
production() { pytest_run -m "not browser" "$@"; }

if [ -z "${TEST_DATABASE_URL:-}" ] || [ -z "${TEST_REDIS_URL:-}" ]; then
  echo "== pytest: embedded default (SQLite, in-memory channel layer and cache)"
  embedded "$@"
  echo "== production profile skipped: set TEST_DATABASE_URL and TEST_REDIS_URL to run it"
elif [ -n "${PRINTFARM_TEST_SERIAL:-}" ]; then
  echo "== pytest: embedded default (SQLite, in-memory channel layer and cache)"
  embedded "$@"
  echo "== pytest: production profile (PostgreSQL, Redis, Celery, nginx)"
  production "$@"
else
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  embedded "$@" >"$log" 2>&1 &
  first=$!
  echo "== pytest: production profile (PostgreSQL, Redis, Celery, nginx), beside the embedded pass"
  rc=0
  (production "$@") || rc=$?
  rc_first=0
  wait "$first" || rc_first=$?
  echo "== pytest: embedded default (SQLite, in-memory channel layer and cache)"
  cat "$log"
  if [ "$rc" -ne 0 ]; then exit "$rc"; fi
  if [ "$rc_first" -ne 0 ]; then exit "$rc_first"; fi
fi
