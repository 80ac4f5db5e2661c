"""Many simulated Locust workers in one process, each speaking Locust's worker protocol to a real master.

What a simulated worker sends is what locust.runners.WorkerRunner sends, built with Locust's own `Message` and its
own intervals: `client_ready` (Locust's version) until the master's `ack`; then a `heartbeat` every
HEARTBEAT_INTERVAL ({state, current_cpu_usage, current_memory_usage}) and a `stats` report every
WORKER_REPORT_INTERVAL ({stats, stats_total, errors, user_classes_count, user_count}: while running, one entry per step
with a response-time dict drawn like a real run's, rounded as Locust rounds them); `spawning` then `spawning_complete`
on `spawn`; `client_stopped`, then `client_ready` after the stop timeout, on `stop`; `quit` when it ends. Like a
worker an agent started, each first announces its agent (the plugin's `fleet_worker` message). Each has its own zmq
DEALER socket, identity and TCP connection; they share one zmq context (a real worker has one per process).

The first worker of the process adds a row `<clock-row>` (method CLOCK) whose max response time is the wall-clock
time when the report was built, in ms since --clock-epoch (small: the plugin's run record keeps response times as
32-bit integers): the master keeps the max, so the row it shows says how old its statistics are.

Run by run.py: python simulated_workers.py --master-port P --count K --id-prefix ID --clock-row NAME [...]
Commands on stdin, one a line: `window` prints one JSON line about what happened since the previous `window`
(messages, bytes, heartbeat round trips to the master, how late this process's timers fired). At EOF, or after
--max-seconds, every worker sends `quit` and the process exits.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import statistics
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import gevent
import gevent.event
import zmq.green as zmq
from gevent.fileobject import FileObjectPosix
from locust import __version__ as locust_version
from locust.rpc.protocol import Message
from locust.runners import (
    CONNECT_TIMEOUT,
    HEARTBEAT_INTERVAL,
    STATE_INIT,
    STATE_RUNNING,
    STATE_SPAWNING,
    WORKER_REPORT_INTERVAL,
)

from locust_ext.wire.protocol import WORKER_MESSAGE

if TYPE_CHECKING:
    from zmq import Context  # zmq.green's Context is a subclass, not usable as a type

CONNECT_ATTEMPTS = 12  # CONNECT_TIMEOUT each: a minute, as the master may be busy accepting a thousand
SAMPLES_PER_STEP = 32  # response-time dicts drawn per step at start, reused at random: drawing is the costly part
SPREAD = 0.6  # sigma of the log-normal response times: a p99 about 4x the median
CONTENT_LENGTH = 1200
RTT_KEPT = 100_000  # heartbeat round trips kept per window, at most
# Heartbeats awaiting the master's reply, per worker: the master forgets a silent worker after 60 s.
HEARTBEATS_TRACKED = 60
STOP_GRACE_S = 0.5


def locust_rounded(milliseconds: float) -> int:
    """A response time as Locust keys it in `response_times` (locust.stats.StatsEntry._log_response_time)."""
    if milliseconds < 100:
        return round(milliseconds)
    digits = -1 if milliseconds < 1000 else -2 if milliseconds < 10000 else -3
    return int(round(milliseconds, digits))


@dataclass(frozen=True, slots=True)
class Sample:
    """One step's requests over one report interval."""

    response_times: dict[int, int]
    count: int
    total_ms: int
    min_ms: int
    max_ms: int


def draw_sample(rng: random.Random, mean_count: float, median_ms: float) -> Sample:
    count = max(1, round(rng.gauss(mean_count, mean_count**0.5)))
    times = [locust_rounded(rng.lognormvariate(0, SPREAD) * median_ms) for _ in range(count)]
    return Sample(dict(Counter(times)), count, sum(times), min(times), max(times))


