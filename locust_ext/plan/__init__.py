"""The plan: pure code that reads, checks, compiles and converts plans.

What may live here: code that needs only the standard library, protobuf and the parsers of the plan's
expressions (jsonpath-ng, lxml). Nothing here imports Locust, gevent or a network client (ruff's banned-API
rule in `locust_ext/plan/ruff.toml` keeps it so), so the agent, the importers and every tool can use it
without a Locust process.
"""

from __future__ import annotations

from locust_ext.plan.validation import Plan, PlanError, PlanIssue, load_plan, parse_plan, plan_to_json

__all__ = ["Plan", "PlanError", "PlanIssue", "load_plan", "parse_plan", "plan_to_json"]
