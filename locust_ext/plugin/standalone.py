"""Wiring on a standalone Locust process (no --master, no --worker): the plan runs here, with no etcd at all."""

from __future__ import annotations

from locust.env import Environment

from locust_ext.master.web.hooks import add_metrics
from locust_ext.plugin.plan_setup import report_calibrations, report_thresholds, set_up_plan


def set_up(environment: Environment) -> None:
    set_up_plan(environment)
    report_calibrations(environment)
    report_thresholds(environment)
    add_metrics(environment)
