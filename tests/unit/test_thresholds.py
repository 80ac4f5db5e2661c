"""A plan's thresholds: what the plan check refuses, and each figure over a run's statistics against its bounds."""

from __future__ import annotations

from typing import Any

import pytest
from locust.env import Environment

from locust_ext.plan.validation import PlanError, parse_plan
from locust_ext.users.thresholds import RunThresholds, describe

pytestmark = pytest.mark.unit

STEPS = [{"name": "browse", "url": "/items"}, {"name": "checkout", "method": "POST", "url": "/checkout"}, {"url": "/"}]
JOURNEY = {"name": "read", "steps": [{"action": "GOTO", "url": "/article"}, {"action": "CLICK", "selector": "#more"}]}


def plan(*thresholds: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": "shop", "tasks": [{"name": "t", "steps": STEPS}], "thresholds": list(thresholds), **fields}


def issues(data: dict[str, Any]) -> list[str]:
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    return [f"{issue.path}: {issue.message}" for issue in caught.value.issues]


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        ({"metric": "P95_MS"}, "thresholds[0]: expected max, min or both: the bounds within which the figure holds"),
        ({"metric": "RPS", "min": 10, "max": 5}, "thresholds[0].min: expected at most max (5), got 10"),
        ({"metric": "ERROR_RATIO", "max": 5}, "thresholds[0].max: expected a ratio from 0 to 1 for ERROR_RATIO, got 5"),
        (
            {"metric": "P95_MS", "max": 1, "abortGraceS": -1},
            "thresholds[0].abortGraceS: expected a number >= 0, got -1",
        ),
        (
            {"metric": "P95_MS", "step": "pay", "max": 800},
            "thresholds[0].step: no step is named 'pay'; the plan has 'GET /', 'browse', 'checkout'",
        ),
    ],
)
def test_a_threshold_that_cannot_hold_a_meaning_is_refused_with_its_path(
    threshold: dict[str, Any], expected: str
) -> None:
    assert issues(plan(threshold)) == [expected]


def test_an_unknown_metric_is_refused_with_the_known_ones() -> None:
    [issue] = issues(plan({"metric": "P42_MS", "max": 1}))
    assert issue.startswith("thresholds[0].metric: ") and "P95_MS" in issue and "RPS" in issue, issue


def test_an_lcp_threshold_names_a_page_as_journey_and_step() -> None:
    journeys = {"journeys": [JOURNEY]}
    parse_plan(plan({"metric": "LCP_P75_MS", "step": "read: GOTO /article", "max": 2500}, **journeys))
    [issue] = issues(plan({"metric": "LCP_P75_MS", "step": "GOTO /article", "max": 2500}, **journeys))
    assert issue == (
        "thresholds[0].step: no page ('<journey>: <step>') is named 'GOTO /article'; "
        "the plan has 'read: CLICK #more', 'read: GOTO /article'"
    )


def test_a_calibration_threshold_cannot_end_the_run() -> None:
    threshold = {"metric": "P95_MS", "max": 100, "abortOnFail": True}
    calibrate = {"usersPerStep": 5, "stepDurationS": 10, "maxUsers": 20, "thresholds": [threshold]}
    [issue] = issues(plan(load={"calibrate": calibrate}))
    assert issue.startswith("load.calibrate.thresholds[0].abortOnFail: a calibration's thresholds end a step")


def run_thresholds(environment: Environment, *thresholds: dict[str, Any]) -> RunThresholds:
    watched = RunThresholds()
    watched.attach(environment)
    watched.set(parse_plan(plan(*thresholds)).thresholds)
    environment.events.test_start.fire(environment=environment)
    return watched


def log(environment: Environment, name: str, count: int, ms: int, failures: int = 0) -> None:
    for number in range(count):
        environment.stats.log_request("GET", name, ms, 0)
        if number < failures:
            environment.stats.log_error("GET", name, "assert STATUS EQ 200: got 503")


def test_each_figure_is_taken_over_the_whole_run_and_held_within_its_bounds(environment: Environment) -> None:
    watched = run_thresholds(
        environment,
        {"metric": "P95_MS", "step": "checkout", "max": 800},
        {"metric": "P50_MS", "max": 100},
        {"metric": "P99_MS", "step": "browse", "max": 100},
        {"metric": "ERROR_RATIO", "max": 0.01},
        {"metric": "RPS", "min": 1e9},
    )
    log(environment, "browse", 98, 20, failures=1)
    log(environment, "browse", 2, 300, failures=2)
    log(environment, "checkout", 100, 600)
    environment.events.test_stop.fire(environment=environment)
    verdicts = {describe(verdict.threshold): verdict for verdict in watched.verdicts}
    rate = verdicts.pop("RPS >= 1e+09")
    assert {name: verdict.value for name, verdict in verdicts.items()} == {
        "P95_MS of 'checkout' <= 800": 600,
        "P50_MS <= 100": 600,
        "P99_MS of 'browse' <= 100": 300,
        "ERROR_RATIO <= 0.01": 0.015,
    }
    assert [describe(verdict.threshold) for verdict in watched.broken] == [
        "P50_MS <= 100",
        "P99_MS of 'browse' <= 100",
        "ERROR_RATIO <= 0.01",
        "RPS >= 1e+09",
    ]
    assert verdicts["P50_MS <= 100"].problem == "p50 of every step 600 ms > 100 ms"
    assert verdicts["ERROR_RATIO <= 0.01"].problem == "error ratio of every step 0.015 > 0.01"
    # 200 requests over the moments the test took: a rate, far below a billion a second.
    assert rate.value is not None and rate.value > 0
    assert rate.problem == f"rate of every step {rate.value:g} req/s < 1e+09 req/s"


def test_a_threshold_on_a_step_that_completed_nothing_breaks_and_says_so(environment: Environment) -> None:
    watched = run_thresholds(environment, {"metric": "P95_MS", "step": "checkout", "max": 800})
    log(environment, "browse", 10, 20)
    environment.events.test_stop.fire(environment=environment)
    [verdict] = watched.broken
    assert verdict.value is None
    assert verdict.problem is not None
    assert verdict.problem.startswith("p95 of 'checkout': nothing completed in the run's")


def test_the_report_names_each_threshold_with_its_figure(environment: Environment) -> None:
    watched = run_thresholds(environment, {"metric": "P95_MS", "max": 800}, {"metric": "ERROR_RATIO", "max": 0})
    log(environment, "browse", 10, 20, failures=1)
    environment.events.test_stop.fire(environment=environment)
    assert watched.report_lines() == [
        "Thresholds: 1 of 2 broken",
        "  P95_MS <= 800: 20, held",
        "  ERROR_RATIO <= 0: 0.1, BROKEN: error ratio of every step 0.1 > 0",
    ]
