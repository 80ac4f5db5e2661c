"""Which WebSocket client should plan steps use under gevent: websocket-client or wsproto on a gevent socket?

A gevent + wsproto echo server (and a raw TCP echo on the same process, the upper bound) runs on loopback in its
own process; each measurement runs in a fresh gevent-monkey-patched client process, as in a Locust worker:

1. round trips: N connections, one greenlet each, send ~100 bytes of text then receive the echo, a fixed count
   (bounded in time); round trips/s per client process and client CPU µs per round trip (the figure to read: the
   2 cores are shared with the server and other work, so the rate is partly the server's, whose CPU is reported);
2. idle connections: open 5,000 from one process, RSS per connection, time to open them, and after 10 s the
   count still open, on the server (its established sockets) and on the client (a ping answered by each);
3. expect with a timeout: a receive when nothing comes, by socket timeout and by gevent.Timeout: that it raises
   in time, leaves the connection usable, lets 100 waits overlap, and starts no thread per connection.

Every configuration runs 3 times, interleaved. `websocket-client` is run as it comes and with
`skip_utf8_validation=True` (its default validates text in a pure-Python loop; our runtime decodes it anyway).

Run: .venv/bin/python benchmarks/ws_clients/run.py [--rounds 3] [--total 60000] [--hold 5000]
Writes benchmarks/results/ws_clients.json and .md (a section for docs/BENCHMARKS.md) and prints the tables.
"""

# gevent must patch the standard library before anything imports socket, ssl or threading, as Locust does.
# ruff: noqa: E402
from gevent import monkey

monkey.patch_all()

import argparse
import contextlib
import gc
import json
import resource
import socket
import statistics
import struct
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol, cast

import gevent
import gevent.pool
import gevent.server
import psutil
import websocket
from wsproto import ConnectionType, WSConnection
from wsproto.connection import Connection, ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Message,
    Ping,
    Pong,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError

# The repository: the first folder above this file that holds benchmarks/common.py.
ROOT = next(path for path in Path(__file__).resolve().parents if (path / "benchmarks" / "common.py").exists())
sys.path.insert(0, str(ROOT))

from benchmarks.common import RESULTS, free_port, machine

HOST = "127.0.0.1"
PAYLOAD = ("locust-fleet websocket echo " * 4)[:100]
CONNECTIONS = (1, 50, 500)
RUN_SECONDS = 6.0  # a round-trip run stops here even if its count is not done
HOLD_SECONDS = 10.0
OPEN_CONCURRENCY = 100  # handshakes in flight while opening many connections (the listen backlog is 4,096)
EXPECT_TIMEOUT = 0.2
SERVER_LIFETIME = 30 * 60  # the server stops on its own if this script dies before stopping it
CHILD_LIMIT = 120  # seconds for one client process
NICE = ["nice", "-n", "10"]


class ConnectionClosed(Exception):
    def __init__(self, code: int | None, reason: str | None) -> None:
        super().__init__(f"closed by the peer: {code} {reason or ''}".strip())
        self.code = code
        self.reason = reason


