"""How many Locust workers does one `locust-fleet` master hold: its CPU, the age of its statistics, missed
heartbeats, its web latency, swarm start and stop, at 100, 300 and 1,000 workers.

A real etcd 3.4 and a real `locust-fleet --master` (web UI on loopback, a plan of 20 steps); the workers are simulated
(simulated_workers.py: each speaks Locust's worker protocol over its own zmq socket, with a heartbeat every second
and a statistics report of 20 rows every 3 s, as a real worker does), many per process, a few processes. For each N:
1. the workers connect; the time until the master lists all N ready;
2. swarm start: `POST /swarm` with 10 users per worker, all at once; the time until all N run (polling `/metrics`,
   which, unlike `/stats/requests`, is not cached);
3. a steady window: every 2.05 s (just over the 2 s for which Locust caches `/stats/requests`, so each is computed
   afresh, like the UI's poll) one `GET /stats/requests` and one `GET /metrics`, timed; the master's CPU (psutil);
   workers the master lists missing; the age of the statistics shown (a clock row each simulator process reports);
   the heartbeats' round trips as the simulated workers measure them;
4. swarm stop: `POST /stop` (it returns when the master has counted every user stopped) and the time until all N are
   ready again.

First it checks the simulator against real workers: 4 real `locust-fleet --worker` processes loading nginx, then 4
simulated workers reporting the rate and response times the real ones had, each with a master of its own; the master's
CPU per worker should match.

The fleet's own deploy (gRPC to agents, which start workers) is not in here: simulated workers are not started by
agents. benchmarks/control_plane times it with real agents.

Run: .venv/bin/python benchmarks/master_capacity/run.py [--sizes 100,300,1000] [--window-s 60] [--profile-dir DIR]
(about 5 minutes with the defaults). --profile-dir records the master with py-spy (if on PATH) during the largest
N's window. Writes benchmarks/results/master_capacity.json and .md, and rebuilds docs/BENCHMARKS.md. Exits 0 whether
or not the goals are met (it is a measurement), non-zero when a step fails. Whatever it starts is stopped at the end,
also on an error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from benchmarks.common import free_port, machine, nginx_serving, write_results  # noqa: E402
from benchmarks.control_plane.parts import BIN, etcd_server, running, tail, wait_until  # noqa: E402

SIMULATOR = HERE / "simulated_workers.py"
PREFIX = "/capacity/"
STEPS = 20
WORKERS_PER_PROCESS = 250
MIN_PROCESSES = 2
USERS_PER_WORKER = 10
REPORTED_RPS = 300.0  # per simulated worker, over its 20 steps
REPORTED_MEDIAN_MS = 50.0
SETTLE_S = 10.0  # after swarm start: more than three report intervals
POLL_S = 2.05
HTTP_TIMEOUT_S = 60
STATE_POLL_S = 0.25
READY_TIMEOUT_S = 180
RUNNING_TIMEOUT_S = 120
STOPPED_TIMEOUT_S = 180
SIMULATOR_MAX_S = 1800
GOALS = {"cpu_percent": 70.0, "missing": 0}
VALIDATION_WORKERS = 4
VALIDATION_USERS_PER_WORKER = 2
VALIDATION_THINK_S = 0.2
VALIDATION_WINDOW_S = 30.0
VALIDATION_SETTLE_S = 8.0
PROFILE_S = 30
MISSING_LINE = "failed to send heartbeat"
METRIC_LINE = re.compile(r"^(locust_fleet_workers|locust_fleet_run_info)\{(.*)\} (\S+)$", re.MULTILINE)


class Web:
    """The master's web UI over one kept-alive HTTP connection."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S)

    def request(self, method: str, path: str, form: dict[str, Any] | None = None) -> tuple[float, bytes]:
        """(wall time, body); SystemExit on any status but 200."""
        body = None if form is None else urllib.parse.urlencode(form)
        headers = {} if form is None else {"Content-Type": "application/x-www-form-urlencoded"}
        start = time.perf_counter()
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise SystemExit(f"{method} {path} answered {response.status}: {payload[:500].decode(errors='replace')}")
        return elapsed, payload

    def states(self) -> tuple[Counter[str], str]:
        """Locust's workers by state, and the run's state, from `/metrics` (not cached, unlike /stats/requests)."""
        text = self.request("GET", "/metrics")[1].decode()
        workers: Counter[str] = Counter()
        run_state = ""
        for name, labels, value in METRIC_LINE.findall(text):
            fields = dict(re.findall(r'(\w+)="([^"]*)"', labels))
            if name == "locust_fleet_workers":
                workers[fields["state"]] = int(float(value))
            else:
                run_state = fields["state"]
        return workers, run_state

    def close(self) -> None:
        self.connection.close()


