#!/usr/bin/env bash
# Installs everything, then runs the checks and the whole test suite. Extra arguments go to pytest.
#   ./scripts/test.sh            ruff, pyright, the page's type check and lint, then every test
#   ./scripts/test.sh --quick    the unit layer only (tests/unit, well under a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
if [ "${1:-}" = "--quick" ]; then
  shift
  exec .venv/bin/python -m pytest -m unit tests/unit "$@"
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/pyright
(cd web_ui && npm run --silent check)
exec .venv/bin/python -m pytest "$@"
