"""How fast is the fleet's control plane with 1,000 agents registered: discovery, the agents API, deploy, release?

Everything real and on loopback: its own etcd 3.4 and a `locust-fleet --master` watching it. 1,000 agents are
registered straight into etcd (each under its own lease, with the JSON value a real agent writes; they are not
processes). Then:
1. registration -> listed: for each sample a new agent's key is put, and `GET /fleet/api/agents` runs back to back
   until it lists the new id (so the resolution is one GET, reported too);
2. `GET /fleet/api/agents` latency with ~1,200 agents listed, sequential requests over one kept-alive connection,
   and a tiny answer (`GET /fleet/api/plans`) over a kept-alive connection against a new connection each time;
3. deploy: real agents (worker_agent's own classes, 10 per process, each with its own gRPC server and lease) get a
   small plan with `processes: 1`, so each starts one real Locust worker that connects to the master (no swarm is
   started, so no load is sent). Timed: the deploy call, until Locust's master lists every worker ready
   (`/stats/requests`), and the release call; then every worker process must be gone.

Run: .venv/bin/python benchmarks/control_plane/run.py [--agents 1000] [--samples 200] [--deploy-agents 50]
Writes benchmarks/results/control_plane.json and .md, and rebuilds docs/BENCHMARKS.md. Exits 0 whether or not
the goals are met (it is a measurement), non-zero when a step fails. Whatever it starts is stopped at the end,
also on an error or Ctrl-C; its data lives in a temporary directory.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from benchmarks.common import machine, write_results  # noqa: E402
from benchmarks.control_plane.parts import (  # noqa: E402
    Api,
    agent_hosts,
    etcd_server,
    fleet_worker_pids,
    hosted_ids,
    kill_fleet_workers,
    locust_master,
    wait_until,
)
from locust_ext.wire.etcd import Etcd  # noqa: E402
from locust_ext.wire.grpc_security import GrpcSecurity  # noqa: E402
from worker_agent.state import AgentIdentity, AgentState, registry_value  # noqa: E402
from worker_agent.supervisor import GRACE_S  # noqa: E402

PREFIX = "/bench/"
AGENTS_PATH = "/fleet/api/agents"
SMALL_PATH = "/fleet/api/plans"
SMALL_REQUESTS = 20
DELAYED_ACK_MS = 30  # Linux delays an ACK by 40 ms at least
GOALS = {"appear_p99_ms": 1000.0, "list_p99_ms": 50.0, "deploy_s": 2.0}
LEASE_TTL_S = 600  # longer than the whole run, so no keep-alive is needed
FAKE_ADDRESS = "127.0.0.1:9"  # registered-only agents: nothing listens there, and nothing calls them
AGENTS_PER_HOST = 10
PLAN_NAME = "control-plane"
# Valid and small; its host (set to the master's web port) gets no request, as no swarm is started.
PLAN = {"name": PLAN_NAME, "tasks": [{"name": "t", "steps": [{"url": "/"}]}]}
LIST_TIMEOUT_S = 120
APPEAR_TIMEOUT_S = 10
READY_TIMEOUT_S = 300
READY_POLL_S = 0.25
GONE_TIMEOUT_S = 30


def summary(seconds: list[float]) -> dict[str, float]:
    """p50, p99 and max of `seconds`, in milliseconds."""
    return {
        "p50_ms": statistics.median(seconds) * 1000,
        "p99_ms": statistics.quantiles(seconds, n=100, method="inclusive")[98] * 1000,
        "max_ms": max(seconds) * 1000,
    }


def agent_value(template: AgentIdentity, agent_id: str) -> str:
    """The etcd value an idle real agent writes (worker_agent.state.registry_value)."""
    identity = dataclasses.replace(template, id=agent_id)
    return json.dumps(registry_value(identity, AgentState(message="waiting for a plan")))


def register(etcd: Etcd, agent_id: str, value: str) -> None:
    etcd.put(f"{PREFIX}agents/{agent_id}", value, lease=etcd.grant_lease(LEASE_TTL_S))


def register_fleet(etcd: Etcd, api: Api, template: AgentIdentity, count: int) -> dict[str, float]:
    """Register `count` agents one after the other; how long that took and how long until the API listed them."""
    start = time.perf_counter()
    for index in range(count):
        agent_id = f"registered-{index:05}"
        register(etcd, agent_id, agent_value(template, agent_id))
    registered = time.perf_counter()
    wait_until(lambda: len(api.agents()) >= count, LIST_TIMEOUT_S, f"the API listed {count} agents")
    return {"agents": count, "register_s": registered - start, "listed_after_s": time.perf_counter() - registered}


def time_until_listed(etcd: Etcd, api: Api, agent_id: str, value: str) -> tuple[float, list[float]]:
    """Put a new agent's key, GET the agents back to back until it is listed: (elapsed, each GET's time)."""
    key, lease = f"{PREFIX}agents/{agent_id}", etcd.grant_lease(LEASE_TTL_S)
    start = time.perf_counter()
    etcd.put(key, value, lease=lease)
    gets = []
    while time.perf_counter() - start < APPEAR_TIMEOUT_S:
        before = time.perf_counter()
        agents = api.agents()
        gets.append(time.perf_counter() - before)
        if any(agent["id"] == agent_id for agent in agents):
            return time.perf_counter() - start, gets
    raise SystemExit(f"agent {agent_id} was not listed within {APPEAR_TIMEOUT_S} s of its registration")


def time_appearance(etcd: Etcd, api: Api, template: AgentIdentity, samples: int) -> dict[str, Any]:
    elapsed, gets = [], []
    for index in range(samples):
        agent_id = f"sample-{index:05}"
        seconds, sample_gets = time_until_listed(etcd, api, agent_id, agent_value(template, agent_id))
        elapsed.append(seconds)
        gets += sample_gets
    return {
        "samples": samples,
        **summary(elapsed),
        "get_p50_ms": statistics.median(gets) * 1000,
        "gets_per_sample": len(gets) / samples,
        "elapsed_ms": [seconds * 1000 for seconds in elapsed],
    }


def timed_get(api: Api, path: str) -> tuple[float, bytes]:
    """One GET (status and body read, not parsed): its wall time and body. SystemExit on any status but 200."""
    before = time.perf_counter()
    status, payload = api.raw("GET", path)
    elapsed = time.perf_counter() - before
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")
    return elapsed, payload


def time_listing(api: Api, requests: int) -> dict[str, Any]:
    """`requests` sequential GETs of the agents over the kept-alive connection."""
    timed = [timed_get(api, AGENTS_PATH) for _ in range(requests)]
    payload = timed[-1][1]
    listed = len(json.loads(payload)["agents"])
    return {
        "requests": requests,
        "agents_listed": listed,
        "bytes": len(payload),
        "indented": payload.startswith(b"{\n"),
        **summary([t for t, _ in timed]),
    }


def gets_on_new_connection(port: int, path: str, requests: int) -> list[float]:
    """`requests` GETs over one connection opened now (not at the master's start), kept alive between them."""
    api = Api(port)
    try:
        return [timed_get(api, path)[0] for _ in range(requests)]
    finally:
        api.close()


def time_small_get(api: Api, requests: int) -> dict[str, Any]:
    """A tiny answer (the plan list) over a kept-alive connection and over a new connection each time."""
    kept_alive = gets_on_new_connection(api.port, SMALL_PATH, requests)
    new_connection = [gets_on_new_connection(api.port, SMALL_PATH, 1)[0] for _ in range(requests)]
    return {
        "path": SMALL_PATH,
        "requests": requests,
        "kept_alive_p50_ms": statistics.median(kept_alive) * 1000,
        "new_connection_p50_ms": statistics.median(new_connection) * 1000,
    }


def ready_workers(api: Api) -> int:
    return sum(worker["state"] == "ready" for worker in api.locust_workers())


def wait_ready(api: Api, count: int, start: float) -> tuple[int, float]:
    """Poll until Locust's master lists `count` workers ready, at most READY_TIMEOUT_S: (ready seen, elapsed)."""
    ready = ready_workers(api)
    while ready < count and time.perf_counter() - start < READY_TIMEOUT_S:
        time.sleep(READY_POLL_S)
        ready = ready_workers(api)
    return ready, time.perf_counter() - start


def post(api: Api, path: str, body: dict[str, Any]) -> float:
    """POST `body`; the call's wall time. SystemExit when any agent's result is not ok."""
    start = time.perf_counter()
    answer = api.call("POST", path, body)
    elapsed = time.perf_counter() - start
    failed = {agent_id: result["message"] for agent_id, result in answer["results"].items() if not result["ok"]}
    if failed:
        raise SystemExit(f"POST {path} failed on {len(failed)} agent(s): {failed}")
    return elapsed


def time_deploy(api: Api, agent_ids: list[str], id_prefix: str) -> dict[str, Any]:
    """Deploy to the real agents (one worker each), wait for the workers, release; every figure in seconds."""
    wanted = set(agent_ids)
    wait_until(lambda: wanted <= {a["id"] for a in api.agents()}, LIST_TIMEOUT_S, "the real agents were listed")
    api.call("PUT", f"/fleet/api/plans/{PLAN_NAME}", {**PLAN, "host": f"http://127.0.0.1:{api.port}"})
    start = time.perf_counter()
    deploy_s = post(api, "/fleet/api/deploy", {"plan": PLAN_NAME, "agents": agent_ids, "processes": 1})
    print(f"deploy to {len(agent_ids)} agents: {deploy_s:.2f} s; waiting for the workers", flush=True)
    ready, ready_s = wait_ready(api, len(agent_ids), start)
    print(f"{ready} of {len(agent_ids)} workers ready after {ready_s:.1f} s", flush=True)
    release_s = post(api, "/fleet/api/release", {"agents": agent_ids})
    left = len(fleet_worker_pids(id_prefix))
    wait_until(lambda: not fleet_worker_pids(id_prefix), GONE_TIMEOUT_S, "every worker process ended after release")
    return {
        "agents": len(agent_ids),
        "agents_per_process": AGENTS_PER_HOST,
        "processes_per_agent": 1,
        "deploy_s": deploy_s,
        "workers_ready": ready,
        "workers_ready_s": ready_s,
        "release_s": release_s,
        "worker_processes_left_after_release": left,
    }


def host_layout(id_prefix: str, agents: int) -> list[tuple[str, int]]:
    """Agent processes as (id prefix, number of agents), AGENTS_PER_HOST in each but maybe the last."""
    counts = [min(AGENTS_PER_HOST, agents - start) for start in range(0, agents, AGENTS_PER_HOST)]
    return [(f"{id_prefix}-h{host}", count) for host, count in enumerate(counts)]


def measure(args: argparse.Namespace, work: Path, id_prefix: str) -> dict[str, Any]:
    template = AgentIdentity.of_this_machine("template", FAKE_ADDRESS, {}, GrpcSecurity().describe())
    with etcd_server(work) as endpoint, locust_master(work, endpoint, PREFIX) as api:
        etcd = Etcd(endpoint)
        try:
            figures = {"registration": register_fleet(etcd, api, template, args.agents)}
            print(f"registration: {figures['registration']}", flush=True)
            figures["appearance"] = time_appearance(etcd, api, template, args.samples)
            print(f"registration -> listed: p99 {figures['appearance']['p99_ms']:.1f} ms", flush=True)
            figures["listing"] = time_listing(api, args.requests)
            print(f"GET /fleet/api/agents: p99 {figures['listing']['p99_ms']:.1f} ms", flush=True)
            figures["small_get"] = time_small_get(api, SMALL_REQUESTS)
            print(f"GET {SMALL_PATH}: {figures['small_get']}", flush=True)
            layout = host_layout(id_prefix, args.deploy_agents)
            with agent_hosts(work, endpoint, PREFIX, layout):
                figures["deploy"] = time_deploy(api, hosted_ids(layout), id_prefix)
        finally:
            etcd.close()
    return figures


def verdict(figure: float, goal: float) -> str:
    return "yes" if figure <= goal else "**no**"


def notes(listing: dict[str, Any], small: dict[str, Any], deploy: dict[str, Any]) -> list[str]:
    """Causes found by profiling on this machine, each said only when this run shows its symptom."""
    found = []
    if listing["indented"]:
        found.append(
            "- `GET /fleet/api/agents` is pretty-printed: Locust sets `app.debug = True`, so Flask's `jsonify` "
            "indents, and indenting makes Python use its pure-Python JSON encoder: about 17 ms of the GET for 1,200 "
            "agents, against 4 ms for compact JSON, which is also a third smaller."
        )
    if listing["p99_ms"] > 2 * listing["p50_ms"]:
        found.append(
            "- The GET's tail is the master's full garbage collections (about 30 ms each, over Locust's whole heap), "
            "set off by the agent dicts each GET copies: with compact JSON, `gc.freeze()` after start-up took the p99 "
            "from 35 to 8 ms."
        )
    if small["kept_alive_p50_ms"] > DELAYED_ACK_MS and small["new_connection_p50_ms"] < DELAYED_ACK_MS / 2:
        found.append(
            "- A small answer on a kept-alive connection (what a browser uses) waits for TCP's delayed ACK: "
            "gevent's `pywsgi` (Locust's web server) writes the headers and the body apart, and without "
            "`TCP_NODELAY` Nagle holds the body until the client acknowledges the headers."
        )
    if deploy["release_s"] >= GRACE_S * 0.8:
        found.append(
            f"- Worker readiness and release are CPU-bound here: the {deploy['agents']} Locust processes start "
            "(about 0.5 CPU-second each) or stop (about 0.2) at once on 2 cores, so stopping them takes about as "
            f"long as the agents' {GRACE_S:g} s grace (`worker_agent.supervisor.GRACE_S`), after which an agent "
            "SIGKILLs a worker."
        )
    return ["", "Where the time goes (profiled apart from this run, on this machine):", "", *found] if found else []


def report(figures: dict[str, Any]) -> tuple[dict[str, Any], str]:
    registration, appear, listing, small, deploy = (
        figures[k] for k in ("registration", "appearance", "listing", "small_get", "deploy")
    )
    results = {"machine": machine(), "goals": GOALS, **figures}
    results["comparisons"] = [
        {"measure": measure, "ours": round(ours, 2), "peer": "the goal", "peerValue": goal, "better": "lower"}
        for measure, ours, goal in (
            ("registration → listed, p99 ms", appear["p99_ms"], GOALS["appear_p99_ms"]),
            (f"GET agents, {listing['agents_listed']:,} agents, p99 ms", listing["p99_ms"], GOALS["list_p99_ms"]),
            (f"deploy to {deploy['agents']} agents, s", deploy["deploy_s"], GOALS["deploy_s"]),
        )
    ]
    agents = deploy["agents"]
    ready = f"{deploy['workers_ready_s']:.1f} s"
    if deploy["workers_ready"] < agents:
        ready = f"{deploy['workers_ready']} of {agents} after {ready} (gave up)"
    appear_p99, list_p99 = appear["p99_ms"], listing["p99_ms"]
    rows = [
        (
            f"registration → listed by `GET /fleet/api/agents` (p50 / p99 / max, {appear['samples']} samples)",
            f"{appear['p50_ms']:.0f} / {appear_p99:.0f} / {appear['max_ms']:.0f} ms",
            f"p99 ≤ {GOALS['appear_p99_ms'] / 1000:g} s",
            verdict(appear_p99, GOALS["appear_p99_ms"]),
        ),
        (
            f"`GET /fleet/api/agents`, {listing['agents_listed']:,} agents, {listing['bytes'] / 1024:,.0f} KiB "
            f"(p50 / p99, {listing['requests']} requests)",
            f"{listing['p50_ms']:.1f} / {list_p99:.1f} ms",
            f"p99 ≤ {GOALS['list_p99_ms']:.0f} ms",
            verdict(list_p99, GOALS["list_p99_ms"]),
        ),
        (
            f"`POST /fleet/api/deploy` to {agents} real agents, 1 Locust worker each",
            f"{deploy['deploy_s']:.2f} s",
            f"≤ {GOALS['deploy_s']:.0f} s",
            verdict(deploy["deploy_s"], GOALS["deploy_s"]),
        ),
        (f"deploy → Locust's master lists all {agents} workers ready", ready, "", ""),
        (f"`POST /fleet/api/release` of the {agents} agents", f"{deploy['release_s']:.2f} s", "", ""),
        (
            f"`GET {small['path']}` (a few bytes): kept-alive connection / a new connection each (p50)",
            f"{small['kept_alive_p50_ms']:.1f} / {small['new_connection_p50_ms']:.1f} ms",
            "",
            "",
        ),
    ]
    markdown = "\n".join(
        [
            "## control_plane: discovery, the agents API, deploy and release",
            "",
            f"A real etcd 3.4 and `locust-fleet --master` on loopback; {registration['agents']:,} agents registered "
            "in etcd (each under its own lease, a real agent's value), then "
            f"{appear['samples']} more one at a time; {agents} real agents (worker_agent's classes, "
            f"{AGENTS_PER_HOST} per process, each with its own gRPC server) for deploy "
            f"(`benchmarks/control_plane/run.py`).",
            "",
            "| measure | figure | goal | met? |",
            "| --- | ---: | --- | --- |",
            *(f"| {measure} | {figure} | {goal} | {met} |" for measure, figure, goal, met in rows),
            "",
            f"Registration → listed is measured by GETs back to back ({appear['get_p50_ms']:.0f} ms each at the "
            f"median, {appear['gets_per_sample']:.1f} per sample), so it is exact to about one GET. Registering the "
            f"first {registration['agents']:,} (a lease and a put each, one client) took "
            f"{registration['register_s']:.1f} s; the API listed them all {registration['listed_after_s']:.2f} s "
            f"after the last put. After release {deploy['worker_processes_left_after_release']} worker processes "
            "were left (the call returns once the agents have stopped them).",
            *notes(listing, small, deploy),
        ]
    )
    return results, markdown


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)  # None under -OO
    parser.add_argument("--agents", type=int, default=1000, help="agents registered before the measurements")
    parser.add_argument("--samples", type=int, default=200, help="agents timed from registration to listed")
    parser.add_argument("--requests", type=int, default=200, help="GETs of the agents timed")
    parser.add_argument("--deploy-agents", type=int, default=50, help="real agents deployed to")
    args = parser.parse_args()
    if min(args.samples, args.requests) < 2 or min(args.agents, args.deploy_agents) < 1:
        parser.error("--samples and --requests need at least 2, --agents and --deploy-agents at least 1")
    return args


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    id_prefix = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="control-plane-") as work:
        try:
            figures = measure(args, Path(work), id_prefix)
        finally:
            kill_fleet_workers(id_prefix)  # only if an agent left one behind (an error, Ctrl-C)
    results, markdown = report(figures)
    write_results("control_plane", results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
