"""Prometheus (Debian's, never skipped) against the fleet: the scrape configuration and the alert rules as promtool
checks them, and a real Prometheus scraping a real master with two real agents, where every query of the Grafana
dashboard gets data and the fleet's p95 per step agrees with Locust's within a bucket."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.fleet_fixtures import FleetMaster, StartAgent, stop_process, wait_for_http, wait_until
from tests.helpers import ROOT

pytest_plugins = ("tests.fleet_fixtures",)
pytestmark = pytest.mark.browser

DEPLOY = ROOT / "deploy"
DASHBOARD = DEPLOY / "grafana" / "locust-fleet.json"
# Generous: two agents with Chromium start slowly on a busy machine. Only a failure waits this long.
WITHIN_S = 120


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: run ./scripts/install.sh (Debian's prometheus package)", pytrace=False)
    return path


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("promtool"), *args], capture_output=True, text=True, timeout=120, cwd=DEPLOY)


def test_promtool_accepts_the_scrape_config_and_the_alert_rules_pass_their_tests() -> None:
    config = promtool("check", "config", "prometheus/prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr
    rules = promtool("check", "rules", "prometheus/alerts.yml")
    assert rules.returncode == 0 and "SUCCESS: 4 rules found" in rules.stdout, rules.stdout + rules.stderr
    tested = promtool("test", "rules", "prometheus/alerts_test.yml")
    assert tested.returncode == 0 and "SUCCESS" in tested.stdout, tested.stdout + tested.stderr


class Prometheus:
    """`prometheus` scraping one master every second, its data in a directory of the test's."""

    def __init__(self, directory: Path, target: str) -> None:
        directory.mkdir()
        self.port = free_port()
        config = directory / "prometheus.yml"
        scrape = {"job_name": "locust-fleet", "metrics_path": "/metrics", "static_configs": [{"targets": [target]}]}
        config.write_text(json.dumps({"global": {"scrape_interval": "1s"}, "scrape_configs": [scrape]}))
        command = [tool("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={directory / 'data'}"]
        command += [f"--web.listen-address=127.0.0.1:{self.port}"]
        self.log_path = directory / "prometheus.log"
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for_http(f"http://127.0.0.1:{self.port}/-/ready", self.process, timeout=60)

    def query(self, expr: str) -> list[dict[str, Any]]:
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=10) as response:
            answer = json.load(response)
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture
def prometheus(tmp_path: Path, fleet_master: FleetMaster) -> Iterator[Prometheus]:
    server = Prometheus(tmp_path / "prometheus", fleet_master.url.removeprefix("http://"))
    try:
        yield server
    finally:
        server.stop()


def dashboard_queries(plan: str) -> list[tuple[str, str]]:
    """Every panel's queries, as Grafana sends them for one plan and all its runs."""
    dashboard = json.loads(DASHBOARD.read_text())
    queries = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = target["expr"].replace("$plan", plan).replace("$run", ".+").replace("$__rate_interval", "30s")
            queries.append((panel["title"], expr))
    return queries


def observed_plan(host: str) -> dict[str, Any]:
    return {
        "name": "observed",
        "host": host,
        "tasks": [
            {
                "name": "shop",
                "thinkTime": {"minS": 0.05, "maxS": 0.1},
                "steps": [{"name": "health", "url": "/health"}, {"name": "slow", "url": "/slow?ms=30"}],
            }
        ],
        "journeys": [{"name": "read", "steps": [{"action": "GOTO", "url": "/article"}]}],
        "users": {"browserCount": 1},
        "thresholds": [{"metric": "ERROR_RATIO", "max": 0.5}],
    }


def locust_steps(master: FleetMaster) -> dict[str, tuple[int, tuple[int, int, int]]]:
    """Locust's own request count and 90th, 95th and 98th percentiles of each HTTP step, from the master's CSV."""
    with urllib.request.urlopen(f"{master.url}/stats/requests/csv", timeout=10) as response:
        rows = list(csv.DictReader(io.StringIO(response.read().decode())))
    return {
        row["Name"]: (int(row["Request Count"]), (int(row["90%"]), int(row["95%"]), int(row["98%"])))
        for row in rows
        if row["Type"] == "GET"
    }


