"""Wiring on a standalone Locust process (no --master, no --worker): the plan runs here, with no etcd at all."""

from __future__ import annotations

from locust.env import Environment

from locust_ext.master.web.hooks import add_metrics, remember_who_starts
from locust_ext.plugin.plan_setup import report_calibrations, set_up_plan
from locust_ext.plugin.runs import watch_runs


def set_up(environment: Environment) -> None:
    set_up_plan(environment)
    report_calibrations(environment)
    watch_runs(environment)
    add_metrics(environment)
    remember_who_starts(environment)
