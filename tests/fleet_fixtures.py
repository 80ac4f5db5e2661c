"""Real parts for fleet tests: an etcd server, agent processes, a Locust master, and bounded waits.

A test module gets the fixtures with `pytest_plugins = ("tests.fleet_fixtures",)`; the classes work on their
own too (a test that stops and restarts etcd makes an `EtcdServer` of its own).

PYTEST_DONT_REWRITE: test modules import the classes before pytest loads this module as a plugin, too late
for assertion rewriting (pytest would warn); it has no assertions, its waits fail with their own messages.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import grpc
import pytest

from locust_ext.proto import fleet_pb2, fleet_pb2_grpc
from locust_ext.wire.etcd import Etcd
from locust_ext.wire.protocol import AGENT_ID_ENV
from tests.conftest import free_port
from tests.helpers import BIN, LOCUST_FLEET, wait_for_http

ETCD = Path("/usr/bin/etcd")
ETCDCTL = Path("/usr/bin/etcdctl")
LOCUST_FLEET_AGENT = BIN / "locust-fleet-agent"
TEST_TTL = 3
# A valid plan; no test starts load with it, and its host is a loopback port nothing listens on.
TEST_PLAN = {"name": "agent-test", "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": [{"url": "/"}]}]}

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T | None], timeout: float, what: str, explain: Callable[[], str] | None = None
) -> T:
    """Poll `condition` until it returns something true, and return that; fail saying `what` did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            details = f"\n{explain()}" if explain else ""
            raise AssertionError(f"not within {timeout:g} s: {what} (last: {result!r}){details}")
        time.sleep(0.1)


