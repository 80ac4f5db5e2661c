"""locust-fleet's Locust extension: plans, the user classes that replay them, and the plugin.

Inside a Locust process (a locustfile doing `import locust_ext`) importing this package registers the
plugin. Elsewhere (the agent, tools) it does not import Locust, whose import monkey-patches the process
with gevent; the plan modules (`locust_ext.plan`, ...) work without it.
"""

from __future__ import annotations

import sys

from locust_ext.plan import Plan, PlanError, PlanIssue, load_plan, parse_plan, plan_to_json

__all__ = ["Plan", "PlanError", "PlanIssue", "load_plan", "parse_plan", "plan_to_json"]

if "locust" in sys.modules:
    from locust_ext import plugin  # noqa: F401
