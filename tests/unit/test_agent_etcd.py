"""The agent's registry entry and its state changes, on a real etcd, without starting any Locust worker."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from locust_ext.plan.validation import parse_plan
from locust_ext.wire.etcd import Etcd, EtcdAccess
from tests.conftest import free_port
from tests.fleet_fixtures import EtcdServer
from worker_agent.agent import Agent, Reply, RunRequest
from worker_agent.registry import Registry
from worker_agent.state import AgentIdentity

pytestmark = pytest.mark.unit

PLAN = {"name": "shop", "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": [{"url": "/"}]}]}
JOURNEY_PLAN = {
    "name": "browse",
    "journeys": [{"name": "j", "steps": [{"action": "GOTO", "url": "http://127.0.0.1:9/"}]}],
}


class Registries:
    def __init__(self, etcd: EtcdServer) -> None:
        self.etcd = etcd
        self.started: list[Registry] = []

    def start(self, key: str, value: dict[str, Any], ttl: int = 3, endpoint: str = "") -> Registry:
        registry = Registry(Etcd(endpoint or self.etcd.endpoint, timeout=1), key, ttl, value)
        registry.start()
        self.started.append(registry)
        return registry

    def close_one(self, registry: Registry) -> None:
        self.started.remove(registry)
        registry.close()

    def close(self) -> None:
        for registry in self.started:
            registry.close()


@pytest.fixture
def registries(etcd: EtcdServer) -> Iterator[Registries]:
    registries = Registries(etcd)
    try:
        yield registries
    finally:
        registries.close()


def eventually(condition: Callable[[], object], what: str, timeout: float = 10) -> None:
    """Poll briskly: the registry writes within milliseconds of a change."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.02)


def value_becomes(
    etcd: EtcdServer, key: str, condition: Callable[[dict[str, Any] | None], bool]
) -> dict[str, Any] | None:
    eventually(lambda: condition(etcd.value(key)), f"{key} changed as expected")
    return etcd.value(key)


def test_an_agent_registers_under_a_lease_and_leaves_at_once_when_closed(
    registries: Registries, etcd: EtcdServer, prefix: str
) -> None:
    key = f"{prefix}agents/a1"
    registry = registries.start(key, {"id": "a1", "state": "idle"})
    assert value_becomes(etcd, key, lambda value: value is not None) == {"id": "a1", "state": "idle"}
    assert etcd.lease_of(key)
    registries.close_one(registry)
    assert etcd.value(key) is None


def test_a_new_value_is_written_while_registered(registries: Registries, etcd: EtcdServer, prefix: str) -> None:
    key = f"{prefix}agents/a1"
    registry = registries.start(key, {"state": "idle"})
    value_becomes(etcd, key, lambda value: value is not None)
    lease = etcd.lease_of(key)
    registry.update({"state": "running"})
    assert value_becomes(etcd, key, lambda value: value == {"state": "running"}) == {"state": "running"}
    assert etcd.lease_of(key) == lease


def test_an_agent_whose_lease_was_revoked_registers_again(
    registries: Registries, etcd: EtcdServer, prefix: str
) -> None:
    key = f"{prefix}agents/a1"
    registries.start(key, {"state": "idle"}, ttl=1)
    value_becomes(etcd, key, lambda value: value is not None)
    lease = etcd.lease_of(key)
    first = etcd.client().get(key)
    assert first is not None
    etcd.etcdctl("lease", "revoke", format(lease, "x"))
    eventually(
        lambda: (entry := etcd.client().get(key)) is not None and entry.mod_revision > first.mod_revision,
        "the agent registered again",
    )
    assert etcd.value(key) == {"state": "idle"}
    assert etcd.lease_of(key) not in (None, lease)


