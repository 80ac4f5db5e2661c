"""The Locust plugin: the `--fleet-*` command-line options and the listeners that load the plan.

Registered when `locust_ext` is imported inside a Locust process (see locust_ext/__init__.py).
"""

from __future__ import annotations

import logging
import sys

from locust import events
from locust.env import Environment

from locust_ext.http_user import PlanHttpUser
from locust_ext.plan import PlanError, load_plan

logger = logging.getLogger(__name__)
EXIT_BAD_PLAN = 2


@events.init_command_line_parser.add_listener
def add_arguments(parser) -> None:
    group = parser.add_argument_group("locust-fleet", "Run a locust-fleet plan (see PLAN_FORMAT.md)")
    group.add_argument(
        "--fleet-plan",
        metavar="PATH",
        default="",
        env_var="LOCUST_FLEET_PLAN",
        help="Plan JSON file to run; validated at start, a bad plan exits with code 2 before any load",
    )


@events.init.add_listener
def load_plan_at_start(environment: Environment, **_kwargs) -> None:
    options = environment.parsed_options
    path = getattr(options, "fleet_plan", "") if options else ""
    if not path:
        if options and options.headless and not options.worker:
            _exit_bad_plan(["--fleet-plan: required for a headless run; give the plan JSON file to run"])
        return
    try:
        plan = load_plan(path)
    except PlanError as error:
        _exit_bad_plan([f"{path}: {issue}" for issue in error.issues])
    if not plan.tasks:
        _exit_bad_plan([f"{path}: tasks: this version runs HTTP tasks only, and the plan has none"])
    PlanHttpUser.configure(plan)
    if plan.journeys:
        logger.warning("plan %s has browser journeys; this version runs its HTTP tasks only", plan.name)
    logger.info("plan %s loaded: %d task(s), %d setup step(s)", plan.name, len(plan.tasks), len(plan.setup))


def _exit_bad_plan(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)
    sys.exit(EXIT_BAD_PLAN)
