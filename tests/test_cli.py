"""The `locust-fleet` command: plain Locust with the plugin, and a bad plan stopped before any load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import LOCUST_FLEET, RecordingServer, run_fleet


def plan_errors(stderr: str) -> list[str]:
    """stderr without Locust's own log lines (which start with a timestamp in brackets)."""
    return [line for line in stderr.splitlines() if not line.startswith("[")]


def test_locust_fleet_is_locust_with_the_plan_user_classes() -> None:
    result = subprocess.run([str(LOCUST_FLEET), "--list"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.split() == ["Available", "Users:", "PlanBrowserUser", "PlanHttpUser"]


def test_bad_plan_exits_2_with_one_line_per_error_before_any_load(tmp_path: Path, recorder: RecordingServer) -> None:
    plan = {
        "name": "bad",
        "host": recorder.url,
        "tasks": [
            {
                "name": "t",
                "steps": [
                    {"url": "/a", "method": "FETCH"},
                    {"url": "/b", "assert": [{"on": "STATUS", "op": "EQUALS", "value": "200"}]},
                    {"url": "/c", "save": [{"name": "x", "from": "REGEX", "expr": "(unclosed"}]},
                ],
            }
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(plan))
    run = run_fleet(tmp_path, path, users=5, seconds=5)
    assert run.returncode == 2
    assert plan_errors(run.stderr) == [
        f'{path}: tasks[0].steps[0].method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS; got "FETCH"',
        f"{path}: tasks[0].steps[1].assert[0].op: expected one of EQ, NE, LT, LE, GT, GE, CONTAINS, NOT_CONTAINS, "
        'MATCHES, EXISTS, NOT_EXISTS, TYPE; got "EQUALS"',
        f"{path}: tasks[0].steps[2].save[0].expr: not a valid regular expression "
        "(missing ), unterminated subpattern at position 0)",
    ]
    assert recorder.requests == []
    assert run.stats == {}


def test_plan_that_is_not_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("{'name': 'single quotes'}")
    run = run_fleet(tmp_path, path)
    assert run.returncode == 2
    assert plan_errors(run.stderr) == [
        f"{path}: plan: not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"
    ]


def test_missing_plan_file_exits_2(tmp_path: Path) -> None:
    run = run_fleet(tmp_path, tmp_path / "nowhere.json")
    assert run.returncode == 2
    assert "cannot read" in run.stderr and "No such file or directory" in run.stderr


def test_headless_run_without_a_plan_exits_2(tmp_path: Path) -> None:
    command = [str(LOCUST_FLEET), "--headless", "-u", "1", "-t", "2s"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert "--fleet-plan: required for a headless run" in result.stderr


def test_a_users_own_locustfile_gets_the_plan_users_from_the_package(tmp_path: Path, recorder: RecordingServer) -> None:
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text(
        "from locust import HttpUser, constant, task\n"
        "from locust_ext import PlanHttpUser\n\n\n"
        "class Hand(HttpUser):\n"
        "    wait_time = constant(0.05)\n\n"
        "    @task\n"
        "    def hand_written(self):\n"
        "        self.client.get('/by-hand')\n"
    )
    plan = {
        "name": "own",
        "host": recorder.url,
        "tasks": [{"name": "t", "steps": [{"name": "planned", "url": "/plan"}]}],
    }
    run = run_fleet(tmp_path, plan, users=4, seconds=3, locustfile=locustfile, extra=("-H", recorder.url))
    assert run.returncode == 0, run.explain()
    assert run.requests("planned") > 0 and run.requests("/by-hand") > 0, run.explain()


def test_the_package_gives_plans_without_importing_locust() -> None:
    code = "import sys, locust_ext; print(sorted({'locust', 'gevent'} & set(sys.modules)), locust_ext.Plan.__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["[]", "Plan"]
