"""Each run on a master or a standalone process: its id, its thresholds watched, its record kept (etcd on a
master, `--fleet-report`), compared with `--fleet-baseline` at the end, and the process's exit code.

Exit codes: Locust's own 1 (requests failed) and 2 (a bad plan or option), then 3 when a threshold of the plan
broke and 4 when `--fleet-fail-on-regression` finds a figure worse than the baseline's beyond its tolerance.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from locust.env import Environment

from locust_ext.plugin.plan_setup import exit_bad_input, parsed_options, write_json_file
from locust_ext.users.history import DEFAULT_TOLERANCE, RunRecorder, compare_runs, comparison_lines
from locust_ext.users.process import process_state

logger = logging.getLogger(__name__)
EXIT_THRESHOLDS_BROKEN = 3
EXIT_REGRESSED = 4


def watch_runs(environment: Environment) -> RunRecorder:
    """Give each run an id, watch its thresholds, record it; at the end of the process report the thresholds and
    the baseline comparison, and set the exit code."""
    options = parsed_options(environment)
    check_history_options(options)
    state = process_state(environment)
    baseline = load_baseline(options.fleet_baseline, state.plan.name if state.plan else "")
    tolerance = options.fleet_fail_on_regression / 100 if options.fleet_fail_on_regression else DEFAULT_TOLERANCE
    thresholds = state.thresholds
    thresholds.attach(environment)
    recorder = RunRecorder(environment)
    if options.fleet_report:
        recorder.sinks.append(lambda record: write_json_file(options.fleet_report, record))

    def on_start(**_kwargs: Any) -> None:
        state.start_run()
        recorder.start("headless" if options.headless else state.started_by or "web UI")

    def on_quitting(**_kwargs: Any) -> None:
        if not thresholds.verdicts or environment.runner is None or environment.runner.state == "running":
            thresholds.check()
        recorder.stop()
        for line in thresholds.report_lines():
            logger.info("%s", line)
        if thresholds.broken:
            environment.process_exit_code = EXIT_THRESHOLDS_BROKEN
        if baseline is not None and recorder.written is not None:
            comparison = compare_runs(recorder.written, baseline, tolerance)
            for line in comparison_lines(comparison):
                logger.info("%s", line)
            if comparison["regressed"] and options.fleet_fail_on_regression and not thresholds.broken:
                environment.process_exit_code = EXIT_REGRESSED

    environment.events.test_start.add_listener(on_start)
    # After the thresholds' own: the record keeps their final verdicts.
    environment.events.test_stop.add_listener(lambda **_kwargs: recorder.stop())
    environment.events.quitting.add_listener(on_quitting)
    return recorder


def check_history_options(options: Any) -> None:
    """The history's numeric options, refused before any load when they cannot mean anything."""
    problems = []
    regression = options.fleet_fail_on_regression
    if not 0 <= regression <= 1000:
        problems.append(f"--fleet-fail-on-regression: expected a percentage from 0 to 1000, got {regression:g}")
    elif regression and not options.fleet_baseline:
        problems.append("--fleet-fail-on-regression: needs --fleet-baseline, the run to compare with")
    if options.fleet_keep_runs < 1:
        problems.append(f"--fleet-keep-runs: expected at least 1 run kept per plan, got {options.fleet_keep_runs}")
    if problems:
        exit_bad_input(problems)


def load_baseline(path: str, plan: str) -> dict[str, Any] | None:
    """`--fleet-baseline`: a run record (a --fleet-report file) of the same plan; anything else exits 2 before any
    load, naming the file."""
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as file:
            record = json.load(file)
    except OSError as error:
        exit_bad_input([f"--fleet-baseline: cannot read {path} ({error.strerror})"])
    except ValueError as error:
        exit_bad_input([f"--fleet-baseline: {path} is not JSON ({error})"])
    fields = ("id", "plan", "steps", "pages")
    if not isinstance(record, dict) or not all(key in record for key in fields):
        exit_bad_input(
            [f"--fleet-baseline: {path} is not a run record (a --fleet-report file: id, plan, steps, pages)"]
        )
    if plan and record["plan"] != plan:
        exit_bad_input([f"--fleet-baseline: {path} is a run of plan '{record['plan']}', not of '{plan}'"])
    return record