@dataclass
class Window:
    """What this process's workers did since the last `window` command."""

    sent: Counter[str] = field(default_factory=Counter)
    received: Counter[str] = field(default_factory=Counter)
    sent_bytes: int = 0
    send_refused: int = 0
    heartbeat_rtt_s: list[float] = field(default_factory=list)
    timer_late_max_s: float = 0.0


@dataclass
class Options:
    master_port: int
    id_prefix: str
    clock_row: str
    clock_epoch: float
    steps: int
    rps: float
    median_ms: float
    workers_per_agent: int
    deadline: float


class Process:
    """State shared by the process's workers: the options, the current window, and whether to go on."""

    def __init__(self, options: Options, seed: int) -> None:
        self.options = options
        self.window = Window()
        self.closing = False
        rng = random.Random(seed)
        mean_count = options.rps / options.steps * WORKER_REPORT_INTERVAL
        self.samples = [
            [
                draw_sample(rng, mean_count, options.median_ms * (1 + step / options.steps))
                for _ in range(SAMPLES_PER_STEP)
            ]
            for step in range(options.steps)
        ]
        self.step_names = [f"step {step:02}" for step in range(options.steps)]

    def active(self) -> bool:
        return not self.closing and time.monotonic() < self.options.deadline

    def note_late(self, late_s: float) -> None:
        self.window.timer_late_max_s = max(self.window.timer_late_max_s, late_s)


