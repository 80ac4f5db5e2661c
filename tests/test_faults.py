"""Faults caused for real during a run: the master killed, an agent's network cut, agents coming and going.

Everything is real: etcd, `locust-fleet-agent` processes, `locust-fleet --master`, Locust workers and the demo
app as the target. Each test reports its figures with `tests.reliability.record` and asserts on the behaviour.
The partition test puts agents in network namespaces of their own (tests/netns.py): it needs root and `ip`.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.fleet_fixtures import (
    TEST_TTL,
    AgentProcess,
    EtcdServer,
    FleetMaster,
    StartAgent,
    demo_plan,
    stop_process,
    wait_until,
)
from tests.helpers import ROOT
from tests.netns import Machine, Network, listens_on_loopback, loopback_packets
from tests.reliability import record
from worker_agent.supervisor import GRACE_S, MASTER_GONE_GRACE_S

pytest_plugins = ("tests.fleet_fixtures",)

PLAN = "fleet-demo"
# One worker per agent, and no Chromium probe: agents start fast and the two shared cores stay for the load.
AGENT_OPTIONS = ("--processes", "1", "--no-browser")
USERS = 4
# The agent sees the master's connection close at once, leaves its workers MASTER_GONE_GRACE_S to quit by
# themselves, then gives them GRACE_S after a SIGTERM; the rest is slack for two shared, busy cores.
IDLE_WITHIN_S = MASTER_GONE_GRACE_S + GRACE_S + 20
# Deadlines for what the master or an agent does by itself (list an agent, start or stop a worker, count
# requests): each takes well under a few seconds, but a busy shared machine can be several times slower. The
# figures recorded are measured; these bound only how long a failure takes to show.
WITHIN_S = 30
# ZeroMQ closes a connection that sends no handshake after this long (its ZMQ_HANDSHAKE_IVL), as it does the
# connection each agent holds to the master's port to learn when the master ends.
ZMQ_HANDSHAKE_TIMEOUT_S = 30
# Inside a namespace nothing else listens: every agent's gRPC server gets the same port.
MACHINE_AGENT_PORT = 50051
DEMO_APP = ROOT / "examples" / "demo_app.py"


def deploy(master: FleetMaster, agent_ids: list[str]) -> None:
    status, body = master.api("POST", "/deploy", {"plan": PLAN, "agents": agent_ids})
    assert status == 200 and all(result["ok"] for result in body["results"].values()), body


def release(master: FleetMaster, agent_ids: list[str]) -> None:
    status, body = master.api("POST", "/release", {"agents": agent_ids})
    assert status == 200 and all(result["ok"] for result in body["results"].values()), body


def requests(master: FleetMaster) -> int:
    return master.totals()[0]


def failures(master: FleetMaster) -> int:
    return master.totals()[1]


def start_load(master: FleetMaster, agent_ids: list[str], host: str) -> None:
    """Deploy the saved plan to the agents, wait for their workers, swarm, and wait until requests are counted."""
    deploy(master, agent_ids)
    wait_until(lambda: len(master.connected_workers()) == len(agent_ids), 60, "every worker ready", master.log)
    master.swarm(USERS, host)
    wait_until(lambda: requests(master) > 20, 2 * WITHIN_S, "requests reach the target", master.log)


def assert_load_goes_on(master: FleetMaster, during: str) -> None:
    count = requests(master)
    wait_until(lambda: requests(master) > count + 20, WITHIN_S, f"the request count grows {during}", master.log)


def plans(master: FleetMaster) -> list[dict[str, Any]]:
    status, body = master.api("GET", "/plans")
    assert status == 200, body
    return body["plans"]


def lost_plans(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> int:
    """Plans missing afterwards, or at another revision (changed by the fault)."""
    return len([plan for plan in before if plan not in after])


def first_held(conditions: dict[str, Callable[[], bool]], timeout: float, what: str) -> dict[str, float]:
    """For each name, the moment (time.monotonic) its condition first held; polled together."""
    seen: dict[str, float] = {}

    def all_seen() -> bool:
        for name, condition in conditions.items():
            if name not in seen and condition():
                seen[name] = time.monotonic()
        return len(seen) == len(conditions)

    wait_until(all_seen, timeout, what, lambda: f"seen so far: {sorted(seen)}")
    return seen


def seconds_since(moment: float, since: float) -> float:
    return round(moment - since, 2)


class Departures:
    """When tracked agents left the master's list, seen by a thread polling it (the test goes on meanwhile)."""

    def __init__(self, master: FleetMaster) -> None:
        self.master = master
        self.left: dict[str, float] = {}  # agent id -> time.monotonic when first seen missing
        self._tracked: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> Departures:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def track(self, agent_ids: set[str]) -> None:
        """Watch these agents, listed now, until they leave."""
        with self._lock:
            self._tracked |= agent_ids

    def _poll(self) -> None:
        while not self._stop.wait(0.1):
            with self._lock:  # taken before the list is fetched, so a list older than the tracking never counts
                tracked = set(self._tracked)
            status, body = self.master.api("GET", "/agents")
            if status != 200:  # not an answer about the agents: no one left
                continue
            listed, now = {agent["id"] for agent in body["agents"]}, time.monotonic()
            for agent_id in tracked - listed:
                self.left.setdefault(agent_id, now)


