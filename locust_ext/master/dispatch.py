"""Dispatch: the master's gRPC calls to agents, fanned out concurrently with a timeout per agent.

The master's gRPC is wrapped here only. Inside the gevent-patched master, `use_gevent()` must run before the
first channel (etcd's included), so that a call blocks its greenlet, not the hub.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from gevent.pool import Pool

from locust_ext.proto import fleet_pb2, fleet_pb2_grpc
from locust_ext.wire.grpc_security import GrpcSecurity

DEFAULT_TIMEOUT_S = 10.0
_MAX_CONCURRENT_CALLS = 100

# A call: the stub's method applied to the request, given the call options (timeout, metadata).
Call = Callable[..., Any]


def use_gevent() -> None:
    """Make gRPC cooperate with gevent in this process (the master's; once, before any channel)."""
    import grpc.experimental.gevent as grpc_gevent

    grpc_gevent.init_gevent()


class Dispatcher:
    def __init__(self, security: GrpcSecurity | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.security = security or GrpcSecurity()
        self.timeout_s = timeout_s

    def init_boomer(self, agents: list[dict[str, Any]], request: fleet_pb2.InitBoomerRequest) -> dict[str, dict]:
        return self._fan_out(agents, lambda stub, **options: stub.InitBoomer(request, **options))

    def end_boomer(self, agents: list[dict[str, Any]], run_id: str) -> dict[str, dict]:
        request = fleet_pb2.EndBoomerRequest(run_id=run_id)
        return self._fan_out(agents, lambda stub, **options: stub.EndBoomer(request, **options))

    def _fan_out(self, agents: list[dict[str, Any]], call: Call) -> dict[str, dict]:
        """One result per agent id: {"ok": bool, "message": str}; an agent that fails or times out says why."""
        results: dict[str, dict] = {}

        def one(agent: dict[str, Any]) -> None:
            missing = self._missing_security(agent.get("security") or {})
            results[agent["id"]] = {"ok": False, "message": missing} if missing else self._call(agent["address"], call)

        Pool(_MAX_CONCURRENT_CALLS).map(one, agents)
        return results

    def _missing_security(self, required: dict[str, bool]) -> str:
        """What this master lacks to call an agent that announced these requirements (empty: nothing)."""
        missing = []
        if required.get("tls") and not self.security.ca:
            missing.append("--fleet-tls-ca (the CA that signed its certificate)")
        if required.get("clientCert") and not self.security.cert:
            missing.append("--fleet-tls-cert and --fleet-tls-key (mutual TLS)")
        if required.get("token") and not self.security.token:
            missing.append("--fleet-token (or LOCUST_FLEET_TOKEN)")
        return f"the agent requires what this master was not given: {', '.join(missing)}" if missing else ""

    def _call(self, address: str, call: Call) -> dict[str, Any]:
        try:
            with self.security.channel(address) as channel:
                stub = fleet_pb2_grpc.AgentStub(channel)
                response = call(stub, timeout=self.timeout_s, metadata=self.security.metadata())
        except grpc.RpcError as error:
            return {
                "ok": False,
                "message": f"agent at {address} did not answer: {error.code().name}: {error.details()}",
            }
        return {"ok": response.status, "message": response.message}
