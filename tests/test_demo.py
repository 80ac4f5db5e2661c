"""The example plans against the demo app, run exactly as the README shows."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from locust_ext.plan.validation import load_plan
from tests.conftest import free_port
from tests.fleet_fixtures import wait_until
from tests.helpers import ROOT, run_fleet
from tests.reliability import record

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


def test_ctrl_c_stops_the_whole_demo(tmp_path: Path) -> None:
    """Ctrl-C in the terminal (SIGINT to the foreground process group) stops etcd, the demo app, the agent, its
    worker, the master and Prometheus: nothing is left running; meanwhile Prometheus scraped the master."""
    ports = {name: free_port() for name in ("TARGET", "WEB", "ETCD", "ETCD_PEER", "AGENT", "MASTER", "PROMETHEUS")}
    env = {**os.environ, **{f"DEMO_{name}_PORT": str(port) for name, port in ports.items()}}

    def as_in_a_terminal() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a shell started in the background ignores it
        os.setsid()

    log = (tmp_path / "demo.log").open("w")
    demo = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "demo.sh")], env=env, preexec_fn=as_in_a_terminal, stdout=log, stderr=log
    )
    group = os.getpgid(demo.pid)
    try:
        agents_url = f"http://127.0.0.1:{ports['WEB']}/fleet/api/agents"
        wait_until(lambda: b'"running"' in fetch(agents_url), 240, "the demo's agent running the demo plan")
        scraped = f"http://127.0.0.1:{ports['PROMETHEUS']}/api/v1/query?query=locust_fleet_agents"
        wait_until(lambda: b'"running"' in fetch(scraped), 60, "Prometheus scraped the running agent")
        os.killpg(group, signal.SIGINT)
        pressed = time.monotonic()
        left = wait_until(lambda: not running_in(group, demo), 30, "every demo process gone", lambda: ps(group))
        stopped_s = time.monotonic() - pressed
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        demo.wait()
    assert left
    record(
        kind="fault",
        name="Ctrl-C of scripts/demo.sh",
        tried=1,
        survived=1,
        detail=f"SIGINT to the demo's process group; every process (etcd, demo app, agent, worker, master, "
        f"Prometheus) gone "
        f"after {stopped_s:.1f} s",
        stopped_s=round(stopped_s, 2),
    )


def fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read()
    except OSError:
        return b""


def running_in(group: int, shell: subprocess.Popen) -> bool:
    shell.poll()  # reaps the demo's shell once it has exited
    return bool(ps(group).strip())


def ps(group: int) -> str:
    listing = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-g", str(group)], capture_output=True, text=True).stdout
    return "\n".join(line for line in listing.splitlines() if " Z" not in line)
