"""How much slower is the plan-driven WebSocket user than a hand-written Locust user doing the same work?

Both hold one connection per user to the demo app's /ws/echo and, each iteration, send a 100-byte text message
and wait for its echo, reporting the same rows (`messages sent`, `messages received`, the echo's round trip): the
plan in plan.json (PlanHttpUser via `locust-fleet`) against handwritten_locustfile.py (websocket-client, the same
library and settings), one Locust process each, the same users and duration, alternating A, B, A, B... in one run
so that the shared machine's noise falls on both. The echo server shares the two cores, so besides round trips per
second the figure to compare is the Locust process's CPU per round trip. A third contestant, the hand-written user in
a process that loads the plugin (handwritten_in_plugin_locustfile.py), tells the plugin's process from the plan's
steps.

Then the connections one worker process holds: the plan in plan_hold.json (CONNECT, then an EXPECT that waits)
with 100 and then --hold users against benchmarks/ws_clients' echo server (the demo app admits 1,000 sockets); the
process's RSS with every connection open gives the memory per idle connection (the user's greenlet included).

Run: .venv/bin/python benchmarks/ws_overhead/run.py [--users 20] [--seconds 10] [--rounds 3] [--hold 5000]
Writes benchmarks/results/ws_overhead.json and .md, and rebuilds docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from benchmarks.common import (  # noqa: E402
    LocustRun,
    demo_app_serving,
    free_port,
    machine,
    run_headless_locust,
    write_results,
)

BIN = Path(sys.executable).parent
GOAL = 0.90
FEW_USERS = 100
SPAWN_RATE = 500
HOLD_WITHIN_S = 120
# Each round trip is reported as three rows: the message sent, the message received, the echo.
ROWS_PER_ROUND_TRIP = 3


def contestants(host: str, users: int, seconds: int) -> dict[str, list[str]]:
    common = ["--headless", "-H", host, "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--json", "--skip-log"]
    return {
        "plan": [str(BIN / "locust-fleet"), "--fleet-plan", str(HERE / "plan.json"), *common],
        "handwritten": [str(BIN / "locust"), "-f", str(HERE / "handwritten_locustfile.py"), *common],
        "handwritten_in_plugin": [
            str(BIN / "locust"),
            "-f",
            str(HERE / "handwritten_in_plugin_locustfile.py"),
            "--fleet-plan",
            str(HERE / "plan.json"),
            *common,
        ],
    }


def figures_of(run: LocustRun) -> dict[str, float]:
    round_trips = run.requests / ROWS_PER_ROUND_TRIP
    return {"round_trips_per_s": run.rps / ROWS_PER_ROUND_TRIP, "cpu_us_per_round_trip": run.cpu_s / round_trips * 1e6}


def echo_server() -> tuple[subprocess.Popen[str], int, int]:
    """benchmarks/ws_clients' echo server (gevent + wsproto, no connection limit): the process, its pid, its port."""
    ws_port, raw_port = free_port(), free_port()
    command = [sys.executable, str(HERE.parent / "ws_clients" / "run.py"), "server", "--ws-port", str(ws_port)]
    process = subprocess.Popen([*command, "--raw-port", str(raw_port)], stdout=subprocess.PIPE, text=True)
    if process.stdout is None or process.stdout.readline().strip() != "ready":
        raise SystemExit(f"the echo server did not start (exit {process.poll()})")
    return process, process.pid, ws_port


