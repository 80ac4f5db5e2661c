"""`locust-fleet-agent`: announce this machine in etcd and run Locust workers when the master asks over gRPC.

Runs until SIGTERM or SIGINT, then stops its workers, revokes its etcd lease (so the master sees it leave at
once, not after the lease's TTL), stops the gRPC server and exits 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path
from typing import NamedTuple

from locust_ext.browser.probe import browser_available
from locust_ext.wire.etcd import Etcd, EtcdAccess, parse_endpoints
from locust_ext.wire.grpc_security import GrpcSecurity, SecurityConfigError, exposed_without_protection
from locust_ext.wire.protocol import DEFAULT_PREFIX, ETCD_PASSWORD_ENV, TOKEN_ENV
from worker_agent.agent import Agent
from worker_agent.service import add_services, create_server
from worker_agent.state import AgentIdentity

logger = logging.getLogger("worker_agent")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
_AGENT_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_LABEL_KEY = re.compile(r"[A-Za-z0-9._/-]{1,63}")
ETCD_ACCESS_FLAGS = {
    "user": "--etcd-user",
    "password": f"--etcd-password ({ETCD_PASSWORD_ENV})",
    "ca": "--etcd-ca",
    "cert": "--etcd-cert",
    "key": "--etcd-key",
}


class HostPort(NamedTuple):
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S")
    stop = _stop_on_signals()
    flags = {"cert": "--tls-cert", "key": "--tls-key", "ca": "--tls-ca", "token": f"--token ({TOKEN_ENV})"}
    try:
        security = GrpcSecurity.from_options(args.tls_cert, args.tls_key, args.tls_ca, args.token, flags)
        server, port = create_server(str(args.listen), security)
        etcd_access = EtcdAccess.from_options(
            ETCD_ACCESS_FLAGS,
            user=args.etcd_user,
            password=args.etcd_password,
            ca=args.etcd_ca,
            cert=args.etcd_cert,
            key=args.etcd_key,
        )
    except (SecurityConfigError, ValueError) as error:
        sys.exit(f"locust-fleet-agent: {error}")
    except RuntimeError as error:
        sys.exit(f"locust-fleet-agent: --listen {args.listen}: cannot listen there ({error})")
    if exposed := exposed_without_protection(args.listen.host, security):
        logger.warning("UNPROTECTED: %s", exposed)
    address = args.advertise or advertised_address(args.listen, port)
    agent_id = args.id or f"{socket.gethostname()}-{address.port}"
    identity = AgentIdentity.of_this_machine(agent_id, str(address), args.labels, security.describe())
    # An etcd call slower than the keep-alive interval would let the lease expire anyway.
    etcd = Etcd(args.etcd, timeout=max(1.0, args.ttl / 3), option="--etcd", access=etcd_access)
    with tempfile.TemporaryDirectory(prefix="locust-fleet-agent-") as workdir:
        probe = None if args.no_browser else browser_available
        agent = Agent(identity, etcd, args.prefix, args.ttl, Path(workdir), args.processes, browser_probe=probe)
        add_services(server, agent)
        server.start()
        agent.start()
        logger.info(
            "agent started id=%s address=%s listen=%s:%d etcd=%s prefix=%s processes=%d",
            agent_id,
            address,
            args.listen.host,
            port,
            args.etcd,
            args.prefix,
            args.processes,
        )
        stop.wait()
        agent.close()
        server.stop(grace=1).wait()
    logger.info("agent stopped id=%s", agent_id)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="locust-fleet-agent",
        description="Announce this load machine in etcd and run Locust workers when the master asks over gRPC.",
    )
    parser.add_argument(
        "--etcd",
        type=_endpoints,
        default="127.0.0.1:2379",
        metavar="HOST:PORT[,HOST:PORT...]",
        help="etcd endpoints (default: %(default)s)",
    )
    parser.add_argument("--prefix", type=_prefix, default=DEFAULT_PREFIX, help="etcd key prefix (default: %(default)s)")
    parser.add_argument(
        "--listen",
        type=_listen_address,
        default="0.0.0.0:50051",
        metavar="HOST:PORT",
        help="gRPC address to listen on; port 0 picks a free port (default: %(default)s)",
    )
    parser.add_argument(
        "--advertise",
        type=_advertise_address,
        metavar="HOST:PORT",
        help="address the master calls (default: the listen address with its real port; this machine's "
        "hostname when listening on every interface)",
    )
    parser.add_argument(
        "--processes",
        type=_positive_int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="Locust worker processes per run when the master asks for 0 (default: one per core, %(default)s)",
    )
    parser.add_argument("--labels", type=_labels, default={}, metavar="K=V[,K=V...]", help="labels shown to the master")
    parser.add_argument("--id", type=_agent_id, help="agent id (default: <hostname>-<advertised port>)")
    parser.add_argument(
        "--no-browser",
        action="store_true",
        help="do not offer browser users, even if Chromium launches here (by default the agent checks at start)",
    )
    security = parser.add_argument_group(
        "security", "Who may call this agent (the master gives the matching --fleet-tls-* and --fleet-token)"
    )
    security.add_argument("--tls-cert", default="", metavar="PEM", help="serve gRPC over TLS with this certificate")
    security.add_argument("--tls-key", default="", metavar="PEM", help="the private key of --tls-cert")
    security.add_argument(
        "--tls-ca", default="", metavar="PEM", help="mutual TLS: accept only callers whose certificate this CA signed"
    )
    security.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV, ""),
        help=f"refuse every call without this shared token (default: ${TOKEN_ENV}; the environment keeps it out of ps)",
    )
    etcd_access = parser.add_argument_group("etcd access", "etcd's own authentication and TLS, when it has them")
    etcd_access.add_argument("--etcd-user", default="", help="etcd user (with --etcd-password)")
    etcd_access.add_argument(
        "--etcd-password",
        default=os.environ.get(ETCD_PASSWORD_ENV, ""),
        help=f"its password (default: ${ETCD_PASSWORD_ENV}; the environment keeps it out of ps)",
    )
    etcd_access.add_argument("--etcd-ca", default="", metavar="PEM", help="talk TLS to etcd, trusting this CA")
    etcd_access.add_argument("--etcd-cert", default="", metavar="PEM", help="client certificate for etcd")
    etcd_access.add_argument("--etcd-key", default="", metavar="PEM", help="the key of --etcd-cert")
    parser.add_argument(
        "--ttl", type=_positive_int, default=10, metavar="SECONDS", help="etcd lease TTL (default: %(default)s)"
    )
    return parser.parse_args(argv)


def advertised_address(listen: HostPort, port: int) -> HostPort:
    """The listen address with its bound port; on every interface, this machine's hostname."""
    host = listen.host.strip("[]")
    return HostPort(socket.gethostname() if host in WILDCARD_HOSTS else listen.host, port)


