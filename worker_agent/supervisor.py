"""The Locust worker processes of one run: started, watched, restarted a few times, stopped cleanly.

Each worker is a plain single-process `locust-fleet --worker` (not `--processes N`, whose children are
orphaned by a SIGTERM to the parent) in a session of its own, so stopping it signals its whole process
group. A thread polls the processes and the master (`MasterWatch`); what it sees is reported to the agent
as a `GroupEvent`, never while holding the group's lock, so the agent may take its own lock in the callback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from locust_ext.wire.protocol import AGENT_ID_ENV, WORKER_INDEX_ENV, WORKER_PLAN_ENV
from worker_agent.state import WorkerInfo

MAX_RESTARTS = 3
POLL_S = 0.5
GRACE_S = 5.0
CONNECT_TIMEOUT_S = 3.0
# Connecting again after the watched connection closed; a master that does not answer is tried again later.
RECONNECT_TIMEOUT_S = 1.0
RECONNECT_RETRY_S = 1.0
# After the master is gone: time for workers it told to quit (a master that stops cleanly does) to exit by themselves.
MASTER_GONE_GRACE_S = 2.0
LOG_TAIL_LINES = 10

# What a group event says about the run as a whole.
STILL_RUNNING = "running"
FINISHED = "finished"
FAILED = "failed"


class MasterUnreachable(Exception):
    """The master's port did not accept a TCP connection; workers would only wait for it."""

    def __init__(self, message: str, refused: bool) -> None:
        super().__init__(message)
        # Refused: the master's machine answered that nothing listens on the port (rather than not answering).
        self.refused = refused


class WorkerStartError(Exception):
    """A worker process could not be started at all."""


