"""Who may call an agent: TLS, mutual TLS and the shared token, with real certificates, agents and masters."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import trustme
from grpc_health.v1 import health_pb2, health_pb2_grpc

from locust_ext.proto import fleet_pb2, fleet_pb2_grpc
from tests.conftest import free_port
from tests.fleet_fixtures import (
    LOCUST_FLEET,
    LOCUST_FLEET_AGENT,
    EtcdServer,
    FleetMaster,
    StartAgent,
    demo_plan,
    stop_process,
    wait_until,
)
from tests.reliability import record

pytest_plugins = ("tests.fleet_fixtures",)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
TOKEN = "s3cret-fleet-token-0123456789"


@dataclass
class Pki:
    """A CA with an agent certificate (for 127.0.0.1), a master's client certificate, and a stranger's."""

    ca: Path
    agent_cert: Path
    agent_key: Path
    master_cert: Path
    master_key: Path
    stranger_cert: Path
    stranger_key: Path

    def read(self, path: Path) -> bytes:
        return path.read_bytes()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca, stranger_ca = trustme.CA(), trustme.CA()
    files: dict[str, Path] = {"ca": directory / "ca.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    for name, issuer, identity in (
        ("agent", ca, "127.0.0.1"),
        ("master", ca, "fleet-master"),
        ("stranger", stranger_ca, "fleet-master"),
    ):
        issued = issuer.issue_cert(identity)
        files[f"{name}_cert"], files[f"{name}_key"] = directory / f"{name}.pem", directory / f"{name}.key"
        for blob in issued.cert_chain_pems:
            blob.write_to_path(str(files[f"{name}_cert"]), append=True)
        issued.private_key_pem.write_to_path(str(files[f"{name}_key"]))
    return Pki(**files)


def agent_flags(pki: Pki) -> tuple[str, ...]:
    return ("--tls-cert", str(pki.agent_cert), "--tls-key", str(pki.agent_key), "--tls-ca", str(pki.ca))


def master_flags(pki: Pki) -> tuple[str, ...]:
    return (
        *("--fleet-tls-ca", str(pki.ca)),
        *("--fleet-tls-cert", str(pki.master_cert), "--fleet-tls-key", str(pki.master_key)),
    )


def secure_channel(pki: Pki, address: str, cert: Path | None, key: Path | None) -> grpc.Channel:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.read(pki.ca),
        private_key=pki.read(key) if key else None,
        certificate_chain=pki.read(cert) if cert else None,
    )
    return grpc.secure_channel(address, credentials)


def status_error(channel: grpc.Channel, metadata: tuple = ()) -> grpc.RpcError | None:
    """The error of a Status call (None when it succeeded)."""
    with channel:
        try:
            fleet_pb2_grpc.AgentStub(channel).Status(fleet_pb2.StatusRequest(), timeout=5, metadata=metadata)
        except grpc.RpcError as error:
            return error
    return None


@pytest.fixture
def secured_master(tmp_path: Path, etcd_server: EtcdServer, fleet_prefix: str, pki: Pki) -> Iterator[FleetMaster]:
    extra = (*master_flags(pki), "--fleet-token", TOKEN)
    master = FleetMaster(tmp_path / "unused.json", tmp_path / "secured-master.log", etcd_server, fleet_prefix, extra)
    try:
        yield master.start()
    finally:
        master.stop()


def test_mutual_tls_and_the_token_let_the_master_in_and_no_one_else(
    pki: Pki, start_agent: StartAgent, secured_master: FleetMaster, fleet_master: FleetMaster, demo_app: str
) -> None:
    agent = start_agent(agent_id="guarded", extra=(*agent_flags(pki), "--token", TOKEN, "--no-browser"))
    value = agent.wait_registered()
    assert value["security"] == {"tls": True, "clientCert": True, "token": True}, value
    assert TOKEN not in json.dumps(value) and "PRIVATE KEY" not in json.dumps(value)
    bearer = (("authorization", f"Bearer {TOKEN}"),)
    address = agent.address

    plain = status_error(grpc.insecure_channel(address), bearer)
    assert plain is not None and plain.code() == grpc.StatusCode.UNAVAILABLE, plain
    no_client_cert = status_error(secure_channel(pki, address, None, None), bearer)
    assert no_client_cert is not None and no_client_cert.code() == grpc.StatusCode.UNAVAILABLE, no_client_cert
    stranger = status_error(secure_channel(pki, address, pki.stranger_cert, pki.stranger_key), bearer)
    assert stranger is not None and stranger.code() == grpc.StatusCode.UNAVAILABLE, stranger
    wrong = (("authorization", "Bearer wrong-token-0123456789"),)
    for metadata, what in (((), "missing token"), (wrong, "wrong token")):
        refused = status_error(secure_channel(pki, address, pki.master_cert, pki.master_key), metadata)
        assert refused is not None and refused.code() == grpc.StatusCode.UNAUTHENTICATED, refused
        details = refused.details()
        assert details is not None and details.startswith(what) and "--fleet-token" in details, details
    with secure_channel(pki, address, pki.master_cert, pki.master_key) as channel:
        # Any: typeshed's stub for this generated client leaves out the methods grpc gives it in __init__.
        health: Any = health_pb2_grpc.HealthStub(channel)
        with pytest.raises(grpc.RpcError) as unauthenticated:
            health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert unauthenticated.value.code() == grpc.StatusCode.UNAUTHENTICATED  # every call, health included
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=5, metadata=bearer).status == 1
    assert status_error(secure_channel(pki, address, pki.master_cert, pki.master_key), bearer) is None

    plan = demo_plan(demo_app) | {"name": "guarded-plan"}
    deploy = {"plan": "guarded-plan", "agents": ["guarded"], "processes": 1}
    assert secured_master.api("PUT", "/plans/guarded-plan", plan)[0] == 200
    wait_until(lambda: "guarded" in fleet_master.agents(), 30, "the agent listed by the open master")
    status, body = fleet_master.api("POST", "/deploy", deploy)
    message = body["results"]["guarded"]["message"]
    assert status == 200 and not body["results"]["guarded"]["ok"], body
    assert "--fleet-tls-ca" in message and "--fleet-tls-cert" in message and "--fleet-token" in message, message

    wait_until(lambda: "guarded" in secured_master.agents(), 30, "the agent listed by the secured master")
    status, body = secured_master.api("POST", "/deploy", deploy)
    assert status == 200 and body["results"]["guarded"]["ok"], body
    try:
        wait_until(lambda: len(secured_master.connected_workers()) == 1, 60, "the worker", secured_master.log)
    finally:
        status, body = secured_master.api("POST", "/release", {"agents": ["guarded"]})
    assert status == 200 and body["results"]["guarded"]["ok"], body
    assert TOKEN not in agent.log() and TOKEN not in secured_master.log()
    record(
        "input",
        "gRPC calls to an agent without the right TLS or token",
        tried=7,
        survived=7,
        detail="plain, no client certificate, a stranger's certificate: handshake refused; no or a wrong token, "
        "health included: UNAUTHENTICATED; a master without the options: told which ones; the agent served on",
    )


def test_a_token_alone_guards_a_plain_agent(start_agent: StartAgent, fleet_master: FleetMaster) -> None:
    agent = start_agent(agent_id="token-only", extra=("--token", TOKEN, "--no-browser"))
    assert agent.wait_registered()["security"] == {"tls": False, "clientCert": False, "token": True}
    refused = status_error(grpc.insecure_channel(agent.address))
    assert refused is not None and refused.code() == grpc.StatusCode.UNAUTHENTICATED, refused
    assert status_error(grpc.insecure_channel(agent.address), (("authorization", f"Bearer {TOKEN}"),)) is None


def run_agent_briefly(*flags: str) -> subprocess.CompletedProcess:
    """Start an agent that cannot reach etcd (port 9), and return what it said until it exited or said it had
    started (a warning about where it listens comes before that line); then stop it. Its exit code is -1 when it
    was still running."""
    command = [str(LOCUST_FLEET_AGENT), "--etcd", "127.0.0.1:9", "--ttl", "2", "--no-browser", *flags]
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "agent.log"
        with log.open("w") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            # Generous: it gets there in a second or two, on a busy shared machine in several.
            wait_until(
                lambda: process.poll() is not None or "agent started id=" in log.read_text(),
                60,
                "the agent exited or said it had started",
                log.read_text,
            )
            code = process.poll()
        finally:
            stop_process(process)
        return subprocess.CompletedProcess(command, -1 if code is None else code, "", log.read_text())


def test_an_agent_open_beyond_loopback_warns_and_bad_security_options_are_refused(pki: Pki, tmp_path: Path) -> None:
    open_agent = run_agent_briefly("--listen", "0.0.0.0:0")
    assert "UNPROTECTED: listening on 0.0.0.0 without TLS or a token" in open_agent.stderr, open_agent.stderr
    loopback = run_agent_briefly("--listen", "127.0.0.1:0")
    assert "UNPROTECTED" not in loopback.stderr, loopback.stderr
    guarded = run_agent_briefly("--listen", "0.0.0.0:0", *agent_flags(pki), "--token", TOKEN)
    assert "UNPROTECTED" not in guarded.stderr, guarded.stderr

    no_key = run_agent_briefly("--listen", "127.0.0.1:0", "--tls-cert", str(pki.agent_cert))
    assert no_key.returncode == 1 and "--tls-cert and --tls-key: give both" in no_key.stderr, no_key.stderr
    short = run_agent_briefly("--listen", "127.0.0.1:0", "--token", "abc")
    assert short.returncode == 1 and "expected at least 16 characters" in short.stderr, short.stderr
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    bad_ca = run_agent_briefly("--listen", "127.0.0.1:0", "--tls-ca", str(not_pem))
    assert bad_ca.returncode == 1 and f"--tls-ca: {not_pem} is not PEM" in bad_ca.stderr, bad_ca.stderr

    plan = EXAMPLES / "demo-shop.json"
    command = [str(LOCUST_FLEET), "--master", "--headless", "--fleet-plan", str(plan)]
    command += ["--master-bind-port", str(free_port()), "--fleet-tls-ca", str(tmp_path / "missing.pem")]
    master = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert master.returncode == 2, master.stderr
    assert f"--fleet-tls-ca: cannot read {tmp_path / 'missing.pem'}" in master.stderr, master.stderr