def _stop_on_signals() -> threading.Event:
    """An event set by the first SIGTERM or SIGINT; later ones are ignored while the agent stops."""
    stop = threading.Event()

    def handle(signum: int, _frame: object) -> None:
        if not stop.is_set():
            logger.info("%s received; stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def _endpoints(text: str) -> str:
    try:
        parse_endpoints(text, "--etcd")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT[,HOST:PORT...], got {text!r}") from None
    return text


def _prefix(text: str) -> str:
    if not text.startswith("/") or not text.endswith("/"):
        raise argparse.ArgumentTypeError(f"expected a key prefix that starts and ends with '/', got {text!r}")
    return text


def _host_port(text: str, lowest_port: int) -> HostPort:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not lowest_port <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT with a port from {lowest_port} to 65535, got {text!r}")
    return HostPort(host, int(port))


def _listen_address(text: str) -> HostPort:
    return _host_port(text, 0)


def _advertise_address(text: str) -> HostPort:
    return _host_port(text, 1)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _labels(text: str) -> dict[str, str]:
    labels = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, equals, value = item.partition("=")
        if not equals or not _LABEL_KEY.fullmatch(key.strip()):
            raise argparse.ArgumentTypeError(f"expected KEY=VALUE[,KEY=VALUE...], got {item!r} in {text!r}")
        labels[key.strip()] = value.strip()
    return labels


def _agent_id(text: str) -> str:
    if not _AGENT_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected 1 to 128 letters, digits, '.', '_' or '-', got {text!r}")
    return text