class MasterWatch:
    """Tells when the master of a run has ended, from a TCP connection to its port held open for the whole run.

    Locust's workers do not notice a dead master for a minute (their heartbeat timeout) and keep sending load
    meanwhile; a master started again on the same port does not know them. But when the master's process ends
    (it quits, crashes, is killed with SIGKILL), its kernel closes this connection at once. ZeroMQ also closes
    a connection that never sends its handshake, after 30 s: so a closed connection means the master ended only
    if connecting again is refused; otherwise the new connection is watched. A thread waits on the connection
    and connects again the instant it closes, long before a master started again could listen on the port. A
    master that does not answer at all (a network partition) has not ended: its workers keep trying, as
    Locust's own heartbeats decide.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._connection: socket.socket | None = None
        self._lock = threading.Lock()  # guards `_connection` between the watching thread and `close`
        self._closing = threading.Event()
        self._gone = ""
        self._thread = threading.Thread(target=self._watch, name="master-watch", daemon=True)

    def connect(self, timeout: float = CONNECT_TIMEOUT_S) -> None:
        """Open the watched connection; raises MasterUnreachable saying why it cannot."""
        try:
            connection = socket.create_connection((self.host, self.port), timeout=timeout)
        except OSError as error:
            reason = f"cannot reach the master at {self.host}:{self.port}: {_connect_error(error, timeout)}"
            raise MasterUnreachable(reason, isinstance(error, ConnectionRefusedError)) from None
        connection.settimeout(None)  # the watching thread waits on it for as long as the run lasts
        with self._lock:
            if self._closing.is_set():
                connection.close()
            else:
                self._connection = connection

    def start(self) -> None:
        self._thread.start()

    def gone(self) -> str:
        """Why the master has ended, or "" while it has not."""
        return self._gone

    def close(self) -> None:
        """Stop watching; the watching thread ends at once."""
        self._closing.set()
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting on it
            connection.close()

    def _watch(self) -> None:
        while not self._closing.is_set():
            self._wait_until_closed()
            if self._closing.is_set():
                return
            self._gone = self._connect_again()
            if self._gone:
                return

    def _wait_until_closed(self) -> None:
        """Return when the master closes the connection; what it sends meanwhile (ZeroMQ's greeting) is dropped."""
        connection = self._connection
        if connection is None:
            return
        with contextlib.suppress(OSError):  # reset by the master, or closed by `close`
            while connection.recv(4096):
                pass
        with self._lock:
            if self._connection is connection:
                self._connection = None
        connection.close()

    def _connect_again(self) -> str:
        """Why the master ended if connecting is refused; "" once connected (or closing). A master that does not
        answer is tried again every second."""
        while not self._closing.is_set():
            try:
                self.connect(RECONNECT_TIMEOUT_S)
                return ""
            except MasterUnreachable as error:
                if error.refused:
                    where = f"{self.host}:{self.port}"
                    return f"the master at {where} is gone (it closed its connection and refuses new ones)"
            self._closing.wait(RECONNECT_RETRY_S)
        return ""


def _connect_error(error: OSError, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(error, socket.gaierror):
        return f"unknown host ({error.strerror})"
    return (error.strerror or str(error)).lower()


def locust_fleet_executable() -> Path:
    """`locust-fleet` of the agent's own environment, so workers run the same code as the agent."""
    return Path(sys.executable).parent / "locust-fleet"


def describe_exit(returncode: int) -> str:
    """`killed by SIGKILL` or `exit code 1`: how a process ended, as `lastExit` shows it."""
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        return f"killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"killed by signal {-returncode}"


def _ended(returncode: int) -> str:
    return describe_exit(returncode) if returncode < 0 else f"exited with code {returncode}"


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """What every worker of a run is started with."""

    master_host: str
    master_port: int
    plan_file: Path
    count: int
    agent_id: str
    workdir: Path

    def command(self) -> list[str]:
        return [
            str(locust_fleet_executable()),
            "--worker",
            "--master-host",
            self.master_host,
            "--master-port",
            str(self.master_port),
        ]


@dataclass(frozen=True, slots=True)
class GroupEvent:
    """A change the supervisor saw: the run's outcome so far, what happened, and every worker now."""

    outcome: str
    message: str
    workers: tuple[WorkerInfo, ...]


class _Worker:
    def __init__(self, index: int, spec: WorkerSpec) -> None:
        self.index = index
        self.spec = spec
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self.last_exit = ""
        self.wanted = True

    @property
    def log_path(self) -> Path:
        return self.spec.workdir / f"worker-{self.index}.log"

    def spawn(self) -> None:
        """Start the process; the first start of a run truncates the log, restarts append to it."""
        env = {
            **os.environ,
            AGENT_ID_ENV: self.spec.agent_id,
            WORKER_INDEX_ENV: str(self.index),
            WORKER_PLAN_ENV: str(self.spec.plan_file),
        }
        with self.log_path.open("a" if self.process else "w") as log:
            self.process = subprocess.Popen(
                self.spec.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.spec.workdir,
                start_new_session=True,
            )

    def started(self) -> subprocess.Popen[bytes]:
        """The process of the last spawn; the group asks for it only once the worker has been spawned."""
        if self.process is None:
            raise RuntimeError(f"worker {self.index} has not been started")
        return self.process

    def info(self) -> WorkerInfo:
        pid, alive = (self.process.pid, self.process.returncode is None) if self.process else (0, False)
        return WorkerInfo(self.index, pid, alive, self.restarts, self.last_exit)

    def log_tail(self) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - 8192))
                lines = log.read().decode(errors="replace").splitlines()
        except OSError as error:
            return f"(cannot read {self.log_path}: {error.strerror})"
        return "\n".join(lines[-LOG_TAIL_LINES:])


