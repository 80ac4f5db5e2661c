"""One process hosting several real agents, built from worker_agent's own classes, for the control-plane benchmark.

Each agent is what `locust-fleet-agent` puts together: an `Agent` with its etcd `Registry` (its own lease, kept
alive) and its own gRPC server on a free loopback port. The agents are `<id-prefix>-0` .. `<id-prefix>-<count-1>`.
The process runs until its stdin closes (run.py closes it, or dies) or SIGTERM, then closes every agent (stops its
workers, revokes its lease) and stops the gRPC servers.

Run by run.py: python agent_host.py --etcd HOST:PORT --prefix /bench/ --id-prefix ID --count 10 --workdir DIR
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import grpc

from locust_ext.wire.etcd import Etcd
from locust_ext.wire.grpc_security import GrpcSecurity
from worker_agent.agent import Agent
from worker_agent.cli import LOG_FORMAT
from worker_agent.service import add_services, create_server
from worker_agent.state import AgentIdentity

TTL_S = 10
PROCESSES = 1
SERVER_GRACE_S = 1


@dataclass(frozen=True, slots=True)
class HostedAgent:
    agent: Agent
    server: grpc.Server


def start_agent(agent_id: str, etcd_endpoint: str, prefix: str, workdir: Path) -> HostedAgent:
    """What worker_agent.cli.main does for one agent, listening on a free loopback port."""
    server, port = create_server("127.0.0.1:0", GrpcSecurity())
    identity = AgentIdentity.of_this_machine(agent_id, f"127.0.0.1:{port}", {}, GrpcSecurity().describe())
    etcd = Etcd(etcd_endpoint, timeout=max(1.0, TTL_S / 3), option="--etcd")
    workdir.mkdir(parents=True, exist_ok=True)
    agent = Agent(identity, etcd, prefix, TTL_S, workdir, PROCESSES)
    add_services(server, agent)
    server.start()
    agent.start()
    return HostedAgent(agent, server)


def stop_agent(hosted: HostedAgent) -> None:
    hosted.agent.close()
    hosted.server.stop(grace=SERVER_GRACE_S).wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)  # None under -OO
    parser.add_argument("--etcd", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--id-prefix", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    hosted: list[HostedAgent] = []
    try:
        for index in range(args.count):
            agent_id = f"{args.id_prefix}-{index}"
            hosted.append(start_agent(agent_id, args.etcd, args.prefix, args.workdir / agent_id))
        sys.stdin.read()  # until run.py closes the pipe (or dies)
    finally:
        with ThreadPoolExecutor(max_workers=max(1, len(hosted))) as pool:
            list(pool.map(stop_agent, hosted))


if __name__ == "__main__":
    main()