def processes_with_env(name: str, value: str) -> list[int]:
    """Pids of live processes whose environment has `name=value`: what an agent started, wherever it is now."""
    wanted = f"{name}={value}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or not ours to read
            continue
        if wanted in environ.split(b"\0"):
            pids.append(int(entry.name))
    return sorted(pids)


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class EtcdServer:
    """A single-member etcd on loopback ports; `stop` and `start` again keep its data directory (and ports).

    `extra_hosts`: more addresses its client port listens on (each must exist when it starts), for agents
    that reach it from other network namespaces (`endpoint_on`).
    """

    def __init__(self, directory: Path, extra_hosts: tuple[str, ...] = ()) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.extra_hosts = extra_hosts
        self.name = f"test-{uuid.uuid4().hex[:8]}"
        self.data_dir = directory / "data"
        self.log_path = directory / "etcd.log"
        self.client_port, self.peer_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None
        self._client: Etcd | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.client_port}"

    def endpoint_on(self, host: str) -> str:
        return f"{host}:{self.client_port}"

    def start(self) -> None:
        client_url, peer_url = f"http://{self.endpoint}", f"http://127.0.0.1:{self.peer_port}"
        listen_urls = ",".join([client_url, *(f"http://{self.endpoint_on(host)}" for host in self.extra_hosts)])
        command = [str(ETCD), "--name", self.name, "--data-dir", str(self.data_dir)]
        command += ["--listen-client-urls", listen_urls, "--advertise-client-urls", client_url]
        command += ["--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url]
        command += ["--initial-cluster", f"{self.name}={peer_url}"]
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for_http(f"{client_url}/health", self.process, timeout=60)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def client(self) -> Etcd:
        if self._client is None:
            self._client = Etcd(self.endpoint, timeout=2)
        return self._client

    def value(self, key: str) -> dict[str, Any] | None:
        entry = self.client().get(key)
        return None if entry is None else entry.json()

    def etcdctl(self, *args: str) -> str:
        command = [str(ETCDCTL), f"--endpoints={self.endpoint}", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=10, check=True).stdout

    def lease_of(self, key: str) -> int | None:
        """The lease a key is attached to (the wrapper does not return it, `etcdctl` does)."""
        kvs = json.loads(self.etcdctl("get", key, "-w", "json")).get("kvs") or []
        return kvs[0].get("lease") if kvs else None


@pytest.fixture(scope="session")
def etcd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdServer]:
    """One etcd for the session; tests keep apart with a prefix each (`fleet_prefix`)."""
    server = EtcdServer(tmp_path_factory.mktemp("etcd"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fleet_prefix() -> str:
    return f"/test-{uuid.uuid4().hex[:8]}/"


class AgentProcess:
    """A real `locust-fleet-agent`, started at once, on a free loopback port that it reports in its etcd value.

    Elsewhere: `command_prefix` runs it through another command (`ip netns exec NS`), `listen` and
    `etcd_endpoint` are what it listens on and calls from there.
    """

    def __init__(
        self,
        etcd: EtcdServer,
        prefix: str,
        log_path: Path,
        agent_id: str | None = None,
        extra: tuple[str, ...] = (),
        command_prefix: tuple[str, ...] = (),
        listen: str = "127.0.0.1:0",
        etcd_endpoint: str | None = None,
    ) -> None:
        self.etcd = etcd
        self.prefix = prefix
        self.log_path = log_path
        self.agent_id = agent_id
        self._channel: grpc.Channel | None = None
        self._address: str | None = None
        command = [*command_prefix, str(LOCUST_FLEET_AGENT), "--etcd", etcd_endpoint or etcd.endpoint]
        command += ["--prefix", prefix, "--listen", listen, "--ttl", str(TEST_TTL), *extra]
        if agent_id:
            command += ["--id", agent_id]
        # Its private temporary directory goes beside its log, so even a killed agent leaves nothing in /tmp.
        env = {**os.environ, "TMPDIR": str(log_path.parent)}
        with log_path.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)

    @property
    def id(self) -> str:
        """The agent's id: the one it was given, or the one it registered with."""
        if self.agent_id is None:
            return self.wait_registered()["id"]
        return self.agent_id

    @property
    def key(self) -> str:
        return f"{self.prefix}agents/{self.id}"

    def value(self) -> dict[str, Any] | None:
        if self.agent_id:
            return self.etcd.value(self.key)
        entries, _ = self.etcd.client().get_prefix(f"{self.prefix}agents/")
        return entries[0].json() if len(entries) == 1 else None

    def current_value(self) -> dict[str, Any]:
        """The agent's etcd value now; the test fails when it has none."""
        value = self.value()
        assert value is not None, f"agent {self.agent_id or '(no id yet)'} has no value in etcd"
        return value

    def wait_registered(self, timeout: float = 60) -> dict[str, Any]:
        # Generous: an agent registers within a second or two, but on a busy shared machine its start can take many.
        value = wait_until(self.value, timeout, "the agent registered in etcd", self.log)
        self.agent_id, self._address = value["id"], value["address"]
        return value

    def wait_value(self, condition: Callable[[dict[str, Any]], bool], timeout: float, what: str) -> dict[str, Any]:
        """The etcd value once `condition` holds for it (the agent writes changes asynchronously)."""

        def matching() -> dict[str, Any] | None:
            value = self.value()
            return value if value is not None and condition(value) else None

        return wait_until(matching, timeout, what, lambda: f"etcd value: {self.value()}\nagent log:\n{self.log()}")

    @property
    def address(self) -> str:
        if self._address is None:
            return self.wait_registered()["address"]
        return self._address

    @property
    def channel(self) -> grpc.Channel:
        if self._channel is None:
            self._channel = grpc.insecure_channel(self.address)
        return self._channel

    def stub(self) -> fleet_pb2_grpc.AgentStub:
        return fleet_pb2_grpc.AgentStub(self.channel)

    def status(self) -> fleet_pb2.AgentStatus:
        return self.stub().Status(fleet_pb2.StatusRequest(), timeout=10)

    def worker_processes(self) -> list[int]:
        """Pids of every process this agent started that is still alive."""
        return processes_with_env(AGENT_ID_ENV, self.id)

    def signal_and_wait(self, sig: signal.Signals, timeout: float) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the agent did not exit within {timeout:g} s of {sig.name}:\n{self.log()}") from None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def close(self) -> None:
        """Stop the agent and anything it left behind."""
        if self._channel is not None:
            self._channel.close()
        stop_process(self.process, timeout=15)
        if self.agent_id:
            for pid in processes_with_env(AGENT_ID_ENV, self.agent_id):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)


