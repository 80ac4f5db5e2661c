"""The Kubernetes manifests (deploy/kubernetes/): rendered by kubectl's kustomize, validated against Kubernetes'
schemas, and run on this machine.

The run starts the dev overlay's containers (etcd, the master, an agent) as processes on loopback with exactly the
command, arguments and environment the rendered manifests give them, only translated from the cluster to this
machine: the downward API's pod IP is 127.0.0.1, every Service's name resolves to 127.0.0.1, each port becomes a
free loopback port (the same one wherever it appears), and each volume a directory. It deploys a plan through the
master's API and sends load, then runs the headless Job example against the same etcd and agent. A flag the CLI
does not know makes its process exit at once, which fails the run with the process's own message.
"""

from __future__ import annotations

import csv
import http.client
import json
import math
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import kubernetes_validate
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.conftest import free_port
from tests.fleet_fixtures import ETCD, LOCUST_FLEET_AGENT, stop_process, wait_until
from tests.helpers import LOCUST_FLEET, ROOT

KUBERNETES = ROOT / "deploy" / "kubernetes"
KUSTOMIZATIONS = ("overlays/dev", "overlays/mtls", "jobs/headless-run")
# The oldest Kubernetes the manifests are for (gRPC probes are GA from 1.27), and the newest the validator knows.
SCHEMA_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
# The image's entry points and etcd's, as installed here.
PROGRAMS = {"locust-fleet": LOCUST_FLEET, "locust-fleet-agent": LOCUST_FLEET_AGENT, "etcd": ETCD}
# What a pod's downward API gives, here.
POD_IP = "127.0.0.1"
VARIABLE = re.compile(r"\$\((\w+)\)")
ADDRESS = re.compile(r"(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*)(?::(?P<port>\d+))?")
# A busy shared machine can take many times longer than usual to start Locust; only a failure waits this long.
READY_WITHIN_S = 90