def agreeing_range_ms(bounds_ms: list[float], p90_ms: float, p98_ms: float) -> tuple[float, float]:
    """Where a histogram's estimate of the 95th percentile may fall, given Locust's 90th and 98th of the same requests:
    from the bucket below the one holding the 90th to the top of the one holding the 98th.

    The two tools rank differently (Locust counts a percentile down from the slowest request, Prometheus up from the
    fastest, then interpolates in a bucket): where few requests sit in the tail with a gap below them, the 95th rank
    can land buckets apart (seen: Locust's p95 14 ms, Prometheus 6 ms, with most requests at 5-6 ms). Both still
    read the same ranks, so the estimate lies between neighbouring percentiles, bucketed."""
    low = next(index for index, bound in enumerate(bounds_ms) if bound >= p90_ms)
    high = next(index for index, bound in enumerate(bounds_ms) if bound >= p98_ms)
    return (bounds_ms[low - 2] if low > 1 else 0.0), bounds_ms[high]


def test_a_real_prometheus_scrapes_the_fleet_and_answers_every_dashboard_query(
    fleet_master: FleetMaster, prometheus: Prometheus, start_agent: StartAgent, demo_app: str
) -> None:
    plan = observed_plan(demo_app)
    assert fleet_master.api("PUT", "/plans/observed", plan)[0] == 200
    agent_ids = ["observed-1", "observed-2"]
    for agent_id in agent_ids:
        start_agent(agent_id=agent_id, extra=("--processes", "1")).wait_registered()
    # An agent announces browsers once it has started Chromium to check that it can.
    wait_until(
        lambda: (
            all("browser" in agent.get("capabilities", []) for agent in fleet_master.agents().values())
            and set(fleet_master.agents()) >= set(agent_ids)
        ),
        WITHIN_S,
        "both agents listed with browsers",
        fleet_master.log,
    )
    status, body = fleet_master.api("POST", "/deploy", {"plan": "observed", "agents": agent_ids})
    assert status == 200 and all(result["ok"] for result in body["results"].values()), body
    wait_until(lambda: len(fleet_master.connected_workers()) == 2, WITHIN_S, "both workers ready", fleet_master.log)
    fleet_master.swarm(4, demo_app)

    queries = dashboard_queries("observed")
    wait_until(
        lambda: all(prometheus.query(expr) for _, expr in queries),
        WITHIN_S,
        "every dashboard query answered with data",
        lambda: "empty: " + "; ".join(title for title, expr in queries if not prometheus.query(expr)),
    )
    held = prometheus.query('locust_fleet_threshold_ok{plan="observed"}')
    assert [sample["value"][1] for sample in held] == ["1"], held
    cpu = prometheus.query("locust_fleet_worker_cpu_percent")
    assert {sample["metric"]["agent"] for sample in cpu} == set(agent_ids), cpu

    stop = urllib.request.Request(f"{fleet_master.url}/stop", method="POST")
    with urllib.request.urlopen(stop, timeout=10) as response:
        assert json.load(response)["success"]
    # Once stopped, the statistics stop changing (when the workers' last reports are in); Prometheus scrapes every
    # second: wait until it has what Locust has.
    totals = 'sum by (step) (locust_fleet_requests_total{plan="observed",method="GET"})'

    def same_counts() -> dict[str, tuple[int, tuple[int, int, int]]] | None:
        expected = locust_steps(fleet_master)
        scraped = {sample["metric"]["step"]: int(float(sample["value"][1])) for sample in prometheus.query(totals)}
        return expected if scraped == {step: count for step, (count, _) in expected.items()} else None

    expected = wait_until(same_counts, WITHIN_S, "Prometheus has the stopped run's last counts")
    buckets = 'locust_fleet_request_duration_seconds_bucket{plan="observed",method="GET"}'
    fleet_p95 = f"histogram_quantile(0.95, sum by (step, le) ({buckets}))"
    estimated = {sample["metric"]["step"]: float(sample["value"][1]) * 1000 for sample in prometheus.query(fleet_p95)}
    assert set(estimated) == set(expected) == {"health", "slow"}, (estimated, expected)
    bounds_ms = sorted({float(sample["metric"]["le"]) * 1000 for sample in prometheus.query(buckets)})
    for step, (_, (p90_ms, p95_ms, p98_ms)) in expected.items():
        low, high = agreeing_range_ms(bounds_ms, p90_ms, p98_ms)
        assert low <= estimated[step] <= high, (step, estimated[step], (p90_ms, p95_ms, p98_ms), (low, high))