class WsprotoClient:
    """A minimal WebSocket client on wsproto and a (gevent) socket: what the plan runtime would need.

    One socket, no greenlet or thread of its own: every read happens in the caller's receive, ping or close.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.conn: WSConnection | Connection = WSConnection(ConnectionType.CLIENT)
        self.subprotocol: str | None = None
        self.close_code: int | None = None
        self._events: deque[Event] = deque()
        self._inbox: deque[str | bytes] = deque()  # messages that came while waiting for a pong
        self._parts: list[Any] = []

    @classmethod
    def connect(
        cls, host: str, port: int, path: str = "/", subprotocols: Sequence[str] = (), timeout: float = 10.0
    ) -> "WsprotoClient":
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small frames: no Nagle delay
        client = cls(sock)
        client._send(Request(host=f"{host}:{port}", target=path, subprotocols=list(subprotocols)))
        event = client._next_event(time.monotonic() + timeout)
        if not isinstance(event, AcceptConnection):
            sock.close()
            raise ConnectionError(f"handshake refused: {event!r}")
        client.subprotocol = event.subprotocol
        # Keep only the open connection: the handshake's h11 state would double the memory of an idle connection
        # and be asked for events on every read.
        assert isinstance(client.conn, WSConnection) and client.conn.connection is not None
        client.conn = client.conn.connection
        return client

    def send(self, data: str | bytes) -> None:
        self._send(Message(data=data) if isinstance(data, bytes) else TextMessage(data=data))

    def recv(self, timeout: float | None = None) -> str | bytes:
        """The next whole message; raises TimeoutError, or ConnectionClosed with the peer's close code."""
        if self._inbox:
            return self._inbox.popleft()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            message = self._handle(self._next_event(deadline))
            if message is not None:
                return message

    def ping(self, payload: bytes = b"", timeout: float = 5.0) -> float:
        """Seconds until the matching pong; messages arriving meanwhile are kept for recv."""
        started = time.monotonic()
        self._send(Ping(payload=payload))
        while True:
            event = self._next_event(started + timeout)
            if isinstance(event, Pong) and event.payload == payload:
                return time.monotonic() - started
            message = self._handle(event)
            if message is not None:
                self._inbox.append(message)

    def close(self, code: int = 1000, reason: str = "", timeout: float = 3.0) -> int | None:
        """Close handshake with `code`; returns the code the peer answered with (None if it did not in time)."""
        deadline = time.monotonic() + timeout
        try:
            self._send(CloseConnection(code=code, reason=reason))
            while self.conn.state is not ConnectionState.CLOSED:
                event = self._next_event(deadline)
                if isinstance(event, CloseConnection):
                    return event.code
            return None
        except (TimeoutError, ConnectionError):
            return None
        finally:
            self.sock.close()

    def _send(self, event: Event) -> None:
        self.sock.sendall(self.conn.send(event))

    def _next_event(self, deadline: float | None) -> Event:
        while not self._events:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError("no WebSocket event in time")
            self.sock.settimeout(remaining)  # gevent waits on the socket with a timer: no thread
            data = self.sock.recv(65536)
            if not data and self.conn.state is ConnectionState.CLOSED:
                raise ConnectionClosed(self.close_code, "connection lost")
            self.conn.receive_data(data or None)  # None: the peer closed the TCP connection (wsproto says 1006)
            self._events.extend(self.conn.events())
        return self._events.popleft()

    def _handle(self, event: Event) -> str | bytes | None:
        """A whole message, or None after answering a ping or keeping part of a message; raises on close."""
        if isinstance(event, Message):
            self._parts.append(event.data)
            if not event.message_finished:
                return None
            parts, self._parts = self._parts, []
            return parts[0] if len(parts) == 1 else type(parts[0])().join(parts)
        if isinstance(event, Ping):
            self._send(event.response())
        elif isinstance(event, CloseConnection):
            self.close_code = event.code
            if self.conn.state is ConnectionState.REMOTE_CLOSING:
                self._send(event.response())
            self.sock.close()
            raise ConnectionClosed(event.code, event.reason)
        return None


# --- the contestants, behind one small interface -------------------------------------------------------------


class Conn(Protocol):
    def send(self, text: str) -> None: ...

    def recv(self, timeout: float | None) -> str | bytes:
        """The next message; `timeout` by the socket's own timeout (None: block)."""
        ...

    def alive(self) -> bool:
        """Whether the peer still answers (a WebSocket ping)."""
        ...

    def close(self) -> None: ...


class RawConn:
    """Plain TCP echo: the same sockets with no WebSocket framing, the upper bound."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(None)
        self._expected = 0

    def send(self, text: str) -> None:
        data = text.encode()
        self._expected = len(data)
        self.sock.sendall(data)

    def recv(self, timeout: float | None) -> str:
        self.sock.settimeout(timeout)
        chunks: list[bytes] = []
        while self._expected:
            chunk = self.sock.recv(self._expected)
            if not chunk:
                raise ConnectionError("echo server closed the connection")
            chunks.append(chunk)
            self._expected -= len(chunk)
        return b"".join(chunks).decode()

    def alive(self) -> bool:
        self.send("p")
        return self.recv(5.0) == "p"

    def close(self) -> None:
        self.sock.close()


class WebsocketClientConn:
    """websocket-client's WebSocket over the (patched) socket it creates itself."""

    def __init__(self, port: int, skip_utf8_validation: bool = False) -> None:
        self.ws = websocket.create_connection(
            f"ws://{HOST}:{port}/", timeout=10, skip_utf8_validation=skip_utf8_validation
        )
        self.ws.settimeout(None)

    def send(self, text: str) -> None:
        self.ws.send(text)

    def recv(self, timeout: float | None) -> str | bytes:
        self.ws.settimeout(timeout)  # raises websocket.WebSocketTimeoutException
        return self.ws.recv()

    def alive(self) -> bool:
        self.ws.ping(b"p")
        self.ws.settimeout(5.0)
        opcode, _ = self.ws.recv_data(control_frame=True)
        return opcode == websocket.ABNF.OPCODE_PONG

    def close(self) -> None:
        self.ws.close()


