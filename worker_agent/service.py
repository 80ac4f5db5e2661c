"""The agent's gRPC server: the `Agent` service, the standard health service and server reflection.

Requests are validated here, the plan with the same code the Locust workers run (`parse_plan` of the
plan's JSON), so a plan the agent accepts is a plan its workers load; every problem is reported at once.
"""

from __future__ import annotations

from concurrent import futures

import grpc
from google.protobuf import json_format
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from locust_ext.plan.validation import PlanError, parse_plan, plan_to_json
from locust_ext.proto import fleet_pb2, fleet_pb2_grpc
from locust_ext.wire.grpc_security import GrpcSecurity
from locust_ext.wire.protocol import MAX_PROCESSES
from worker_agent.agent import Agent, RunRequest
from worker_agent.state import AgentState

MAX_PORT = 65535
# A guard against a request that would fork thousands of processes; the master asks for at most as many.
# A plan with inline data sets fits easily; anything larger is refused (RESOURCE_EXHAUSTED) before it is parsed.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
AGENT_SERVICE = fleet_pb2.DESCRIPTOR.services_by_name["Agent"].full_name
HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name


class InvalidRequest(ValueError):
    """A request the agent refuses; the message names every field that is wrong."""


class AgentService(fleet_pb2_grpc.AgentServicer):
    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def InitBoomer(self, request: fleet_pb2.InitBoomerRequest, context: grpc.ServicerContext):
        try:
            run = validate_init(request)
        except InvalidRequest as error:
            return fleet_pb2.BoomerCallResponse(status=False, message=str(error))
        reply = self.agent.init_boomer(run)
        return fleet_pb2.BoomerCallResponse(status=reply.ok, message=reply.message)

    def EndBoomer(self, request: fleet_pb2.EndBoomerRequest, context: grpc.ServicerContext):
        reply = self.agent.end_boomer(request.run_id)
        return fleet_pb2.BoomerCallResponse(status=reply.ok, message=reply.message)

    def Status(self, request: fleet_pb2.StatusRequest, context: grpc.ServicerContext):
        return status_message(self.agent.identity.id, self.agent.snapshot())


def validate_init(request: fleet_pb2.InitBoomerRequest) -> RunRequest:
    """The request as a RunRequest, or InvalidRequest listing every problem as `path: message`."""
    problems = []
    try:
        plan = parse_plan(plan_to_json(request.plan))
    except PlanError as error:
        plan = None
        problems += [str(issue) for issue in error.issues]
    except json_format.SerializeToJsonError as error:  # a message no plan JSON can be: NaN in a json body, say
        plan = None
        problems.append(f"plan: {error}")
    if not request.master_host:
        problems.append("masterHost: required")
    if not 0 < request.master_port <= MAX_PORT:
        problems.append(f"masterPort: expected 1..{MAX_PORT}")
    if request.processes > MAX_PROCESSES:
        problems.append(f"processes: expected 0 (one per core) to {MAX_PROCESSES}")
    if not request.run_id:
        problems.append("runId: required")
    if plan is None or problems:
        raise InvalidRequest("; ".join(problems))
    return RunRequest(plan, request.master_host, request.master_port, request.processes, request.run_id)


def status_message(agent_id: str, state: AgentState) -> fleet_pb2.AgentStatus:
    workers = [w.to_record() for w in state.workers]
    return fleet_pb2.AgentStatus(
        id=agent_id, state=state.state, plan=state.plan, run_id=state.run_id, message=state.message, workers=workers
    )


def create_server(listen: str, security: GrpcSecurity, max_workers: int = 8) -> tuple[grpc.Server, int]:
    """A server bound to `listen` (not started yet) and the port it got; raises RuntimeError when it cannot bind."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        interceptors=security.interceptors(),
        options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)],
    )
    port = security.add_port(server, listen)
    return server, port


def add_services(server: grpc.Server, agent: Agent) -> None:
    fleet_pb2_grpc.add_AgentServicer_to_server(AgentService(agent), server)
    health_servicer = health.HealthServicer()
    for service in ("", AGENT_SERVICE):
        health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection((AGENT_SERVICE, HEALTH_SERVICE, reflection.SERVICE_NAME), server)
