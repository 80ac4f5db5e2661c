"""Calibration: each step measured from Locust's statistics, thresholds that break, the knee and the report."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from locust.env import Environment

from locust_ext.plan.validation import parse_plan
from locust_ext.users.calibration import CalibrationShape, calibration_updated, report_lines, requests_per_second
from locust_ext.users.shapes import plan_shape

pytestmark = pytest.mark.unit

P95_100 = {"metric": "P95_MS", "max": 100}


CHECKOUT = {"name": "checkout", "method": "POST", "url": "/checkout"}


class Run:
    """A calibration shape on a real Environment, its steps played by logging requests into Locust's statistics."""

    def __init__(self, environment: Environment, thresholds: list[dict[str, Any]], max_users: int = 20) -> None:
        calibrate = {"usersPerStep": 5, "stepDurationS": 10, "maxUsers": max_users, "thresholds": thresholds}
        plan = parse_plan(
            {
                "name": "shop",
                "tasks": [{"name": "t", "steps": [{"url": "/"}, {"name": "browse", "url": "/items"}, CHECKOUT]}],
                "load": {"calibrate": calibrate},
            }
        )
        shape = plan_shape(plan, environment)
        assert isinstance(shape, CalibrationShape)
        self.shape = shape
        self.stats = environment.stats
        self.index = 0

    def tick(self, elapsed_s: float) -> tuple[int, float] | None:
        self.shape.start_time = time.perf_counter() - elapsed_s
        return self.shape.tick()

    def step(self, requests: dict[tuple[str, str], tuple[int, int, int]], ramp: int = 0) -> tuple[int, float] | None:
        """Play one step: `ramp` slow requests while users start, then per row (requests, ms, failures) once settled.

        Returns what the shape asks for when the step ends (the next step's users, or None when it stops)."""
        start = self.index * 10
        self.tick(start)
        for _ in range(ramp):
            self.stats.log_request("GET", "list", 5000, 0)
        self.tick(start + self.shape.settle_s)
        for (method, name), (count, response_time, failures) in requests.items():
            for number in range(count):
                self.stats.log_request(method, name, response_time, 0)
                if number < failures:
                    self.stats.log_error(method, name, "assert STATUS EQ 200: got 503")
        self.index += 1
        return self.tick(self.index * 10)

    @property
    def result(self) -> dict[str, Any]:
        return self.shape.result


def fast(count: int = 40, name: str = "list") -> dict[tuple[str, str], tuple[int, int, int]]:
    return {("GET", name): (count, 20, 0)}


def slow(count: int = 40, name: str = "list") -> dict[tuple[str, str], tuple[int, int, int]]:
    return {("GET", name): (count, 500, 0)}


def test_users_step_up_until_a_threshold_breaks_and_the_step_before_is_the_knee(environment: Environment) -> None:
    run = Run(environment, [P95_100])
    assert run.tick(0) == (5, 5.0)
    assert run.step(fast()) == (10, 5.0)
    assert run.step(fast()) == (15, 5.0)
    assert run.step(slow()) is None
    result = run.result
    assert result["state"] == "knee"
    knee = result["knee"]
    assert knee["users"] == 10
    assert result["message"] == (
        f"knee found: 10 users held at {knee['rps']:g} req/s; 15 users broke: p95 of every step 500 ms > 100 ms"
    )
    assert [(step["users"], step["held"], step["broken"]) for step in result["steps"]] == [
        (5, True, []),
        (10, True, []),
        (15, False, ["p95 of every step 500 ms > 100 ms"]),
    ]
    assert result["finishedAt"] is not None
    assert run.tick(100) is None


def test_a_step_is_measured_from_when_it_settles_to_its_end(environment: Environment) -> None:
    run = Run(environment, [P95_100])
    run.step(fast(count=40), ramp=30)
    [step] = run.result["steps"]
    assert step["users"] == 5
    assert step["seconds"] == pytest.approx(8.0, abs=0.5)
    assert (step["requests"], step["failures"], step["p95Ms"], step["errorRatio"]) == (40, 0, 20, 0.0)
    assert step["held"] is True


def test_the_request_rate_of_a_step_is_its_requests_over_its_measured_seconds(environment: Environment) -> None:
    run = Run(environment, [P95_100])
    run.step(fast(count=40))
    [step] = run.result["steps"]
    assert step["rps"] == pytest.approx(step["requests"] / step["seconds"], abs=0.1)


def test_when_the_first_step_breaks_no_step_held(environment: Environment) -> None:
    run = Run(environment, [P95_100])
    assert run.step(slow()) is None
    assert run.result["state"] == "none-held"
    assert run.result["knee"] is None
    assert run.result["message"] == (
        "no step held: 5 users broke: p95 of every step 500 ms > 100 ms; start with fewer users per step"
    )


def test_when_every_step_holds_up_to_max_users_there_is_no_knee(environment: Environment) -> None:
    run = Run(environment, [P95_100], max_users=10)
    run.step(fast())
    assert run.step(fast()) is None
    result = run.result
    assert result["state"] == "no-knee"
    assert result["message"] == (
        f"no knee up to maxUsers: 10 users held at {result['knee']['rps']:g} req/s; raise maxUsers to look further"
    )


def test_the_error_ratio_breaks_above_its_maximum(environment: Environment) -> None:
    run = Run(environment, [{"metric": "ERROR_RATIO", "max": 0.05}])
    run.step({("GET", "list"): (40, 20, 1)})
    run.step({("GET", "list"): (40, 20, 4)})
    steps = run.result["steps"]
    assert [(step["failures"], step["errorRatio"], step["held"]) for step in steps] == [
        (1, 0.025, True),
        (4, 0.1, False),
    ]
    assert steps[1]["broken"] == ["error ratio of every step 0.1 > 0.05"]
    assert steps[1]["thresholds"] == {"ERROR_RATIO": {"*": 0.1}}


