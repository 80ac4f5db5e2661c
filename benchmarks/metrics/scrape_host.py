"""A Locust master whose statistics hold a plan's run (100 steps, 20 pages, 20 workers), scraped two ways.

Run by benchmarks/metrics/run.py in a process of its own (importing Locust patches the process with gevent). The
statistics are filled in (seeded, lognormal response times) rather than produced by load, so that both ways read
the same data: `GET /metrics` (this project: counters and histograms) and `GET /stats/requests` (Locust's JSON,
which existing exporters poll and turn into gauges). Requests are 2.1 s apart, past Locust's 2 s cache of
/stats/requests, so each pays for building its answer. Prints one JSON object.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
import urllib.request
from pathlib import Path

import gevent
from locust.argument_parser import parse_options
from locust.env import Environment
from locust.runners import WorkerNode

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import free_port  # noqa: E402
from locust_ext.locustfile import PlanBrowserUser, PlanHttpUser  # noqa: E402
from locust_ext.master.web.hooks import add_metrics  # noqa: E402
from locust_ext.master.web.metrics import LATENCY_BOUNDS_MS  # noqa: E402
from locust_ext.plan.validation import parse_plan  # noqa: E402
from locust_ext.users.process import process_state  # noqa: E402

STEPS, PAGES, WORKERS = 100, 20, 20
REQUESTS_PER_STEP, VIEWS_PER_PAGE = 2000, 200
SAMPLES = 8
SPACING_S = 2.1


def fill(environment: Environment) -> None:
    rng = random.Random(7)
    for step in range(STEPS):
        median = rng.uniform(5, 400)
        for _ in range(REQUESTS_PER_STEP):
            environment.stats.log_request("GET", f"step {step:03d}", int(rng.lognormvariate(0, 0.5) * median), 512)
    for page in range(PAGES):
        for vital, median in (("TTFB", 40), ("FCP", 300), ("LCP", 900), ("CLS", 50)):
            for _ in range(VIEWS_PER_PAGE):
                value = int(rng.lognormvariate(0, 0.4) * median)
                environment.stats.log_request(vital, f"journey: page {page:02d}", value, 0)


def timed_get(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        size = len(response.read())
    return (time.perf_counter() - started) * 1000, size


def main() -> None:
    options = parse_options(args=["-f", str(ROOT / "locust_ext" / "locustfile.py")])
    options.fleet_metrics_token = ""
    environment = Environment(user_classes=[PlanHttpUser, PlanBrowserUser], parsed_options=options)
    runner = environment.create_master_runner("127.0.0.1", free_port())
    for index in range(WORKERS):
        node = WorkerNode(f"worker-{index}")
        node.cpu_usage = 40 + index
        runner.clients[node.id] = node
    steps = [{"name": f"step {step:03d}", "url": f"/{step}"} for step in range(STEPS)]
    process_state(environment).plan = parse_plan({"name": "wide", "tasks": [{"name": "t", "steps": steps}]})
    process_state(environment).start_run()
    fill(environment)
    port = free_port()
    web_ui = environment.create_web_ui("127.0.0.1", port)
    add_metrics(environment)
    gevent.sleep(1)
    base = f"http://127.0.0.1:{port}"
    ours: list[tuple[float, int]] = []
    theirs: list[tuple[float, int]] = []
    for _ in range(SAMPLES):
        ours.append(timed_get(f"{base}/metrics"))
        gevent.sleep(SPACING_S)
        theirs.append(timed_get(f"{base}/stats/requests"))
        gevent.sleep(SPACING_S)
    web_ui.stop()
    runner.quit()
    result = {
        "steps": STEPS,
        "pages": PAGES,
        "workers": WORKERS,
        "buckets": len(LATENCY_BOUNDS_MS) + 1,
        "samples": SAMPLES,
        "metricsMsMedian": round(statistics.median(ms for ms, _ in ours), 1),
        "metricsBytes": ours[-1][1],
        "statsRequestsMsMedian": round(statistics.median(ms for ms, _ in theirs), 1),
        "statsRequestsBytes": theirs[-1][1],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