class WsprotoConn:
    def __init__(self, port: int) -> None:
        self.client = WsprotoClient.connect(HOST, port)

    def send(self, text: str) -> None:
        self.client.send(text)

    def recv(self, timeout: float | None) -> str | bytes:
        return self.client.recv(timeout)

    def alive(self) -> bool:
        self.client.ping(b"p")
        return True

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class Contestant:
    label: str
    websocket: bool  # False: the raw TCP port
    open: Callable[[int], Conn]


CONTESTANTS = {
    "raw-tcp": Contestant("raw TCP echo (bound)", False, RawConn),
    "websocket-client": Contestant("websocket-client", True, WebsocketClientConn),
    "websocket-client-skip-utf8": Contestant(
        "websocket-client, skip_utf8_validation", True, lambda port: WebsocketClientConn(port, True)
    ),
    "wsproto": Contestant("wsproto on a gevent socket", True, WsprotoConn),
}
HOLD_CONTESTANTS = ("raw-tcp", "websocket-client", "wsproto")  # skip_utf8 changes no memory


# --- the echo server --------------------------------------------------------------------------------------------


def serve(ws_port: int, raw_port: int) -> None:
    raise_fd_limit()
    servers = [
        gevent.server.StreamServer((HOST, ws_port), serve_websocket, backlog=4096),
        gevent.server.StreamServer((HOST, raw_port), serve_raw, backlog=4096),
    ]
    for server in servers:
        server.start()
    print("ready", flush=True)
    gevent.sleep(SERVER_LIFETIME)


def serve_raw(sock: socket.socket, _address: object) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while data := sock.recv(65536):
            sock.sendall(data)
    except OSError:
        pass  # the client went away (a hold run just exits)
    finally:
        sock.close()


def serve_websocket(sock: socket.socket, _address: object) -> None:
    """Echo text and binary; answer pings; "delay:<s>:<text>" echoes <text> later, "close:<code>" closes."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = WSConnection(ConnectionType.SERVER)
    parts: list[str] = []
    try:
        while conn.state is not ConnectionState.CLOSED:
            data = sock.recv(65536)
            conn.receive_data(data or None)
            replies = b"".join(server_reply(conn, sock, event, parts) for event in conn.events())
            if replies:
                sock.sendall(replies)
            if not data:
                break
    except OSError:
        pass
    finally:
        sock.close()


def server_reply(conn: WSConnection, sock: socket.socket, event: Event, parts: list[str]) -> bytes:
    if isinstance(event, Request):
        return conn.send(AcceptConnection(subprotocol=event.subprotocols[0] if event.subprotocols else None))
    if isinstance(event, BytesMessage):
        return conn.send(Message(data=event.data, message_finished=event.message_finished))
    if isinstance(event, TextMessage):
        parts.append(event.data)
        if not event.message_finished:
            return b""
        text = "".join(parts)
        parts.clear()
        return server_command(conn, sock, text)
    if isinstance(event, Ping):
        return conn.send(event.response())
    if isinstance(event, CloseConnection) and conn.state is ConnectionState.REMOTE_CLOSING:
        return conn.send(event.response())
    return b""


def server_command(conn: WSConnection, sock: socket.socket, text: str) -> bytes:
    if text.startswith("delay:"):
        _, seconds, rest = text.split(":", 2)
        gevent.spawn_later(float(seconds), send_quietly, sock, conn, TextMessage(data=rest))
        return b""
    if text.startswith("close:"):
        return conn.send(CloseConnection(code=int(text.split(":", 1)[1])))
    return conn.send(TextMessage(data=text))


def send_quietly(sock: socket.socket, conn: WSConnection, event: Event) -> None:
    with contextlib.suppress(OSError, LocalProtocolError):  # the client may have gone; a late echo reaches no one
        sock.sendall(conn.send(event))


# --- client processes -------------------------------------------------------------------------------------------


def raise_fd_limit() -> dict[str, int]:
    """Soft fd limit up to the hard one (5,000 connections need more than the usual 1,024)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return {"soft": hard, "hard": hard}


