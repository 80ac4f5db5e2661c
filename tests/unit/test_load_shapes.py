"""The plan's step and stages load shapes: the users and spawn rate each tick asks Locust for, over the run."""

from __future__ import annotations

import time
from argparse import Namespace
from collections.abc import Iterator
from typing import Any

import pytest
from locust import LoadTestShape, User
from locust.env import Environment

from locust_ext.plan.validation import parse_plan
from locust_ext.users.calibration import CalibrationShape
from locust_ext.users.shapes import StagesShape, StepShape, plan_shape

pytestmark = pytest.mark.unit


def plan_with_load(load: dict[str, Any]) -> Any:
    return parse_plan({"name": "shaped", "tasks": [{"name": "t", "steps": [{"url": "/"}]}], "load": load})


def tick_at(
    shape: LoadTestShape, elapsed_s: float
) -> tuple[int, float] | tuple[int, float, list[type[User]] | None] | None:
    """The shape's tick as if the run had started `elapsed_s` seconds ago."""
    shape.start_time = time.perf_counter() - elapsed_s
    return shape.tick()


@pytest.fixture
def environment() -> Iterator[Environment]:
    environment = Environment(parsed_options=Namespace(run_time=300))
    runner = environment.create_local_runner()
    try:
        yield environment
    finally:
        runner.quit()


STEP = {"usersPerStep": 10, "stepDurationS": 60, "maxUsers": 35}


@pytest.mark.parametrize(
    ("elapsed", "users"), [(0, 10), (59.5, 10), (60.5, 20), (119.5, 20), (120.5, 30), (180.5, 35), (299.5, 35)]
)
def test_a_step_load_adds_users_each_step_up_to_its_maximum(
    environment: Environment, elapsed: float, users: int
) -> None:
    shape = plan_shape(plan_with_load({"step": STEP}), environment)
    assert isinstance(shape, StepShape)
    assert tick_at(shape, elapsed) == (users, 10.0)


def test_a_step_load_keeps_locusts_run_time(environment: Environment) -> None:
    shape = plan_shape(plan_with_load({"step": STEP}), environment)
    assert shape is not None
    assert tick_at(shape, 300.5) is None


def test_a_step_load_without_a_run_time_holds_its_maximum() -> None:
    shape = plan_shape(plan_with_load({"step": STEP}), Environment(parsed_options=Namespace(run_time=None)))
    assert shape is not None
    assert tick_at(shape, 100_000) == (35, 10.0)


STAGES = [{"durationS": 60, "users": 50}, {"durationS": 300, "users": 50}, {"durationS": 30, "users": 0}]


@pytest.mark.parametrize(
    ("elapsed", "users", "rate"),
    [
        (0, 0, 50 / 60 * 2),
        (30, 25, 50 / 60 * 2),
        (59.5, 50, 50 / 60 * 2),
        (60.5, 50, 1.0),
        (359.5, 50, 1.0),
        (375, 25, 50 / 30 * 2),
        (389.5, 1, 50 / 30 * 2),
    ],
)
def test_stages_ramp_linearly_from_one_stage_to_the_next(
    environment: Environment, elapsed: float, users: int, rate: float
) -> None:
    shape = plan_shape(plan_with_load({"stages": STAGES}), environment)
    assert isinstance(shape, StagesShape)
    ticked = tick_at(shape, elapsed)
    assert ticked is not None
    assert ticked[0] == users
    assert ticked[1] == pytest.approx(rate)


def test_stages_end_the_run_after_the_last_one(environment: Environment) -> None:
    shape = plan_shape(plan_with_load({"stages": STAGES}), environment)
    assert shape is not None
    assert tick_at(shape, 390.5) is None


def test_a_slow_ramp_spawns_at_least_one_user_per_second(environment: Environment) -> None:
    shape = plan_shape(plan_with_load({"stages": [{"durationS": 600, "users": 10}]}), environment)
    assert shape is not None
    assert tick_at(shape, 60) == (1, 1.0)


def test_a_plan_without_a_shape_leaves_the_user_count_to_locust(environment: Environment) -> None:
    assert plan_shape(plan_with_load({"targetRps": 50}), environment) is None
    assert plan_shape(plan_with_load({}), environment) is None


def test_a_calibration_is_a_shape_too(environment: Environment) -> None:
    calibrate = {"usersPerStep": 4, "stepDurationS": 10, "maxUsers": 8, "thresholds": [{"metric": "P95_MS", "max": 50}]}
    shape = plan_shape(plan_with_load({"calibrate": calibrate}), environment)
    assert isinstance(shape, CalibrationShape)
    assert tick_at(shape, 0) == (4, 4.0)
