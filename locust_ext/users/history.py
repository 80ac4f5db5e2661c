"""A run's record for the history, built from Locust's statistics as the run goes; and two records compared.

On a master (or a standalone process) each start of a swarm begins a record: the plan and its revision, who
started it, the load, then every SAMPLE_EVERY_S a sample of what the charts show (users, rate, failures, p50
and p95 over those seconds) and the figures so far of every step, page and threshold. Each version goes to the
record's sinks (etcd on a master, the --fleet-report file), so a master killed mid-run leaves what it had.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import MasterRunner
from locust.stats import StatsEntry, calculate_response_time_percentile, diff_response_time_dicts

from locust_ext.proto import fleet_pb2
from locust_ext.users.calibration import CalibrationShape
from locust_ext.users.process import process_state
from locust_ext.users.vitals import VITALS
from locust_ext.wire.records import record_json

logger = logging.getLogger(__name__)

SAMPLE_EVERY_S = 5.0
_MAX_UINT32 = 2**32 - 1
_State = fleet_pb2.RunRecord.State
RecordSink = Callable[[dict[str, Any]], None]


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class RunRecorder:
    """Records each run of this process; `sinks` get every version of the record, `agents` names the agents the
    run's workers belong to (a master's fleet sets it)."""

    def __init__(self, environment: Environment) -> None:
        self.environment = environment
        self.sinks: list[RecordSink] = []
        self.agents: Callable[[], list[str]] = list
        self.record: fleet_pb2.RunRecord | None = None
        # The record as last written: what the sinks got.
        self.written: dict[str, Any] | None = None
        self._started = 0.0
        self._last_sample: tuple[float, int, int, dict[int, int]] | None = None
        self._sampler: gevent.Greenlet | None = None

    def start(self, started_by: str) -> None:
        state = process_state(self.environment)
        runner = self.environment.runner
        plan = state.plan
        options = self.environment.parsed_options
        load = fleet_pb2.RunLoad(
            users=getattr(runner, "target_user_count", 0) or 0,
            # A standalone runner keeps no spawn rate of its own: the option's, then.
            spawn_rate=getattr(runner, "spawn_rate", 0.0) or getattr(options, "spawn_rate", 0.0) or 0.0,
            target_rps=plan.load.target_rps if plan and plan.load.HasField("target_rps") else None,
            shape=_shape(plan),
        )
        self.record = fleet_pb2.RunRecord(
            id=state.run_id,
            plan=plan.name if plan else "",
            revision=state.plan_revision,
            started_by=started_by,
            load=load,
            started_at=utc_now(),
            state=_State.RUNNING,
        )
        self._started = time.time()
        self._last_sample = (self._started, 0, 0, {})
        self._stop_sampler()
        self._sampler = gevent.spawn(self._sample_every_interval)

    def stop(self) -> None:
        if self.record is None or self.record.state != _State.RUNNING:
            return
        self._stop_sampler()
        self._sample()
        self.record.state = _State.FINISHED
        self.record.ended_at = utc_now()
        self._write()

    def _stop_sampler(self) -> None:
        if self._sampler is not None:
            self._sampler.kill(block=False)
            self._sampler = None

    def _sample_every_interval(self) -> None:
        while True:
            gevent.sleep(SAMPLE_EVERY_S)
            self._sample()
            self._write()

    def _sample(self) -> None:
        """What the run did since the previous sample."""
        assert self.record is not None and self._last_sample is not None
        now, total = time.time(), _steps_total(self.environment)
        then, requests, failures, times = self._last_sample
        seconds = max(now - then, 1e-6)
        window = diff_response_time_dicts(total.response_times, times)
        counted = sum(window.values())
        runner = self.environment.runner
        self.record.series.append(
            fleet_pb2.RunSample(
                at_s=round(now - self._started, 1),
                users=runner.user_count if runner else 0,
                rps=round((total.num_requests - requests) / seconds, 2),
                failures_per_s=round((total.num_failures - failures) / seconds, 2),
                p50_ms=_whole_ms(calculate_response_time_percentile(window, counted, 0.5)) if counted else None,
                p95_ms=_whole_ms(calculate_response_time_percentile(window, counted, 0.95)) if counted else None,
            )
        )
        self._last_sample = (now, total.num_requests, total.num_failures, dict(total.response_times))

    def _write(self) -> None:
        record = self.record
        assert record is not None
        state = process_state(self.environment)
        runner = self.environment.runner
        del record.steps[:], record.pages[:], record.thresholds[:], record.agents[:]
        record.steps.extend(_steps(self.environment))
        record.pages.extend(_pages(self.environment))
        record.thresholds.extend(state.thresholds.verdict_messages())
        record.agents.extend(sorted(set(self.agents())))
        record.workers = runner.worker_count if isinstance(runner, MasterRunner) else 1
        record.updated_at = utc_now()
        written = record_json(record)
        shape = self.environment.shape_class
        if isinstance(shape, CalibrationShape):
            written["calibration"] = shape.result
        self.written = written
        for sink in self.sinks:
            try:
                sink(written)
            except Exception:  # a sink that fails must not end the run, nor starve the other sinks
                logger.exception("the run's record could not be written; it is written again with the next sample")


def _steps_total(environment: Environment) -> StatsEntry:
    """The step rows added up (Locust's own total counts the web-vitals rows as requests too)."""
    total = StatsEntry(environment.stats, "steps", "")
    for (_, method), entry in environment.stats.entries.items():
        if method not in VITALS:
            total.extend(entry)
    return total


def _shape(plan: fleet_pb2.Plan | None) -> str:
    """Which of the load shapes (users.shapes.plan_shape) the plan runs; "users" for Locust's own user count."""
    load = plan.load if plan is not None else fleet_pb2.Load()
    if load.HasField("step"):
        return "step"
    if load.stages:
        return "stages"
    return "calibrate" if load.HasField("calibrate") else "users"


def _percentile(entry: StatsEntry, percent: float) -> int | None:
    return _whole_ms(entry.get_response_time_percentile(percent)) if entry.num_requests else None


def _whole_ms(value: float) -> int:
    """A time as the record keeps it (uint32 ms): a user's locustfile can report any number, and one that does not
    fit must not stop the run's recording."""
    return min(max(round(value), 0), _MAX_UINT32)


def _steps(environment: Environment) -> list[fleet_pb2.RunStep]:
    return [
        fleet_pb2.RunStep(
            name=name,
            method=method,
            requests=entry.num_requests,
            failures=entry.num_failures,
            rps=round(entry.total_rps, 2),
            p50_ms=_percentile(entry, 0.5),
            p90_ms=_percentile(entry, 0.9),
            p95_ms=_percentile(entry, 0.95),
            p99_ms=_percentile(entry, 0.99),
            max_ms=_whole_ms(entry.max_response_time) if entry.num_requests else None,
        )
        for (name, method), entry in sorted(environment.stats.entries.items())
        if method not in VITALS
    ]


def _pages(environment: Environment) -> list[fleet_pb2.RunPage]:
    vitals: dict[str, dict[str, StatsEntry]] = {}
    for (name, method), entry in environment.stats.entries.items():
        if method in VITALS:
            vitals.setdefault(name, {})[method] = entry
    pages = []
    for name, entries in sorted(vitals.items()):

        def p75(vital: str, entries: dict[str, StatsEntry] = entries) -> int | None:
            entry = entries.get(vital)
            return _percentile(entry, 0.75) if entry is not None else None

        cls = p75("CLS")
        pages.append(
            fleet_pb2.RunPage(
                page=name,
                ttfb_p75_ms=p75("TTFB"),
                fcp_p75_ms=p75("FCP"),
                lcp_p75_ms=p75("LCP"),
                cls_p75=None if cls is None else cls / 1000,
            )
        )
    return pages


# The figures compared, and whether a higher value is the worse one; and the least change that can count as a
# regression (a p95 from 2 to 3 ms is 50 % worse, and noise).
_STEP_FIGURES = {"p50Ms": True, "p95Ms": True, "p99Ms": True, "errorRatio": True, "rps": False}
_PAGE_FIGURES = {"ttfbP75Ms": True, "fcpP75Ms": True, "lcpP75Ms": True, "clsP75": True}
_LEAST_CHANGE = {"errorRatio": 0.001, "clsP75": 0.01, "rps": 0.0}
_LEAST_MS_CHANGE = 5.0
DEFAULT_TOLERANCE = 0.1


def compare_runs(run: dict[str, Any], baseline: dict[str, Any], tolerance: float = DEFAULT_TOLERANCE) -> dict[str, Any]:
    """Each step's and page's figures of `run` against `baseline` (two RunRecord JSONs of one plan): the value, the
    baseline's, the delta and the ratio, and whether it is worse than the baseline by more than `tolerance`."""
    figures: list[fleet_pb2.FigureComparison] = []
    steps = {f"{step['method']} {step['name']}": _step_figures(step) for step in run["steps"]}
    base_steps = {f"{step['method']} {step['name']}": _step_figures(step) for step in baseline["steps"]}
    pages = {page["page"]: page for page in run["pages"]}
    base_pages = {page["page"]: page for page in baseline["pages"]}
    for kind, rows, base_rows, compared in (
        ("step", steps, base_steps, _STEP_FIGURES),
        ("page", pages, base_pages, _PAGE_FIGURES),
    ):
        for row in sorted(rows.keys() | base_rows.keys()):
            for figure, higher_is_worse in compared.items():
                value, base = rows.get(row, {}).get(figure), base_rows.get(row, {}).get(figure)
                if value is None and base is None:
                    continue
                figures.append(_figure(kind, row, figure, value, base, higher_is_worse, tolerance))
    comparison = fleet_pb2.RunComparison(
        run=run["id"],
        baseline=baseline["id"],
        tolerance=tolerance,
        figures=figures,
        regressed=any(figure.regressed for figure in figures),
    )
    return record_json(comparison)


def _step_figures(step: dict[str, Any]) -> dict[str, Any]:
    ratio = step["failures"] / step["requests"] if step["requests"] else None
    return {**step, "errorRatio": ratio}


def _figure(
    kind: str, row: str, figure: str, value: float | None, base: float | None, higher_is_worse: bool, tolerance: float
) -> fleet_pb2.FigureComparison:
    compared = fleet_pb2.FigureComparison(kind=kind, row=row, figure=figure, value=value, baseline=base)
    if value is None or base is None:
        # A row that completed something before and nothing now regressed; a new row did not.
        compared.regressed = value is None
        return compared
    compared.delta = round(value - base, 4)
    if base:
        compared.ratio = round(value / base, 4)
    least = _LEAST_CHANGE.get(figure, _LEAST_MS_CHANGE)
    if higher_is_worse:
        compared.regressed = value > base * (1 + tolerance) and value - base >= least
    else:
        compared.regressed = value < base * (1 - tolerance)
    return compared


def comparison_lines(comparison: dict[str, Any]) -> list[str]:
    """The comparison as a table, for the end of a headless run: every figure, regressions marked."""
    lines = [
        f"Compared with {comparison['baseline']} (tolerance {comparison['tolerance']:.0%}): "
        + ("REGRESSED" if comparison["regressed"] else "no regression")
    ]
    for figure in comparison["figures"]:
        value, base = _shown(figure["value"]), _shown(figure["baseline"])
        ratio = "" if figure["ratio"] is None else f" ({figure['ratio']:.2f}x)"
        mark = "  REGRESSED" if figure["regressed"] else ""
        lines.append(f"  {figure['kind']} {figure['row']}: {figure['figure']} {base} -> {value}{ratio}{mark}")
    return lines


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
