"""/metrics: Locust's statistics as Prometheus counters and histograms, and the scrape's bearer token."""

from __future__ import annotations

import pytest
from flask import Flask
from locust.env import Environment
from locust.stats import calculate_response_time_percentile
from prometheus_client.parser import text_string_to_metric_families

from locust_ext.master.web.metrics import LATENCY_BOUNDS_MS, create_metrics_blueprint
from locust_ext.plan.validation import parse_plan
from locust_ext.users.process import process_state

pytestmark = pytest.mark.unit

PLAN = {
    "name": "shop",
    "tasks": [{"name": "t", "steps": [{"name": "browse", "url": "/"}, {"name": "pay", "url": "/pay"}]}],
    "thresholds": [{"metric": "P95_MS", "step": "pay", "max": 100}],
    "load": {"targetRps": 50},
}
TOKEN = "scrape-token-0123456789"


@pytest.fixture
def environment(environment: Environment) -> Environment:
    """The unit layer's Environment, running PLAN with its thresholds watched, a run started."""
    state = process_state(environment)
    state.plan = parse_plan(PLAN)
    state.thresholds.attach(environment)
    state.thresholds.set(state.plan.thresholds)
    environment.events.test_start.add_listener(lambda **_kwargs: state.start_run())
    environment.events.test_start.fire(environment=environment)
    return environment


def scrape(environment: Environment, headers: dict[str, str] | None = None, login: bool = False) -> tuple[int, str]:
    app = Flask(__name__)
    app.register_blueprint(create_metrics_blueprint(environment, "", TOKEN, login))
    response = app.test_client().get("/metrics", headers=headers or {})
    return response.status_code, response.get_data(as_text=True)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted((key, value) for key, value in sample.labels.items() if key not in ("run", "plan")))
            found[(sample.name, labels)] = sample.value
    return found


def test_requests_and_failures_are_counters_by_step(environment: Environment) -> None:
    for _ in range(7):
        environment.stats.log_request("GET", "browse", 12, 100)
    environment.stats.log_request("GET", "pay", 340, 10)
    environment.stats.log_error("GET", "pay", "assert STATUS EQ 200: got 503")
    status, text = scrape(environment)
    assert status == 200
    found = samples(text)
    assert found[("locust_fleet_requests_total", (("method", "GET"), ("step", "browse")))] == 7
    assert found[("locust_fleet_failures_total", (("method", "GET"), ("step", "pay")))] == 1
    assert found[("locust_fleet_users", ())] == 0
    assert found[("locust_fleet_target_rps", ())] == 50


def test_the_run_and_plan_label_every_series_of_the_run(environment: Environment) -> None:
    environment.stats.log_request("GET", "browse", 12, 100)
    run_id = process_state(environment).run_id
    assert run_id.startswith("shop-")
    _, text = scrape(environment)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if family.name.startswith(("locust_fleet_requests", "locust_fleet_request_duration")):
                assert (sample.labels["run"], sample.labels["plan"]) == (run_id, "shop")
    assert f'locust_fleet_run_info{{plan="shop",revision="0",run="{run_id}",state="ready"}} 1.0' in text


def histogram_quantile(quantile: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus' histogram_quantile: linear within the bucket the rank falls in."""
    total = buckets[-1][1]
    rank = quantile * total
    lower, below = 0.0, 0.0
    for bound, cumulative in buckets:
        if cumulative >= rank:
            return lower + (bound - lower) * (rank - below) / (cumulative - below)
        lower, below = bound, cumulative
    return lower


@pytest.mark.parametrize("spread", [(3, 9), (40, 160), (150, 2600), (900, 30000)])
def test_the_histogram_agrees_with_locusts_own_p95_within_a_bucket(
    environment: Environment, spread: tuple[int, int]
) -> None:
    low, high = spread
    for index in range(400):
        environment.stats.log_request("GET", "browse", low + (high - low) * (index % 97) // 96, 10)
    _, text = scrape(environment)
    [family] = [family for family in text_string_to_metric_families(text) if family.name.endswith("duration_seconds")]
    buckets = sorted(
        (float(sample.labels["le"]), sample.value)
        for sample in family.samples
        if sample.name.endswith("_bucket") and sample.labels["le"] != "+Inf"
    )
    entry = environment.stats.get("browse", "GET")
    locust_p95 = calculate_response_time_percentile(entry.response_times, entry.num_requests, 0.95)
    estimate_ms = histogram_quantile(0.95, buckets) * 1000
    bound_index = next(index for index, bound in enumerate(LATENCY_BOUNDS_MS) if bound >= locust_p95)
    width = LATENCY_BOUNDS_MS[bound_index] - (LATENCY_BOUNDS_MS[bound_index - 1] if bound_index else 0)
    assert abs(estimate_ms - locust_p95) <= width, (estimate_ms, locust_p95, width)


def test_each_threshold_shows_whether_it_holds(environment: Environment) -> None:
    environment.stats.log_request("GET", "pay", 340, 10)
    process_state(environment).thresholds.check()
    _, text = scrape(environment)
    assert samples(text)[("locust_fleet_threshold_ok", (("threshold", "P95_MS of 'pay' <= 100"),))] == 0


def test_with_a_login_a_scrape_needs_the_bearer_token(environment: Environment) -> None:
    assert scrape(environment, login=True)[0] == 401
    assert scrape(environment, {"Authorization": "Bearer not-the-token"}, login=True)[0] == 401
    status, text = scrape(environment, {"Authorization": f"Bearer {TOKEN}"}, login=True)
    assert status == 200 and "locust_fleet_requests_total" in text
