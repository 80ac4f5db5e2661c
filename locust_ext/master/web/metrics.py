"""`GET <web base path>/metrics`: the run in Prometheus' text format, read from Locust's statistics when scraped.

Counters and histograms, not the gauges of averages other exporters publish: Prometheus can add histograms up
across agents and runs, and `histogram_quantile` over them agrees with Locust's own percentiles within a bucket,
since the bounds follow Locust's rounding of response times (exact below 100 ms, to 10 ms below 1 s, to 100 ms
below 10 s). Nothing is added to the request path: the collector reads what Locust keeps anyway. With --web-login,
a scrape needs `Authorization: Bearer <--fleet-metrics-token>`, which opens nothing else.
"""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Blueprint, Response, request
from locust.env import Environment
from locust.runners import MasterRunner
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from locust_ext.users.process import ProcessState, process_state
from locust_ext.users.thresholds import describe
from locust_ext.users.vitals import VITALS

LATENCY_BOUNDS_MS = (
    *range(1, 10),
    *range(10, 100, 5),
    *range(100, 1000, 50),
    *range(1000, 10000, 500),
    *range(10000, 60001, 5000),
)
# CLS has no unit; Locust's rows keep it x 1000. Good is <= 0.1, poor > 0.25 (web.dev).
CLS_BOUNDS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5)
_MILLISECOND_VITALS = ("TTFB", "FCP", "LCP")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# What a master knows of its fleet beyond Locust: each agent's record, and which agent each worker belongs to.
AgentsView = Callable[[], list[dict[str, Any]]]
WorkerOwners = Callable[[], dict[str, dict[str, Any]]]


class FleetCollector(Collector):
    def __init__(
        self, environment: Environment, agents: AgentsView | None = None, owners: WorkerOwners | None = None
    ) -> None:
        self.environment = environment
        self.agents = agents
        self.owners = owners

    def collect(self) -> Iterator[Metric]:
        state = process_state(self.environment)
        run = [state.run_id, state.plan.name if state.plan else ""]
        yield from self._requests(run)
        yield from self._vitals(run)
        yield from self._load(state)
        yield from self._processes()
        yield from self._thresholds(state, run)
        info = GaugeMetricFamily(
            "locust_fleet_run_info",
            "The run: its plan, the plan's revision, and its state",
            labels=[*_RUN, "revision", "state"],
        )
        runner = self.environment.runner
        info.add_metric([*run, str(state.plan_revision), runner.state if runner else "none"], 1)
        yield info

    def _requests(self, run: list[str]) -> Iterator[Metric]:
        labels = [*_RUN, "step", "method"]
        requests = CounterMetricFamily("locust_fleet_requests", "Requests completed, by step", labels=labels)
        failures = CounterMetricFamily("locust_fleet_failures", "Requests that failed, by step", labels=labels)
        duration = HistogramMetricFamily(
            "locust_fleet_request_duration_seconds", "Response times, by step", labels=labels
        )
        for (name, method), entry in sorted(self.environment.stats.entries.items()):
            if method in VITALS:
                continue
            values = [*run, name, method]
            requests.add_metric(values, entry.num_requests)
            failures.add_metric(values, entry.num_failures)
            buckets = _buckets(entry.response_times, LATENCY_BOUNDS_MS, 1000)
            duration.add_metric(values, buckets, entry.total_response_time / 1000)
        yield from (requests, failures, duration)

    def _vitals(self, run: list[str]) -> Iterator[Metric]:
        vitals = HistogramMetricFamily(
            "locust_fleet_web_vital_seconds", "TTFB, FCP and LCP of browser pages", labels=[*_RUN, "page", "vital"]
        )
        cls = HistogramMetricFamily(
            "locust_fleet_cls", "Cumulative Layout Shift of browser pages", labels=[*_RUN, "page"]
        )
        for (name, method), entry in sorted(self.environment.stats.entries.items()):
            if method in _MILLISECOND_VITALS:
                buckets = _buckets(entry.response_times, LATENCY_BOUNDS_MS, 1000)
                vitals.add_metric([*run, name, method], buckets, entry.total_response_time / 1000)
            elif method == "CLS":
                buckets = _buckets(entry.response_times, [bound * 1000 for bound in CLS_BOUNDS], 1000)
                cls.add_metric([*run, name], buckets, entry.total_response_time / 1000)
        yield from (vitals, cls)

    def _load(self, state: ProcessState) -> Iterator[Metric]:
        runner = self.environment.runner
        yield GaugeMetricFamily("locust_fleet_users", "Users running", value=runner.user_count if runner else 0)
        target = state.plan.load.target_rps if state.plan and state.plan.load.HasField("target_rps") else 0
        yield GaugeMetricFamily("locust_fleet_target_rps", "The plan's target request rate (0: none)", value=target)

    def _processes(self) -> Iterator[Metric]:
        runner = self.environment.runner
        workers = GaugeMetricFamily("locust_fleet_workers", "Locust workers, by state", labels=["state"])
        cpu = GaugeMetricFamily(
            "locust_fleet_worker_cpu_percent", "CPU of each Locust worker process", labels=["agent", "worker"]
        )
        if isinstance(runner, MasterRunner):
            owners = self.owners() if self.owners else {}
            for worker_state, count in sorted(Counter(node.state for node in runner.clients.values()).items()):
                workers.add_metric([worker_state], count)
            for node_id, node in sorted(runner.clients.items()):
                owner = owners.get(node_id, {})
                cpu.add_metric([owner.get("agent", ""), str(owner.get("index", node_id))], node.cpu_usage)
        elif runner is not None:
            cpu.add_metric(["", "0"], runner.current_cpu_usage)
        yield from (workers, cpu)
        if self.agents is not None:
            agents = GaugeMetricFamily("locust_fleet_agents", "Agents discovered in etcd, by state", labels=["state"])
            for agent_state, count in sorted(Counter(agent.get("state", "") for agent in self.agents()).items()):
                agents.add_metric([agent_state], count)
            yield agents

    def _thresholds(self, state: ProcessState, run: list[str]) -> Iterator[Metric]:
        held = GaugeMetricFamily(
            "locust_fleet_threshold_ok",
            "1 while a threshold of the plan holds, 0 once broken",
            labels=[*_RUN, "threshold"],
        )
        for verdict in state.thresholds.verdicts:
            held.add_metric([*run, describe(verdict.threshold)], 1 if verdict.held else 0)
        yield held


