"""What do the metrics and the run history cost the master, and how close is Prometheus' p95 to Locust's?

1. scrape: a master whose statistics hold 100 steps, 20 pages and 20 workers, scraped as `GET /metrics` (this
   project: counters and histograms) and as `GET /stats/requests` (Locust's JSON, which the existing exporters
   poll and turn into gauges): time and size of each (benchmarks/metrics/scrape_host.py).
2. master CPU: a real master and one real worker loading nginx, 30 s per run, rounds alternating: the master with
   etcd (the run's record written every 5 s) and a scrape of /metrics every 5 s, against the same master with
   neither (`--fleet-etcd none`). The master process's CPU, as a share of one core.
3. p95: a real Prometheus (Debian's) scraping a real master with two real agents (one worker each) loading the
   demo app's /slow endpoint at five delays; once stopped, `histogram_quantile(0.95, ...)` of each step against
   Locust's own p95, in ms and in widths of the bucket it falls in.

Run: .venv/bin/python benchmarks/metrics/run.py
Writes benchmarks/results/metrics.json and .md, and rebuilds docs/BENCHMARKS.md.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from benchmarks.common import demo_app_serving, free_port, machine, nginx_serving, write_results  # noqa: E402
from benchmarks.control_plane.parts import BIN, Api, etcd_server, locust_master, running, wait_until  # noqa: E402

RUN_S = 30
ROUNDS = 2
SCRAPE_EVERY_S = 5.0
DELAYS_MS = (5, 20, 50, 120, 300)
P95_RUN_S = 40
START_TIMEOUT_S = 60
PREFIX = "/bench-metrics/"
GOAL_CPU_PERCENT = 2.0


def scrape_cost() -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(HERE / "scrape_host.py")], capture_output=True, text=True, timeout=600, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def plan_file(work: Path, host: str, steps: list[dict[str, Any]]) -> Path:
    path = work / "plan.json"
    path.write_text(json.dumps({"name": "bench", "host": host, "tasks": [{"name": "t", "steps": steps}]}))
    return path


def master_cpu(work: Path, plan: Path, etcd: str | None) -> dict[str, float]:
    """One run of a master (with etcd and scrapes, or with neither) and one worker; the master's CPU."""
    port, web_port = free_port(), free_port()
    command = [str(BIN / "locust-fleet"), "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port"]
    command += [str(port), "--web-host", "127.0.0.1", "--web-port", str(web_port), "--fleet-plan", str(plan)]
    command += ["--autostart", "--autoquit", "0", "-u", "20", "-r", "20", "-t", f"{RUN_S}s"]
    command += ["--fleet-etcd", etcd or "none", "--fleet-prefix", PREFIX]
    worker = [str(BIN / "locust-fleet"), "--worker", "--master-port", str(port), "--fleet-plan", str(plan)]
    label = "observed" if etcd else "bare"
    scrapes: list[int] = []
    stop_scraping = threading.Event()

    def scrape() -> None:
        while not stop_scraping.wait(SCRAPE_EVERY_S):
            with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{web_port}/metrics") as answer:
                scrapes.append(len(answer.read()))

    with running(command, work / f"master-{label}.log") as master, running(worker, work / f"worker-{label}.log"):
        process = psutil.Process(master.pid)
        started = time.monotonic()
        if etcd:
            threading.Thread(target=scrape, daemon=True).start()
        cpu_s = 0.0
        while master.poll() is None and time.monotonic() - started < RUN_S + START_TIMEOUT_S:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                cpu_s = times.user + times.system
            time.sleep(0.25)
        wall_s = time.monotonic() - started
        stop_scraping.set()
    return {"cpuS": round(cpu_s, 2), "wallS": round(wall_s, 1), "corePercent": round(100 * cpu_s / wall_s, 2)} | {
        "scrapes": len(scrapes)
    }


def cpu_rounds(work: Path) -> dict[str, Any]:
    # The worker process needs the id of the agent that would have started it.
    os.environ["LOCUST_FLEET_AGENT_ID"] = "bench"
    with nginx_serving({"item.json": '{"id": 7}'}) as host, etcd_server(work) as etcd:
        plan = plan_file(work, host, [{"name": "item", "url": "/item.json"}])
        runs: dict[str, list[dict[str, float]]] = {"bare": [], "observed": []}
        for round_index in range(ROUNDS):
            for label in ("bare", "observed") if round_index % 2 == 0 else ("observed", "bare"):
                measured = master_cpu(work, plan, etcd if label == "observed" else None)
                print(f"master cpu {label:9} round {round_index + 1}: {measured}", flush=True)
                runs[label].append(measured)
    bare = statistics.median(run["corePercent"] for run in runs["bare"])
    observed = statistics.median(run["corePercent"] for run in runs["observed"])
    return {"runs": runs, "bareCorePercent": bare, "observedCorePercent": observed, "addedCorePercent": observed - bare}


