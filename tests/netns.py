"""Network namespaces for fault tests: processes on "machines" of their own, each behind a link a test can cut.

A `Machine` is a network namespace joined to this one by a veth pair: 10.231.N.2/24 inside, 10.231.N.1/24 on
this side, which is also its default route. So a process inside reaches whatever listens on any host-side
address (Linux delivers to a local address whichever interface holds it), and this side reaches the machine
at its own address. `cut` takes the host side of the link down, which drops every packet both ways as a
pulled cable does; `heal` brings it back. Inside, 127.0.0.1 is the machine's own loopback, where tests put
the load target, so load never leaves a namespace the test made.

Names are unique per `Network`; `close` removes what it made even after a failure (a namespace's end of a
veth pair goes with it, and the host end is deleted too). Needs root (CAP_NET_ADMIN) and `ip` (iproute2):
without them `Network()` fails at once saying what to install or how to run.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

SUBNETS = "10.231"
TCP_LISTEN = "0A"


def ip_tool() -> str:
    """The `ip` executable; fails the test, saying what to install, when it or the permission is missing."""
    found = shutil.which("ip") or shutil.which("ip", path="/usr/sbin:/sbin")
    if found is None:
        pytest.fail(
            "`ip` is missing: install iproute2 (apt-get install iproute2, or ./scripts/install.sh)", pytrace=False
        )
    if os.geteuid() != 0:
        pytest.fail("network namespaces need root (CAP_NET_ADMIN): run these tests as root", pytrace=False)
    return found


def run_ip(*args: str) -> str:
    command = [ip_tool(), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    if result.returncode != 0:
        raise AssertionError(f"`{' '.join(command)}` failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


@dataclass(frozen=True, slots=True)
class Machine:
    namespace: str
    host_link: str
    host_address: str
    address: str

    def command(self, *argv: str) -> tuple[str, ...]:
        """`argv` run inside the machine (`ip netns exec` execs it: the pid is the program's own)."""
        return (ip_tool(), "netns", "exec", self.namespace, *argv)

    def cut(self) -> None:
        run_ip("link", "set", self.host_link, "down")

    def heal(self) -> None:
        run_ip("link", "set", self.host_link, "up")


class Network:
    """The machines of one test; `close` removes them."""

    def __init__(self) -> None:
        ip_tool()
        self.token = uuid.uuid4().hex[:6]
        self.machines: list[Machine] = []

    def add_machine(self) -> Machine:
        index = len(self.machines)
        subnet = self._free_subnet()
        machine = Machine(
            namespace=f"lf-{self.token}-{index}",
            host_link=f"lf{self.token}h{index}",
            host_address=f"{subnet}.1",
            address=f"{subnet}.2",
        )
        self.machines.append(machine)  # before creating anything, so `close` removes a half-made machine too
        inside_link = f"lf{self.token}n{index}"
        run_ip("netns", "add", machine.namespace)
        run_ip(
            "link", "add", machine.host_link, "type", "veth", "peer", "name", inside_link, "netns", machine.namespace
        )
        run_ip("addr", "add", f"{machine.host_address}/24", "dev", machine.host_link)
        run_ip("link", "set", machine.host_link, "up")
        inside = ("-n", machine.namespace)
        run_ip(*inside, "addr", "add", f"{machine.address}/24", "dev", inside_link)
        run_ip(*inside, "link", "set", inside_link, "up")
        run_ip(*inside, "link", "set", "lo", "up")
        run_ip(*inside, "route", "add", "default", "via", machine.host_address)
        return machine

    def close(self) -> None:
        for machine in self.machines:
            with contextlib.suppress(AssertionError):
                run_ip("netns", "delete", machine.namespace)
            with contextlib.suppress(AssertionError):  # gone with the namespace, unless a process kept it alive
                run_ip("link", "delete", machine.host_link)

    def _free_subnet(self) -> str:
        """A /24 of 10.231.0.0/16 that no interface here uses yet (other test runs may hold some)."""
        used = set(re.findall(rf"{re.escape(SUBNETS)}\.(\d+)\.", run_ip("-o", "-4", "addr", "show")))
        free = [str(n) for n in range(1, 255) if str(n) not in used]
        if not free:
            raise AssertionError(f"every subnet of {SUBNETS}.0.0/16 is in use: remove stale test links (ip link)")
        return f"{SUBNETS}.{random.choice(free)}"


def listens_on_loopback(pid: int, port: int) -> bool:
    """Whether something in `pid`'s network namespace listens on 127.0.0.1:`port` (read from this side)."""
    wanted = f"0100007F:{port:04X}"
    try:
        lines = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return False
    return any(fields[1] == wanted and fields[3] == TCP_LISTEN for fields in (line.split() for line in lines))


def loopback_packets(pid: int) -> int:
    """Packets received on the loopback of `pid`'s network namespace: its own traffic to its own load target."""
    for line in Path(f"/proc/{pid}/net/dev").read_text().splitlines():
        name, _, counters = line.partition(":")
        if name.strip() == "lo":
            return int(counters.split()[1])
    raise AssertionError(f"no loopback in the network namespace of pid {pid}")
