"""What a headless run leaves for CI: its thresholds (a broken one named with its figure and exit code 3, none
broken exit 0, `abortOnFail` ending the run early), its record (--fleet-report), and the comparison with a
baseline run (--fleet-baseline; --fleet-fail-on-regression exits 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import run_fleet

EXIT_BAD_INPUT = 2
EXIT_THRESHOLDS_BROKEN = 3
EXIT_REGRESSED = 4


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


def test_a_run_writes_its_record_and_the_next_one_is_compared_with_it(tmp_path: Path, demo_app: str) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "slower").mkdir()
    report = tmp_path / "base" / "report.json"
    fast = plan(demo_app) | {"tasks": [{"name": "t", "steps": [{"name": "work", "url": "/slow?ms=1"}]}]}
    base = run_fleet(tmp_path / "base", fast, users=2, seconds=6, extra=("--fleet-report", str(report)))
    assert base.returncode == 0, base.explain()
    record = json.loads(report.read_text())
    assert (record["plan"], record["state"], record["startedBy"]) == ("gated", "finished", "headless")
    [step] = record["steps"]
    assert (step["name"], step["method"]) == ("work", "GET")
    # Locust's CSV is written every second, the record once more at the end: it may count the last few more.
    assert step["requests"] >= base.requests("work") > 0 and step["failures"] == 0
    assert record["series"] and all(sample["atS"] > 0 for sample in record["series"])

    # The same step made 150 ms slower: its percentiles regress far beyond 20 %, which fails the run.
    slower = plan(demo_app) | {"tasks": [{"name": "t", "steps": [{"name": "work", "url": "/slow?ms=150"}]}]}
    compare = ("--fleet-baseline", str(report), "--fleet-fail-on-regression", "20")
    run = run_fleet(tmp_path / "slower", slower, users=2, seconds=4, extra=compare)
    assert run.returncode == EXIT_REGRESSED, run.explain()
    assert f"Compared with {record['id']} (tolerance 20%): REGRESSED" in run.stderr, run.explain()
    assert "step GET work: p95Ms " in run.stderr and "REGRESSED" in run.stderr


def test_a_baseline_that_is_not_a_record_of_the_plan_stops_the_run_before_any_load(
    tmp_path: Path, demo_app: str
) -> None:
    corrupt, foreign = tmp_path / "corrupt.json", tmp_path / "foreign.json"
    corrupt.write_text('{"id": "x", "plan"')
    foreign.write_text(json.dumps({"id": "blog-1-a", "plan": "blog", "steps": [], "pages": []}))
    for path, message in (
        (corrupt, f"--fleet-baseline: {corrupt} is not JSON"),
        (foreign, f"--fleet-baseline: {foreign} is a run of plan 'blog', not of 'gated'"),
        (tmp_path / "missing.json", f"--fleet-baseline: cannot read {tmp_path / 'missing.json'}"),
    ):
        run = run_fleet(tmp_path, plan(demo_app), users=1, seconds=30, extra=("--fleet-baseline", str(path)))
        assert run.returncode == EXIT_BAD_INPUT and message in run.stderr, run.explain()
        assert run.stats == {}, run.explain()


def test_history_options_that_cannot_mean_anything_stop_the_run_before_any_load(tmp_path: Path, demo_app: str) -> None:
    for extra, message in (
        (("--fleet-fail-on-regression", "-5"), "--fleet-fail-on-regression: expected a percentage from 0 to 1000"),
        (("--fleet-fail-on-regression", "10"), "--fleet-fail-on-regression: needs --fleet-baseline"),
        (("--fleet-keep-runs", "0"), "--fleet-keep-runs: expected at least 1 run kept per plan, got 0"),
    ):
        run = run_fleet(tmp_path, plan(demo_app), users=1, seconds=30, extra=extra)
        assert run.returncode == EXIT_BAD_INPUT and message in run.stderr, run.explain()
        assert run.stats == {}, run.explain()