@dataclass(frozen=True)
class Master:
    web: Web
    process: psutil.Process
    zmq_port: int
    log_path: Path


def write_plan(work: Path, host: str) -> Path:
    """The plan: 20 GET steps in one task; each user walks them, then thinks VALIDATION_THINK_S."""
    steps = [{"name": f"step {index:02}", "url": f"/s{index:02}.json"} for index in range(STEPS)]
    think = {"minS": VALIDATION_THINK_S, "maxS": VALIDATION_THINK_S}
    plan = {"name": "capacity", "host": host, "tasks": [{"name": "walk", "thinkTime": think, "steps": steps}]}
    path = work / "plan.json"
    path.write_text(json.dumps(plan))
    return path


@contextlib.contextmanager
def locust_master(work: Path, etcd: str, plan: Path, name: str) -> Iterator[Master]:
    zmq_port, web_port = free_port(), free_port()
    command = [str(BIN / "locust-fleet"), "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port"]
    command += [str(zmq_port), "--web-host", "127.0.0.1", "--web-port", str(web_port), "--fleet-plan", str(plan)]
    command += ["--fleet-etcd", etcd, "--fleet-prefix", f"{PREFIX}{name}/"]
    log_path = work / f"master-{name}.log"
    with running(command, log_path) as process:
        web = Web(web_port)
        try:
            wait_until(lambda: _answers(web, process, log_path), 60, "the master answered /metrics", interval=0.2)
            yield Master(web, psutil.Process(process.pid), zmq_port, log_path)
        finally:
            web.close()


def _answers(web: Web, process: subprocess.Popen, log_path: Path) -> bool:
    if process.poll() is not None:
        raise SystemExit(f"the master exited {process.returncode}; its log {log_path} ends:\n{tail(log_path)}")
    try:
        web.states()
    except (OSError, http.client.HTTPException):
        web.connection.close()  # http.client opens a new connection on the next request
        return False
    return True


class Simulators:
    """The simulated workers' processes; `window()` gets each one's figures since the previous call."""

    def __init__(self, processes: list[subprocess.Popen]) -> None:
        self.processes = processes

    def window(self) -> list[dict[str, Any]]:
        for process in self.processes:
            stdin = _pipe(process.stdin)
            stdin.write(b"window\n")
            stdin.flush()
        return [json.loads(_pipe(process.stdout).readline()) for process in self.processes]


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    if stream is None:
        raise RuntimeError("a simulator was started without its pipes")
    return stream


@contextlib.contextmanager
def simulators(work: Path, master: Master, counts: list[int], options: dict[str, float]) -> Iterator[Simulators]:
    """One simulated_workers.py process per count; each stops when its stdin closes (also if this process dies)."""
    epoch = options["clock_epoch"]
    with contextlib.ExitStack() as stack:
        processes = []
        for index, count in enumerate(counts):
            command = [sys.executable, str(SIMULATOR), "--master-port", str(master.zmq_port), "--count", str(count)]
            command += ["--id-prefix", f"p{index}", "--clock-row", f"clock {index}", "--clock-epoch", str(epoch)]
            command += ["--rps", str(options["rps"]), "--median-ms", str(options["median_ms"])]
            command += ["--max-seconds", str(SIMULATOR_MAX_S)]
            log_path = work / f"simulator-{index}.log"
            processes.append(stack.enter_context(_piped(command, log_path)))
        yield Simulators(processes)