def started_at(master: FleetMaster) -> float:
    """Start the master; the moment its API answers."""
    master.start()
    return time.monotonic()


def owned_workers(master: FleetMaster, agent_id: str) -> list[dict[str, Any]]:
    """The Locust workers the master lists for an agent (id and state each)."""
    return master.agents().get(agent_id, {}).get("locustWorkers", [])


def kept_runs(master: FleetMaster) -> list[dict[str, Any]]:
    status, body = master.api("GET", f"/runs?plan={PLAN}")
    assert status == 200, body
    return body["runs"]


def worker_state(master: FleetMaster, worker_id: str) -> str:
    return next((worker["state"] for worker in master.workers() if worker["id"] == worker_id), "gone")


def test_master_killed_mid_run_agents_go_idle_by_themselves_and_a_new_master_runs_again(
    tmp_path: Path, etcd_server: EtcdServer, fleet_prefix: str, start_agent: StartAgent, demo_app: str
) -> None:
    agents = [start_agent(agent_id=f"orphan-{n}", extra=AGENT_OPTIONS) for n in (1, 2)]
    ids = [agent.id for agent in agents]
    master = FleetMaster(tmp_path / "unused.json", tmp_path / "master.log", etcd_server, fleet_prefix)
    try:
        master.start()
        wait_until(lambda: set(master.agents()) == set(ids), WITHIN_S, "both agents listed", master.log)
        for name in (PLAN, "spare"):
            assert master.api("PUT", f"/plans/{name}", {**demo_plan(demo_app), "name": name})[0] == 200
        plans_before = plans(master)
        deployed = time.monotonic()
        start_load(master, ids, demo_app)
        # Past ZeroMQ's handshake timeout: the agents connect again and keep running, not taking it for the end.
        # (Not a wait for something: the timeout must pass.)
        time.sleep(max(0.0, deployed + ZMQ_HANDSHAKE_TIMEOUT_S + 2 - time.monotonic()))
        assert [agent.current_value()["state"] for agent in agents] == ["running", "running"], [a.log() for a in agents]
        assert_load_goes_on(master, "past the agents' first reconnection")
        failed_before_kill = failures(master)

        assert master.process is not None
        master.process.kill()
        master.process.wait()
        killed = time.monotonic()
        # Started again at once, as a supervisor would, on the same ports: the old workers could reach it.
        with ThreadPoolExecutor(max_workers=1) as pool:
            restarted = pool.submit(started_at, master)
            idle = first_held(
                {agent.id: lambda agent=agent: agent.current_value()["state"] == "idle" for agent in agents},
                IDLE_WITHIN_S,
                "both agents idle by themselves",
            )
            master_back_s = seconds_since(restarted.result(timeout=60), killed)
        for agent in agents:
            value = agent.current_value()
            assert value["message"].startswith(f"the master at 127.0.0.1:{master.port} is gone"), value
            assert value["message"].endswith("; idle") and value["workers"] == [], value
            wait_until(lambda agent=agent: agent.worker_processes() == [], WITHIN_S, f"{agent.id}'s workers gone")

        plans_after = plans(master)
        listed = wait_until(
            lambda: master.agents() if set(master.agents()) == set(ids) else None, WITHIN_S, "the new master lists both"
        )
        assert {agent["state"] for agent in listed.values()} == {"idle"}
        redeployed = time.monotonic()
        start_load(master, ids, demo_app)
        redeploy_s = seconds_since(time.monotonic(), redeployed)
        assert_load_goes_on(master, "under the new master")
        # The killed master's run, whose record it wrote every 5 s, reads as interrupted once that record is older
        # than three writes' interval (15 s).
        interrupted = wait_until(
            lambda: next((run for run in kept_runs(master) if run["state"] == "interrupted"), None),
            WITHIN_S,
            "the killed master's run listed as interrupted",
            lambda: f"runs: {kept_runs(master)}",
        )
        assert interrupted["endedAt"] is None, interrupted
        failed = failed_before_kill + failures(master)
        record(
            kind="fault",
            name="master killed (SIGKILL) mid-run and started again",
            tried=len(agents),
            survived=len(agents),
            lost_requests=failed,
            lost_plans=lost_plans(plans_before, plans_after),
            detail=(
                f"{len(agents)} agents deployed with users swarming for {ZMQ_HANDSHAKE_TIMEOUT_S + 2} s; the master "
                "was killed and started again at once on the same ports; each agent stopped its orphaned workers and "
                "went idle by itself, the plans were still in etcd, the new master listed the killed run as "
                "interrupted, deployed to both agents and ran"
            ),
            agent_idle_s=seconds_since(max(idle.values()), killed),
            master_back_s=master_back_s,
            redeploy_to_load_s=redeploy_s,
        )
        assert failed == 0
        assert plans_after == plans_before
    finally:
        master.stop()


