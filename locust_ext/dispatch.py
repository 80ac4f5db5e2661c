"""Dispatch: the master's gRPC calls to agents, fanned out concurrently with a timeout per agent.

gRPC is wrapped here only. Inside the gevent-patched master, `grpc.experimental.gevent.init_gevent()`
must run before the first channel (plugin.py does it), so a call blocks its greenlet, not the hub.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from gevent.pool import Pool

from locust_ext.proto import fleet_pb2, fleet_pb2_grpc

DEFAULT_TIMEOUT_S = 10.0
_MAX_CONCURRENT_CALLS = 100

Call = Callable[[fleet_pb2_grpc.AgentStub, float], Any]


class Dispatcher:
    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s

    def init_boomer(self, agents: list[dict[str, Any]], request: fleet_pb2.InitBoomerRequest) -> dict[str, dict]:
        return self._fan_out(agents, lambda stub, timeout: stub.InitBoomer(request, timeout=timeout))

    def end_boomer(self, agents: list[dict[str, Any]], run_id: str) -> dict[str, dict]:
        request = fleet_pb2.EndBoomerRequest(run_id=run_id)
        return self._fan_out(agents, lambda stub, timeout: stub.EndBoomer(request, timeout=timeout))

    def _fan_out(self, agents: list[dict[str, Any]], call: Call) -> dict[str, dict]:
        """One result per agent id: {"ok": bool, "message": str}; an agent that fails or times out says why."""
        results: dict[str, dict] = {}

        def one(agent: dict[str, Any]) -> None:
            results[agent["id"]] = self._call(agent["address"], call)

        Pool(_MAX_CONCURRENT_CALLS).map(one, agents)
        return results

    def _call(self, address: str, call: Call) -> dict[str, Any]:
        try:
            with grpc.insecure_channel(address) as channel:
                response = call(fleet_pb2_grpc.AgentStub(channel), self.timeout_s)
        except grpc.RpcError as error:
            return {
                "ok": False,
                "message": f"agent at {address} did not answer: {error.code().name}: {error.details()}",
            }
        return {"ok": response.status, "message": response.message}
