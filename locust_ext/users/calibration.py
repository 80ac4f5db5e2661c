"""Find the knee: step the users up until a threshold breaks, then stop and report the last step that held.

A calibration is a Locust load shape. Each step is measured from Locust's statistics between two snapshots,
taken once the step has settled and when it ends; response-time percentiles come from the difference of the
rows' response-time histograms, so a step's figures are its own, not the run's so far. The request rate comes
from the rows' counts per second of completion, which workers report with their requests.
"""

from __future__ import annotations

import datetime
import logging
import math
import time
from typing import Any

from locust import LoadTestShape
from locust.event import EventHook
from locust.stats import RequestStats

from locust_ext.plan.schema import enum_json
from locust_ext.proto import fleet_pb2
from locust_ext.users.thresholds import Metric, Snapshot, evaluate, snapshot, window
from locust_ext.users.vitals import VITALS
from locust_ext.wire.records import record_json

logger = logging.getLogger(__name__)

# Fired with `result` (see CalibrationShape.result) after each measured step, and when the calibration ends.
calibration_updated = EventHook()

_State = fleet_pb2.CalibrationResult.State
# How results spell their states (the proto's `json_value`s): "running", "knee", "no-knee", "none-held", "stopped".
RUNNING, KNEE, NO_KNEE, NONE_HELD, STOPPED = (
    enum_json(_State.DESCRIPTOR, state)
    for state in (_State.RUNNING, _State.KNEE, _State.NO_KNEE, _State.NONE_HELD, _State.STOPPED)
)
# A step's first seconds are left out: its users are still starting. A master's statistics arrive in worker
# reports every 3 s, so it waits for one report more, and the last seconds of a step are not reported yet
# when it ends: its request rate is taken over the seconds whose reports are in.
SETTLE_S = 2.0
MASTER_SETTLE_S = 5.0
MASTER_REPORT_LAG_S = 4


def requests_per_second(stats: RequestStats, from_s: int, to_s: int) -> float | None:
    """Step rows' requests completed in the wall-clock seconds [from_s, to_s), per second."""
    if to_s <= from_s:
        return None
    counted = sum(
        entry.num_reqs_per_sec.get(second, 0)
        for (_, method), entry in stats.entries.items()
        if method not in VITALS
        for second in range(from_s, to_s)
    )
    return counted / (to_s - from_s)