class Prometheus:
    def __init__(self, work: Path, target: str) -> None:
        self.port = free_port()
        config = work / "prometheus.yml"
        scrape = {"job_name": "fleet", "metrics_path": "/metrics", "static_configs": [{"targets": [target]}]}
        config.write_text(json.dumps({"global": {"scrape_interval": "1s"}, "scrape_configs": [scrape]}))
        self.command = [shutil.which("prometheus") or "prometheus", f"--config.file={config}"]
        self.command += [f"--storage.tsdb.path={work / 'tsdb'}", f"--web.listen-address=127.0.0.1:{self.port}"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)["data"]["result"]

    def ready(self) -> bool:
        with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready") as answer:
            return answer.status == 200
        return False


@contextlib.contextmanager
def agents(work: Path, etcd: str, count: int) -> Iterator[list[str]]:
    ids = [f"bench-{index}" for index in range(count)]
    with contextlib.ExitStack() as stack:
        for agent_id in ids:
            command = [str(BIN / "locust-fleet-agent"), "--etcd", etcd, "--prefix", PREFIX, "--id", agent_id]
            command += ["--listen", "127.0.0.1:0", "--processes", "1", "--no-browser"]
            stack.enter_context(running(command, work / f"{agent_id}.log"))
        yield ids


def locust_steps(web_port: int) -> dict[str, tuple[int, int]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/stats/requests/csv", timeout=10) as response:
        rows = list(csv.DictReader(io.StringIO(response.read().decode())))
    return {row["Name"]: (int(row["Request Count"]), int(row["95%"])) for row in rows if row["Type"] == "GET"}


def p95_agreement(work: Path) -> dict[str, Any]:
    steps = [{"name": f"slow {delay} ms", "url": f"/slow?ms={delay}"} for delay in DELAYS_MS]
    with demo_app_serving() as host, etcd_server(work) as etcd, locust_master(work, etcd, PREFIX) as api:
        prometheus = Prometheus(work, f"127.0.0.1:{api.port}")
        with running(prometheus.command, work / "prometheus.log"), agents(work, etcd, 2) as ids:
            wait_until(prometheus.ready, START_TIMEOUT_S, "Prometheus ready")
            plan = {"name": "bench", "host": host, "tasks": [{"name": "t", "steps": steps}]}
            api.call("PUT", "/fleet/api/plans/bench", plan)
            wait_until(lambda: len(api.agents()) == 2, START_TIMEOUT_S, "both agents listed")
            api.call("POST", "/fleet/api/deploy", {"plan": "bench", "agents": ids})
            wait_until(lambda: workers_ready(api) == 2, START_TIMEOUT_S, "both workers ready")
            form = urllib.parse.urlencode({"user_count": 20, "spawn_rate": 20, "host": host}).encode()
            urllib.request.urlopen(f"http://127.0.0.1:{api.port}/swarm", data=form, timeout=10).close()
            time.sleep(P95_RUN_S)  # the measured run: a duration, not a wait for something
            stop = urllib.request.Request(f"http://127.0.0.1:{api.port}/stop", method="POST")
            urllib.request.urlopen(stop, timeout=10).close()
            totals = 'sum by (step) (locust_fleet_requests_total{plan="bench"})'

            def agreed() -> dict[str, tuple[int, int]] | None:
                expected = locust_steps(api.port)
                got = {sample["metric"]["step"]: int(float(sample["value"][1])) for sample in prometheus.query(totals)}
                return expected if got == {step: count for step, (count, _) in expected.items()} else None

            agreement = wait_until(agreed, START_TIMEOUT_S, "Prometheus has the stopped run's counts", interval=0.5)
            expected = agreement or {}
            buckets = 'locust_fleet_request_duration_seconds_bucket{plan="bench"}'
            quantiles = prometheus.query(f"histogram_quantile(0.95, sum by (step, le) ({buckets}))")
            bounds = sorted({float(sample["metric"]["le"]) * 1000 for sample in prometheus.query(buckets)})
            api.raw("POST", "/fleet/api/release", {"agents": ids})
    per_step = []
    for sample in quantiles:
        step = sample["metric"]["step"]
        estimate = float(sample["value"][1]) * 1000
        requests, locust_ms = expected[step]
        width = _bucket_width(bounds, locust_ms)
        per_step.append(
            {
                "step": step,
                "requests": requests,
                "locustP95Ms": locust_ms,
                "prometheusP95Ms": round(estimate, 1),
                "errorMs": round(estimate - locust_ms, 1),
                "bucketWidthMs": width,
                "errorInBuckets": round(abs(estimate - locust_ms) / width, 2),
            }
        )
    return {"steps": sorted(per_step, key=lambda row: row["locustP95Ms"])}


def workers_ready(api: Api) -> int:
    return sum(1 for worker in api.locust_workers() if worker["state"] == "ready")


def _bucket_width(bounds_ms: list[float], value_ms: float) -> float:
    index = next(index for index, bound in enumerate(bounds_ms) if bound >= value_ms)
    return bounds_ms[index] - (bounds_ms[index - 1] if index else 0)


def report(results: dict[str, Any]) -> str:
    scrape, cpu, p95 = results["scrape"], results["cpu"], results["p95"]
    lines = [
        "## metrics",
        "",
        "`benchmarks/metrics/run.py`: what `/metrics` and the run history cost the master, and how close Prometheus'"
        " p95 is to Locust's.",
        "",
        f"**Scrape** of a master holding {scrape['steps']} steps, {scrape['pages']} pages and {scrape['workers']}"
        f" workers (median of {scrape['samples']}, each past Locust's 2 s cache):",
        "",
        "| answer | time (ms) | size (KB) |",
        "| --- | ---: | ---: |",
        f"| `GET /metrics` (counters and histograms) | {scrape['metricsMsMedian']} |"
        f" {scrape['metricsBytes'] // 1024} |",
        f"| `GET /stats/requests` (what gauge exporters poll) | {scrape['statsRequestsMsMedian']} |"
        f" {scrape['statsRequestsBytes'] // 1024} |",
        "",
        f"The difference is the histograms: {scrape['buckets']} buckets for each step and page, the price of"
        " percentiles that add up across agents and runs (a gauge of each worker's p95 cannot). Every 15 s (a"
        f" common interval) a scrape costs {scrape['metricsMsMedian'] / 150:.2f} % of a core.",
        "",
        f"**Master CPU** (one worker loading nginx, 20 users, {RUN_S} s runs, {ROUNDS} rounds alternating, median):"
        f" {cpu['bareCorePercent']:.2f} % of a core bare, {cpu['observedCorePercent']:.2f} % with etcd, the run's"
        f" record every 5 s and a scrape every 5 s: **{cpu['addedCorePercent']:+.2f} points** (goal ≤"
        f" {GOAL_CPU_PERCENT:g}).",
        "",
        "**p95** over two agents, a real Prometheus (`histogram_quantile(0.95, sum by (step, le) (...))` of the"
        " stopped run) against Locust's own:",
        "",
        "| step | requests | Locust p95 (ms) | Prometheus p95 (ms) | error (ms) | bucket width (ms) | error in buckets"
        " |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in p95["steps"]:
        lines.append(
            f"| {row['step']} | {row['requests']} | {row['locustP95Ms']} | {row['prometheusP95Ms']} |"
            f" {row['errorMs']} | {row['bucketWidthMs']:g} | {row['errorInBuckets']} |"
        )
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as directory:
        work = Path(directory)
        scrape = scrape_cost()
        print(f"scrape: {scrape}", flush=True)
        (work / "cpu").mkdir()
        cpu = cpu_rounds(work / "cpu")
        (work / "p95").mkdir()
        p95 = p95_agreement(work / "p95")
        print(f"p95: {p95}", flush=True)
    worst = max(row["errorInBuckets"] for row in p95["steps"])
    results = {
        "machine": machine(),
        "scrape": scrape,
        "cpu": cpu,
        "p95": p95,
        "comparisons": [
            {
                "measure": "scrape time, 100 steps, 20 pages (ms)",
                "ours": scrape["metricsMsMedian"],
                "peer": "GET /stats/requests (gauge exporters)",
                "peerValue": scrape["statsRequestsMsMedian"],
                "better": "lower",
            },
            {
                "measure": "master CPU added by scrapes and history (points of a core)",
                "ours": round(cpu["addedCorePercent"], 2),
                "peer": "the goal",
                "peerValue": GOAL_CPU_PERCENT,
                "better": "lower",
            },
            {
                "measure": "fleet p95 error, worst step (buckets)",
                "ours": worst,
                "peer": "the goal",
                "peerValue": 1,
                "better": "lower",
            },
        ],
    }
    write_results("metrics", results, report(results))


if __name__ == "__main__":
    main()
