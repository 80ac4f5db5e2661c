"""The agent for real: `locust-fleet-agent` processes, a real etcd, a real Locust master, gRPC over loopback."""

from __future__ import annotations

import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from locust_ext.plan.validation import parse_plan
from locust_ext.proto import fleet_pb2
from tests.conftest import free_port
from tests.fleet_fixtures import (
    TEST_PLAN,
    TEST_TTL,
    AgentProcess,
    EtcdServer,
    LocustMaster,
    StartAgent,
    wait_until,
)
from tests.reliability import record

pytest_plugins = ("tests.fleet_fixtures",)

AGENT_SERVICE = "locust_fleet.v1.Agent"
# Deadlines for what an agent or a master does by itself (a write to etcd, a restart, a worker connecting): each
# takes well under a few seconds, but a busy shared machine can be several times slower. Only a failure waits this long.
WITHIN_S = 30


def init_request(master_port: int, run_id: str = "run-1", processes: int = 2) -> fleet_pb2.InitBoomerRequest:
    return fleet_pb2.InitBoomerRequest(
        plan=parse_plan(TEST_PLAN), master_host="127.0.0.1", master_port=master_port, processes=processes, run_id=run_id
    )


def end_request(run_id: str = "") -> fleet_pb2.EndBoomerRequest:
    return fleet_pb2.EndBoomerRequest(run_id=run_id)


def pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def memory_mb() -> int:
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    return int(meminfo["MemTotal"].split()[0]) // 1024


def start_running(agent: AgentProcess, master: LocustMaster, run_id: str = "run-1") -> fleet_pb2.AgentStatus:
    """Deploy the test plan with 2 workers and wait until Locust's master has both."""
    reply = agent.stub().InitBoomer(init_request(master.port, run_id), timeout=10)
    assert (reply.status, reply.message) == (True, "started 2 workers for plan agent-test"), agent.log()
    wait_until(lambda: len(master.connected_workers()) == 2, 2 * WITHIN_S, "the master lists 2 workers", master.log)
    return agent.status()


