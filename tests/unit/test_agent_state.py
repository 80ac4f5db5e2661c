"""The agent's state as the master reads it: its etcd value, log line and Status answer, and what InitBoomer takes."""

from __future__ import annotations

import os
import re
import socket

import pytest

from locust_ext.plan.validation import parse_plan
from locust_ext.proto import fleet_pb2
from worker_agent.service import InvalidRequest, status_message, validate_init
from worker_agent.state import ERROR, IDLE, RUNNING, AgentIdentity, AgentState, WorkerInfo, registry_value

pytestmark = pytest.mark.unit

SECURITY = {"tls": True, "clientCert": False, "token": True}
PLAN = {"name": "shop", "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": [{"url": "/"}]}]}


def identity() -> AgentIdentity:
    return AgentIdentity(
        id="loadgen-1",
        address="loadgen-1:50051",
        hostname="loadgen-1",
        cpus=8,
        memory_mb=16000,
        labels={"zone": "eu"},
        version="1.2.3",
        started_at="2024-05-01T10:00:00Z",
        security=SECURITY,
    )


RUNNING_STATE = AgentState(
    RUNNING,
    "shop",
    "shop-1a2b",
    "started 2 workers for plan shop",
    (WorkerInfo(0, 4101, True), WorkerInfo(1, 4102, False, 2, "killed by SIGKILL")),
)


def test_the_states_are_spelled_as_the_master_reads_them() -> None:
    assert (IDLE, RUNNING, ERROR) == ("idle", "running", "error")


def test_the_etcd_value_holds_the_machine_the_run_and_every_worker() -> None:
    assert registry_value(identity(), RUNNING_STATE) == {
        "id": "loadgen-1",
        "address": "loadgen-1:50051",
        "hostname": "loadgen-1",
        "cpus": 8,
        "memoryMb": 16000,
        "capabilities": ["http"],
        "labels": {"zone": "eu"},
        "state": "running",
        "plan": "shop",
        "runId": "shop-1a2b",
        "message": "started 2 workers for plan shop",
        "workers": [
            {"index": 0, "pid": 4101, "alive": True, "restarts": 0, "lastExit": ""},
            {"index": 1, "pid": 4102, "alive": False, "restarts": 2, "lastExit": "killed by SIGKILL"},
        ],
        "version": "1.2.3",
        "startedAt": "2024-05-01T10:00:00Z",
        "security": SECURITY,
    }


def test_an_idle_agent_has_every_field_even_when_empty() -> None:
    value = registry_value(identity(), AgentState(message="waiting for a plan"))
    assert (value["state"], value["plan"], value["runId"], value["workers"]) == ("idle", "", "", [])
    assert value["message"] == "waiting for a plan"


def test_the_log_line_starts_with_greppable_fields() -> None:
    assert (
        RUNNING_STATE.describe() == "state=running plan=shop run=shop-1a2b workers=1: started 2 workers for plan shop"
    )
    assert AgentState(message="waiting").describe() == "state=idle plan=- run=- workers=0: waiting"


def test_the_identity_of_this_machine_is_read_from_it() -> None:
    machine = AgentIdentity.of_this_machine("a1", "127.0.0.1:5000", {"rack": "3"}, SECURITY)
    assert machine.hostname == socket.gethostname()
    assert machine.cpus == (os.cpu_count() or 1)
    assert machine.memory_mb > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", machine.started_at)
    assert machine.capabilities == ("http",)
    assert (machine.labels, machine.security) == ({"rack": "3"}, SECURITY)


def test_the_status_answer_carries_the_state_and_the_workers() -> None:
    status = status_message("loadgen-1", RUNNING_STATE)
    assert (status.id, status.state, status.plan, status.run_id) == ("loadgen-1", "running", "shop", "shop-1a2b")
    assert [(w.pid, w.alive, w.restarts, w.last_exit) for w in status.workers] == [
        (4101, True, 0, ""),
        (4102, False, 2, "killed by SIGKILL"),
    ]


def request(**fields: object) -> fleet_pb2.InitBoomerRequest:
    values = {"plan": parse_plan(PLAN), "master_host": "10.0.0.1", "master_port": 5557, "processes": 2, "run_id": "r1"}
    return fleet_pb2.InitBoomerRequest(**{**values, **fields})


def test_a_valid_init_request_becomes_a_run() -> None:
    run = validate_init(request())
    assert (run.plan.name, run.master_host, run.master_port, run.processes, run.run_id) == (
        "shop",
        "10.0.0.1",
        5557,
        2,
        "r1",
    )


def test_every_problem_of_an_init_request_is_named_at_once() -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate_init(
            request(plan=fleet_pb2.Plan(name="bad name"), master_host="", master_port=0, processes=300, run_id="")
        )
    assert str(caught.value) == "; ".join(
        [
            "name: expected 1 to 64 letters, digits, '.', '_' or '-', got \"bad name\"",
            "tasks: a plan needs at least one task or journey",
            "masterHost: required",
            "masterPort: expected 1..65535",
            "processes: expected 0 (one per core) to 256",
            "runId: required",
        ]
    )


def test_an_init_request_with_a_plan_holding_a_data_set_file_is_refused() -> None:
    plan = parse_plan(PLAN)
    plan.data_sets.add(name="users", file="users.csv")
    with pytest.raises(InvalidRequest, match=r"dataSets\[0\]\.file: a file is read next to a plan file"):
        validate_init(request(plan=plan))


def test_the_status_reply_says_which_worker_is_which() -> None:
    workers = (WorkerInfo(0, 101, True), WorkerInfo(1, 102, False, restarts=2, last_exit="exit 1"))
    reply = status_message("a1", AgentState(RUNNING, "p", "r", "", workers))
    assert [(w.index, w.pid, w.alive, w.restarts, w.last_exit) for w in reply.workers] == [
        (0, 101, True, 0, ""),
        (1, 102, False, 2, "exit 1"),
    ]
