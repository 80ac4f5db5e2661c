"""The real parts the control-plane benchmark runs: etcd, a `locust-fleet` master, hosts of real agents.

Each is a context manager that stops what it started. Every process runs in a session of its own, so Ctrl-C
reaches only the benchmark, which then stops them in order (agents, master, etcd); agent hosts also stop by
themselves when the benchmark's end of their stdin closes, even if it is killed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.common import free_port, program
from locust_ext.wire.protocol import AGENT_ID_ENV

ETCD = "/usr/bin/etcd"
BIN = Path(sys.executable).parent
AGENT_HOST = Path(__file__).resolve().with_name("agent_host.py")
STOP_TIMEOUT_S = 20
START_TIMEOUT_S = 60
HTTP_TIMEOUT_S = 30

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll `condition` until it returns something true and return that; SystemExit saying `what` did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise SystemExit(f"not within {timeout:g} s: {what}")
        time.sleep(interval)


def stop(process: subprocess.Popen) -> None:
    """Close its stdin (agent hosts) or SIGTERM it (the rest); SIGKILL it if it has not exited in time."""
    if process.stdin is not None:
        process.stdin.close()
    elif process.poll() is None:
        process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running(command: list[str], log_path: Path, stdin: int | None = None) -> Iterator[subprocess.Popen]:
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, stdin=stdin, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        stop(process)


def _answers(url: str, process: subprocess.Popen, log_path: Path) -> bool:
    if process.poll() is not None:
        raise SystemExit(f"{program(process)} exited {process.returncode}; its log {log_path} ends:\n{tail(log_path)}")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def tail(log_path: Path, lines: int = 20) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def etcd_server(work: Path) -> Iterator[str]:
    """etcd 3.4 on free loopback ports with its data in `work`; yields its client endpoint."""
    client, peer = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    command = [ETCD, "--name", "bench", "--data-dir", str(work / "etcd-data")]
    command += ["--listen-client-urls", client, "--advertise-client-urls", client]
    command += ["--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", f"bench={peer}"]
    log_path = work / "etcd.log"
    with running(command, log_path) as process:
        wait_until(lambda: _answers(f"{client}/health", process, log_path), START_TIMEOUT_S, "etcd answered /health")
        yield client.removeprefix("http://")


class Api:
    """The master's web API over one kept-alive HTTP connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S)

    def raw(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        self._connection.request(method, path, data, headers)
        response = self._connection.getresponse()
        return response.status, response.read()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """The JSON answer; SystemExit on any status but 200."""
        status, payload = self.raw(method, path, body)
        if status != 200:
            raise SystemExit(f"{method} {path} answered {status}: {payload[:2000].decode(errors='replace')}")
        return json.loads(payload)

    def agents(self) -> list[dict[str, Any]]:
        return self.call("GET", "/fleet/api/agents")["agents"]

    def locust_workers(self) -> list[dict[str, Any]]:
        """The workers Locust's master lists, each with `id` and `state`."""
        return self.call("GET", "/stats/requests")["workers"]

    def close(self) -> None:
        self._connection.close()


@contextlib.contextmanager
def locust_master(work: Path, etcd_endpoint: str, prefix: str) -> Iterator[Api]:
    """A real `locust-fleet --master` on free loopback ports; yields its API once discovery has listed etcd."""
    port, web_port = free_port(), free_port()
    command = [str(BIN / "locust-fleet"), "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port"]
    command += [str(port), "--web-host", "127.0.0.1", "--web-port", str(web_port)]
    command += ["--fleet-etcd", etcd_endpoint, "--fleet-prefix", prefix]
    log_path = work / "master.log"
    with running(command, log_path) as process:
        url = f"http://127.0.0.1:{web_port}/fleet/api/agents"
        wait_until(lambda: _answers(url, process, log_path), START_TIMEOUT_S, "the master listed the agents")
        api = Api(web_port)
        try:
            yield api
        finally:
            api.close()


def hosted_ids(layout: list[tuple[str, int]]) -> list[str]:
    """The ids of the agents of hosts laid out as (id prefix, number of agents): `<id prefix>-<index>`."""
    return [f"{id_prefix}-{index}" for id_prefix, count in layout for index in range(count)]


@contextlib.contextmanager
def agent_hosts(work: Path, etcd_endpoint: str, prefix: str, layout: list[tuple[str, int]]) -> Iterator[None]:
    """One agent_host.py process per (id prefix, number of agents) of `layout`."""
    with contextlib.ExitStack() as stack:
        for id_prefix, count in layout:
            command = [sys.executable, str(AGENT_HOST), "--etcd", etcd_endpoint, "--prefix", prefix]
            command += ["--id-prefix", id_prefix, "--count", str(count), "--workdir", str(work / "agents")]
            stack.enter_context(running(command, work / f"{id_prefix}.log", stdin=subprocess.PIPE))
        yield


def fleet_worker_pids(id_prefix: str) -> list[int]:
    """Live processes an agent whose id starts with `id_prefix` started (the agent sets AGENT_ID_ENV)."""
    wanted = f"{AGENT_ID_ENV}={id_prefix}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):  # gone, or not ours to read
            if any(item.startswith(wanted) for item in (entry / "environ").read_bytes().split(b"\0")):
                pids.append(int(entry.name))
    return pids


def kill_fleet_workers(id_prefix: str) -> None:
    """SIGKILL every worker an agent of `id_prefix` left behind."""
    for pid in fleet_worker_pids(id_prefix):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