_RUN = ["run", "plan"]


def _buckets(counts: dict[int, int], bounds: Iterable[float], scale: float) -> list[tuple[str, float]]:
    """Cumulative buckets in Prometheus' form (`le` in seconds: `bounds` / `scale`, then +Inf) from Locust's counts
    per rounded response time."""
    ordered = sorted(counts.items())
    buckets: list[tuple[str, float]] = []
    cumulative, index = 0, 0
    for bound in bounds:
        while index < len(ordered) and ordered[index][0] <= bound:
            cumulative += ordered[index][1]
            index += 1
        buckets.append((_le(bound / scale), cumulative))
    buckets.append(("+Inf", sum(count for _, count in ordered)))
    return buckets


def _le(value: float) -> str:
    return f"{value:.6g}"


def create_metrics_blueprint(
    environment: Environment,
    base_path: str,
    token: str,
    login_required: bool,
    agents: AgentsView | None = None,
    owners: WorkerOwners | None = None,
) -> Blueprint:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FleetCollector(environment, agents, owners))
    blueprint = Blueprint("fleet_metrics", __name__, url_prefix=base_path)

    @blueprint.get("/metrics")
    def metrics() -> Any:
        if login_required and not _bearer_matches(token):
            answer = "a scrape needs Authorization: Bearer <the master's --fleet-metrics-token>\n"
            return Response(answer, 401, {"WWW-Authenticate": "Bearer"}, mimetype="text/plain")
        return Response(generate_latest(registry), 200, content_type=CONTENT_TYPE)

    return blueprint


def _bearer_matches(token: str) -> bool:
    sent = request.headers.get("Authorization", "")
    scheme, _, value = sent.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)
