#!/usr/bin/env bash
# Installs everything, then starts the demo on this machine, all on loopback: etcd (data in .run/etcd),
# the demo target app on :8080, one agent, the Locust master with the fleet on http://127.0.0.1:8089, and
# Prometheus on :9090 scraping the master's /metrics with the alert rules of deploy/prometheus (data in
# .run/prometheus; point a Grafana at it and import deploy/grafana/locust-fleet.json).
# The master deploys examples/plans/demo-shop.json to the agent at start: press Start in Locust's page.
# Ctrl-C stops everything. Extra arguments go to the master (locust-fleet).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh

TARGET_PORT=${DEMO_TARGET_PORT:-8080}
WEB_PORT=${DEMO_WEB_PORT:-8089}
ETCD_PORT=${DEMO_ETCD_PORT:-2379}
ETCD_PEER_PORT=${DEMO_ETCD_PEER_PORT:-2380}
AGENT_PORT=${DEMO_AGENT_PORT:-50051}
MASTER_PORT=${DEMO_MASTER_PORT:-5557}
PROMETHEUS_PORT=${DEMO_PROMETHEUS_PORT:-9090}

for port in "$TARGET_PORT" "$WEB_PORT" "$ETCD_PORT" "$ETCD_PEER_PORT" "$AGENT_PORT" "$MASTER_PORT" "$PROMETHEUS_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "demo: port $port is already in use; stop what uses it or set the DEMO_*_PORT variables" >&2
    exit 1
  fi
done

mkdir -p .run
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT

wait_for() {  # wait_for NAME PID URL-or-PORT LOG
  for _ in $(seq 100); do
    if [[ $3 == http* ]]; then curl -fs "$3" >/dev/null 2>&1 && return 0
    else (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null && return 0; fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo: $1 did not start; its log ($4):" >&2
  tail -20 "$4" >&2
  exit 1
}

etcd --name locust-fleet-demo --data-dir .run/etcd \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "locust-fleet-demo=http://127.0.0.1:$ETCD_PEER_PORT" >.run/etcd.log 2>&1 &
pids+=($!)
wait_for etcd $! "http://127.0.0.1:$ETCD_PORT/health" .run/etcd.log

.venv/bin/python examples/demo_app.py --port "$TARGET_PORT" >.run/demo_app.log 2>&1 &
pids+=($!)
wait_for "the demo app" $! "http://127.0.0.1:$TARGET_PORT/health" .run/demo_app.log

.venv/bin/locust-fleet-agent --etcd "127.0.0.1:$ETCD_PORT" --listen "127.0.0.1:$AGENT_PORT" --processes 1 \
  --id local-agent >.run/agent.log 2>&1 &
pids+=($!)
wait_for "the agent" $! "$AGENT_PORT" .run/agent.log

# The repository's scrape configuration, pointed at this demo's master.
sed -e "s|127.0.0.1:8089|127.0.0.1:$WEB_PORT|" -e "s|^  - alerts.yml|  - $PWD/deploy/prometheus/alerts.yml|" \
  deploy/prometheus/prometheus.yml >.run/prometheus.yml
prometheus --config.file=.run/prometheus.yml --storage.tsdb.path=.run/prometheus \
  --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" >.run/prometheus.log 2>&1 &
pids+=($!)
wait_for Prometheus $! "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" .run/prometheus.log

echo "demo: target http://127.0.0.1:$TARGET_PORT/  agent 127.0.0.1:$AGENT_PORT  Locust http://127.0.0.1:$WEB_PORT/"
echo "demo: Prometheus http://127.0.0.1:$PROMETHEUS_PORT/ scrapes http://127.0.0.1:$WEB_PORT/metrics"
echo "demo: the agents are in Locust's 'Fleet agents' tab and at http://127.0.0.1:$WEB_PORT/fleet/api/agents"
.venv/bin/locust-fleet --master --master-bind-host 127.0.0.1 --master-bind-port "$MASTER_PORT" \
  --web-host 127.0.0.1 --web-port "$WEB_PORT" --fleet-etcd "127.0.0.1:$ETCD_PORT" \
  --fleet-plan examples/plans/demo-shop.json --fleet-agents local-agent -H "http://127.0.0.1:$TARGET_PORT" \
  -u 20 -r 5 "$@"