def entry(name: str, method: str, start_time: float, sample: Sample | None, now: float) -> dict[str, Any]:
    """A serialized StatsEntry, as StatsEntry.get_stripped_report makes it (no failures: a run going well)."""
    count = sample.count if sample else 0
    second = int(now)
    per_second = {second - 2: count // 3, second - 1: count // 3, second: count - 2 * (count // 3)} if count else {}
    return {
        "name": name,
        "method": method,
        "last_request_timestamp": now if count else None,
        "start_time": start_time,
        "num_requests": count,
        "num_none_requests": 0,
        "num_failures": 0,
        "total_response_time": sample.total_ms if sample else 0,
        "max_response_time": sample.max_ms if sample else 0,
        "min_response_time": sample.min_ms if sample else None,
        "total_content_length": count * CONTENT_LENGTH,
        "response_times": dict(sample.response_times) if sample else {},
        "num_reqs_per_sec": per_second,
        "num_fail_per_sec": {},
    }


def merged(samples: list[Sample]) -> Sample:
    """What the worker's `Aggregated` entry logged: every step's requests."""
    times: Counter[int] = Counter()
    for sample in samples:
        times.update(sample.response_times)
    return Sample(
        dict(times),
        sum(s.count for s in samples),
        sum(s.total_ms for s in samples),
        min(s.min_ms for s in samples),
        max(s.max_ms for s in samples),
    )


class SimulatedWorker:
    def __init__(self, process: Process, context: Context, index: int, rng: random.Random) -> None:
        self.process = process
        self.index = index
        self.rng = rng
        # Shaped like a real worker's id (hostname _ uuid hex), unique per worker.
        self.client_id = f"{socket.gethostname()}-{process.options.id_prefix}-{index}_{rng.getrandbits(64):016x}"
        self.socket = context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.TCP_KEEPALIVE, 1)
        self.socket.setsockopt(zmq.TCP_KEEPALIVE_IDLE, 30)
        self.socket.setsockopt(zmq.IDENTITY, self.client_id.encode())
        self.socket.connect(f"tcp://127.0.0.1:{process.options.master_port}")
        self.acked = gevent.event.Event()
        self.state = STATE_INIT
        self.user_classes_count: dict[str, int] = {}
        self.last_spawn_timestamp = 0.0
        self.stop_timeout = 0.0
        self.start_time = time.time()
        self.heartbeats_out: deque[float] = deque(maxlen=HEARTBEATS_TRACKED)
        self.ready_sent_at = 0.0

    def send(self, message_type: str, data: Any) -> None:
        payload = cast(bytes, Message(message_type, data, self.client_id).serialize())  # packb without a stream
        window = self.process.window
        try:
            self.socket.send(payload, zmq.NOBLOCK)
        except zmq.Again:  # the master is not reading (zmq's high-water mark is reached)
            window.send_refused += 1
            return
        window.sent[message_type] += 1
        window.sent_bytes += len(payload)

    def send_ready(self) -> None:
        self.ready_sent_at = time.monotonic()
        self.send("client_ready", locust_version)

    def run(self) -> None:
        receiver = gevent.spawn(self.receive)
        try:
            if not self.connect():
                return
            agent = self.index // self.process.options.workers_per_agent
            owner = {
                "agent": f"{self.process.options.id_prefix}-agent-{agent}",
                "index": self.index,
                "pid": os.getpid(),
            }
            self.send(WORKER_MESSAGE, owner)
            gevent.joinall(
                [
                    gevent.spawn(self.every, HEARTBEAT_INTERVAL, self.heartbeat),
                    gevent.spawn(self.every, WORKER_REPORT_INTERVAL, self.report),
                ]
            )
        finally:
            receiver.kill()

    def connect(self) -> bool:
        for _ in range(CONNECT_ATTEMPTS):
            if not self.process.active():
                return False
            self.send_ready()
            if self.acked.wait(CONNECT_TIMEOUT):
                return True
        return False

    def every(self, interval: float, action: Any) -> None:
        """Call `action` every `interval` seconds from a random phase, noting how late each call comes."""
        due = time.monotonic() + self.rng.uniform(0, interval)
        while self.process.active():
            gevent.sleep(max(0.0, due - time.monotonic()))
            self.process.note_late(time.monotonic() - due)
            action()
            due += interval

    def heartbeat(self) -> None:
        memory = 90_000_000 + self.index * 1000
        self.heartbeats_out.append(time.monotonic())
        data = {"state": self.state, "current_cpu_usage": self.rng.uniform(20, 40), "current_memory_usage": memory}
        self.send("heartbeat", data)

    def report(self) -> None:
        now = time.time()
        stats = []
        total = None
        if self.state == STATE_RUNNING:
            samples = [self.rng.choice(step_samples) for step_samples in self.process.samples]
            stats = [
                entry(name, "GET", self.start_time, s, now)
                for name, s in zip(self.process.step_names, samples, strict=True)
            ]
            total = merged(samples)
        if self.index == 0 and self.process.options.clock_row:
            clock_ms = round((now - self.process.options.clock_epoch) * 1000)
            stats.append(
                {
                    **entry(self.process.options.clock_row, "CLOCK", self.start_time, None, now),
                    "num_requests": 1,
                    "response_times": {0: 1},
                    "max_response_time": clock_ms,
                }
            )
        data = {
            "stats": stats,
            "stats_total": entry("Aggregated", "", self.start_time, total, now),
            "errors": {},
            "user_classes_count": self.user_classes_count,
            "user_count": sum(self.user_classes_count.values()),
        }
        self.send("stats", data)

    def receive(self) -> None:
        while self.process.active():
            message = Message.unserialize(self.socket.recv())
            self.process.window.received[message.type] += 1
            self.handle(message)

    def handle(self, message: Message) -> None:
        match message.type:
            case "ack":
                # The master answers no heartbeat of a worker it does not know (between client_stopped and
                # client_ready): forget those, so that each reply is matched with the heartbeat it answers.
                while self.heartbeats_out and self.heartbeats_out[0] < self.ready_sent_at:
                    self.heartbeats_out.popleft()
                self.acked.set()
            case "heartbeat":
                if self.heartbeats_out:
                    self.process.window.heartbeat_rtt_s.append(time.monotonic() - self.heartbeats_out.popleft())
            case "spawn":
                self.send("spawning", None)
                job = message.data
                if job["timestamp"] <= self.last_spawn_timestamp:
                    return
                self.last_spawn_timestamp = job["timestamp"]
                self.stop_timeout = job["stop_timeout"] or 0.0
                if self.state not in (STATE_RUNNING, STATE_SPAWNING):
                    self.start_time = time.time()
                self.state = STATE_SPAWNING
                self.user_classes_count = dict(job["user_classes_count"])
                user_count = sum(self.user_classes_count.values())
                self.send(
                    "spawning_complete", {"user_classes_count": self.user_classes_count, "user_count": user_count}
                )
                self.state = STATE_RUNNING
            case "stop":
                self.user_classes_count = {name: 0 for name in self.user_classes_count}
                self.send("client_stopped", None)
                gevent.sleep(self.stop_timeout)
                self.send_ready()
                self.state = STATE_INIT
            case "quit":
                self.process.closing = True
            case _:  # spawning_complete, reconnect, the plugin's fleet_rate: nothing a simulated worker must do
                pass

    def close(self) -> None:
        if self.acked.is_set():
            self.send("quit", None)
        self.socket.close(linger=int(STOP_GRACE_S * 1000))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def window_summary(process: Process, workers: list[SimulatedWorker]) -> dict[str, Any]:
    window, process.window = process.window, Window()
    rtt = window.heartbeat_rtt_s[-RTT_KEPT:]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "workers": len(workers),
        "connected": sum(worker.acked.is_set() for worker in workers),
        "sent": dict(window.sent),
        "received": dict(window.received),
        "sent_bytes": window.sent_bytes,
        "send_refused": window.send_refused,
        "heartbeat_rtt_ms": {
            "count": len(rtt),
            "p50": statistics.median(rtt) * 1000 if rtt else None,
            "p99": percentile(rtt, 0.99) * 1000 if rtt else None,
            "max": max(rtt) * 1000 if rtt else None,
        },
        "timer_late_max_ms": window.timer_late_max_s * 1000,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def serve_commands(process: Process, workers: list[SimulatedWorker]) -> None:
    commands = FileObjectPosix(sys.stdin.fileno(), "r", close=False)
    while process.active():
        line = commands.readline()
        if not line:
            return
        if line.strip() == "window":
            print(json.dumps(window_summary(process, workers)), flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)  # None under -OO
    parser.add_argument("--master-port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True, help="simulated workers in this process")
    parser.add_argument("--id-prefix", required=True, help="makes worker and agent ids unique across processes")
    parser.add_argument("--clock-row", default="", help="name of the clock row the first worker adds")
    parser.add_argument("--clock-epoch", type=float, required=True, help="the clock row counts ms from this time")
    parser.add_argument("--steps", type=int, default=20, help="stats rows per report while running")
    parser.add_argument("--rps", type=float, default=300.0, help="requests per second each worker reports")
    parser.add_argument("--median-ms", type=float, default=50.0, help="median response time of the first step")
    parser.add_argument("--workers-per-agent", type=int, default=8, help="workers announced per simulated agent")
    parser.add_argument("--connect-spread-s", type=float, default=2.0, help="workers connect over this long")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="exit after this long whatever happens")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    options = Options(
        args.master_port,
        args.id_prefix,
        args.clock_row,
        args.clock_epoch,
        args.steps,
        args.rps,
        args.median_ms,
        args.workers_per_agent,
        time.monotonic() + args.max_seconds,
    )
    process = Process(options, args.seed)
    context = zmq.Context()
    rng = random.Random(args.seed)
    workers = [
        SimulatedWorker(process, context, index, random.Random(rng.getrandbits(64))) for index in range(args.count)
    ]
    spread = args.connect_spread_s / max(1, args.count)
    running = [gevent.spawn_later(index * spread, worker.run) for index, worker in enumerate(workers)]
    commands = gevent.spawn(serve_commands, process, workers)
    gevent.wait([commands], timeout=args.max_seconds)
    process.closing = True
    gevent.killall(running, timeout=STOP_GRACE_S)
    for worker in workers:
        worker.close()
    context.term()


if __name__ == "__main__":
    main()