@contextlib.contextmanager
def _piped(command: list[str], log_path: Path) -> Iterator[subprocess.Popen]:
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, start_new_session=True
        )
    try:
        yield process
    finally:
        _pipe(process.stdin).close()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_states(
    master: Master, done: Callable[[Counter[str], str], bool], timeout: float, what: str, since: float | None = None
) -> float:
    """Poll `/metrics` every STATE_POLL_S until `done(workers by state, run state)`; the seconds since `since` (a
    time.perf_counter(); now by default)."""
    start = time.perf_counter() if since is None else since
    for _ in range(math.ceil(timeout / STATE_POLL_S) + 1):
        workers, run_state = master.web.states()
        if done(workers, run_state):
            return time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            break
        time.sleep(STATE_POLL_S)
    raise SystemExit(f"not within {timeout:g} s: {what} (last seen: {dict(workers)}, run {run_state!r})")


def spread(total: int) -> list[int]:
    """Simulated workers per process: WORKERS_PER_PROCESS at most, MIN_PROCESSES at least, as even as can be."""
    processes = max(MIN_PROCESSES, math.ceil(total / WORKERS_PER_PROCESS))
    return [total // processes + (index < total % processes) for index in range(processes)]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)] * 1000,
        "max_ms": ordered[-1] * 1000,
        "samples": len(ordered),
    }


def clock_age_ms(stats: dict[str, Any], asked_at: float, epoch: float) -> float | None:
    """How old the freshest simulated report the master shows is: the oldest over the simulator processes."""
    clocks = [row["max_response_time"] for row in stats["stats"] if row["method"] == "CLOCK"]
    return (asked_at - epoch) * 1000 - min(clocks) if clocks else None


def observe(master: Master, workers: int, seconds: float, epoch: float) -> dict[str, Any]:
    """The steady window: the master's CPU, /stats/requests and /metrics timed, missing workers, the stats' age."""
    stats_s, metrics_s, ages, cpu_samples, missing_max, listed_min = [], [], [], [], 0, workers
    load_before = os.getloadavg()
    started = time.perf_counter()
    cpu_before = cpu_mark = _cpu_s(master)
    for poll in range(max(1, round(seconds / POLL_S))):
        time.sleep(max(0.0, started + poll * POLL_S - time.perf_counter()))
        if poll:  # the CPU of the interval since the previous poll (GETs included)
            cpu_now = _cpu_s(master)
            cpu_samples.append(100 * (cpu_now - cpu_mark) / POLL_S)
            cpu_mark = cpu_now
        asked_at = time.time()
        elapsed, payload = master.web.request("GET", "/stats/requests")
        stats_s.append(elapsed)
        stats = json.loads(payload)
        age = clock_age_ms(stats, asked_at, epoch)
        if age is not None:
            ages.append(age)
        missing_max = max(missing_max, sum(worker["state"] == "missing" for worker in stats["workers"]))
        listed_min = min(listed_min, stats["worker_count"])
        metrics_s.append(master.web.request("GET", "/metrics")[0])
    wall = time.perf_counter() - started
    return {
        "seconds": wall,
        "cpu_percent": 100 * (_cpu_s(master) - cpu_before) / wall,
        "cpu_percent_max": max(cpu_samples, default=0.0),
        "stats_requests": summary_ms(stats_s),
        "metrics": summary_ms(metrics_s),
        "stats_age_ms": {"p50": statistics.median(ages), "max": max(ages)} if ages else None,
        "missing_max": missing_max,
        "worker_count_min": listed_min,
        "load_average": [round(load, 2) for load in (*load_before[:1], *os.getloadavg())],
        "master_rss_mb": master.process.memory_info().rss / 2**20,
    }


def _cpu_s(master: Master) -> float:
    times = master.process.cpu_times()
    return times.user + times.system