@dataclass
class MachineFleet:
    """A master and etcd on this side, an agent and a demo app on each machine (network namespace)."""

    machines: list[Machine]
    agents: list[AgentProcess]
    targets: list[subprocess.Popen]
    master: FleetMaster
    target_url: str


def start_target(machine: Machine, port: int, log_path: Path) -> subprocess.Popen:
    """The demo app on the machine's own 127.0.0.1: the only place its load goes."""
    with log_path.open("a") as log:
        command = machine.command(sys.executable, str(DEMO_APP), "--port", str(port))
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    wait_until(
        lambda: process.poll() is not None or listens_on_loopback(process.pid, port),
        WITHIN_S,
        f"the demo app listens inside {machine.namespace}",
    )
    assert process.poll() is None, log_path.read_text()
    return process


def start_machine_agent(machine: Machine, etcd: EtcdServer, prefix: str, agent_id: str, log_path: Path) -> AgentProcess:
    address = f"{machine.address}:{MACHINE_AGENT_PORT}"
    return AgentProcess(
        etcd,
        prefix,
        log_path,
        agent_id,
        extra=(*AGENT_OPTIONS, "--advertise", address),
        command_prefix=machine.command(),
        listen=address,
        etcd_endpoint=etcd.endpoint_on(machine.host_address),
    )