def open_many(contestant: Contestant, port: int, count: int) -> list[Conn]:
    return gevent.pool.Pool(OPEN_CONCURRENCY).map(lambda _: contestant.open(port), range(count))


def echo_loop(conn: Conn, count: int, deadline: float) -> int:
    done = 0
    while done < count and time.monotonic() < deadline:
        conn.send(PAYLOAD)
        reply = conn.recv(None)
        if reply != PAYLOAD:
            raise AssertionError(f"echo mismatch: {reply!r}")
        done += 1
    return done


def run_roundtrips(contestant: Contestant, port: int, server_pid: int, n: int, total: int) -> dict[str, Any]:
    conns = open_many(contestant, port, n)
    for conn in conns:  # warm up every connection and code path before measuring
        echo_loop(conn, 3, time.monotonic() + RUN_SECONDS)
    server = psutil.Process(server_pid)
    server_before, cpu_before, started = sum(server.cpu_times()[:2]), time.process_time(), time.monotonic()
    deadline = started + RUN_SECONDS
    greenlets = [gevent.spawn(echo_loop, conn, max(1, total // n), deadline) for conn in conns]
    gevent.joinall(greenlets, raise_error=True)
    wall = time.monotonic() - started
    cpu, server_cpu = time.process_time() - cpu_before, sum(server.cpu_times()[:2]) - server_before
    roundtrips = sum(cast(int, greenlet.value) for greenlet in greenlets)
    return {
        "roundtrips": roundtrips,
        "wall_s": wall,
        "rate": roundtrips / wall,
        "cpu_us_per_rt": cpu / roundtrips * 1e6,
        "server_cpu_share": server_cpu / wall,  # 1.0 = the server used a whole core: it was the bottleneck
        "threads": psutil.Process().num_threads(),
    }


def answers(conn: Conn) -> bool:
    try:
        return conn.alive()
    except Exception:  # counted, not raised: the figure is how many survived
        return False


def established(server_pid: int, port: int) -> int:
    connections = psutil.Process(server_pid).net_connections(kind="tcp")
    return sum(1 for c in connections if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port)


def run_hold(contestant: Contestant, port: int, server_pid: int, n: int) -> dict[str, Any]:
    limits = raise_fd_limit()
    contestant.open(port).close()  # imports and first-handshake caches belong to the baseline, not to the connections
    gevent.sleep(0.5)  # for the server to drop it
    gc.collect()
    me = psutil.Process()
    on_server_before = established(server_pid, port)
    rss_before, started = me.memory_info().rss, time.monotonic()
    conns = open_many(contestant, port, n)
    open_s = time.monotonic() - started
    gc.collect()
    rss_after = me.memory_info().rss
    gevent.sleep(HOLD_SECONDS)
    on_server = established(server_pid, port) - on_server_before
    alive = sum(gevent.pool.Pool(OPEN_CONCURRENCY).map(answers, conns))
    return {
        "connections": n,
        "fd_limit": limits,
        "open_s": open_s,
        "rss_before_mb": rss_before / 2**20,
        "rss_per_conn_kib": (rss_after - rss_before) / n / 1024,
        "open_after_hold_server": on_server,
        "alive_after_hold_client": alive,
        "threads": me.num_threads(),
    }


# --- expect with a timeout ---------------------------------------------------------------------------------------


def timed_wait(conn: Conn, mechanism: str, timeout: float) -> tuple[str, float]:
    """Wait for a message that never comes; what was raised and after how long."""
    started = time.monotonic()
    try:
        if mechanism == "socket timeout":
            conn.recv(timeout)
        else:
            with gevent.Timeout(timeout):
                conn.recv(None)
        raised = "nothing"
    except (gevent.Timeout, TimeoutError, websocket.WebSocketTimeoutException) as error:
        raised = type(error).__name__
    return raised, time.monotonic() - started


def check_expect(name: str, port: int, mechanism: str) -> dict[str, Any]:
    contestant = CONTESTANTS[name]
    conn = contestant.open(port)
    raised, waited = timed_wait(conn, mechanism, EXPECT_TIMEOUT)
    usable = echo_loop(conn, 1, time.monotonic() + 5) == 1
    started = time.monotonic()
    conn.send("delay:0.1:late")
    if mechanism == "socket timeout":
        late = conn.recv(1.0)
    else:
        with gevent.Timeout(1.0):
            late = conn.recv(None)
    late_s = time.monotonic() - started
    conns = open_many(contestant, port, 100)
    started = time.monotonic()
    gevent.joinall([gevent.spawn(timed_wait, c, mechanism, EXPECT_TIMEOUT) for c in conns], raise_error=True)
    return {
        "client": name,
        "mechanism": mechanism,
        "raised": raised,
        "waited_s": waited,
        "usable_after": usable,
        "late_message_s": late_s if late == "late" else None,
        "hundred_waits_wall_s": time.monotonic() - started,
        "threads": psutil.Process().num_threads(),
    }


def websocket_client_features(port: int) -> dict[str, Any]:
    ws = websocket.create_connection(f"ws://{HOST}:{port}/", timeout=5, subprotocols=["chat", "json"])
    ws.ping(b"hi")
    pong = ws.recv_data(control_frame=True)
    ws.send("close:4001")
    opcode, data = ws.recv_data(control_frame=True)  # recv() would give "" and lose the code
    ours = websocket.create_connection(f"ws://{HOST}:{port}/", timeout=5)
    ours.close(status=4002)
    return {
        "subprotocol": ws.getsubprotocol(),
        "pong": pong == (websocket.ABNF.OPCODE_PONG, b"hi"),
        "server_close_code": struct.unpack("!H", data[:2])[0] if opcode == websocket.ABNF.OPCODE_CLOSE else None,
        "own_close_answered": ours.close_frame is not None,
    }


def wsproto_features(port: int) -> dict[str, Any]:
    client = WsprotoClient.connect(HOST, port, subprotocols=["chat", "json"])
    rtt = client.ping(b"hi")
    client.send("close:4001")
    try:
        client.recv(5.0)
        code = None
    except ConnectionClosed as closed:
        code = closed.code
    ours = WsprotoClient.connect(HOST, port)
    return {
        "subprotocol": client.subprotocol,
        "pong": rtt < 5.0,
        "server_close_code": code,
        "own_close_answered": ours.close(4002) == 4002,
    }


def run_expect(port: int) -> dict[str, Any]:
    checks = [
        check_expect(name, port, mechanism)
        for name in ("websocket-client", "wsproto")
        for mechanism in ("socket timeout", "gevent.Timeout")
    ]
    features = {"websocket-client": websocket_client_features(port), "wsproto": wsproto_features(port)}
    return {"checks": checks, "features": features}


def client_main(args: argparse.Namespace) -> None:
    contestant = CONTESTANTS.get(args.client)
    port = args.ws_port if contestant is None or contestant.websocket else args.raw_port
    if args.task == "roundtrips" and contestant:
        result = run_roundtrips(contestant, port, args.server_pid, args.n, args.total)
    elif args.task == "hold" and contestant:
        result = run_hold(contestant, port, args.server_pid, args.n)
    else:
        result = run_expect(args.ws_port)
    print(json.dumps(result), flush=True)


# --- the orchestration ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    pid: int
    ws_port: int
    raw_port: int


def child(server: Server, task: str, client: str = "", n: int = 0, total: int = 0) -> dict[str, Any]:
    command = [*NICE, sys.executable, __file__, "client", task, "--client", client, "--n", str(n)]
    command += ["--total", str(total), "--server-pid", str(server.pid)]
    command += ["--ws-port", str(server.ws_port), "--raw-port", str(server.raw_port)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=CHILD_LIMIT)
    if result.returncode != 0:
        raise SystemExit(f"{task} {client} n={n} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.splitlines()[-1])


def measure(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    roundtrips: dict[str, dict[int, list[dict[str, Any]]]] = {
        name: {n: [] for n in CONNECTIONS} for name in CONTESTANTS
    }
    hold: dict[str, list[dict[str, Any]]] = {name: [] for name in HOLD_CONTESTANTS}
    for round_number in range(1, args.rounds + 1):
        for n in CONNECTIONS:
            for name in CONTESTANTS:
                run = child(server, "roundtrips", name, n, args.total)
                roundtrips[name][n].append(run)
                print(
                    f"round {round_number} n={n:<4} {name:27} {run['rate']:8.0f} rt/s "
                    f"{run['cpu_us_per_rt']:6.1f} µs CPU/rt  server {run['server_cpu_share']:.2f} core",
                    flush=True,
                )
        for name in HOLD_CONTESTANTS:
            run = child(server, "hold", name, args.hold)
            hold[name].append(run)
            print(
                f"round {round_number} hold {name:17} {run['rss_per_conn_kib']:6.1f} KiB/conn, opened in "
                f"{run['open_s']:.2f} s, {run['open_after_hold_server']} open on the server after {HOLD_SECONDS:.0f} s",
                flush=True,
            )
    return {"roundtrips": roundtrips, "hold": hold, "expect": child(server, "expect")}


def start_server() -> tuple[subprocess.Popen[str], Server]:
    ws_port, raw_port = free_port(), free_port()
    command = [*NICE, sys.executable, __file__, "server", "--ws-port", str(ws_port), "--raw-port", str(raw_port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    if process.stdout is None or process.stdout.readline().strip() != "ready":
        raise SystemExit(f"the echo server did not start (exit {process.poll()})")
    # `nice` execs python, so this pid is the server's own.
    return process, Server(process.pid, ws_port, raw_port)


# --- the report -------------------------------------------------------------------------------------------------


def spread(values: list[float], digits: int = 0) -> str:
    """Median (min-max) of the rounds."""
    return f"{statistics.median(values):,.{digits}f} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def roundtrip_table(figures: dict[str, Any]) -> list[str]:
    lines = [
        "| client | N | round trips/s per process | client CPU µs per round trip | round trips/s per client core "
        "| server CPU (cores) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, contestant in CONTESTANTS.items():
        for n in CONNECTIONS:
            runs = figures["roundtrips"][name][n]
            rates, cpus = [run["rate"] for run in runs], [run["cpu_us_per_rt"] for run in runs]
            server = max(run["server_cpu_share"] for run in runs)
            per_core = 1e6 / statistics.median(cpus)  # what one process would reach with a core of its own
            lines.append(
                f"| {contestant.label} | {n} | {spread(rates)} | {spread(cpus, 1)} | {per_core:,.0f} | ≤ {server:.2f} |"
            )
    return lines


def hold_table(figures: dict[str, Any], connections: int) -> list[str]:
    lines = [
        f"| client | RSS KiB per idle connection | s to open {connections:,} | open after {HOLD_SECONDS:.0f} s "
        "(server / answered ping) |",
        "| --- | ---: | ---: | --- |",
    ]
    for name in HOLD_CONTESTANTS:
        runs = figures["hold"][name]
        kib, seconds = [run["rss_per_conn_kib"] for run in runs], [run["open_s"] for run in runs]
        still = ", ".join(f"{run['open_after_hold_server']} / {run['alive_after_hold_client']}" for run in runs)
        lines.append(f"| {CONTESTANTS[name].label} | {spread(kib, 1)} | {spread(seconds, 2)} | {still} |")
    return lines


def expect_table(expect: dict[str, Any]) -> list[str]:
    lines = [
        f"| client | timeout by | raised | waited (of {EXPECT_TIMEOUT} s) | usable after | late message (0.1 s) "
        "| 100 waits at once | OS threads |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for check in expect["checks"]:
        late = f"{check['late_message_s']:.3f} s" if check["late_message_s"] is not None else "lost"
        lines.append(
            f"| {check['client']} | {check['mechanism']} | `{check['raised']}` | {check['waited_s']:.3f} s "
            f"| {'yes' if check['usable_after'] else 'no'} | {late} | {check['hundred_waits_wall_s']:.3f} s "
            f"| {check['threads']} |"
        )
    return lines


def report(args: argparse.Namespace, figures: dict[str, Any], versions: dict[str, str]) -> tuple[dict, str]:
    rt, hold = figures["roundtrips"], figures["hold"]
    middle = CONNECTIONS[1]
    cpu = {name: median_of(rt[name][middle], "cpu_us_per_rt") for name in CONTESTANTS}
    kib = {name: median_of(hold[name], "rss_per_conn_kib") for name in HOLD_CONTESTANTS}
    results = {
        "machine": machine(),
        "versions": versions,
        "payload_bytes": len(PAYLOAD),
        "rounds": args.rounds,
        "total_per_run": args.total,
        "connections_held": args.hold,
        "figures": figures,
        # Ours: websocket-client as the runtime would configure it (the recommendation of this measurement).
        "comparisons": [
            {
                "measure": f"client CPU µs per WebSocket round trip, {middle} connections",
                "ours": round(cpu["websocket-client-skip-utf8"], 1),
                "peer": peer,
                "peerValue": round(cpu[name], 1),
                "better": "lower",
            }
            for name, peer in (("wsproto", "wsproto on a gevent socket"), ("raw-tcp", "raw TCP echo (bound)"))
        ]
        + [
            {
                "measure": "RSS KiB per idle WebSocket connection",
                "ours": round(kib["websocket-client"], 1),
                "peer": "wsproto on a gevent socket",
                "peerValue": round(kib["wsproto"], 1),
                "better": "lower",
            }
        ],
    }
    features = figures["expect"]["features"]
    feature_lines = [
        f"- {name}: subprotocol {found['subprotocol']!r}, pong {'yes' if found['pong'] else 'no'}, "
        f"server's close code seen {found['server_close_code']}, own close (4002) answered "
        f"{'yes' if found['own_close_answered'] else 'no'}."
        for name, found in features.items()
    ]
    version_text = ", ".join(f"{name} {number}" for name, number in versions.items())
    markdown = "\n".join(
        [
            "## ws_clients: WebSocket clients under gevent",
            "",
            f"A gevent + wsproto echo server on loopback in its own process; each run a fresh monkey-patched client "
            f"process; {len(PAYLOAD)}-byte text messages, {args.rounds} interleaved rounds, median (min-max) "
            f"(`benchmarks/ws_clients/run.py`; {version_text}). The server shares the 2 cores, so client CPU per round "
            "trip is the figure to compare; the rate is bounded by the server when its CPU nears 1 core.",
            "",
            *roundtrip_table(figures),
            "",
            f"Idle connections, {args.hold:,} from one process (no greenlet each), RSS growth over the connections; "
            "the kernel's socket buffers are not in RSS.",
            "",
            *hold_table(figures, args.hold),
            "",
            "`expect` with a timeout: a receive when nothing comes.",
            "",
            *expect_table(figures["expect"]),
            "",
            "The OS threads are gevent's resolver pool (`getaddrinfo` for the connects, at most 10 per process, "
            f"shared; idle ones exit: {max(run['threads'] for runs in hold.values() for run in runs)} thread after the "
            f"{HOLD_SECONDS:.0f} s hold of {args.hold:,} connections), not one per connection.",
            "",
            *feature_lines,
        ]
    )
    return results, markdown


def write(results: dict[str, Any], markdown: str) -> None:
    """Like benchmarks.common.write_results, without rebuilding docs/BENCHMARKS.md (to paste when adopted)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ws_clients.json").write_text(json.dumps(results, indent=2) + "\n")
    info = results["machine"]
    footer = f"\n\nMeasured {info['date']} on {info['cpus']} cores ({info['cpu']}), Python {info['python']}, "
    footer += f"Locust {info['locust']}.\n"
    (RESULTS / "ws_clients.md").write_text(markdown + footer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)  # None under -OO
    parser.add_argument("role", nargs="?", default="run", choices=["run", "server", "client"])
    parser.add_argument("task", nargs="?", default="", choices=["", "roundtrips", "hold", "expect"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--total", type=int, default=60000, help="round trips per run, shared by the connections")
    parser.add_argument("--hold", type=int, default=5000, help="idle connections to open")
    parser.add_argument("--client", default="")
    parser.add_argument("--n", type=int, default=0)
    parser.add_argument("--server-pid", type=int, default=0)
    parser.add_argument("--ws-port", type=int, default=0)
    parser.add_argument("--raw-port", type=int, default=0)
    args = parser.parse_args()
    if args.role == "server":
        serve(args.ws_port, args.raw_port)
        return
    if args.role == "client":
        client_main(args)
        return
    process, server = start_server()
    try:
        figures = measure(server, args)
    finally:
        process.terminate()
        process.wait(timeout=10)
    versions = {name: version(name) for name in ("websocket-client", "wsproto", "h11", "gevent", "greenlet")}
    results, markdown = report(args, figures, versions)
    write(results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