def render(kustomization: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is missing: install Debian's kubernetes-client (scripts/install.sh does)", pytrace=False)
    result = subprocess.run(
        [kubectl, "kustomize", str(KUBERNETES / kustomization)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"kubectl kustomize {kustomization} failed:\n{result.stderr}"
    return [document for document in yaml.safe_load_all(result.stdout) if document]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_kustomization_renders_objects_that_kubernetes_accepts(kustomization: str) -> None:
    objects = render(kustomization)
    assert objects, f"{kustomization} rendered nothing"
    problems = []
    for version in SCHEMA_VERSIONS:
        for document in objects:
            try:
                # Strict: a misspelt field is an error, where Kubernetes would drop it without a word.
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                kind_name = f"{document['kind']}/{document['metadata']['name']}"
                problems.append(f"{kind_name} against {version}: {error.message} at {list(error.path)}")
    assert not problems, "\n".join(problems)


@dataclass
class Cluster:
    """What a rendered fleet's containers find around them, made of this machine: loopback ports and directories."""

    work: Path
    ports: dict[int, int] = field(default_factory=dict)
    hosts: set[str] = field(default_factory=set)

    def take_in(self, objects: list[dict[str, Any]]) -> None:
        """Give every port these objects declare a free loopback port, and make their Services' names resolvable."""
        for document in objects:
            if document["kind"] == "Service":
                self.hosts.add(document["metadata"]["name"])
                for port in document["spec"]["ports"]:
                    # One translation per number: a Service that moved its port elsewhere would need two.
                    assert port["targetPort"] in (port["port"], port.get("name")), f"Service port {port}: differs"
                    self.ports.setdefault(port["port"], free_port())
            for container in pod_spec(document).get("containers", []):
                for port in container.get("ports", []):
                    self.ports.setdefault(port["containerPort"], free_port())

    def container(self, objects: list[dict[str, Any]], workload: str, name: str) -> Container:
        document = next(doc for doc in objects if doc["metadata"]["name"] == workload and pod_spec(doc))
        spec = next(container for container in pod_spec(document)["containers"] if container["name"] == name)
        # A StatefulSet's first pod is <name>-0; a Deployment's or a Job's name only needs to be unique.
        pod_name = f"{workload}-0" if document["kind"] == "StatefulSet" else f"{workload}-rendered"
        return Container(self, objects, document, spec, pod_name)

    def is_cluster_host(self, host: str) -> bool:
        """A Service's name, a pod's name under a headless Service (<pod>.<service>), or any address."""
        labels = host.split(".")
        return host == "0.0.0.0" or labels[0] in self.hosts or (len(labels) > 1 and labels[1] in self.hosts)

    def translate(self, value: str, mounts: dict[str, Path]) -> str:
        """A value as it reads here: a path under a volume mount in its directory, a port number or address with
        the loopback port and host that stand for it."""
        for mount_path, directory in mounts.items():
            if value.startswith(mount_path):
                return str(directory) + value[len(mount_path) :]
        if value.isdigit():
            return str(self.ports.get(int(value), value))

        def address(match: re.Match[str]) -> str:
            host, port = match["host"], match["port"]
            if self.is_cluster_host(host):
                host = "127.0.0.1"
            if port is None:
                return host
            return f"{host}:{self.ports.get(int(port), port)}"

        return ADDRESS.sub(address, value)


def pod_spec(document: dict[str, Any]) -> dict[str, Any]:
    return document.get("spec", {}).get("template", {}).get("spec", {})


@dataclass
class Container:
    """One rendered container, to be started as a process with what Kubernetes would give it."""

    cluster: Cluster
    objects: list[dict[str, Any]]
    workload: dict[str, Any]
    spec: dict[str, Any]
    pod_name: str

    @property
    def name(self) -> str:
        return f"{self.workload['metadata']['name']}/{self.spec['name']}"

    @property
    def directory(self) -> Path:
        directory = self.cluster.work / self.spec["name"]
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def config_map(self, name: str) -> dict[str, str]:
        maps = [doc for doc in self.objects if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == name]
        assert maps, f"{self.name}: no ConfigMap {name} in the rendered objects"
        return maps[0]["data"]

    def environment(self) -> dict[str, str]:
        """The container's variables as the kubelet sets them: envFrom first, then env in order, each able to
        refer to the ones before it."""
        variables: dict[str, str] = {}
        for source in self.spec.get("envFrom", []):
            assert set(source) == {"configMapRef"}, f"{self.name}: envFrom {source} is not translated here"
            variables.update(self.config_map(source["configMapRef"]["name"]))
        for variable in self.spec.get("env", []):
            if "value" in variable:
                variables[variable["name"]] = expand(variable["value"], variables)
            else:
                variables[variable["name"]] = self.downward(variable["valueFrom"])
        return variables

    def downward(self, source: dict[str, Any]) -> str:
        if "fieldRef" in source:
            field_path = source["fieldRef"]["fieldPath"]
            values = {"status.podIP": POD_IP, "metadata.name": self.pod_name}
            assert field_path in values, f"{self.name}: fieldRef {field_path} is not translated here"
            return values[field_path]
        if "resourceFieldRef" in source:
            reference = source["resourceFieldRef"]
            assert reference["resource"] == "limits.cpu", f"{self.name}: {reference} is not translated here"
            # As the kubelet does: the limit over the divisor, rounded up to a whole number.
            limit = cpu_cores(self.spec["resources"]["limits"]["cpu"])
            return str(math.ceil(limit / cpu_cores(str(reference.get("divisor", "1")))))
        raise AssertionError(f"{self.name}: valueFrom {source} is not translated here")

    def mounts(self) -> dict[str, Path]:
        """Each volume mount's directory here, filled as Kubernetes would fill it (a ConfigMap's keys as files)."""
        volumes = {volume["name"]: volume for volume in pod_spec(self.workload).get("volumes", [])}
        mounts = {}
        for mount in self.spec.get("volumeMounts", []):
            directory = self.directory / mount["name"]
            directory.mkdir(exist_ok=True)
            volume = volumes.get(mount["name"], {})
            if "configMap" in volume:
                for key, content in self.config_map(volume["configMap"]["name"]).items():
                    (directory / key).write_text(content)
            mounts[mount["mountPath"]] = directory
        return mounts

    def command(self) -> list[str]:
        assert "command" in self.spec, f"{self.name}: no command; the manifests name the image's entry point"
        program, *rest = self.spec["command"]
        executable = PROGRAMS.get(Path(program).name)
        assert executable is not None, f"{self.name}: no program here for {program}"
        variables, mounts = self.environment(), self.mounts()
        arguments = [expand(argument, variables) for argument in [*rest, *self.spec.get("args", [])]]
        return [str(executable), *(self.translate_argument(argument, mounts) for argument in arguments)]

    def translate_argument(self, argument: str, mounts: dict[str, Path]) -> str:
        flag, equals, value = argument.partition("=")
        if equals and flag.startswith("-"):
            return f"{flag}={self.cluster.translate(value, mounts)}"
        return self.cluster.translate(argument, mounts)

    def start(self, extra_environment: dict[str, str] | None = None) -> Process:
        command = self.command()
        log_path = self.cluster.work / f"{self.spec['name']}.log"
        # TMPDIR: an agent's workers and Chromium leave their files in the test's directory, not in /tmp.
        environment = {**os.environ, **self.environment(), **(extra_environment or {}), "TMPDIR": str(self.directory)}
        with log_path.open("a") as log:
            popen = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=self.directory)
        return Process(self, popen, command, log_path)

    def port(self, reference: int | str) -> int:
        """The loopback port of a probe's port, given by number or by the container port's name."""
        by_name = {port["name"]: port["containerPort"] for port in self.spec["ports"]}
        return self.cluster.ports[reference if isinstance(reference, int) else by_name[reference]]


def expand(text: str, variables: dict[str, str]) -> str:
    """Kubernetes' $(VAR) in command, args and env values: replaced when VAR is defined, left as written if not."""
    return VARIABLE.sub(lambda match: variables.get(match[1], match[0]), text)


def cpu_cores(quantity: str) -> float:
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


@dataclass
class Process:
    container: Container
    popen: subprocess.Popen
    command: list[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def exited(self) -> str:
        """Why the process is gone (its code, the end of its log and its command line), or '' while it runs."""
        if self.popen.poll() is None:
            return ""
        return (
            f"{self.container.name} exited with code {self.popen.returncode} (an argument in the manifest that its CLI "
            f"does not know makes it exit at once). Its log:\n{self.log()[-3000:]}\nits command line: "
            f"{' '.join(self.command)}"
        )

    def probe_passes(self, kind: str) -> bool:
        """One probe as the kubelet sends it: an HTTP GET, a gRPC health check without metadata, or a connection."""
        probe = self.container.spec[kind]
        if "httpGet" in probe:
            connection = http.client.HTTPConnection("127.0.0.1", self.container.port(probe["httpGet"]["port"]), 5)
            try:
                connection.request("GET", probe["httpGet"]["path"])
                return 200 <= connection.getresponse().status < 400
            except OSError:
                return False
            finally:
                connection.close()
        if "grpc" in probe:
            with grpc.insecure_channel(f"127.0.0.1:{self.container.port(probe['grpc']['port'])}") as channel:
                request = health_pb2.HealthCheckRequest(service=probe["grpc"].get("service", ""))
                health: Any = health_pb2_grpc.HealthStub(channel)  # generated without type information
                try:
                    answer = health.Check(request, timeout=5)
                except grpc.RpcError:
                    return False
                return answer.status == health_pb2.HealthCheckResponse.SERVING
        raise AssertionError(f"{self.container.name}: {kind} {probe} is not translated here")

    def wait_ready(self) -> None:
        """Until the readiness probe passes; fails at once, with the process's own words, if it exits."""

        def ready() -> bool:
            if reason := self.exited():
                raise AssertionError(reason)
            return self.probe_passes("readinessProbe")

        wait_until(ready, READY_WITHIN_S, f"{self.container.name}'s readiness probe passed", self.log)
        assert self.probe_passes("livenessProbe"), f"{self.container.name}: ready, but its liveness probe fails"

    def stop(self) -> None:
        stop_process(self.popen, timeout=15)


class MasterApi:
    """The master's fleet API and Locust's own routes, on the master's translated web port."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/fleet/api{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def agents(self) -> dict[str, dict[str, Any]]:
        status, body = self.call("GET", "/agents")
        return {agent["id"]: agent for agent in body["agents"]} if status == 200 else {}

    def swarm(self, users: int) -> None:
        data = f"user_count={users}&spawn_rate={users}".encode()
        with urllib.request.urlopen(f"{self.url}/swarm", data=data, timeout=10) as response:
            assert json.load(response)["success"]

    def workers(self) -> int:
        with urllib.request.urlopen(f"{self.url}/stats/requests", timeout=5) as response:
            return sum(1 for worker in json.load(response)["workers"] if worker["state"] != "missing")

    def totals(self) -> tuple[int, int]:
        """Requests and failures of the run, from Locust's CSV of its statistics (fresh, unlike its cached feed)."""
        with urllib.request.urlopen(f"{self.url}/stats/requests/csv", timeout=5) as response:
            rows = csv.DictReader(response.read().decode().splitlines())
            total = next(row for row in rows if row["Name"] == "Aggregated")
        return int(total["Request Count"]), int(total["Failure Count"])


@pytest.fixture
def started() -> Iterator[list[Process]]:
    """The processes a test starts, stopped at its end, the last started first."""
    processes: list[Process] = []
    yield processes
    for process in reversed(processes):
        process.stop()


def example_plan(demo_app: str) -> dict[str, Any]:
    """The headless Job's example plan, aimed at the demo app (its host is whatever system the user tests)."""
    plan = json.loads((KUBERNETES / "jobs" / "headless-run" / "plan.json").read_text())
    return {**plan, "host": demo_app}


def test_the_rendered_fleet_runs_a_plan_and_the_headless_job(
    tmp_path: Path, demo_app: str, started: list[Process]
) -> None:
    objects = render("overlays/dev")
    cluster = Cluster(tmp_path)
    cluster.take_in(objects)
    etcd = cluster.container(objects, "locust-fleet-etcd", "etcd").start()
    started.append(etcd)
    etcd.wait_ready()
    master_container = cluster.container(objects, "locust-fleet-master", "master")
    agent_container = cluster.container(objects, "locust-fleet-agent", "agent")
    master, agent = master_container.start(), agent_container.start()
    started += [master, agent]
    master.wait_ready()
    agent.wait_ready()

    api = MasterApi(master_container.port("web"))
    agent_id = agent_container.pod_name
    wait_until(lambda: agent_id in api.agents(), 30, "the master lists the agent", agent.log)
    plan = example_plan(demo_app)
    assert api.call("PUT", f"/plans/{plan['name']}", plan)[0] == 200
    status, deployed = api.call("POST", "/deploy", {"plan": plan["name"], "agents": [agent_id]})
    assert status == 200 and deployed["results"][agent_id]["ok"], deployed
    # --processes is the pod's CPU limit, through the downward API.
    processes = int(agent_container.environment()["CPU_LIMIT"])
    wait_until(lambda: api.workers() == processes, 60, f"{processes} Locust worker(s) connected", master.log)
    api.swarm(4)
    wait_until(lambda: api.totals()[0] >= 20, 60, "20 requests sent", master.log)
    requests, failures = api.totals()
    assert failures == 0, f"{failures} of {requests} requests failed:\n{master.log()[-3000:]}"
    status, released = api.call("POST", "/release", {"agents": [agent_id]})
    assert status == 200 and released["results"][agent_id]["ok"], released
    wait_until(lambda: api.agents()[agent_id]["state"] == "idle", 30, "the agent idle again", agent.log)
    master.stop()

    run_headless_job(cluster, demo_app)


def run_headless_job(cluster: Cluster, demo_app: str) -> None:
    """The Job example, against the fleet's etcd and agent: its master deploys, runs, releases and exits 0."""
    objects = render("jobs/headless-run")
    cluster.take_in(objects)
    plan_map = next(doc for doc in objects if doc["kind"] == "ConfigMap" and "plan.json" in doc.get("data", {}))
    plan_map["data"]["plan.json"] = json.dumps(example_plan(demo_app))
    job = cluster.container(objects, "locust-fleet-run", "run")
    # The run's length is the user's to set in the Job's ConfigMap; a short one here.
    process = job.start({"LOCUST_RUN_TIME": "5s", "LOCUST_USERS": "4", "LOCUST_SPAWN_RATE": "4"})
    try:
        code = process.popen.wait(timeout=120)
    finally:
        process.stop()
    assert code == 0, f"the Job's master exited with {code}:\n{process.log()[-4000:]}"
    results = job.mounts()["/results"]
    with (results / "run_stats.csv").open() as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    assert int(total["Request Count"]) > 0 and int(total["Failure Count"]) == 0, total
    report = json.loads((results / "report.json").read_text())
    assert report, "the --fleet-report file is empty"


@pytest.mark.parametrize(("workload", "name"), [("locust-fleet-master", "master"), ("locust-fleet-agent", "agent")])
def test_a_flag_the_cli_does_not_know_fails_the_run_with_the_cli_s_message(
    tmp_path: Path, workload: str, name: str
) -> None:
    objects = render("overlays/dev")
    cluster = Cluster(tmp_path)
    cluster.take_in(objects)
    container = cluster.container(objects, workload, name)
    container.spec["args"] = [*container.spec["args"], "--fleet-no-such-flag=1"]
    process = container.start()
    try:
        with pytest.raises(AssertionError, match=r"(?s)exited with code 2.*unrecognized arguments: --fleet-no-such"):
            process.wait_ready()
    finally:
        process.stop()