@pytest.fixture
def machine_fleet(tmp_path: Path, fleet_prefix: str) -> Iterator[MachineFleet]:
    with contextlib.ExitStack() as cleanup:  # undone in reverse: processes first, the namespaces last
        network = Network()
        cleanup.callback(network.close)
        machines = [network.add_machine() for _ in range(2)]
        port = free_port()
        targets = []
        for machine in machines:
            targets.append(start_target(machine, port, tmp_path / f"target-{machine.namespace}.log"))
            cleanup.callback(stop_process, targets[-1])
        etcd = EtcdServer(tmp_path / "etcd", extra_hosts=tuple(machine.host_address for machine in machines))
        etcd.start()
        cleanup.callback(etcd.stop)
        agents = []
        for index, machine in enumerate(machines):
            agents.append(
                start_machine_agent(machine, etcd, fleet_prefix, f"machine-{index}", tmp_path / f"a{index}.log")
            )
            cleanup.callback(agents[-1].close)
        # Every machine routes to the first machine's host-side address through its own link, so the master
        # stays reachable from the others when any one link is cut.
        hub = machines[0].host_address
        master = FleetMaster(
            tmp_path / "unused.json",
            tmp_path / "master.log",
            etcd,
            fleet_prefix,
            extra=("--fleet-advertise-host", hub),
            bind_host=hub,
        )
        cleanup.callback(master.stop)
        master.start()
        yield MachineFleet(machines, agents, targets, master, f"http://127.0.0.1:{port}")


@pytest.mark.root
def test_partitioned_agent_leaves_the_list_and_comes_back_while_the_run_goes_on(machine_fleet: MachineFleet) -> None:
    master = machine_fleet.master
    steady, cut_off = machine_fleet.agents
    link, target = machine_fleet.machines[1], machine_fleet.targets[1]
    ids = [steady.id, cut_off.id]
    wait_until(lambda: set(master.agents()) == set(ids), WITHIN_S, "both machines' agents listed", master.log)
    assert master.api("PUT", f"/plans/{PLAN}", demo_plan(machine_fleet.target_url))[0] == 200
    plans_before = plans(master)
    start_load(master, ids, machine_fleet.target_url)
    [cut_worker] = wait_until(
        lambda: owned_workers(master, cut_off.id), WITHIN_S, "the master knows the cut agent's worker"
    )

    link.cut()
    cut_at = time.monotonic()
    left = first_held(
        {
            "agent left the list": lambda: cut_off.id not in master.agents(),
            "worker missing": lambda: worker_state(master, cut_worker["id"]) == "missing",
        },
        TEST_TTL + WITHIN_S,  # the lease's TTL; Locust's three missed heartbeats and its 1 s check; slack
        "the cut agent leaves the list and Locust marks its worker missing",
    )
    assert_load_goes_on(master, "from the other machine while the link is cut")
    assert steady.id in master.agents()
    cut_for_s = seconds_since(time.monotonic(), cut_at)

    link.heal()
    healed_at = time.monotonic()
    wait_until(lambda: cut_off.id in master.agents(), WITHIN_S, "the agent registered again by itself", cut_off.log)
    back_s = seconds_since(time.monotonic(), healed_at)
    # Used again: released (its worker may still be missing to Locust), deployed, and the run changed through
    # Locust so that the new worker gets users (Locust hands users to a worker that joins mid-run only then).
    release(master, [cut_off.id])
    wait_until(lambda: cut_off.worker_processes() == [], WITHIN_S, "the cut agent's old worker stopped")
    deploy(master, [cut_off.id])

    def new_worker(state: str) -> bool:
        return any(w["id"] != cut_worker["id"] and w["state"] == state for w in owned_workers(master, cut_off.id))

    wait_until(lambda: new_worker("ready"), 2 * WITHIN_S, "the cut agent's new worker connected", master.log)
    master.swarm(USERS, machine_fleet.target_url)
    wait_until(lambda: new_worker("running"), WITHIN_S, "the cut agent's new worker runs users", master.log)
    packets = loopback_packets(target.pid)
    wait_until(lambda: loopback_packets(target.pid) > packets + 50, WITHIN_S, "its load reaches its own target again")
    failed = failures(master)
    plans_after = plans(master)
    record(
        kind="fault",
        name="network partition of one agent mid-run",
        tried=1,
        survived=1,
        lost_requests=failed,
        lost_plans=lost_plans(plans_before, plans_after),
        detail=(
            "2 agents on machines of their own (network namespaces), load running; one machine's link was cut: "
            "the agent left the list when its lease expired and Locust marked its worker missing while the other "
            "machine's load went on; after the link came back the agent registered again by itself, was released, "
            "deployed again, and its new worker sent load"
        ),
        left_list_s=seconds_since(left["agent left the list"], cut_at),
        worker_missing_s=seconds_since(left["worker missing"], cut_at),
        cut_for_s=cut_for_s,
        back_in_list_s=back_s,
        ttl_s=TEST_TTL,
    )
    assert failed == 0
    assert plans_after == plans_before