StartAgent = Callable[..., AgentProcess]


@pytest.fixture
def start_agent(etcd_server: EtcdServer, fleet_prefix: str, tmp_path: Path) -> Iterator[StartAgent]:
    """Start agents (`start_agent(agent_id=..., extra=(...), etcd=...)`, and AgentProcess's other options by name);
    each is stopped at the end of the test."""
    agents: list[AgentProcess] = []

    def start(
        agent_id: str | None = None, extra: tuple[str, ...] = (), etcd: EtcdServer | None = None, **options: Any
    ) -> AgentProcess:
        log_path = tmp_path / f"agent-{len(agents)}.log"
        agent = AgentProcess(etcd or etcd_server, fleet_prefix, log_path, agent_id, extra, **options)
        agents.append(agent)
        return agent

    try:
        yield start
    finally:
        for agent in agents:
            agent.close()


class LocustMaster:
    """A real `locust-fleet --master` on loopback (discovery off), and what its web UI says about workers."""

    def __init__(self, plan_path: Path, log_path: Path) -> None:
        self.plan_path = plan_path
        self.log_path = log_path
        self.port, self.web_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self) -> LocustMaster:
        command = [str(LOCUST_FLEET), "--master", "--master-bind-host", "127.0.0.1"]
        command += ["--master-bind-port", str(self.port), "--web-host", "127.0.0.1", "--web-port", str(self.web_port)]
        command += ["--fleet-plan", str(self.plan_path), "--fleet-etcd", "none"]
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for_http(f"{self.url}/stats/requests", self.process, timeout=60)
        return self

    def stats(self) -> dict[str, Any]:
        """Locust's own stats feed: state, user count, rows, workers."""
        with urllib.request.urlopen(f"{self.url}/stats/requests", timeout=5) as response:
            return json.load(response)

    def workers(self) -> list[dict[str, Any]]:
        """The workers Locust's master lists, with `id` and `state` each."""
        return self.stats()["workers"]

    def connected_workers(self) -> list[dict[str, Any]]:
        """The workers the master counts (Locust marks a silent one `missing` and keeps it listed for a while)."""
        return [worker for worker in self.workers() if worker["state"] != "missing"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=15)


@pytest.fixture
def locust_master(tmp_path: Path) -> Iterator[LocustMaster]:
    plan_path = tmp_path / "master-plan.json"
    plan_path.write_text(json.dumps(TEST_PLAN))
    master = LocustMaster(plan_path, tmp_path / "master.log")
    try:
        yield master.start()
    finally:
        master.stop()


