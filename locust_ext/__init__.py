"""locust-fleet's Locust extension: plans, the user classes that replay them, and the plugin.

In your own locustfile:

    from locust_ext import PlanHttpUser, PlanBrowserUser

gives the user classes and registers the plugin (`--fleet-plan` and the rest). The user classes are imported on
first use, so that the agent and the plan tools (`locust_ext.plan`) never import Locust, whose import
monkey-patches the process with gevent. Inside a Locust process, `import locust_ext` alone registers the plugin.

The layout follows where code runs: `plan/` (pure), `users/` (every Locust process), `browser/` (Playwright),
`master/` (the master and its web layer), `wire/` (etcd, gRPC security, the names the processes share), and
`plugin/` (the wiring of each kind of Locust process).
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from locust_ext.plan import Plan, PlanError, PlanIssue, load_plan, parse_plan, plan_to_json

if TYPE_CHECKING:
    from locust_ext.users.browser import PlanBrowserUser
    from locust_ext.users.http import PlanHttpUser

__all__ = [
    "Plan",
    "PlanBrowserUser",
    "PlanError",
    "PlanHttpUser",
    "PlanIssue",
    "load_plan",
    "parse_plan",
    "plan_to_json",
]

_USER_CLASSES = {"PlanHttpUser": "locust_ext.users.http", "PlanBrowserUser": "locust_ext.users.browser"}


def __getattr__(name: str) -> Any:
    module = _USER_CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module 'locust_ext' has no attribute {name!r}")
    importlib.import_module("locust_ext.plugin")
    return getattr(importlib.import_module(module), name)


if "locust" in sys.modules:
    from locust_ext import plugin  # noqa: F401