def measure_step(
    calibration: fleet_pb2.Calibration,
    users: int,
    seconds: float,
    before: Snapshot,
    after: Snapshot,
    rps: float | None,
) -> dict[str, Any]:
    """One step's figures and the thresholds it broke (as sentences)."""
    steps = window(before, after, None, "")
    if rps is None:
        rps = steps.requests / seconds if seconds > 0 else 0.0
    broken: list[str] = []
    figures: dict[str, Any] = {}
    for threshold in calibration.thresholds:
        verdict = evaluate(threshold, before, after, seconds, "the step's measured", round(rps, 1))
        figures.setdefault(Metric.Name(threshold.metric), {})[threshold.step or "*"] = verdict.value
        if verdict.problem is not None:
            broken.append(verdict.problem)
    lcp = window(before, after, "LCP", "")
    step = fleet_pb2.CalibrationStep(
        users=users,
        seconds=round(seconds, 2),
        requests=steps.requests,
        failures=steps.failures,
        rps=round(rps, 1),
        p95_ms=steps.percentile(0.95),
        error_ratio=round(steps.failures / steps.requests, 4) if steps.requests else None,
        lcp_p75_ms=lcp.percentile(0.75),
        held=not broken,
        broken=broken,
    )
    step.thresholds.update(figures)
    return record_json(step)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class CalibrationShape(LoadTestShape):
    """`usersPerStep` more users each `stepDurationS`, each step measured, until a threshold breaks or maxUsers held."""

    def __init__(
        self, plan_name: str, calibration: fleet_pb2.Calibration, stats: RequestStats, on_master: bool
    ) -> None:
        super().__init__()
        self.plan_name = plan_name
        self.calibration = calibration
        self.stats = stats
        self.settle_s = min(MASTER_SETTLE_S if on_master else SETTLE_S, calibration.step_duration_s / 2)
        self.report_lag_s = MASTER_REPORT_LAG_S if on_master else 0
        self._start_new_run()

    def _start_new_run(self) -> None:
        self.step_index = 0
        self.measured_from: tuple[float, dict] | None = None
        self.step_started_at = time.time()
        self.result: dict[str, Any] = record_json(
            fleet_pb2.CalibrationResult(
                plan=self.plan_name,
                state=_State.RUNNING,
                message="measuring the first step",
                started_at=_now(),
                calibrate=self.calibration,
            )
        )

    def reset_time(self) -> None:
        # Locust calls this when a run starts: a new calibration.
        super().reset_time()
        self._start_new_run()
        calibration_updated.fire(result=self.result)

    def users_at(self, index: int) -> int:
        return min(self.calibration.max_users, (index + 1) * self.calibration.users_per_step)

    def tick(self) -> tuple[int, float] | None:
        if self.result["state"] != RUNNING:
            return None
        elapsed = self.get_run_time()
        duration = self.calibration.step_duration_s
        if elapsed >= (self.step_index + 1) * duration and self._end_step(elapsed):
            return None
        into_step = elapsed - self.step_index * duration
        if self.measured_from is None and into_step >= self.settle_s:
            self.measured_from = (elapsed, snapshot(self.stats))
        return self.users_at(self.step_index), float(self.calibration.users_per_step)

    def _end_step(self, elapsed: float) -> bool:
        """Measure the step that just ended; True when the calibration is over."""
        users = self.users_at(self.step_index)
        started, before = self.measured_from or (elapsed, snapshot(self.stats))
        # Whole seconds from when the step's users had started (SETTLE_S) to those reported by now.
        rate_from = math.ceil(self.step_started_at + SETTLE_S)
        rps = requests_per_second(self.stats, rate_from, math.floor(time.time()) - self.report_lag_s)
        step = measure_step(self.calibration, users, elapsed - started, before, snapshot(self.stats), rps)
        self.result["steps"].append(step)
        logger.info(
            "calibration step %d: %d users, %.1f req/s, p95 %s ms, %s",
            self.step_index + 1,
            users,
            step["rps"],
            step["p95Ms"],
            "held" if step["held"] else "broke: " + "; ".join(step["broken"]),
        )
        if not step["held"]:
            self._finish(KNEE if self.result["knee"] else NONE_HELD)
        else:
            self.result["knee"] = record_json(fleet_pb2.CalibrationKnee(users=users, rps=step["rps"]))
            if users >= self.calibration.max_users:
                self._finish(NO_KNEE)
        if self.result["state"] != RUNNING:
            return True
        self.step_index += 1
        self.measured_from = None
        self.step_started_at = time.time()
        held = len(self.result["steps"])
        self.result["message"] = f"{held} step(s) held; measuring {self.users_at(self.step_index)} users"
        calibration_updated.fire(result=self.result)
        return False

    def stopped(self) -> None:
        """The run was stopped before the calibration ended (by a person, or Locust's -t)."""
        self._finish(STOPPED)

    def _finish(self, state: str) -> None:
        if self.result["state"] != RUNNING:
            return
        self.result["state"] = state
        self.result["finishedAt"] = _now()
        self.result["message"] = _conclusion(self.result)
        calibration_updated.fire(result=self.result)


def _conclusion(result: dict[str, Any]) -> str:
    knee, steps = result["knee"], result["steps"]
    held = f"{knee['users']} users held at {knee['rps']:g} req/s" if knee else ""
    last = steps[-1] if steps else None
    broke = f"{last['users']} users broke: {'; '.join(last['broken'])}" if last and not last["held"] else ""
    if result["state"] == KNEE:
        return f"knee found: {held}; {broke}"
    if result["state"] == NONE_HELD:
        return f"no step held: {broke}; start with fewer users per step"
    if result["state"] == NO_KNEE:
        return f"no knee up to maxUsers: {held}; raise maxUsers to look further"
    return f"stopped before a threshold broke{': ' + held if held else ''}"


def report_lines(result: dict[str, Any]) -> list[str]:
    """The calibration as a table, for the end of a headless run."""
    lines = [f"Calibration of {result['plan']}: {result['message']}"]
    lines.append(f"{'users':>7} {'req/s':>9} {'p95 ms':>8} {'errors':>8} {'LCP p75':>8}  verdict")
    for step in result["steps"]:
        errors = "-" if step["errorRatio"] is None else f"{step['errorRatio']:.2%}"
        verdict = "held" if step["held"] else "broke: " + "; ".join(step["broken"])
        lcp = "-" if step["lcpP75Ms"] is None else step["lcpP75Ms"]
        p95 = "-" if step["p95Ms"] is None else step["p95Ms"]
        lines.append(f"{step['users']:>7} {step['rps']:>9.1f} {p95:>8} {errors:>8} {lcp:>8}  {verdict}")
    return lines