def test_an_agent_that_cannot_reach_etcd_says_so_once_and_keeps_trying(
    registries: Registries, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    with caplog.at_level(logging.WARNING, logger="worker_agent.registry"):
        registries.start("/x/agents/a1", {}, endpoint=f"127.0.0.1:{port}")
        eventually(lambda: caplog.records, "a warning about etcd")
        time.sleep(1.2)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1
    assert messages[0].startswith(f"etcd unavailable (127.0.0.1:{port}: ")
    assert messages[0].endswith("start etcd or fix --fleet-etcd; retrying every 1 s")


def test_an_agent_says_so_again_when_etcd_refuses_it_for_a_new_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = EtcdServer(tmp_path / "etcd")
    server.start()
    server.etcdctl("user", "add", "root:root-password")
    server.etcdctl("auth", "enable")
    server.stop()
    access = EtcdAccess(user="fleet", password="not-the-password")
    registry = Registry(Etcd(server.endpoint, timeout=1, access=access), "/x/agents/a1", 3, {})
    with caplog.at_level(logging.WARNING, logger="worker_agent.registry"):
        registry.start()
        try:
            eventually(lambda: caplog.records, "a warning about etcd away")
            server.start()
            eventually(lambda: len(caplog.records) > 1, "a warning about the password")
            time.sleep(1.2)
        finally:
            registry.close()
            server.stop()
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert messages[0].endswith("start etcd or fix --fleet-etcd; retrying every 1 s")
    assert "authentication failed" in messages[1]
    hint = "check etcd's user, password and role for this prefix (--fleet-etcd-user/-password)"
    assert messages[1].endswith(f"{hint}; retrying every 1 s")


class Agents:
    def __init__(self, etcd: EtcdServer, prefix: str, workdir: Path) -> None:
        self.etcd, self.prefix, self.workdir = etcd, prefix, workdir
        self.started: list[Agent] = []

    def start(self, agent_id: str = "a1") -> Agent:
        identity = AgentIdentity.of_this_machine(agent_id, "127.0.0.1:50051", {}, {})
        agent = Agent(identity, Etcd(self.etcd.endpoint, timeout=1), self.prefix, 10, self.workdir, 1)
        agent.start()
        self.started.append(agent)
        return agent

    def value(self, agent_id: str = "a1") -> dict[str, Any] | None:
        return self.etcd.value(f"{self.prefix}agents/{agent_id}")

    def value_when(self, condition: Callable[[dict[str, Any]], bool], agent_id: str = "a1") -> dict[str, Any]:
        eventually(lambda: (value := self.value(agent_id)) is not None and condition(value), "the agent's value")
        value = self.value(agent_id)
        assert value is not None
        return value

    def close_one(self, agent: Agent) -> None:
        self.started.remove(agent)
        agent.close()

    def close(self) -> None:
        for agent in self.started:
            agent.close()


@pytest.fixture
def agents(etcd: EtcdServer, prefix: str, tmp_path: Path) -> Iterator[Agents]:
    agents = Agents(etcd, prefix, tmp_path)
    try:
        yield agents
    finally:
        agents.close()


def run_request(plan: dict[str, Any] = PLAN, master_port: int | None = None, run_id: str = "run-1") -> RunRequest:
    return RunRequest(parse_plan(json.loads(json.dumps(plan))), "127.0.0.1", master_port or free_port(), 1, run_id)


def test_a_started_agent_is_idle_and_waiting_for_a_plan(agents: Agents) -> None:
    agents.start()
    value = agents.value_when(lambda value: True)
    assert (value["id"], value["state"], value["message"], value["capabilities"]) == (
        "a1",
        "idle",
        "waiting for a plan",
        ["http"],
    )


def test_a_run_whose_master_cannot_be_reached_is_an_error_the_master_can_read(agents: Agents) -> None:
    agent = agents.start()
    port = free_port()
    reply = agent.init_boomer(run_request(master_port=port))
    message = f"cannot reach the master at 127.0.0.1:{port}: connection refused"
    assert reply == Reply(False, message)
    value = agents.value_when(lambda value: value["state"] == "error")
    assert (value["plan"], value["runId"], value["message"], value["workers"]) == ("shop", "run-1", message, [])
    assert agent.snapshot().state == "error"


def test_releasing_an_agent_in_error_makes_it_idle_again(agents: Agents) -> None:
    agent = agents.start()
    agent.init_boomer(run_request())
    assert agent.end_boomer("") == Reply(True, "idle")
    value = agents.value_when(lambda value: value["message"] == "released after the error")
    assert (value["state"], value["plan"], value["runId"]) == ("idle", "", "")


def test_releasing_an_idle_agent_changes_nothing(agents: Agents) -> None:
    agent = agents.start()
    assert agent.end_boomer("any-run") == Reply(True, "idle")
    assert agent.snapshot().message == "waiting for a plan"


def test_an_agent_without_a_browser_refuses_journeys_and_stays_idle(agents: Agents) -> None:
    agent = agents.start()
    reply = agent.init_boomer(run_request(JOURNEY_PLAN))
    assert reply == Reply(False, "this agent cannot run the plan's browser journeys: started with --no-browser")
    assert agent.snapshot().state == "idle"


def test_a_closed_agent_leaves_etcd_and_refuses_new_runs(agents: Agents) -> None:
    agent = agents.start()
    agents.value_when(lambda value: True)
    agents.close_one(agent)
    assert agents.value() is None
    assert agent.init_boomer(run_request()) == Reply(False, "the agent is shutting down")


def test_closing_an_agent_whose_lease_is_already_gone_is_quiet_and_can_be_repeated(
    registries: Registries, etcd: EtcdServer, prefix: str
) -> None:
    key = f"{prefix}agents/a1"
    registry = registries.start(key, {"state": "idle"}, ttl=30)
    value_becomes(etcd, key, lambda value: value is not None)
    lease = etcd.lease_of(key)
    assert lease is not None
    etcd.etcdctl("lease", "revoke", format(lease, "x"))
    registries.close_one(registry)
    registry.close()
    assert etcd.value(key) is None
