"""The example plans against the demo app, run exactly as the README shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from locust_ext.plan.validation import load_plan
from tests.helpers import ROOT, run_fleet

PLANS = sorted((ROOT / "examples" / "plans").glob("*.json"))


@pytest.mark.parametrize("path", PLANS, ids=[path.name for path in PLANS])
def test_example_plans_are_valid(path: Path) -> None:
    load_plan(path)


def step_names(path: Path) -> set[str]:
    plan = json.loads(path.read_text())
    steps = plan.get("setup", []) + [step for task in plan["tasks"] for step in task["steps"]]
    return {step["name"] for step in steps}


def test_demo_plan_runs_every_step_without_failures(tmp_path: Path, demo_app: str) -> None:
    plan = ROOT / "examples" / "plans" / "demo-shop.json"
    run = run_fleet(tmp_path, plan, users=20, seconds=10, extra=("-H", demo_app))
    assert run.returncode == 0, run.explain()
    assert set(run.stats) == step_names(plan), run.explain()
    assert all(run.requests(name) > 0 and run.failed(name) == 0 for name in run.stats), run.explain()
    assert run.failures == []


def test_failing_plan_puts_its_messages_in_the_failures_csv(tmp_path: Path, demo_app: str) -> None:
    run = run_fleet(
        tmp_path, ROOT / "examples" / "plans" / "demo-failing.json", users=4, seconds=4, extra=("-H", demo_app)
    )
    assert run.returncode == 1
    assert {(row["Name"], row["Error"]) for row in run.failures} == {
        ("flaky endpoint", "assert STATUS EQ 200: got 503"),
        ("home title", "assert XPATH //h1 EQ Another shop: got 'Demo shop'"),
    }
    assert 0 < run.failed("flaky endpoint") < run.requests("flaky endpoint")