class WorkerGroup:
    """The workers of one run. `start` once, `stop` once; events go to `on_event` from the supervising thread."""

    def __init__(
        self,
        spec: WorkerSpec,
        master: MasterWatch,
        on_event: Callable[[WorkerGroup, GroupEvent], None],
        grace_s: float = GRACE_S,
    ) -> None:
        self.spec = spec
        self.grace_s = grace_s
        self._master = master
        # (why, when) once the master is gone; read and written by the supervising thread only.
        self._master_gone: tuple[str, float] | None = None
        self._on_event = on_event
        self._workers = [_Worker(index, spec) for index in range(spec.count)]
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="supervisor", daemon=True)

    def start(self) -> tuple[WorkerInfo, ...]:
        """Start every worker and the supervising thread; raises WorkerStartError (and leaves nothing running)."""
        with self._lock:
            try:
                for worker in self._workers:
                    worker.spawn()
            except OSError as error:
                self._terminate()
                self._master.close()
                raise WorkerStartError(f"cannot start {self.spec.command()[0]}: {error.strerror}") from None
            workers = self._infos()
        self._master.start()
        self._thread.start()
        return workers

    def stop(self) -> None:
        """SIGTERM each worker's process group, SIGKILL what is left after the grace period; returns once all ended."""
        self._stopping.set()
        with self._lock:
            for worker in self._workers:
                worker.wanted = False
            self._terminate()
        if self._thread.is_alive():
            self._thread.join()

    def _infos(self) -> tuple[WorkerInfo, ...]:
        return tuple(worker.info() for worker in self._workers)

    def _supervise(self) -> None:
        try:
            while not self._stopping.wait(POLL_S):
                if self._master_gone is None and (why := self._master.gone()):
                    self._master_gone = (why, time.monotonic())
                event = self._check()
                if event is None:
                    continue
                self._on_event(self, event)
                if event.outcome != STILL_RUNNING:
                    return
        finally:
            self._master.close()

    def _check(self) -> GroupEvent | None:
        """Handle the workers that ended since the last look; None when nothing changed."""
        with self._lock:
            if self._stopping.is_set():
                return None
            if self._master_gone is not None:
                return self._wind_down(*self._master_gone)
            ended = [w for w in self._workers if w.wanted and w.process and w.process.poll() is not None]
            if not ended:
                return None
            messages, failure = [], None
            for worker in ended:
                message, gave_up = self._handle_end(worker)
                messages.append(message)
                failure = failure or (message if gave_up else None)
            if failure is not None:
                self._terminate()
                return GroupEvent(FAILED, failure, self._infos())
            if not any(worker.wanted for worker in self._workers):
                return GroupEvent(FINISHED, f"all {len(self._workers)} workers exited with code 0", self._infos())
            return GroupEvent(STILL_RUNNING, "; ".join(messages), self._infos())

    def _wind_down(self, why: str, since: float) -> GroupEvent | None:
        """The master is gone: a worker that ends is not restarted (it would only wait for the master), and those
        still running after the grace are stopped; None while the grace lasts and some still run."""
        for worker in self._workers:
            if worker.wanted and worker.started().poll() is not None:
                worker.wanted = False
                worker.last_exit = describe_exit(worker.started().returncode)
        running = sum(worker.wanted for worker in self._workers)
        if running and time.monotonic() < since + MASTER_GONE_GRACE_S:
            return None
        self._terminate()
        if not running and all(worker.started().returncode == 0 for worker in self._workers):
            # A master that quits tells its workers to quit: the same end as when they exit before it is gone.
            return GroupEvent(FINISHED, f"all {len(self._workers)} workers exited with code 0", self._infos())
        if running:
            return GroupEvent(FINISHED, f"{why}; stopped {running} worker{'s' if running != 1 else ''}", self._infos())
        return GroupEvent(FINISHED, f"{why}; its workers had exited", self._infos())

    def _handle_end(self, worker: _Worker) -> tuple[str, bool]:
        """Record how a worker ended and restart it if it should still run: (what happened, gave up?)."""
        code, pid = worker.started().returncode, worker.started().pid
        worker.last_exit = describe_exit(code)
        what = f"worker {worker.index} (pid {pid}) {_ended(code)}"
        if code == 0:
            worker.wanted = False
            return f"{what}; not restarted", False
        if worker.restarts >= MAX_RESTARTS:
            worker.wanted = False
            return f"{what}; gave up after {MAX_RESTARTS} restarts; its log ends with:\n{worker.log_tail()}", True
        try:
            worker.spawn()
        except OSError as error:
            worker.wanted = False
            return f"{what}; cannot restart it: {error.strerror}", True
        worker.restarts += 1
        return f"{what}; restarted ({worker.restarts} of {MAX_RESTARTS})", False

    def _terminate(self) -> None:
        """Stop every live worker: SIGTERM to its process group, SIGKILL after the grace period."""
        running = [w for w in self._workers if w.process is not None and w.process.poll() is None]
        for worker in running:
            _signal_group(worker.started(), signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        for worker in running:
            try:
                worker.started().wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(worker.started(), signal.SIGKILL)
                worker.started().wait()
            worker.wanted = False
            worker.last_exit = describe_exit(worker.started().returncode)


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended between the check and the signal
        os.killpg(process.pid, sig)