def test_agent_does_not_import_locust() -> None:
    # Importing Locust monkey-patches the process with gevent, which the agent's threads and gRPC must not get.
    code = "import sys, worker_agent.cli; print(sorted({'locust', 'gevent'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_agent_registers_its_machine_and_leaves_at_once_on_sigterm(start_agent: StartAgent) -> None:
    agent = start_agent(extra=("--labels", "zone=lab, rack=r1", "--processes", "3"))
    value = agent.wait_registered()

    hostname = socket.gethostname()
    port = int(value["address"].rsplit(":", 1)[1])
    started_at = datetime.datetime.strptime(value.pop("startedAt"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    assert abs((datetime.datetime.now(datetime.UTC) - started_at).total_seconds()) < 60
    assert abs(value.pop("memoryMb") - memory_mb()) <= 1
    assert value == {
        "id": f"{hostname}-{port}",
        "address": f"127.0.0.1:{port}",
        "hostname": hostname,
        "cpus": os.cpu_count(),
        "capabilities": ["http"],
        "labels": {"zone": "lab", "rack": "r1"},
        "state": "idle",
        "plan": "",
        "runId": "",
        "message": "waiting for a plan",
        "workers": [],
        "version": metadata.version("locust-fleet"),
        "security": {"tls": False, "clientCert": False, "token": False},
    }
    status = agent.status()
    assert (status.id, status.state, list(status.workers)) == (value["id"], "idle", [])
    # Any: typeshed's stubs for these generated clients leave out the methods grpc gives them in __init__.
    health: Any = health_pb2_grpc.HealthStub(agent.channel)
    for service in ("", AGENT_SERVICE):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    reflection: Any = reflection_pb2_grpc.ServerReflectionStub(agent.channel)
    [answer] = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    assert AGENT_SERVICE in {service.name for service in answer.list_services_response.service}

    assert agent.signal_and_wait(signal.SIGTERM, timeout=WITHIN_S) == 0
    # Checked at once, well within the lease's TTL: the key is gone because the agent revoked its lease.
    assert agent.value() is None
    assert agent.worker_processes() == []
    log = agent.log()
    assert f"agent started id={value['id']} address=127.0.0.1:{port}" in log
    assert "WARNING" not in log and "ERROR" not in log, log


def test_killed_agent_disappears_when_its_lease_expires(start_agent: StartAgent) -> None:
    agent = start_agent(agent_id="doomed")
    agent.wait_registered()
    # Taken before the kill: a test delayed by a busy machine can only see the key go later, never earlier.
    killed = time.monotonic()
    agent.signal_and_wait(signal.SIGKILL, timeout=WITHIN_S)
    wait_until(lambda: agent.value() is None, TEST_TTL + WITHIN_S, "the key of the killed agent expired")
    assert time.monotonic() - killed > 0.5, "the key vanished before any lease could expire"


def test_invalid_init_requests_are_refused_naming_the_field(start_agent: StartAgent) -> None:
    agent = start_agent(agent_id="strict")
    agent.wait_registered()
    save = fleet_pb2.Save(name="x", source=fleet_pb2.Save.REGEX, expr="(unclosed")
    plan = fleet_pb2.Plan(
        name="bad", tasks=[fleet_pb2.Task(name="t", steps=[fleet_pb2.HttpStep(url="/", save=[save])])]
    )
    request = fleet_pb2.InitBoomerRequest(plan=plan, master_host="127.0.0.1", master_port=5557, run_id="r")
    reply = agent.stub().InitBoomer(request, timeout=10)
    assert not reply.status
    assert reply.message == (
        "tasks[0].steps[0].save[0].expr: not a valid regular expression "
        "(missing ), unterminated subpattern at position 0)"
    )

    request = fleet_pb2.InitBoomerRequest(plan=parse_plan(TEST_PLAN), master_port=70000, processes=1000)
    reply = agent.stub().InitBoomer(request, timeout=10)
    assert not reply.status
    assert reply.message == (
        "masterHost: required; masterPort: expected 1..65535; processes: expected 0 (one per core) to 256; "
        "runId: required"
    )

    assert agent.process.poll() is None
    status = agent.status()
    assert (status.state, status.run_id, list(status.workers)) == ("idle", "", [])
    value = agent.value()
    assert value is not None and value["state"] == "idle"
    assert agent.worker_processes() == []


def test_init_and_end_boomer_run_workers_for_a_real_master(
    start_agent: StartAgent, locust_master: LocustMaster
) -> None:
    agent = start_agent(agent_id="runner")
    agent.wait_registered()
    status = start_running(agent, locust_master)
    first_ids = {worker["id"] for worker in locust_master.connected_workers()}

    value = agent.wait_value(lambda v: v["state"] == "running", WITHIN_S, "the etcd value says running")
    assert (value["plan"], value["runId"]) == ("agent-test", "run-1")
    assert value["message"] == "started 2 workers for plan agent-test"
    assert [(w["index"], w["alive"], w["restarts"]) for w in value["workers"]] == [(0, True, 0), (1, True, 0)]
    pids = [worker["pid"] for worker in value["workers"]]
    assert (status.state, status.plan, status.run_id) == ("running", "agent-test", "run-1")
    assert [(w.pid, w.alive, w.restarts) for w in status.workers] == [(pid, True, 0) for pid in pids]
    assert agent.worker_processes() == sorted(pids)

    again = agent.stub().InitBoomer(init_request(locust_master.port, "run-1"), timeout=10)
    assert again.status, again.message
    assert [w.pid for w in agent.status().workers] == pids
    assert agent.worker_processes() == sorted(pids)

    other = agent.stub().InitBoomer(init_request(locust_master.port, "run-2"), timeout=10)
    assert (other.status, other.message) == (False, "busy with run run-1 (plan agent-test); send EndBoomer first")
    wrong_end = agent.stub().EndBoomer(end_request("run-2"), timeout=10)
    assert not wrong_end.status and "run-1" in wrong_end.message
    assert {worker["id"] for worker in locust_master.connected_workers()} == first_ids

    ended = agent.stub().EndBoomer(end_request("run-1"), timeout=WITHIN_S)
    assert ended.status, ended.message
    assert not any(pid_exists(pid) for pid in pids)
    assert agent.worker_processes() == []
    status = agent.status()
    assert (status.state, status.run_id, list(status.workers)) == ("idle", "", [])
    agent.wait_value(lambda v: v["state"] == "idle" and v["workers"] == [], WITHIN_S, "the etcd value says idle")
    wait_until(lambda: locust_master.workers() == [], WITHIN_S, "the master dropped the workers", locust_master.log)

    nothing = agent.stub().EndBoomer(end_request(), timeout=10)
    assert (nothing.status, nothing.message) == (True, "idle")

    # Workers that exit on their own with code 0 (the master quit) are not restarted: the agent is idle again.
    pids = [worker.pid for worker in start_running(agent, locust_master, "run-2").workers]
    locust_master.stop()
    idle = wait_until(
        lambda: s if (s := agent.status()).state == "idle" else None, WITHIN_S, "the agent went idle", agent.log
    )
    assert (idle.message, list(idle.workers)) == ("all 2 workers exited with code 0; idle", [])
    assert not any(pid_exists(pid) for pid in pids)
    agent.wait_value(lambda v: v["state"] == "idle", WITHIN_S, "the etcd value says idle")


def test_unreachable_master_is_an_error_that_a_later_init_clears(
    start_agent: StartAgent, locust_master: LocustMaster
) -> None:
    agent = start_agent(agent_id="lonely")
    agent.wait_registered()
    port = free_port()
    reply = agent.stub().InitBoomer(init_request(port, "run-x"), timeout=10)
    reason = f"cannot reach the master at 127.0.0.1:{port}: connection refused"
    assert (reply.status, reply.message) == (False, reason)
    status = agent.status()
    assert (status.state, status.message, list(status.workers)) == ("error", reason, [])
    value = agent.wait_value(lambda v: v["state"] == "error", WITHIN_S, "the etcd value says error")
    assert value["message"] == reason
    assert agent.worker_processes() == []

    start_running(agent, locust_master, "run-y")
    assert agent.status().state == "running"
    agent.wait_value(
        lambda v: v["state"] == "running" and v["runId"] == "run-y", WITHIN_S, "the etcd value says running"
    )

    # SIGTERM with workers running: the agent stops them, leaves etcd and exits 0, leaving nothing behind.
    pids = [worker.pid for worker in agent.status().workers]
    assert agent.signal_and_wait(signal.SIGTERM, timeout=WITHIN_S) == 0
    assert agent.value() is None
    assert not any(pid_exists(pid) for pid in pids)
    assert agent.worker_processes() == []


def test_a_killed_worker_is_restarted_until_the_agent_gives_up(
    start_agent: StartAgent, locust_master: LocustMaster
) -> None:
    agent = start_agent(agent_id="phoenix")
    agent.wait_registered()
    status = start_running(agent, locust_master)
    before = {worker["id"] for worker in locust_master.connected_workers()}
    victim = status.workers[1].pid

    os.kill(victim, signal.SIGKILL)
    restarted = wait_until(
        lambda: s if (s := agent.status()).workers[1].restarts == 1 else None,
        WITHIN_S,
        "the agent restarted worker 1",
        agent.log,
    )
    message = f"worker 1 (pid {victim}) killed by SIGKILL; restarted (1 of 3)"
    assert (restarted.state, restarted.message) == ("running", message)
    worker = restarted.workers[1]
    assert (worker.alive, worker.last_exit) == (True, "killed by SIGKILL")
    assert worker.pid != victim and pid_exists(worker.pid)
    assert (restarted.workers[0].pid, restarted.workers[0].restarts) == (status.workers[0].pid, 0)
    value = agent.wait_value(lambda v: v["message"] == message, WITHIN_S, "the etcd value tells the restart")
    assert [(w["pid"], w["alive"], w["restarts"], w["lastExit"]) for w in value["workers"]] == [
        (status.workers[0].pid, True, 0, ""),
        (worker.pid, True, 1, "killed by SIGKILL"),
    ]

    def two_workers_with_a_new_one() -> bool:
        connected = {worker["id"] for worker in locust_master.connected_workers()}
        return len(connected) == 2 and connected != before

    wait_until(two_workers_with_a_new_one, 2 * WITHIN_S, "the master has 2 workers, one of them new", locust_master.log)

    for restarts in (2, 3):
        os.kill(agent.status().workers[1].pid, signal.SIGKILL)
        wait_until(
            lambda n=restarts: agent.status().workers[1].restarts == n, WITHIN_S, f"restart {restarts}", agent.log
        )
    last = agent.status().workers[1].pid
    os.kill(last, signal.SIGKILL)
    failed = wait_until(
        lambda: s if (s := agent.status()).state == "error" else None, WITHIN_S, "the agent gave up", agent.log
    )
    head, _, tail = failed.message.partition("\n")
    assert head == f"worker 1 (pid {last}) killed by SIGKILL; gave up after 3 restarts; its log ends with:"
    assert "Starting Locust" in tail, "the message ends with the last lines of the worker's log"
    assert [(w.alive, w.restarts) for w in failed.workers] == [(False, 0), (False, 3)]
    assert agent.worker_processes() == []
    value = agent.wait_value(lambda v: v["state"] == "error", WITHIN_S, "the etcd value says error")
    assert value["message"] == failed.message
    record(
        "fault",
        "kill -9 of a Locust worker, four times",
        tried=4,
        survived=4,
        detail="restarted three times (the master counted the new worker), then the agent gave up with the "
        "worker's last log lines in its state",
    )


def test_agent_registers_again_when_its_lease_is_lost(start_agent: StartAgent, etcd_server: EtcdServer) -> None:
    agent = start_agent(agent_id="persistent")
    agent.wait_registered()
    lease = etcd_server.lease_of(agent.key)
    etcd_server.etcdctl("lease", "revoke", f"{lease:x}")
    wait_until(
        lambda: (found := etcd_server.lease_of(agent.key)) not in (None, lease) and found,
        WITHIN_S,
        "the agent registered again with a new lease",
        agent.log,
    )
    value = agent.value()
    assert value is not None and value["id"] == "persistent"
    assert "expired; registering again" in agent.log()


def test_agent_registers_again_after_etcd_restarts(start_agent: StartAgent, tmp_path: Path) -> None:
    etcd = EtcdServer(tmp_path / "own-etcd")
    etcd.start()
    try:
        agent = start_agent(agent_id="survivor", etcd=etcd)
        agent.wait_registered()
        lease = etcd.lease_of(agent.key)

        etcd.stop()
        wait_until(lambda: "etcd unavailable" in agent.log(), WITHIN_S, "the agent noticed etcd is away", agent.log)
        time.sleep(1.5)  # not a wait for something: time for a retry or two (one a second), which must not log again
        etcd.start()
        new_lease = wait_until(
            lambda: (found := etcd.lease_of(agent.key)) not in (None, lease) and found,
            WITHIN_S,
            "the agent registered again with a new lease",
            agent.log,
        )
        assert agent.process.poll() is None
        value = agent.value()
        assert value is not None and value["state"] == "idle"
        # The new lease is kept alive: the key outlives the TTL (not a wait for something: the TTL must pass).
        time.sleep(TEST_TTL + 1)
        assert etcd.lease_of(agent.key) == new_lease
        log = agent.log()
        assert log.count("etcd unavailable") == 1, log
        assert log.count("etcd is back") == 1, log
    finally:
        etcd.stop()
