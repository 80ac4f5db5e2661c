"""The plan in this process: loading `--fleet-plan`, making the user classes and the load shape run it, reporting a
calibration, and refusing bad input with exit code 2 before any load."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from argparse import Namespace
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from locust.env import Environment
from locust.runners import WorkerRunner

from locust_ext.plan.compiled import CompiledPlan
from locust_ext.plan.validation import Plan, PlanError, load_plan
from locust_ext.users import calibration
from locust_ext.users.browser import PlanBrowserUser, browser_count
from locust_ext.users.calibration import CalibrationShape
from locust_ext.users.http import PlanHttpUser
from locust_ext.users.pacing import TargetRate
from locust_ext.users.process import process_state
from locust_ext.users.shapes import plan_shape
from locust_ext.wire.protocol import WORKER_PLAN_ENV

logger = logging.getLogger(__name__)
EXIT_BAD_INPUT = 2


@dataclass(frozen=True)
class PlanSetup:
    """The plan this process started with (None: one is deployed later), how to switch plans, and its target rate."""

    plan: Plan | None
    configure: Callable[[Plan], None]
    target_rate: TargetRate


def set_up_plan(environment: Environment) -> PlanSetup:
    """What every Locust process does: load --fleet-plan, run it, and clear per-run state at each start."""
    plan = load_plan_option(environment.parsed_options)
    state = process_state(environment)
    target_rate = TargetRate(environment, state.pacer)
    configure = functools.partial(configure_users, environment, target_rate)
    if plan is not None:
        configure(plan)
    environment.events.test_start.add_listener(lambda **_kwargs: state.screenshots.clear())
    # `quit`, not `quitting`: Locust fires quitting before it stops the users, whose steps would then fail in a
    # closed browser, and who would launch a new one that kept the process from ending.
    environment.events.quit.add_listener(lambda **_kwargs: state.shut_down_browser())
    return PlanSetup(plan, configure, target_rate)


def load_plan_option(options: Any) -> Plan | None:
    """The plan of --fleet-plan, or on a worker an agent started, of the file the agent names."""
    path = os.environ.get(WORKER_PLAN_ENV) if options.worker else None
    path = path or options.fleet_plan
    if not path:
        if options.headless and not options.worker:
            exit_bad_input(["--fleet-plan: required for a headless run; give the plan JSON file to run"])
        return None
    try:
        plan = load_plan(path)
    except PlanError as error:
        exit_bad_input([f"{path}: {issue}" for issue in error.issues])
    if not plan.tasks and not browser_count(plan):
        exit_bad_input([f"{path}: users.browserCount: 0 and the plan has no tasks, so nothing would run"])
    logger.info(
        "plan %s loaded: %d task(s), %d journey(s) for %d browser user(s), %d setup step(s)",
        plan.name,
        len(plan.tasks),
        len(plan.journeys),
        browser_count(plan),
        len(plan.setup),
    )
    return plan


def configure_users(environment: Environment, target_rate: TargetRate, plan: Plan) -> None:
    """Make the user classes run `plan` (compiled once, so HTTP and browser users share its data sets).

    Only the classes the plan has work for stay in Locust's list: no tasks, no HTTP users; no journeys (or
    browserCount 0), no browser users. A class dropped for one plan comes back for a plan that needs it.
    """
    compiled = CompiledPlan(plan)
    PlanHttpUser.configure(plan, compiled)
    PlanBrowserUser.configure(plan, compiled)
    needed = {PlanHttpUser: bool(plan.tasks), PlanBrowserUser: browser_count(plan) > 0}
    classes = [user_class for user_class in environment.user_classes if needed.get(user_class, True)]
    available = (environment.available_user_classes or {}).values()
    classes += [
        user_class
        for user_class, wanted in needed.items()
        if wanted and user_class not in classes and user_class in available
    ]
    environment.user_classes[:] = classes
    target_rate.set_target(plan.load.target_rps)
    if not isinstance(environment.runner, WorkerRunner):
        state = process_state(environment)
        state.plan = plan
        state.thresholds.set(plan.thresholds)
        shape = plan_shape(plan, environment)
        if shape is not None:
            shape.runner = environment.runner
        environment.shape_class = shape


def parsed_options(environment: Environment) -> Namespace:
    """Locust's options, the --fleet-* ones among them: parsed before the init event that sets the plugin up."""
    if environment.parsed_options is None:
        raise RuntimeError("the fleet plugin is set up once Locust has parsed its options; it has not")
    return environment.parsed_options


def report_calibrations(environment: Environment) -> None:
    """A calibration that ends prints its table (and writes --fleet-calibration-json); one stopped early says so."""
    path = parsed_options(environment).fleet_calibration_json

    def on_update(result: dict[str, Any], **_kwargs: Any) -> None:
        if result["state"] == calibration.RUNNING:
            return
        for line in calibration.report_lines(result):
            logger.info("%s", line)
        if path:
            write_json_file(path, result)

    def on_test_stop(**_kwargs: Any) -> None:
        if isinstance(environment.shape_class, CalibrationShape):
            environment.shape_class.stopped()

    calibration.calibration_updated.add_listener(on_update)
    environment.events.test_stop.add_listener(on_test_stop)


def write_json_file(path: str, data: Any) -> None:
    # Written aside, then renamed: a reader never sees half a file.
    partial = f"{path}.partial"
    try:
        with open(partial, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2)
        os.replace(partial, path)
    except OSError as error:
        logger.error("could not write %s: %s; check that its directory exists and is writable", path, error)


def exit_bad_input(lines: list[str]) -> NoReturn:
    for line in lines:
        print(line, file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)
