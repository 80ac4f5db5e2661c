"""Elastic runs: agents that register during a run and match its selector join it, carry load, and share the target
rate; one that is killed leaves the rest carrying on. Real etcd, agents, Locust master and workers, and a real target.

The machine is shared and busy: joining "within 5 s of registering" is measured from the moment the test sees the
agent's key in etcd to the moment Locust's master lists its worker; rates are checked in wide bands (how closely a
target is held is benchmarks/target_rate's business).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.fleet_fixtures import (
    LOCUST_FLEET,
    AgentProcess,
    EtcdServer,
    FleetMaster,
    StartAgent,
    processes_with_env,
    wait_until,
)
from tests.helpers import RecordingServer

pytest_plugins = ("tests.fleet_fixtures",)
pytestmark = pytest.mark.e2e

TARGET_RPS = 12
USERS = 12
JOIN_WITHIN_S = 5.0
AGENT_ID_ENV = "LOCUST_FLEET_AGENT_ID"


def paced_plan(host: str) -> dict[str, Any]:
    step = {"name": "health", "url": "/health", "assert": [{"on": "STATUS", "op": "EQ", "value": "200"}]}
    return {
        "name": "elastic",
        "host": host,
        "load": {"targetRps": TARGET_RPS},
        "tasks": [{"name": "t", "steps": [step]}],
    }


def workers_of(master: FleetMaster, agent_id: str) -> list[dict[str, Any]]:
    """The agent's Locust workers as Locust's master lists them (id, state, user_count), joined by worker id."""
    ids = {worker["id"] for worker in master.agents().get(agent_id, {}).get("locustWorkers", [])}
    return [worker for worker in master.workers() if worker["id"] in ids and worker["state"] != "missing"]


def carrying_users(master: FleetMaster, agent_id: str) -> bool:
    return any(worker["user_count"] > 0 for worker in workers_of(master, agent_id))


def rate_at(recorder: RecordingServer, seconds: float) -> float:
    first, started = len(recorder.requests), time.monotonic()
    time.sleep(seconds)  # the measuring window, not a wait for something to happen
    return (len(recorder.requests) - first) / (time.monotonic() - started)


def start_labelled(start_agent: StartAgent, agent_id: str, zone: str) -> AgentProcess:
    return start_agent(agent_id=agent_id, extra=("--no-browser", "--labels", f"zone={zone}"))


def joined_within(master: FleetMaster, agent: AgentProcess) -> float:
    """Seconds from the agent's registration (as seen in etcd) to its worker listed by Locust's master."""
    agent.wait_registered(timeout=60)
    registered = time.monotonic()
    wait_until(lambda: workers_of(master, agent.id), 60, f"{agent.id}'s worker in the swarm", master.log)
    return time.monotonic() - registered


def test_agents_that_register_mid_run_join_carry_load_and_share_the_target(
    fleet_master: FleetMaster, start_agent: StartAgent, recorder: RecordingServer
) -> None:
    first = start_labelled(start_agent, "eu-1", "eu")
    outsider = start_labelled(start_agent, "us-1", "us")
    first.wait_registered(timeout=60)
    outsider.wait_registered(timeout=60)
    wait_until(lambda: len(fleet_master.agents()) == 2, 30, "both agents listed")
    assert fleet_master.api("PUT", "/plans/elastic", paced_plan(recorder.url))[0] == 200
    body = {"plan": "elastic", "agents": "zone=eu", "elastic": True, "processes": 1}
    status, answer = fleet_master.api("POST", "/deploy", body)
    assert status == 200 and list(answer["results"]) == ["eu-1"] and answer["results"]["eu-1"]["ok"], answer
    assert answer["elastic"]["selector"] == "zone=eu", answer
    try:
        wait_until(lambda: len(fleet_master.connected_workers()) == 1, 60, "eu-1's worker", fleet_master.log)
        fleet_master.swarm(USERS, recorder.url)
        wait_until(lambda: len(recorder.requests) > TARGET_RPS, 60, "requests at the target", fleet_master.log)

        joining = [start_labelled(start_agent, agent_id, "eu") for agent_id in ("eu-2", "eu-3")]
        join_times = {agent.id: joined_within(fleet_master, agent) for agent in joining}
        assert all(seconds <= JOIN_WITHIN_S for seconds in join_times.values()), join_times
        for agent in joining:
            wait_until(
                lambda a=agent: carrying_users(fleet_master, a.id),
                30,
                f"{agent.id} carrying users",
                lambda: f"workers: {fleet_master.workers()}",
            )
        third = f"{TARGET_RPS / 3:g} req/s for each of 3 workers"
        wait_until(lambda: third in fleet_master.log(), 30, f"the master's split: {third}", fleet_master.log)
        together = rate_at(recorder, 6)
        # The target holds across the change: three workers at a third each pace to it, never far above it.
        assert 0.6 * TARGET_RPS <= together <= 1.15 * TARGET_RPS, together
        assert outsider.current_value()["state"] == "idle"
        _, listed = fleet_master.api("GET", "/agents")
        assert sorted(listed["elastic"]["taken"]) == ["eu-1", "eu-2", "eu-3"], listed["elastic"]

        killed = joining[0]
        killed.process.send_signal(signal.SIGKILL)
        for pid in processes_with_env(AGENT_ID_ENV, killed.id):
            os.killpg(pid, signal.SIGKILL)
        wait_until(lambda: len(fleet_master.connected_workers()) == 2, 60, "2 workers left", fleet_master.log)
        for agent_id in ("eu-1", "eu-3"):
            wait_until(lambda a=agent_id: carrying_users(fleet_master, a), 30, f"{agent_id} carrying users")
        rates: list[float] = []

        def carrying_on() -> bool:
            rates.append(rate_at(recorder, 4))
            return rates[-1] >= 0.6 * TARGET_RPS

        wait_until(carrying_on, 60, "the two agents left at the target", lambda: f"rates: {rates}")
        assert fleet_master.stats()["user_count"] == USERS
    finally:
        fleet_master.api("POST", "/release", {"agents": "all"})
    _, listed = fleet_master.api("GET", "/agents")
    assert listed["elastic"] is None


def test_an_elastic_deploy_takes_a_selector_and_a_boolean(fleet_master: FleetMaster) -> None:
    assert fleet_master.api("PUT", "/plans/elastic", paced_plan("http://127.0.0.1:9"))[0] == 200
    status, body = fleet_master.api("POST", "/deploy", {"plan": "elastic", "agents": ["eu-1"], "elastic": True})
    assert (status, body["path"]) == (400, "agents"), body
    assert "an elastic run takes a selector" in body["error"]
    status, body = fleet_master.api("POST", "/deploy", {"plan": "elastic", "agents": "all", "elastic": "yes"})
    assert (status, body) == (400, {"error": "expected true or false", "path": "elastic"})
    status, body = fleet_master.api("POST", "/deploy", {"plan": "elastic", "agents": "zone=mars"})
    assert (status, body) == (400, {"error": "no registered agent matches 'zone=mars'", "path": "agents"})
    status, body = fleet_master.api("POST", "/deploy", {"plan": "elastic", "agents": "zone"})
    assert status == 400 and body["error"].startswith("'zone' is not a selector"), body


def test_headless_elastic_runs_take_in_agents_and_release_them_at_the_end(
    tmp_path: Path, etcd_server: EtcdServer, fleet_prefix: str, start_agent: StartAgent, recorder: RecordingServer
) -> None:
    start_labelled(start_agent, "ci-1", "ci").wait_registered(timeout=60)
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(paced_plan(recorder.url)))
    command = [str(LOCUST_FLEET), "--master", "--headless", "--master-bind-host", "127.0.0.1", "--master-bind-port"]
    command += [str(free_port()), "--fleet-etcd", etcd_server.endpoint, "--fleet-prefix", fleet_prefix, "--fleet-plan"]
    command += [str(plan_path), "--fleet-agents", "zone=ci", "--fleet-elastic", "--expect-workers", "1"]
    command += ["-u", "4", "-r", "4", "-t", "15s", "--only-summary"]
    log_path = tmp_path / "headless.log"
    with log_path.open("w") as log:
        master = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "ci-1" in log_path.read_text() and len(recorder.requests) > 0, 60, "the run started")
        late = start_labelled(start_agent, "ci-2", "ci")
        late.wait_value(lambda value: value["state"] == "running", 30, "ci-2 taken in")
        assert master.wait(timeout=60) == 0, log_path.read_text()
    finally:
        if master.poll() is None:
            master.kill()
    assert "elastic run" in log_path.read_text() and "took in ci-2" in log_path.read_text()
    late.wait_value(lambda value: value["state"] == "idle", 30, "ci-2 released at the end")


def test_headless_elastic_needs_a_selector(tmp_path: Path, etcd_server: EtcdServer, fleet_prefix: str) -> None:
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(paced_plan("http://127.0.0.1:9")))
    command = [str(LOCUST_FLEET), "--master", "--headless", "--fleet-etcd", etcd_server.endpoint, "--fleet-prefix"]
    command += [fleet_prefix, "--fleet-plan", str(plan_path), "--fleet-agents", "a1,a2", "--fleet-elastic"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert "--fleet-elastic: takes --fleet-agents all or labels such as zone=eu, not agent ids" in result.stderr
