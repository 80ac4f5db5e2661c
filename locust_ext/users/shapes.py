"""The plan's load shapes as Locust load shapes: step load (users added a step at a time) and stages (ramps)."""

from __future__ import annotations

import math
from typing import Any

from locust import LoadTestShape
from locust.runners import MasterRunner

from locust_ext.plan.validation import Plan
from locust_ext.proto import fleet_pb2
from locust_ext.users.calibration import CalibrationShape


class StepShape(LoadTestShape):
    """`usersPerStep` more users every `stepDurationS`, up to `maxUsers`, held until `-t` (or Stop)."""

    def __init__(self, step: fleet_pb2.StepLoad, run_time_s: float | None) -> None:
        super().__init__()
        self.step = step
        self.run_time_s = run_time_s

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        # A load shape replaces Locust's own run-time limit, so the shape keeps it.
        if self.run_time_s and elapsed >= self.run_time_s:
            return None
        steps = math.floor(elapsed / self.step.step_duration_s) + 1
        users = min(self.step.max_users, steps * self.step.users_per_step)
        # Each step's users start within its first second.
        return users, float(self.step.users_per_step)


class StagesShape(LoadTestShape):
    """Linear ramps, one after another, from the previous stage's users to each stage's; the run ends after the last."""

    def __init__(self, stages: list[fleet_pb2.Stage]) -> None:
        super().__init__()
        self.stages = stages

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        previous = 0
        for stage in self.stages:
            if elapsed < stage.duration_s:
                users = round(previous + (stage.users - previous) * elapsed / stage.duration_s)
                return users, max(1.0, abs(stage.users - previous) / stage.duration_s * 2)
            elapsed -= stage.duration_s
            previous = stage.users
        return None


def plan_shape(plan: Plan, environment: Any) -> LoadTestShape | None:
    """The plan's shape for this master or standalone process, or None for Locust's own user count."""
    load = plan.load
    if load.HasField("step"):
        return StepShape(load.step, getattr(environment.parsed_options, "run_time", None))
    if load.stages:
        return StagesShape(list(load.stages))
    if load.HasField("calibrate"):
        on_master = isinstance(environment.runner, MasterRunner)
        return CalibrationShape(plan.name, load.calibrate, environment.stats, on_master)
    return None