def test_a_threshold_on_one_step_ignores_the_other_rows(environment: Environment) -> None:
    run = Run(environment, [{"metric": "P95_MS", "step": "checkout", "max": 100}])
    run.step(slow(name="browse") | fast(name="checkout"))
    run.step(fast(name="browse") | {("POST", "checkout"): (40, 300, 0)})
    steps = run.result["steps"]
    assert [step["held"] for step in steps] == [True, False]
    assert steps[1]["broken"] == ["p95 of 'checkout' 300 ms > 100 ms"]


def test_a_threshold_whose_rows_completed_nothing_breaks(environment: Environment) -> None:
    run = Run(environment, [{"metric": "P95_MS", "step": "checkout", "max": 100}])
    assert run.step(fast(name="browse")) is None
    [step] = run.result["steps"]
    [broken] = step["broken"]
    assert re.fullmatch(r"p95 of 'checkout': nothing completed in the step's measured [78]\.\d s", broken)


def test_web_vitals_rows_count_for_lcp_and_not_as_requests(environment: Environment) -> None:
    run = Run(environment, [{"metric": "LCP_P75_MS", "max": 2000}, P95_100])
    run.step(fast() | {("LCP", "buy: GOTO /shop"): (8, 1500, 0), ("FCP", "buy: GOTO /shop"): (8, 900, 0)})
    run.step(fast() | {("LCP", "buy: GOTO /shop"): (8, 2500, 0)})
    steps = run.result["steps"]
    assert [(step["requests"], step["lcpP75Ms"], step["p95Ms"]) for step in steps] == [(40, 1500, 20), (40, 2500, 20)]
    assert steps[1]["broken"] == ["LCP p75 of every page 2500 ms > 2000 ms"]


def test_a_run_stopped_by_hand_keeps_what_held(environment: Environment) -> None:
    run = Run(environment, [P95_100])
    run.step(fast())
    run.shape.stopped()
    result = run.result
    assert result["state"] == "stopped"
    assert result["message"] == f"stopped before a threshold broke: 5 users held at {result['knee']['rps']:g} req/s"
    assert run.tick(15) is None


def test_a_run_stopped_before_any_step_says_so(environment: Environment) -> None:
    run = Run(environment, [P95_100])
    run.shape.stopped()
    assert run.result["message"] == "stopped before a threshold broke"


def test_every_measured_step_and_the_end_are_announced_and_a_new_run_starts_afresh(environment: Environment) -> None:
    announced: list[tuple[str, int]] = []

    def listen(result: dict[str, Any], **_kwargs: Any) -> None:
        announced.append((result["state"], len(result["steps"])))

    calibration_updated.add_listener(listen)
    try:
        run = Run(environment, [P95_100])
        run.step(fast())
        run.step(slow())
        run.shape.reset_time()
    finally:
        calibration_updated.remove_listener(listen)
    assert announced == [("running", 1), ("knee", 2), ("running", 0)]
    assert run.result["message"] == "measuring the first step"
    assert run.tick(0) == (5, 5.0)


def test_on_a_master_a_step_settles_longer_for_the_workers_reports() -> None:
    environment = Environment()
    runner = environment.create_master_runner("127.0.0.1", 0)
    try:
        run = Run(environment, [P95_100])
        run.step(fast())
    finally:
        runner.quit()
    assert run.result["steps"][0]["seconds"] == pytest.approx(5.0, abs=0.5)


def test_requests_per_second_counts_the_step_rows_completed_in_those_seconds(environment: Environment) -> None:
    stats = environment.stats
    first = int(time.time())
    for _ in range(30):
        stats.log_request("GET", "list", 10, 0)
        stats.log_request("LCP", "buy: GOTO /", 900, 0)
    last = int(time.time())
    seconds = last + 1 - first
    assert requests_per_second(stats, first, last + 1) == pytest.approx(30 / seconds)
    assert requests_per_second(stats, last + 1, last + 3) == 0.0
    assert requests_per_second(stats, first, first) is None


def test_the_report_is_a_table_of_every_step() -> None:
    result = {
        "plan": "busy-knee",
        "message": "knee found: 15 users held at 235.4 req/s; 20 users broke: p95 of every step 100 ms > 80 ms",
        "steps": [
            {"users": 5, "rps": 94.3, "p95Ms": 53, "errorRatio": 0.0, "lcpP75Ms": None, "held": True, "broken": []},
            {
                "users": 15,
                "rps": 235.44,
                "p95Ms": 64,
                "errorRatio": 0.0123,
                "lcpP75Ms": 1800,
                "held": True,
                "broken": [],
            },
            {
                "users": 20,
                "rps": 198.3,
                "p95Ms": None,
                "errorRatio": None,
                "lcpP75Ms": None,
                "held": False,
                "broken": ["p95 of every step 100 ms > 80 ms", "error ratio of every step 0.2 > 0.01"],
            },
        ],
    }
    assert report_lines(result) == [
        "Calibration of busy-knee: knee found: 15 users held at 235.4 req/s; "
        "20 users broke: p95 of every step 100 ms > 80 ms",
        "  users     req/s   p95 ms   errors  LCP p75  verdict",
        "      5      94.3       53    0.00%        -  held",
        "     15     235.4       64    1.23%     1800  held",
        "     20     198.3        -        -        -  "
        "broke: p95 of every step 100 ms > 80 ms; error ratio of every step 0.2 > 0.01",
    ]
