"""etcd's own protection, for real: an etcd with users and roles, and an etcd that speaks only mutual TLS."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from tests.conftest import free_port
from tests.fleet_fixtures import (
    ETCD,
    ETCDCTL,
    LOCUST_FLEET,
    EtcdServer,
    FleetMaster,
    StartAgent,
    demo_plan,
    wait_until,
)
from tests.reliability import record

pytest_plugins = ("tests.fleet_fixtures",)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
PREFIX = "/fleet-guarded/"
ROOT_PASSWORD = "root-pw-0123456789"
FLEET_PASSWORD = "fleet-pw-0123456789"
# Short-lived sign-ins, so the test sees the clients sign in again by themselves.
TOKEN_TTL_S = 2
# Deadlines for what etcd, an agent or a master does by itself: seconds at most, but a busy shared machine can be
# several times slower. Only a failure waits this long.
WITHIN_S = 30


class GuardedEtcd(EtcdServer):
    """An EtcdServer started with extra flags, on https when given certificates."""

    def __init__(self, directory: Path, flags: tuple[str, ...], tls: bool, ctl_flags: tuple[str, ...] = ()) -> None:
        super().__init__(directory)
        self.flags, self.tls, self.ctl_flags = flags, tls, ctl_flags

    def start(self) -> None:
        scheme = "https" if self.tls else "http"
        client_url, peer_url = f"{scheme}://{self.endpoint}", f"http://127.0.0.1:{self.peer_port}"
        command = [str(ETCD), "--name", self.name, "--data-dir", str(self.data_dir)]
        command += ["--listen-client-urls", client_url, "--advertise-client-urls", client_url]
        command += ["--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url]
        command += ["--initial-cluster", f"{self.name}={peer_url}", *self.flags]
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(
            lambda: self._ctl_ok("endpoint", "health"), 2 * WITHIN_S, "etcd answered", lambda: self.log_path.read_text()
        )

    def _ctl_ok(self, *args: str) -> bool:
        return self.ctl(*args).returncode == 0

    def ctl(self, *args: str, auth: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        command = [str(ETCDCTL), f"--endpoints={self.endpoint}", *self.ctl_flags, *auth, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=10)


@pytest.fixture
def etcd_with_users(tmp_path: Path) -> Iterator[GuardedEtcd]:
    server = GuardedEtcd(
        tmp_path / "etcd-users", ("--auth-token", "simple", "--auth-token-ttl", str(TOKEN_TTL_S)), False
    )
    server.start()
    try:
        for args in (
            ("user", "add", "root", "--new-user-password", ROOT_PASSWORD),
            ("user", "grant-role", "root", "root"),
            ("role", "add", "fleet"),
            ("role", "grant-permission", "fleet", "--prefix=true", "readwrite", PREFIX),
            ("user", "add", "fleet", "--new-user-password", FLEET_PASSWORD),
            ("user", "grant-role", "fleet", "fleet"),
            ("auth", "enable"),
        ):
            done = server.ctl(*args)
            assert done.returncode == 0, done.stderr
        yield server
    finally:
        server.stop()


def start_master(tmp_path: Path, etcd: EtcdServer, name: str, *flags: str) -> FleetMaster:
    return FleetMaster(tmp_path / "unused.json", tmp_path / f"{name}.log", etcd, PREFIX, flags).start()


def headless_master(etcd: EtcdServer, *flags: str) -> subprocess.CompletedProcess:
    """A headless master asked to deploy to every agent: it exits 2 when it cannot list them, saying why."""
    command = [str(LOCUST_FLEET), "--master", "--headless", "--fleet-plan", str(EXAMPLES / "demo-shop.json")]
    command += ["--master-bind-port", str(free_port()), "--fleet-etcd", etcd.endpoint, "--fleet-prefix", PREFIX]
    command += ["--fleet-agents", "all", *flags]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def wait_for_line(read: Callable[[], str], text: str, timeout: float) -> str:
    return wait_until(lambda: read() if text in read() else None, timeout, f"'{text}' logged", read)


def test_an_etcd_with_users_lets_in_only_who_signs_in(
    tmp_path: Path, etcd_with_users: GuardedEtcd, start_agent: StartAgent, demo_app: str
) -> None:
    signed_in = ("--etcd-user", "fleet", "--etcd-password", FLEET_PASSWORD, "--prefix", PREFIX, "--no-browser")
    agent = start_agent(agent_id="signed-in", etcd=etcd_with_users, extra=signed_in)
    stranger = start_agent(agent_id="stranger", etcd=etcd_with_users, extra=("--prefix", PREFIX, "--no-browser"))
    wrong = ("--etcd-user", "fleet", "--etcd-password", "not-the-password", "--prefix", PREFIX, "--no-browser")
    guesser = start_agent(agent_id="guesser", etcd=etcd_with_users, extra=wrong)
    signed_in_master = ("--fleet-etcd-user", "fleet", "--fleet-etcd-password", FLEET_PASSWORD)
    master = start_master(tmp_path, etcd_with_users, "master", *signed_in_master)
    try:
        wait_until(lambda: set(master.agents()) == {"signed-in"}, WITHIN_S, "the signed-in agent listed", master.log)
        assert master.api("PUT", "/plans/guarded", demo_plan(demo_app) | {"name": "guarded"})[0] == 200
        root = ("--user", f"root:{ROOT_PASSWORD}")
        assert (
            f"{PREFIX}plans/guarded" in etcd_with_users.ctl("get", "--prefix", "--keys-only", PREFIX, auth=root).stdout
        )
        wait_for_line(stranger.log, "check etcd's user, password and role", WITHIN_S)
        wait_for_line(guesser.log, "authentication failed", WITHIN_S)
        bare_master = headless_master(etcd_with_users)
        assert bare_master.returncode == 2, bare_master.stderr
        assert "--fleet-agents: discovery unavailable: etcd unavailable" in bare_master.stderr, bare_master.stderr
        assert "check etcd's user, password and role" in bare_master.stderr, bare_master.stderr

        # Not a wait for something: every sign-in must expire, so the clients have to sign in again by themselves.
        time.sleep(TOKEN_TTL_S * 2)
        assert master.api("PUT", "/plans/guarded-later", demo_plan(demo_app) | {"name": "guarded-later"})[0] == 200
        assert set(master.agents()) == {"signed-in"}
        listed = etcd_with_users.ctl("get", f"{PREFIX}agents/signed-in", "--print-value-only", auth=root).stdout
        assert '"id": "signed-in"' in listed or '"id":"signed-in"' in listed, listed
    finally:
        master.stop()
    for log in (agent.log(), master.log()):
        assert FLEET_PASSWORD not in log
    record(
        "input",
        "etcd clients without the right user or password",
        tried=3,
        survived=3,
        detail="no user, a wrong password: refused by etcd with what to check; the signed-in agent stayed listed",
    )
    record(
        "fault",
        "etcd sign-ins expired during a run",
        tried=1,
        survived=1,
        detail=f"tokens expired every {TOKEN_TTL_S} s; master and agent signed in again, the watch lived on",
    )


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("etcd-pki")
    ca = trustme.CA()
    files = {"ca": directory / "ca.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    for name, identity in (("server", "127.0.0.1"), ("client", "fleet")):
        issued = ca.issue_cert(identity)
        files[name], files[f"{name}_key"] = directory / f"{name}.pem", directory / f"{name}.key"
        issued.cert_chain_pems[0].write_to_path(str(files[name]))
        issued.private_key_pem.write_to_path(str(files[f"{name}_key"]))
    return files


@pytest.fixture
def etcd_with_tls(tmp_path: Path, tls_files: dict[str, Path]) -> Iterator[GuardedEtcd]:
    flags = ("--cert-file", str(tls_files["server"]), "--key-file", str(tls_files["server_key"]))
    flags += ("--trusted-ca-file", str(tls_files["ca"]), "--client-cert-auth")
    ctl = (f"--cacert={tls_files['ca']}", f"--cert={tls_files['client']}", f"--key={tls_files['client_key']}")
    server = GuardedEtcd(tmp_path / f"etcd-tls-{uuid.uuid4().hex[:6]}", flags, True, ctl)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_an_etcd_that_speaks_mutual_tls(
    tmp_path: Path, etcd_with_tls: GuardedEtcd, tls_files: dict[str, Path], start_agent: StartAgent
) -> None:
    agent_tls = ("--etcd-ca", str(tls_files["ca"]), "--etcd-cert", str(tls_files["client"]))
    agent_tls += ("--etcd-key", str(tls_files["client_key"]))
    start_agent(agent_id="tls-agent", etcd=etcd_with_tls, extra=(*agent_tls, "--prefix", PREFIX, "--no-browser"))
    no_cert = ("--etcd-ca", str(tls_files["ca"]), "--prefix", PREFIX, "--no-browser")
    refused = start_agent(agent_id="no-cert", etcd=etcd_with_tls, extra=no_cert)
    master_tls = ("--fleet-etcd-ca", str(tls_files["ca"]), "--fleet-etcd-cert", str(tls_files["client"]))
    master = start_master(
        tmp_path, etcd_with_tls, "tls-master", *master_tls, "--fleet-etcd-key", str(tls_files["client_key"])
    )
    try:
        wait_until(lambda: set(master.agents()) == {"tls-agent"}, WITHIN_S, "the TLS agent listed", master.log)
        wait_for_line(refused.log, "etcd unavailable", WITHIN_S)
        with socket.create_connection(("127.0.0.1", etcd_with_tls.client_port), timeout=2) as plain:
            plain.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert not plain.recv(100).startswith(b"HTTP/1.1 200")  # no plain HTTP answers
    finally:
        master.stop()
