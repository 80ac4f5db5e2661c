"""A headless run's thresholds: a broken one named with its figure and exit code 3, none broken exit 0, and
`abortOnFail` ending the run as soon as one breaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import run_fleet

EXIT_THRESHOLDS_BROKEN = 3


def plan(host: str, *thresholds: dict[str, Any]) -> dict[str, Any]:
    steps = [{"name": "home", "url": "/"}, {"name": "health", "url": "/health"}]
    return {"name": "gated", "host": host, "tasks": [{"name": "t", "steps": steps}], "thresholds": list(thresholds)}


def test_a_run_that_holds_its_thresholds_exits_0_and_says_so(tmp_path: Path, demo_app: str) -> None:
    # Bounds no loopback run can miss: every request answered (none failed), within a minute.
    held = ({"metric": "ERROR_RATIO", "max": 0}, {"metric": "P95_MS", "step": "home", "max": 60000})
    run = run_fleet(tmp_path, plan(demo_app, *held), users=2, seconds=3)
    assert run.returncode == 0, run.explain()
    assert "Thresholds: 0 of 2 broken" in run.stderr, run.explain()
    assert "P95_MS of 'home' <= 60000: " in run.stderr and ", held" in run.stderr


def test_a_run_that_broke_a_threshold_exits_3_naming_it_with_its_figure(tmp_path: Path, demo_app: str) -> None:
    unreachable = {"metric": "RPS", "step": "health", "min": 1e9}
    run = run_fleet(tmp_path, plan(demo_app, {"metric": "ERROR_RATIO", "max": 0}, unreachable), users=2, seconds=3)
    assert run.returncode == EXIT_THRESHOLDS_BROKEN, run.explain()
    assert run.requests("health") > 0 and run.failed("health") == 0, run.explain()
    assert "Thresholds: 1 of 2 broken" in run.stderr, run.explain()
    assert "RPS of 'health' >= 1e+09: " in run.stderr
    assert "BROKEN: rate of 'health' " in run.stderr and " req/s < 1e+09 req/s" in run.stderr


def test_abort_on_fail_ends_the_run_once_its_grace_is_over(tmp_path: Path, demo_app: str) -> None:
    aborting = {"metric": "RPS", "min": 1e9, "abortOnFail": True, "abortGraceS": 1}
    # -t is far beyond the test's own timeout: only the threshold can end this run in time.
    run = run_fleet(tmp_path, plan(demo_app, aborting), users=2, seconds=3600, timeout=240)
    assert run.returncode == EXIT_THRESHOLDS_BROKEN, run.explain()
    assert "threshold RPS >= 1e+09 broke (rate of every step " in run.stderr, run.explain()
    assert "the run was ended early by RPS >= 1e+09 (abortOnFail)" in run.stderr
