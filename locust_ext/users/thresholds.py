"""Thresholds: one figure of Locust's statistics (a step's p95, the error ratio, the rate, pages' LCP p75) against
a max, a min or both.

A figure is taken over a window between two snapshots of the statistics: a calibration step's window, or the
whole run's (from an empty snapshot). Percentiles come from the rows' response-time histograms, so a window's
figures are its own, not the run's so far.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import gevent
from locust.env import Environment
from locust.stats import RequestStats, calculate_response_time_percentile, diff_response_time_dicts

from locust_ext.proto import fleet_pb2
from locust_ext.users.vitals import VITALS
from locust_ext.wire.records import record_json

logger = logging.getLogger(__name__)
Metric = fleet_pb2.Threshold.Metric
_PERCENTILES = {Metric.P50_MS: 0.5, Metric.P95_MS: 0.95, Metric.P99_MS: 0.99}
_UNITS = {Metric.ERROR_RATIO: "", Metric.RPS: " req/s"}


@dataclass(slots=True)
class Row:
    requests: int
    failures: int
    response_times: dict[int, int]


Snapshot = dict[tuple[str, str], Row]


def snapshot(stats: RequestStats) -> Snapshot:
    return {
        key: Row(entry.num_requests, entry.num_failures, dict(entry.response_times))
        for key, entry in stats.entries.items()
    }


@dataclass(slots=True)
class Window:
    """What the rows chosen by a threshold did between two snapshots."""

    requests: int = 0
    failures: int = 0
    response_times: dict[int, int] = field(default_factory=dict)

    def add(self, before: Row | None, after: Row) -> None:
        self.requests += after.requests - (before.requests if before else 0)
        self.failures += after.failures - (before.failures if before else 0)
        times = after.response_times
        if before:
            times = diff_response_time_dicts(times, before.response_times)
        for bucket, count in times.items():
            self.response_times[bucket] = self.response_times.get(bucket, 0) + count

    def percentile(self, percent: float) -> int | None:
        counted = sum(self.response_times.values())
        return calculate_response_time_percentile(self.response_times, counted, percent) if counted else None


def window(before: Snapshot, after: Snapshot, vital: str | None, name: str) -> Window:
    """Step rows (`vital` None) or the rows of one vital, all of them or the one named `name`."""
    chosen_rows = Window()
    for (row_name, method), row in after.items():
        chosen = method == vital if vital else method not in VITALS
        if chosen and (not name or row_name == name):
            chosen_rows.add(before.get((row_name, method)), row)
    return chosen_rows


@dataclass(frozen=True, slots=True)
class Verdict:
    """A threshold over a window: its figure (None: nothing completed), what it measured, and why it broke."""

    threshold: fleet_pb2.Threshold
    value: float | None
    what: str
    problem: str | None

    @property
    def held(self) -> bool:
        return self.problem is None


def evaluate(
    threshold: fleet_pb2.Threshold,
    before: Snapshot,
    after: Snapshot,
    seconds: float,
    span: str,
    rps: float | None = None,
) -> Verdict:
    """The threshold over the window from `before` to `after`, which is `span` ("the run's"), `seconds` long
    (`rps`: the rate, when known better than the window's requests over its seconds)."""
    value, what = _figure(threshold, before, after, seconds, rps)
    unit = _UNITS.get(threshold.metric, " ms")
    problem = None
    if value is None:
        problem = f"{what}: nothing completed in {span} {seconds:.1f} s"
    elif threshold.HasField("max") and value > threshold.max:
        problem = f"{what} {value:g}{unit} > {threshold.max:g}{unit}"
    elif threshold.HasField("min") and value < threshold.min:
        problem = f"{what} {value:g}{unit} < {threshold.min:g}{unit}"
    return Verdict(threshold, value, what, problem)


def _figure(
    threshold: fleet_pb2.Threshold, before: Snapshot, after: Snapshot, seconds: float, rps: float | None
) -> tuple[float | None, str]:
    scope = f"'{threshold.step}'" if threshold.step else ""
    if threshold.metric == Metric.LCP_P75_MS:
        return window(before, after, "LCP", threshold.step).percentile(0.75), f"LCP p75 of {scope or 'every page'}"
    steps = window(before, after, None, threshold.step)
    scope = scope or "every step"
    if threshold.metric == Metric.ERROR_RATIO:
        return (steps.failures / steps.requests if steps.requests else None), f"error ratio of {scope}"
    if threshold.metric == Metric.RPS:
        if rps is None and seconds > 0:
            rps = round(steps.requests / seconds, 1)
        return rps, f"rate of {scope}"
    percent = _PERCENTILES[threshold.metric]
    return steps.percentile(percent), f"p{round(percent * 100)} of {scope}"


def describe(threshold: fleet_pb2.Threshold) -> str:
    """The threshold as the report and the page name it: `P95_MS of 'checkout' <= 800`."""
    scope = f" of '{threshold.step}'" if threshold.step else ""
    bounds = []
    if threshold.HasField("min"):
        bounds.append(f">= {threshold.min:g}")
    if threshold.HasField("max"):
        bounds.append(f"<= {threshold.max:g}")
    return f"{Metric.Name(threshold.metric)}{scope} {' and '.join(bounds)}"


DEFAULT_ABORT_GRACE_S = 10.0
_WATCH_EVERY_S = 1.0


class RunThresholds:
    """The plan's thresholds over the whole run so far: checked each second while it runs (ending it when one with
    `abortOnFail` breaks after its grace), and once more when it stops. Kept on the master, or a standalone process."""

    def __init__(self) -> None:
        self.thresholds: list[fleet_pb2.Threshold] = []
        self.verdicts: list[Verdict] = []
        self.aborted_by: Verdict | None = None
        self._environment: Environment | None = None
        self._started_at = 0.0
        self._ended_at: float | None = None
        self._watch: gevent.Greenlet | None = None

    def attach(self, environment: Environment) -> None:
        self._environment = environment
        environment.events.test_start.add_listener(lambda **_kwargs: self._start())
        environment.events.test_stop.add_listener(lambda **_kwargs: self._stop())

    def set(self, thresholds: Iterable[fleet_pb2.Threshold]) -> None:
        self.thresholds = list(thresholds)

    @property
    def broken(self) -> list[Verdict]:
        return [verdict for verdict in self.verdicts if not verdict.held]

    def check(self) -> list[Verdict]:
        """Every threshold over the run so far (or the run that ended)."""
        if self._environment is None or not self._started_at:
            return []
        seconds = (self._ended_at or time.time()) - self._started_at
        after = snapshot(self._environment.stats)
        self.verdicts = [evaluate(threshold, {}, after, seconds, "the run's") for threshold in self.thresholds]
        return self.verdicts

    def verdict_messages(self) -> list[fleet_pb2.ThresholdVerdict]:
        return [
            fleet_pb2.ThresholdVerdict(
                threshold=verdict.threshold,
                label=describe(verdict.threshold),
                value=verdict.value,
                held=verdict.held,
                problem=verdict.problem or "",
            )
            for verdict in self.verdicts
        ]

    def report(self, run: str, plan: str) -> dict[str, Any]:
        """The verdicts as the API serves them (a ThresholdReport record)."""
        aborted_by = describe(self.aborted_by.threshold) if self.aborted_by is not None else None
        report = fleet_pb2.ThresholdReport(run=run, plan=plan, verdicts=self.verdict_messages(), aborted_by=aborted_by)
        return record_json(report)

    def report_lines(self) -> list[str]:
        """The verdicts, for the end of a headless run."""
        if not self.verdicts:
            return []
        lines = [f"Thresholds: {len(self.broken)} of {len(self.verdicts)} broken"]
        for verdict in self.verdicts:
            figure = "-" if verdict.value is None else f"{verdict.value:g}"
            outcome = "held" if verdict.held else f"BROKEN: {verdict.problem}"
            lines.append(f"  {describe(verdict.threshold)}: {figure}, {outcome}")
        if self.aborted_by is not None:
            lines.append(f"  the run was ended early by {describe(self.aborted_by.threshold)} (abortOnFail)")
        return lines

    def _start(self) -> None:
        self._started_at, self._ended_at = time.time(), None
        self.verdicts, self.aborted_by = [], None
        if self._watch is not None:
            self._watch.kill(block=False)
        if self.thresholds:
            self._watch = gevent.spawn(self._watch_run)

    def _stop(self) -> None:
        if self._watch is not None:
            self._watch.kill(block=False)
            self._watch = None
        if self._started_at and self._ended_at is None:
            self._ended_at = time.time()
            self.check()

    def _watch_run(self) -> None:
        while True:
            gevent.sleep(_WATCH_EVERY_S)
            elapsed = time.time() - self._started_at
            for verdict in self.check():
                if not verdict.held and verdict.threshold.abort_on_fail and elapsed >= _grace_s(verdict.threshold):
                    self._abort(verdict)
                    return

    def _abort(self, verdict: Verdict) -> None:
        environment = self._environment
        assert environment is not None and environment.runner is not None
        self.aborted_by = verdict
        logger.error(
            "threshold %s broke (%s): ending the run (abortOnFail)", describe(verdict.threshold), verdict.problem
        )
        self._watch = None  # this greenlet: stopping the run must not kill it halfway
        if environment.parsed_options is not None and environment.parsed_options.headless:
            environment.runner.quit()
        else:
            environment.runner.stop()


def _grace_s(threshold: fleet_pb2.Threshold) -> float:
    return threshold.abort_grace_s if threshold.HasField("abort_grace_s") else DEFAULT_ABORT_GRACE_S