def simulated_totals(before: list[dict[str, Any]], windows: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """The simulator processes' window, summed: messages and bytes a second, heartbeat round trips, late timers, and
    their CPU (they share the machine with the master)."""
    sent: Counter[str] = Counter()
    for window in windows:
        sent.update(window["sent"])
    rtts = [window["heartbeat_rtt_ms"] for window in windows if window["heartbeat_rtt_ms"]["count"]]
    return {
        "connected": sum(window["connected"] for window in windows),
        "messages_per_s": sum(sent.values()) / seconds,
        "stats_reports_per_s": sent["stats"] / seconds,
        "heartbeats_per_s": sent["heartbeat"] / seconds,
        "kib_per_s": sum(window["sent_bytes"] for window in windows) / 1024 / seconds,
        "bytes_per_report": sum(window["sent_bytes"] for window in windows) / max(1, sum(sent.values())),
        "send_refused": sum(window["send_refused"] for window in windows),
        "heartbeat_rtt_p50_ms": statistics.median(rtt["p50"] for rtt in rtts) if rtts else None,
        "heartbeat_rtt_p99_ms": max(rtt["p99"] for rtt in rtts) if rtts else None,
        "heartbeat_rtt_max_ms": max(rtt["max"] for rtt in rtts) if rtts else None,
        "simulator_timer_late_max_ms": max(window["timer_late_max_ms"] for window in windows),
        "simulators_cpu_percent": 100
        * sum(after["cpu_s"] - start["cpu_s"] for start, after in zip(before, windows, strict=True))
        / seconds,
    }


@contextlib.contextmanager
def profiled(master: Master, profile_dir: Path | None) -> Iterator[None]:
    """py-spy records the master for PROFILE_S while the block runs, when asked and installed."""
    py_spy = shutil.which("py-spy")
    if profile_dir is None or py_spy is None:
        if profile_dir is not None:
            print("--profile-dir: py-spy is not on PATH; not profiling", flush=True)
        yield
        return
    profile_dir.mkdir(parents=True, exist_ok=True)
    command = [py_spy, "record", "--pid", str(master.process.pid), "--duration", str(PROFILE_S), "--rate", "100"]
    command += ["--format", "raw", "--output", str(profile_dir / "master.folded"), "--nonblocking"]
    with (profile_dir / "py-spy.log").open("wb") as log:
        recorder = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield
    finally:
        try:
            recorder.wait(PROFILE_S + 30)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait()


def measure_size(work: Path, etcd: str, plan: Path, workers: int, window_s: float, profile: Path | None) -> dict:
    epoch = time.time()
    options = {"clock_epoch": epoch, "rps": REPORTED_RPS, "median_ms": REPORTED_MEDIAN_MS}
    layout = spread(workers)
    print(f"== {workers} simulated workers in {len(layout)} processes", flush=True)
    with locust_master(work, etcd, plan, f"n{workers}") as master, simulators(work, master, layout, options) as sims:
        connect_s = wait_for_states(master, lambda w, _: w["ready"] == workers, READY_TIMEOUT_S, f"{workers} ready")
        users = workers * USERS_PER_WORKER
        start = time.perf_counter()
        master.web.request("POST", "/swarm", {"user_count": users, "spawn_rate": users})
        swarm_s = wait_for_states(
            master, lambda w, run: w["running"] == workers and run == "running", RUNNING_TIMEOUT_S, "all running", start
        )
        print(f"connected in {connect_s:.1f} s, all running {swarm_s:.1f} s after POST /swarm", flush=True)
        time.sleep(SETTLE_S)
        before = sims.window()
        with profiled(master, profile):
            steady = observe(master, workers, window_s, epoch)
        simulated = simulated_totals(before, sims.window(), steady["seconds"])
        print(f"steady: {json.dumps(steady)}\nsimulated: {json.dumps(simulated)}", flush=True)
        start = time.perf_counter()
        stop_call_s = master.web.request("POST", "/stop")[0]
        stop_s = wait_for_states(
            master, lambda w, run: w["ready"] == workers and run == "stopped", STOPPED_TIMEOUT_S, "all ready", start
        )
        print(f"stopped: POST /stop {stop_call_s:.1f} s, all ready {stop_s:.1f} s after it was sent", flush=True)
        missed = master.log_path.read_text(errors="replace").count(MISSING_LINE)
    return {
        "workers": workers,
        "processes": len(layout),
        "connect_s": connect_s,
        "swarm_start_s": swarm_s,
        "swarm_stop_call_s": stop_call_s,
        "swarm_stop_s": stop_s,
        "missed_heartbeat_log_lines": missed,
        **steady,
        "simulated": simulated,
    }


def validation_run(work: Path, etcd: str, plan: Path, name: str, start_workers: Callable[[Master], Any]) -> dict:
    """One master, VALIDATION_WORKERS workers from `start_workers` (a context manager), running; its steady window."""
    workers = VALIDATION_WORKERS
    epoch = time.time()
    with locust_master(work, etcd, plan, name) as master, start_workers(master):
        wait_for_states(master, lambda w, _: w["ready"] == workers, READY_TIMEOUT_S, f"{workers} {name} ready")
        users = workers * VALIDATION_USERS_PER_WORKER
        master.web.request("POST", "/swarm", {"user_count": users, "spawn_rate": users})
        wait_for_states(master, lambda w, r: w["running"] == workers and r == "running", RUNNING_TIMEOUT_S, "running")
        time.sleep(VALIDATION_SETTLE_S)
        steady = observe(master, workers, VALIDATION_WINDOW_S, epoch)
        stats = json.loads(master.web.request("GET", "/stats/requests")[1])
        master.web.request("POST", "/stop")
    steps = [row for row in stats["stats"] if row["method"] == "GET"]
    return {
        "cpu_percent": steady["cpu_percent"],
        "load_average": steady["load_average"],
        "rps_per_worker": sum(row["current_rps"] for row in steps) / workers,
        "median_ms": statistics.median(row["median_response_time"] for row in steps),
    }


def validate(work: Path, etcd: str, args: argparse.Namespace) -> dict[str, Any]:
    """The master's CPU per worker with real workers, then with simulated ones reporting what the real ones did."""
    files = {f"s{index:02}.json": '{"ok": true}' for index in range(STEPS)}
    with nginx_serving(files) as url:
        plan = write_plan(work, url)

        @contextlib.contextmanager
        def real_workers(master: Master) -> Iterator[None]:
            command = [str(BIN / "locust-fleet"), "--worker", "--master-host", "127.0.0.1", "--master-port"]
            command += [str(master.zmq_port), "--fleet-plan", str(plan)]
            with contextlib.ExitStack() as stack:
                for index in range(VALIDATION_WORKERS):
                    stack.enter_context(running(command, work / f"real-worker-{index}.log"))
                yield

        print("== validation: real workers", flush=True)
        real = validation_run(work, etcd, plan, "real", real_workers)
        print(f"real: {real}", flush=True)
        options = {"clock_epoch": time.time(), "rps": real["rps_per_worker"], "median_ms": max(1.0, real["median_ms"])}

        def simulated_workers(master: Master) -> contextlib.AbstractContextManager[Simulators]:
            return simulators(work, master, [VALIDATION_WORKERS], options)

        print("== validation: simulated workers", flush=True)
        simulated = validation_run(work, etcd, plan, "simulated", simulated_workers)
        print(f"simulated: {simulated}", flush=True)
    return {"workers": VALIDATION_WORKERS, "real": real, "simulated": simulated}


def report(validation: dict[str, Any], sizes: list[dict[str, Any]], window_s: float) -> tuple[dict, str]:
    results = {"machine": machine(), "goals": GOALS, "window_s": window_s, "validation": validation, "sizes": sizes}
    results["comparisons"] = [
        {
            "measure": f"master CPU %, {size['workers']:,} workers",
            "ours": round(size["cpu_percent"], 1),
            "peer": "the goal",
            "peerValue": GOALS["cpu_percent"],
            "better": "lower",
        }
        for size in sizes
    ]

    def held(size: dict[str, Any]) -> str:
        ok = size["cpu_percent"] < GOALS["cpu_percent"] and size["missing_max"] == 0
        return "yes" if ok and size["missed_heartbeat_log_lines"] == 0 else "**no**"

    def age(size: dict[str, Any]) -> str:
        figures = size["stats_age_ms"]
        return f"{figures['p50'] / 1000:.1f} / {figures['max'] / 1000:.1f}" if figures else "n/a"

    def rtt(size: dict[str, Any]) -> str:
        simulated = size["simulated"]
        if simulated["heartbeat_rtt_p50_ms"] is None:
            return "n/a"
        return f"{simulated['heartbeat_rtt_p50_ms']:.0f} / {simulated['heartbeat_rtt_max_ms']:.0f}"

    rows = [
        f"| {size['workers']:,} | {size['cpu_percent']:.0f} % (max {size['cpu_percent_max']:.0f} %) "
        f"| {age(size)} | {size['missing_max']} / {size['missed_heartbeat_log_lines']} | {rtt(size)} "
        f"| {size['stats_requests']['p50_ms']:.0f} / {size['stats_requests']['p99_ms']:.0f} "
        f"| {size['metrics']['p50_ms']:.0f} / {size['metrics']['p99_ms']:.0f} "
        f"| {size['connect_s']:.1f} | {size['swarm_start_s']:.1f} | {size['swarm_stop_s']:.1f} "
        f"| {size['simulated']['messages_per_s']:,.0f} ({size['simulated']['kib_per_s']:,.0f} KiB/s) "
        f"| {', '.join(f'{load:.1f}' for load in size['load_average'])} | {held(size)} |"
        for size in sizes
    ]
    real, simulated = validation["real"], validation["simulated"]
    per_worker = (real["cpu_percent"] / validation["workers"], simulated["cpu_percent"] / validation["workers"])
    markdown = "\n".join(
        [
            "## master_capacity: how many workers one master holds",
            "",
            "A real etcd 3.4 and `locust-fleet --master` with a plan of 20 steps, on loopback; N simulated Locust "
            f"workers ({WORKERS_PER_PROCESS} at most per process, each with its own zmq socket, sending Locust's "
            "heartbeat every second and a report of 20 rows every 3 s, each row a response-time dict of about "
            f"{REPORTED_RPS / STEPS * 3:.0f} requests) running {USERS_PER_WORKER} users each "
            f"(`benchmarks/master_capacity/run.py`). The window is {window_s:.0f} s with the UI's poll "
            f"(`/stats/requests` every {POLL_S} s) and a `/metrics` scrape as often. The goal: CPU under "
            f"{GOALS['cpu_percent']:.0f} % of a core and no worker marked missing.",
            "",
            "| workers | master CPU (of one core) | stats age p50 / max, s | missing: most listed / log lines "
            "| heartbeat round trip p50 / max, ms | `/stats/requests` p50 / p99, ms | `/metrics` p50 / p99, ms "
            "| connect, s | swarm start, s | swarm stop, s | messages / s | load average (before; 1, 5, 15 min "
            "after) | held? |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
            *rows,
            "",
            "The stats age is now minus the time the freshest report the master shows was built (a clock row each "
            "simulator process reports): reports come every 3 s, so 0-3 s is the protocol itself; the UI's "
            "`/stats/requests` is also cached up to 2 s, not counted here. Swarm start is `POST /swarm` until "
            "`/metrics` lists every worker running; swarm stop is `POST /stop` until every worker is ready again. "
            f"The simulated workers share the machine: at {sizes[-1]['workers']:,} they used "
            f"{sizes[-1]['simulated']['simulators_cpu_percent']:.0f} % of a core.",
            "",
            f"The simulator, checked: {validation['workers']} real `locust-fleet --worker` processes loading nginx "
            f"({real['rps_per_worker']:.0f} req/s each, median {real['median_ms']:.0f} ms) cost the master "
            f"{real['cpu_percent']:.1f} % CPU; {validation['workers']} simulated workers reporting that rate (median "
            f"{simulated['median_ms']:.1f} ms: they draw 1 ms at least), {simulated['cpu_percent']:.1f} % "
            f"({per_worker[0]:.2f} against "
            f"{per_worker[1]:.2f} % per worker).",
        ]
    )
    return results, markdown


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)  # None under -OO
    parser.add_argument("--sizes", default="100,300,1000", help="comma-separated numbers of simulated workers")
    parser.add_argument("--window-s", type=float, default=60.0, help="the steady window at each size")
    parser.add_argument("--profile-dir", type=Path, help="record the master with py-spy at the largest size")
    args = parser.parse_args()
    try:
        args.sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    except ValueError:
        parser.error(f"--sizes: expected numbers separated by commas, got {args.sizes!r}")
    if not args.sizes or args.sizes[0] < 1 or args.window_s < POLL_S:
        parser.error(f"--sizes needs numbers of at least 1; --window-s at least {POLL_S}")
    return args


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    with tempfile.TemporaryDirectory(prefix="master-capacity-") as work_dir, etcd_server(Path(work_dir)) as etcd:
        work = Path(work_dir)
        validation = validate(work, etcd, args)
        plan = write_plan(work, "http://127.0.0.1:9")  # simulated workers send no request
        sizes = [
            measure_size(work, etcd, plan, n, args.window_s, args.profile_dir if n == args.sizes[-1] else None)
            for n in args.sizes
        ]
    results, markdown = report(validation, sizes, args.window_s)
    write_results("master_capacity", results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
