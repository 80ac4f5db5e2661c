"""The agent's state model: the one place both the etcd value and the gRPC `Status` answer are derived from.

Snapshots are frozen dataclasses, so a snapshot handed to the registry or to a gRPC thread never changes
under it; a change is a new snapshot (`dataclasses.replace`).
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, cast

from google.protobuf import json_format

from locust_ext.plan.schema import enum_json, enum_number
from locust_ext.proto import fleet_pb2
from locust_ext.wire.records import record_json

_STATES = fleet_pb2.AgentRecord.State.DESCRIPTOR
# As the record spells them: "idle", "running", "error".
IDLE = enum_json(_STATES, fleet_pb2.AgentRecord.IDLE)
RUNNING = enum_json(_STATES, fleet_pb2.AgentRecord.RUNNING)
ERROR = enum_json(_STATES, fleet_pb2.AgentRecord.ERROR)


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """One Locust worker process as the agent last saw it."""

    index: int
    pid: int
    alive: bool
    restarts: int = 0
    last_exit: str = ""

    def to_record(self) -> fleet_pb2.WorkerProcess:
        return fleet_pb2.WorkerProcess(
            index=self.index, pid=self.pid, alive=self.alive, restarts=self.restarts, last_exit=self.last_exit
        )


@dataclass(frozen=True, slots=True)
class AgentIdentity:
    """What the master needs to know about the machine; fixed for the agent's lifetime."""

    id: str
    address: str
    hostname: str
    cpus: int
    memory_mb: int
    labels: dict[str, str]
    version: str
    started_at: str
    capabilities: tuple[str, ...] = ("http",)
    # What callers need: {"tls", "clientCert", "token"} (GrpcSecurity.describe), so the master can say what is missing.
    security: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of_this_machine(
        cls, agent_id: str, address: str, labels: dict[str, str], security: dict[str, bool]
    ) -> AgentIdentity:
        return cls(
            security=dict(security),
            id=agent_id,
            address=address,
            hostname=socket.gethostname(),
            cpus=os.cpu_count() or 1,
            memory_mb=_memory_mb(),
            labels=dict(labels),
            version=_package_version(),
            started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )


@dataclass(frozen=True, slots=True)
class AgentState:
    """What the agent is doing: idle, running a run's workers, or stopped by an error it explains."""

    state: str = IDLE
    plan: str = ""
    run_id: str = ""
    message: str = ""
    workers: tuple[WorkerInfo, ...] = field(default=())

    def describe(self) -> str:
        """One log line's worth of this state, `key=value` first so logs can be grepped and parsed."""
        alive = sum(worker.alive for worker in self.workers)
        return f"state={self.state} plan={self.plan or '-'} run={self.run_id or '-'} workers={alive}: {self.message}"


def registry_value(identity: AgentIdentity, state: AgentState) -> dict[str, Any]:
    """The JSON value of `<prefix>agents/<id>`: the AgentRecord of protos/fleet.proto, without the master's fields."""
    record = record_json(
        fleet_pb2.AgentRecord(
            id=identity.id,
            address=identity.address,
            hostname=identity.hostname,
            cpus=identity.cpus,
            memory_mb=identity.memory_mb,
            capabilities=identity.capabilities,
            labels=identity.labels,
            # An enum field takes the number at run time; protoc's stub names the enum class.
            state=cast("fleet_pb2.AgentRecord.State", enum_number(_STATES, state.state)),
            plan=state.plan,
            run_id=state.run_id,
            message=state.message,
            workers=[worker.to_record() for worker in state.workers],
            version=identity.version,
            started_at=identity.started_at,
            security=json_format.ParseDict(identity.security, fleet_pb2.AgentSecurity()),
        )
    )
    # Set by the master when it lists agents, never by the agent.
    del record["lastSeen"], record["locustWorkers"]
    return record


def _memory_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def _package_version() -> str:
    try:
        return metadata.version("locust-fleet")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
