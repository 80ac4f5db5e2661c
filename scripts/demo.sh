#!/usr/bin/env bash
# Installs everything, then starts the demo: the demo target app on 127.0.0.1:8080 and Locust with the
# locust-fleet plugin on http://127.0.0.1:8089, loaded with examples/plans/demo-shop.json. Ctrl-C stops both.
# Extra arguments go to locust-fleet (for example --headless -u 20 -r 20 -t 30s).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh

TARGET_PORT=${DEMO_TARGET_PORT:-8080}
WEB_PORT=${DEMO_WEB_PORT:-8089}
for port in "$TARGET_PORT" "$WEB_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "demo: port $port is already in use; stop what uses it or set DEMO_TARGET_PORT / DEMO_WEB_PORT" >&2
    exit 1
  fi
done
mkdir -p .run
.venv/bin/python examples/demo_app.py --port "$TARGET_PORT" >.run/demo_app.log 2>&1 &
target_pid=$!
trap 'kill "$target_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$TARGET_PORT/health" >/dev/null 2>&1 && break
  kill -0 "$target_pid" 2>/dev/null || { echo "demo: the demo app did not start:"; cat .run/demo_app.log; exit 1; } >&2
  sleep 0.1
done

echo "demo: target http://127.0.0.1:$TARGET_PORT/, Locust http://127.0.0.1:$WEB_PORT/ (press Start there)"
.venv/bin/locust-fleet --fleet-plan examples/plans/demo-shop.json -H "http://127.0.0.1:$TARGET_PORT" \
  --web-host 127.0.0.1 --web-port "$WEB_PORT" -u 20 -r 5 "$@"