def test_agents_joining_and_leaving_during_a_run(
    fleet_master: FleetMaster, start_agent: StartAgent, demo_app: str
) -> None:
    survivors = [start_agent(agent_id=f"survivor-{n}", extra=AGENT_OPTIONS) for n in (1, 2)]
    ids = [agent.id for agent in survivors]
    wait_until(lambda: set(fleet_master.agents()) == set(ids), WITHIN_S, "the survivors listed", fleet_master.log)
    assert fleet_master.api("PUT", f"/plans/{PLAN}", demo_plan(demo_app))[0] == 200
    plans_before = plans(fleet_master)
    start_load(fleet_master, ids, demo_app)

    # Two waves of 5, stopped by SIGTERM and SIGKILL in turn; the second joins at once, within the lease TTL of
    # the first's killed agents, and the load is checked while those may still be listed.
    stopped: dict[str, tuple[signal.Signals, float]] = {}
    with Departures(fleet_master) as departures:
        for wave in range(2):
            churners = [start_agent(agent_id=f"churn-{wave}-{n}", extra=("--no-browser",)) for n in range(5)]
            wave_ids = {churner.id for churner in churners}
            wait_until(
                lambda wave_ids=wave_ids: wave_ids <= set(fleet_master.agents()), 2 * WITHIN_S, f"wave {wave} listed"
            )
            departures.track(wave_ids)
            for n, churner in enumerate(churners):
                sig = (signal.SIGTERM, signal.SIGKILL)[n % 2]
                churner.signal_and_wait(sig, timeout=WITHIN_S)
                stopped[churner.id] = (sig, time.monotonic())
                # An agent stopped with SIGTERM revokes its lease and leaves at once: its key is gone as it exits,
                # whatever the machine's speed (how soon the master's list follows is recorded, not asserted).
                if sig == signal.SIGTERM:
                    assert churner.value() is None, churner.log()
        assert_load_goes_on(fleet_master, "while agents join and leave")
        wait_until(
            lambda: departures.left.keys() >= stopped.keys(), TEST_TTL + WITHIN_S, "every stopped agent left the list"
        )
    leave_s: dict[str, list[float]] = {"SIGTERM": [], "SIGKILL": []}
    for agent_id, (sig, at) in stopped.items():
        leave_s[sig.name].append(seconds_since(departures.left[agent_id], at))
    assert set(fleet_master.agents()) == set(ids)
    failed = failures(fleet_master)

    release(fleet_master, ids)
    for agent in survivors:
        wait_until(lambda agent=agent: agent.worker_processes() == [], WITHIN_S, f"{agent.id}'s workers stopped")
    wait_until(lambda: fleet_master.connected_workers() == [], WITHIN_S, "Locust lets the released workers go")
    start_load(fleet_master, ids, demo_app)
    assert_load_goes_on(fleet_master, "after a fresh deploy to the survivors")
    failed += failures(fleet_master)
    plans_after = plans(fleet_master)
    record(
        kind="fault",
        name="agents joining and leaving during a run",
        tried=len(stopped),
        survived=len(stopped.keys() & departures.left.keys()),
        lost_requests=failed,
        lost_plans=lost_plans(plans_before, plans_after),
        detail=(
            f"2 agents ran the load while {len(stopped)} more joined in 2 overlapping waves and left, by SIGTERM and "
            "SIGKILL in turn; the list came back to the 2 survivors, the load went on, and a fresh deploy to them ran"
        ),
        sigterm_left_list_max_s=max(leave_s["SIGTERM"]),
        sigkill_left_list_max_s=max(leave_s["SIGKILL"]),
        ttl_s=TEST_TTL,
    )
    assert failed == 0
    assert plans_after == plans_before