class FleetMaster(LocustMaster):
    """A `locust-fleet --master` with discovery on, and its REST API; `start` again after `stop` keeps its ports.

    `bind_host`: where its workers connect (give the same `--fleet-advertise-host` in `extra`).
    """

    def __init__(
        self,
        plan_path: Path,
        log_path: Path,
        etcd: EtcdServer,
        prefix: str,
        extra: tuple[str, ...] = (),
        bind_host: str = "127.0.0.1",
    ) -> None:
        super().__init__(plan_path, log_path)
        self.etcd, self.prefix, self.extra, self.bind_host = etcd, prefix, extra, bind_host

    def start(self) -> FleetMaster:
        self.launch()
        wait_until(lambda: self.api("GET", "/agents")[0] == 200, 60, "the master's fleet API answered", self.log)
        return self

    def launch(self) -> None:
        """Start the process without waiting for its API (which may answer only after a login)."""
        command = [str(LOCUST_FLEET), "--master", "--master-bind-host", self.bind_host]
        command += ["--master-bind-port", str(self.port), "--web-host", "127.0.0.1", "--web-port", str(self.web_port)]
        command += ["--fleet-etcd", self.etcd.endpoint, "--fleet-prefix", self.prefix, *self.extra]
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    def api(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        return self.raw(method, path, data, {"Content-Type": "application/json", **(headers or {})})

    def raw(self, method: str, path: str, data: bytes | None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(f"{self.url}/fleet/api{path}", data=data, method=method)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, content = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, content = error.code, error.read()
        except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
            # No HTTP answer (not listening yet, or, on a busy machine, its free port taken meanwhile by another
            # process that speaks something else): as if nothing answered; a wait on it says what it waited for.
            return 0, None
        return status, json.loads(content) if content else None

    def raw_bytes(self, path: str) -> tuple[int, bytes]:
        """GET a route of the API that answers something other than JSON."""
        try:
            with urllib.request.urlopen(f"{self.url}/fleet/api{path}", timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def agents(self) -> dict[str, dict[str, Any]]:
        status, body = self.api("GET", "/agents")
        return {agent["id"]: agent for agent in body["agents"]} if status == 200 else {}

    def swarm(self, users: int, host: str) -> None:
        data = f"user_count={users}&spawn_rate={users}&host={host}".encode()
        with urllib.request.urlopen(f"{self.url}/swarm", data=data, timeout=10) as response:
            assert json.load(response)["success"]

    def agents_tab(self) -> list[dict[str, str]]:
        """The rows of the "Fleet agents" tab in Locust's own page (its extended stats)."""
        with urllib.request.urlopen(f"{self.url}/stats/requests", timeout=5) as response:
            extended = json.load(response)["extended_stats"]
        return next(table["data"] for table in extended if table["key"] == "fleet-agents")

    def request_count(self) -> int:
        with urllib.request.urlopen(f"{self.url}/stats/requests", timeout=5) as response:
            stats = json.load(response)["stats"]
        return sum(row["num_requests"] for row in stats if row["name"] == "Aggregated")

    def totals(self) -> tuple[int, int]:
        """Requests and failures of the current run, Locust's own counts, fresh: from its CSV of the stats, as
        `/stats/requests` is cached for 2 s and can still show the previous run's just after a new swarm."""
        with urllib.request.urlopen(f"{self.url}/stats/requests/csv", timeout=5) as response:
            rows = csv.DictReader(io.StringIO(response.read().decode()))
            total = next(row for row in rows if row["Name"] == "Aggregated")
        return int(total["Request Count"]), int(total["Failure Count"])


@pytest.fixture
def fleet_master(tmp_path: Path, etcd_server: EtcdServer, fleet_prefix: str) -> Iterator[FleetMaster]:
    master = FleetMaster(tmp_path / "unused-plan.json", tmp_path / "master.log", etcd_server, fleet_prefix)
    try:
        yield master.start()
    finally:
        master.stop()


def demo_plan(host: str) -> dict[str, Any]:
    return {
        "name": "fleet-demo",
        "host": host,
        "tasks": [
            {
                "name": "browse",
                "thinkTime": {"minS": 0.05, "maxS": 0.1},
                "steps": [
                    {"name": "health", "url": "/health", "assert": [{"on": "STATUS", "op": "EQ", "value": "200"}]}
                ],
            }
        ],
    }


def running_master(directory: Path, etcd_server: EtcdServer, name: str) -> Iterator[FleetMaster]:
    """A master with the fleet and its web UI under a prefix of its own, for a module's page tests."""
    prefix = f"/{name}-{uuid.uuid4().hex[:8]}/"
    fleet_master = FleetMaster(directory / "unused.json", directory / "master.log", etcd_server, prefix)
    try:
        yield fleet_master.start()
    finally:
        fleet_master.stop()
