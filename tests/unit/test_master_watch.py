"""How an agent tells that its master has ended: a TCP connection held to the master's port (real loopback sockets)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.conftest import free_port
from worker_agent.supervisor import MasterUnreachable, MasterWatch, describe_exit

pytestmark = pytest.mark.unit


class MasterPort:
    """A listening loopback port standing in for the master's: it accepts, drops connections, stops listening."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []

    def accept(self) -> None:
        self.listener.settimeout(10)
        connection, _ = self.listener.accept()
        self.accepted.append(connection)

    def drop_connections(self) -> None:
        for connection in self.accepted:
            connection.close()
        self.accepted.clear()

    def stop_listening(self) -> None:
        self.listener.close()

    def close(self) -> None:
        self.drop_connections()
        self.stop_listening()


@pytest.fixture
def master_port() -> Iterator[MasterPort]:
    port = MasterPort()
    try:
        yield port
    finally:
        port.close()


def gone_within(watch: MasterWatch, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while not watch.gone() and time.monotonic() < deadline:
        time.sleep(0.02)
    return watch.gone()


def test_a_port_nobody_listens_on_is_refused_at_once() -> None:
    port = free_port()
    with pytest.raises(MasterUnreachable) as caught:
        MasterWatch("127.0.0.1", port).connect()
    assert str(caught.value) == f"cannot reach the master at 127.0.0.1:{port}: connection refused"
    assert caught.value.refused


def test_a_master_that_closes_and_stops_listening_is_gone(master_port: MasterPort) -> None:
    watch = MasterWatch("127.0.0.1", master_port.port)
    watch.connect()
    master_port.accept()
    watch.start()
    try:
        assert watch.gone() == ""
        master_port.close()
        message = gone_within(watch, 10)
    finally:
        watch.close()
    assert (
        message == f"the master at 127.0.0.1:{master_port.port} is gone (it closed its connection and refuses new ones)"
    )


def test_a_master_that_drops_the_connection_but_still_listens_is_not_gone(master_port: MasterPort) -> None:
    watch = MasterWatch("127.0.0.1", master_port.port)
    watch.connect()
    master_port.accept()
    watch.start()
    try:
        master_port.drop_connections()
        master_port.accept()
        assert gone_within(watch, 0.3) == ""
        master_port.close()
        assert gone_within(watch, 10).endswith("is gone (it closed its connection and refuses new ones)")
    finally:
        watch.close()


def test_a_watch_that_was_closed_reports_nothing(master_port: MasterPort) -> None:
    watch = MasterWatch("127.0.0.1", master_port.port)
    watch.connect()
    master_port.accept()
    watch.start()
    watch.close()
    master_port.close()
    assert gone_within(watch, 0.3) == ""


@pytest.mark.parametrize(
    ("returncode", "described"),
    [
        (0, "exit code 0"),
        (1, "exit code 1"),
        (-9, "killed by SIGKILL"),
        (-15, "killed by SIGTERM"),
        (-99, "killed by signal 99"),
    ],
)
def test_how_a_worker_ended_is_described(returncode: int, described: str) -> None:
    assert describe_exit(returncode) == described