def held_rss(users: int, server_pid: int, port: int) -> tuple[float, float]:
    """RSS (MiB) of one locust-fleet process holding `users` connections, and the seconds they took to open."""
    command = [str(BIN / "locust-fleet"), "--fleet-plan", str(HERE / "plan_hold.json"), "--headless", "--skip-log"]
    command += ["-H", f"http://127.0.0.1:{port}", "-u", str(users), "-r", str(SPAWN_RATE), "-t", f"{HOLD_WITHIN_S}s"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        while established(server_pid, port) < users:
            if process.poll() is not None or time.monotonic() - started > HOLD_WITHIN_S:
                raise SystemExit(
                    f"{users} connections not open: {established(server_pid, port)} (exit {process.poll()})"
                )
            time.sleep(0.5)
        opened_s = time.monotonic() - started
        time.sleep(2)  # idle: every user waits in its EXPECT
        return psutil.Process(process.pid).memory_info().rss / 2**20, opened_s
    finally:
        process.terminate()
        process.wait(timeout=30)


def established(server_pid: int, port: int) -> int:
    connections = psutil.Process(server_pid).net_connections(kind="tcp")
    return sum(1 for c in connections if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port)


def measure_hold(hold: int) -> dict[str, float]:
    server, server_pid, port = echo_server()
    try:
        few_mib, _ = held_rss(FEW_USERS, server_pid, port)
        many_mib, opened_s = held_rss(hold, server_pid, port)
    finally:
        server.terminate()
        server.wait(timeout=10)
    per_connection_kib = (many_mib - few_mib) * 1024 / (hold - FEW_USERS)
    return {"connections": hold, "rss_mib": many_mib, "kib_per_connection": per_connection_kib, "open_s": opened_s}


def report(
    args: argparse.Namespace, rounds: dict[str, list[dict[str, float]]], hold: dict[str, float]
) -> tuple[dict, str]:
    def median(name: str, key: str) -> float:
        return statistics.median(figures[key] for figures in rounds[name])

    rate = {name: median(name, "round_trips_per_s") for name in rounds}
    cpu = {name: median(name, "cpu_us_per_round_trip") for name in rounds}
    rate_ratio, cpu_ratio = rate["plan"] / rate["handwritten"], cpu["handwritten"] / cpu["plan"]
    plugin_cpu_ratio = cpu["handwritten"] / cpu["handwritten_in_plugin"]
    results = {
        "machine": machine(),
        "users": args.users,
        "seconds": args.seconds,
        "rounds": rounds,
        "median": {"round_trips_per_s": rate, "cpu_us_per_round_trip": cpu},
        "ratio": {"round_trips_per_s": rate_ratio, "cpu": cpu_ratio, "plugin_process_cpu": plugin_cpu_ratio},
        "hold": hold,
        "goal": GOAL,
        "comparisons": [
            {
                "measure": f"WebSocket round trips/s, one process, {args.users} users",
                "ours": round(rate["plan"]),
                "peer": "hand-written Locust user (websocket-client)",
                "peerValue": round(rate["handwritten"]),
                "better": "higher",
            },
            {
                "measure": "Locust CPU µs per WebSocket round trip",
                "ours": round(cpu["plan"], 1),
                "peer": "hand-written Locust user (websocket-client)",
                "peerValue": round(cpu["handwritten"], 1),
                "better": "lower",
            },
        ],
    }

    def shown(name: str, key: str, digits: int) -> str:
        return ", ".join(f"{figures[key]:,.{digits}f}" for figures in rounds[name])

    verdict = "met" if min(rate_ratio, cpu_ratio) >= GOAL else "missed"
    markdown = "\n".join(
        [
            "## ws_overhead: plan-driven WebSocket user vs hand-written Locust user",
            "",
            "One connection per user to the demo app's /ws/echo, a 100-byte text message and its echo per iteration, "
            f"three rows reported per round trip by both; one Locust process each, {args.users} users, "
            f"{args.seconds} s per run, {args.rounds} alternating rounds (`benchmarks/ws_overhead/run.py`).",
            "",
            "| | round trips/s (median) | rounds | Locust CPU µs per round trip (median) | rounds |",
            "| --- | ---: | --- | ---: | --- |",
            f"| plan (`PlanHttpUser`, WebSocket steps) | {rate['plan']:,.0f} | {shown('plan', 'round_trips_per_s', 0)} "
            f"| {cpu['plan']:,.0f} | {shown('plan', 'cpu_us_per_round_trip', 0)} |",
            f"| hand-written user | {rate['handwritten']:,.0f} | {shown('handwritten', 'round_trips_per_s', 0)} "
            f"| {cpu['handwritten']:,.0f} | {shown('handwritten', 'cpu_us_per_round_trip', 0)} |",
            f"| hand-written user, in a process with the plugin | {rate['handwritten_in_plugin']:,.0f} "
            f"| {shown('handwritten_in_plugin', 'round_trips_per_s', 0)} | {cpu['handwritten_in_plugin']:,.0f} "
            f"| {shown('handwritten_in_plugin', 'cpu_us_per_round_trip', 0)} |",
            "",
            f"Ratios plan / hand-written: round trips **{rate_ratio:.2f}**, CPU per round trip (hand-written / plan) "
            f"**{cpu_ratio:.2f}** (goal ≥ {GOAL:.2f}: {verdict}). The plugin's process alone (the hand-written user "
            f"with the plugin loaded): CPU ratio {plugin_cpu_ratio:.2f}, so the gap is the plan's steps: three per "
            "round trip (a kept CONNECT, a SEND, an EXPECT that matches the message and times it).",
            "",
            f"One locust-fleet process held **{hold['connections']:,.0f}** open connections (users waiting in an "
            f"EXPECT), opened in {hold['open_s']:.1f} s at {SPAWN_RATE} users/s: RSS {hold['rss_mib']:,.0f} MiB, "
            f"**{hold['kib_per_connection']:.1f} KiB per idle connection** with its user (against {FEW_USERS} "
            "users; the kernel's socket buffers are not in RSS).",
        ]
    )
    return results, markdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)  # None under -OO
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hold", type=int, default=5000)
    args = parser.parse_args()

    with demo_app_serving() as url:
        runs = contestants(url, args.users, args.seconds)
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
        for round_number in range(1, args.rounds + 1):
            for name, command in runs.items():
                rounds[name].append(figures_of(run_headless_locust(command, args.seconds)))
                print(f"round {round_number} {name:12} {rounds[name][-1]}", flush=True)

    hold = measure_hold(args.hold)
    print(f"held {hold}", flush=True)
    results, markdown = report(args, rounds, hold)
    write_results("ws_overhead", results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
