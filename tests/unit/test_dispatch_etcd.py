"""The master's calls to agents: real agents served over gRPC on loopback (registered in etcd), one result each."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import trustme

from locust_ext.master.dispatch import Dispatcher
from locust_ext.plan.validation import parse_plan
from locust_ext.proto import fleet_pb2
from locust_ext.wire.etcd import Etcd
from locust_ext.wire.grpc_security import GrpcSecurity
from tests.conftest import free_port
from tests.fleet_fixtures import EtcdServer
from worker_agent.agent import Agent
from worker_agent.service import add_services, create_server
from worker_agent.state import AgentIdentity

pytestmark = pytest.mark.unit

TOKEN = "fleet-token-0123456789"
PLAN = {"name": "shop", "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": [{"url": "/"}]}]}
JOURNEYS = {"name": "browse", "journeys": [{"name": "j", "steps": [{"action": "GOTO", "url": "http://127.0.0.1:9/"}]}]}


class AgentServers:
    """Agents as `locust-fleet-agent` runs them (the Agent service on a gRPC server), in this process."""

    def __init__(self, etcd: EtcdServer, prefix: str, workdir: Path) -> None:
        self.etcd, self.prefix, self.workdir = etcd, prefix, workdir
        self.running: list[tuple[grpc.Server, Agent]] = []

    def start(self, agent_id: str, security: GrpcSecurity | None = None) -> dict[str, Any]:
        security = security or GrpcSecurity()
        server, port = create_server("127.0.0.1:0", security)
        identity = AgentIdentity.of_this_machine(agent_id, f"127.0.0.1:{port}", {}, security.describe())
        agent = Agent(identity, Etcd(self.etcd.endpoint, timeout=1), self.prefix, 10, self.workdir / agent_id, 1)
        add_services(server, agent)
        server.start()
        agent.start()
        self.running.append((server, agent))
        return {"id": agent_id, "address": identity.address, "security": identity.security}

    def close(self) -> None:
        for server, agent in self.running:
            server.stop(grace=0)
            agent.close()


@pytest.fixture
def agents(etcd: EtcdServer, prefix: str, tmp_path: Path) -> Iterator[AgentServers]:
    servers = AgentServers(etcd, prefix, tmp_path)
    try:
        yield servers
    finally:
        servers.close()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    ca = trustme.CA()
    agent = ca.issue_cert("127.0.0.1")
    return {
        "ca": ca.cert_pem.bytes(),
        "cert": agent.cert_chain_pems[0].bytes(),
        "key": agent.private_key_pem.bytes(),
        "other_ca": trustme.CA().cert_pem.bytes(),
    }


def init_request(plan: dict[str, Any] = PLAN, master_port: int = 0, processes: int = 1) -> fleet_pb2.InitBoomerRequest:
    return fleet_pb2.InitBoomerRequest(
        plan=parse_plan(plan),
        master_host="127.0.0.1",
        master_port=master_port or free_port(),
        processes=processes,
        run_id="run-1",
    )


def test_releasing_idle_agents_answers_for_each(agents: AgentServers) -> None:
    fleet = [agents.start("a1"), agents.start("a2")]
    assert Dispatcher().end_boomer(fleet, "") == {
        "a1": {"ok": True, "message": "idle"},
        "a2": {"ok": True, "message": "idle"},
    }


def test_an_agent_that_cannot_reach_the_master_says_why(agents: AgentServers) -> None:
    agent = agents.start("a1")
    port = free_port()
    results = Dispatcher().init_boomer([agent], init_request(master_port=port))
    assert results == {
        "a1": {"ok": False, "message": f"cannot reach the master at 127.0.0.1:{port}: connection refused"}
    }


def test_an_agent_refuses_a_request_naming_the_field(agents: AgentServers) -> None:
    agent = agents.start("a1")
    results = Dispatcher().init_boomer([agent], init_request(processes=300))
    assert results == {"a1": {"ok": False, "message": "processes: expected 0 (one per core) to 256"}}


def test_an_agent_without_a_browser_refuses_journeys(agents: AgentServers) -> None:
    agent = agents.start("a1")
    results = Dispatcher().init_boomer([agent], init_request(JOURNEYS))
    message = "this agent cannot run the plan's browser journeys: started with --no-browser"
    assert results == {"a1": {"ok": False, "message": message}}


def test_an_address_nobody_listens_on_did_not_answer() -> None:
    address = f"127.0.0.1:{free_port()}"
    results = Dispatcher(timeout_s=5).end_boomer([{"id": "gone", "address": address}], "")
    assert results["gone"]["ok"] is False
    assert results["gone"]["message"].startswith(f"agent at {address} did not answer: UNAVAILABLE: ")


def test_an_agent_that_does_not_answer_in_time_is_reported_and_the_others_still_answer(agents: AgentServers) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        fleet = [{"id": "silent", "address": address}, agents.start("a1")]
        results = Dispatcher(timeout_s=0.5).end_boomer(fleet, "")
    assert results == {
        "silent": {"ok": False, "message": f"agent at {address} did not answer: DEADLINE_EXCEEDED: Deadline Exceeded"},
        "a1": {"ok": True, "message": "idle"},
    }


def test_an_agent_requiring_what_the_master_lacks_is_not_called() -> None:
    agent = {"id": "locked", "address": "127.0.0.1:1", "security": {"tls": True, "clientCert": True, "token": True}}
    assert Dispatcher().end_boomer([agent], "") == {
        "locked": {
            "ok": False,
            "message": "the agent requires what this master was not given: --fleet-tls-ca (the CA that signed its "
            "certificate), --fleet-tls-cert and --fleet-tls-key (mutual TLS), --fleet-token (or LOCUST_FLEET_TOKEN)",
        }
    }


def test_a_token_agent_answers_only_the_right_token(agents: AgentServers) -> None:
    agent = agents.start("a1", GrpcSecurity(token=TOKEN))
    assert agent["security"] == {"tls": False, "clientCert": False, "token": True}
    assert Dispatcher(GrpcSecurity(token=TOKEN)).end_boomer([agent], "") == {"a1": {"ok": True, "message": "idle"}}
    wrong = Dispatcher(GrpcSecurity(token="another-token-0123456789")).end_boomer([agent], "")
    assert wrong["a1"] == {
        "ok": False,
        "message": f"agent at {agent['address']} did not answer: UNAUTHENTICATED: wrong token: send the fleet token "
        "as 'authorization: Bearer <token>' (the master's --fleet-token)",
    }


def test_a_token_agent_that_did_not_announce_it_refuses_a_call_without_one(agents: AgentServers) -> None:
    agent = agents.start("a1", GrpcSecurity(token=TOKEN)) | {"security": {}}
    results = Dispatcher().end_boomer([agent], "")
    assert "UNAUTHENTICATED: missing token" in results["a1"]["message"]


def test_a_tls_agent_answers_a_master_that_trusts_its_ca(agents: AgentServers, pki: dict[str, bytes]) -> None:
    agent = agents.start("a1", GrpcSecurity(cert=pki["cert"], key=pki["key"]))
    assert Dispatcher(GrpcSecurity(ca=pki["ca"])).end_boomer([agent], "") == {"a1": {"ok": True, "message": "idle"}}


def test_a_master_trusting_another_ca_does_not_get_through(agents: AgentServers, pki: dict[str, bytes]) -> None:
    agent = agents.start("a1", GrpcSecurity(cert=pki["cert"], key=pki["key"]))
    results = Dispatcher(GrpcSecurity(ca=pki["other_ca"]), timeout_s=5).end_boomer([agent], "")
    assert results["a1"]["ok"] is False
    assert results["a1"]["message"].startswith(f"agent at {agent['address']} did not answer: UNAVAILABLE: ")
