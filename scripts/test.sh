#!/usr/bin/env bash
# The whole test suite: lint and types, then pytest. `make test` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff"; ruff check .
echo "== mypy"; mypy .
echo "== pytest"; python -m pytest "$@"
