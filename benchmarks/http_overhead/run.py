"""How much slower is the plan-driven user than a hand-written FastHttpUser doing the same work?

Both do one GET of a small JSON file from nginx on loopback, save `$.token` and check the status: the plan in
plan.json (PlanHttpUser via `locust-fleet`) against handwritten_locustfile.py, one Locust process each, the same
users (all started at once) and duration, alternating A, B, A, B... in one run so that the shared machine's noise
falls on both. `wrk` on the same file is the ceiling. A run's rate is its requests over the time from its start to
its last request, from Locust's --json output (the CSV misses the last second).

Run: .venv/bin/python benchmarks/http_overhead/run.py [--users 10] [--seconds 10] [--rounds 3]
Writes benchmarks/results/http_overhead.json and .md, and rebuilds docs/BENCHMARKS.md. Exits 0 whether or not the
goal is met (it is a measurement), non-zero when a run fails.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from benchmarks.common import machine, nginx_serving, run_headless_locust, write_results  # noqa: E402

BIN = Path(sys.executable).parent
TOKEN_JSON = '{"token":"abc123","items":[{"id":1},{"id":2}]}'
GOAL = 0.90


def locust_rps(command: list[str], seconds: int) -> float:
    """Run one headless Locust process and return its requests per second; fail loudly on failures."""
    return run_headless_locust(command, seconds).rps


def contestants(host: str, users: int, seconds: int) -> dict[str, list[str]]:
    common = ["--headless", "-H", host, "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--json", "--skip-log"]
    return {
        "plan": [str(BIN / "locust-fleet"), "--fleet-plan", str(HERE / "plan.json"), *common],
        "handwritten": [str(BIN / "locust"), "-f", str(HERE / "handwritten_locustfile.py"), *common],
    }


def wrk_rps(url: str, connections: int) -> float:
    command = ["wrk", "-t1", f"-c{connections}", "-d5s", url]
    output = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not match:
        raise SystemExit(f"wrk printed no Requests/sec:\n{output}")
    return float(match[1])


def report(args: argparse.Namespace, figures: dict[str, list[float]], ceiling: float) -> tuple[dict, str]:
    plan, handwritten = statistics.median(figures["plan"]), statistics.median(figures["handwritten"])
    ratio = plan / handwritten
    results = {
        "machine": machine(),
        "users": args.users,
        "seconds": args.seconds,
        "rounds": figures,
        "median": {"plan": plan, "handwritten": handwritten},
        "ratio": ratio,
        "goal": GOAL,
        "wrk": ceiling,
        "comparisons": [
            {
                "measure": f"req/s, one process, {args.users} users",
                "ours": round(plan),
                "peer": "hand-written FastHttpUser",
                "peerValue": round(handwritten),
                "better": "higher",
            },
            {
                "measure": f"req/s, one process, {args.users} users",
                "ours": round(plan),
                "peer": f"wrk -t1 -c{args.users} (ceiling)",
                "peerValue": round(ceiling),
                "better": "higher",
            },
        ],
    }
    rounds = {name: ", ".join(f"{value:,.0f}" for value in values) for name, values in figures.items()}
    markdown = "\n".join(
        [
            "## http_overhead: plan-driven user vs hand-written FastHttpUser",
            "",
            "One GET of a small JSON file from nginx on loopback, a JSONPATH save and a STATUS assert; one Locust "
            f"process each, {args.users} users, {args.seconds} s per run, {args.rounds} alternating rounds "
            "(`benchmarks/http_overhead/run.py`).",
            "",
            "| | req/s (median) | rounds |",
            "| --- | ---: | --- |",
            f"| plan (`PlanHttpUser`) | {plan:,.0f} | {rounds['plan']} |",
            f"| hand-written `FastHttpUser` | {handwritten:,.0f} | {rounds['handwritten']} |",
            f"| `wrk -t1 -c{args.users}` (ceiling) | {ceiling:,.0f} | |",
            "",
            f"Ratio plan / hand-written: **{ratio:.2f}** (goal ≥ {GOAL:.2f}: {'met' if ratio >= GOAL else 'missed'}). "
            "Both reach about a tenth of wrk's rate: Locust's own per-request work is the bottleneck, not nginx.",
        ]
    )
    return results, markdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)  # None under -OO
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with nginx_serving({"token.json": TOKEN_JSON}) as url:
        runs = contestants(url, args.users, args.seconds)
        figures: dict[str, list[float]] = {name: [] for name in runs}
        for round_number in range(1, args.rounds + 1):
            for name, command in runs.items():
                figures[name].append(locust_rps(command, args.seconds))
                print(f"round {round_number} {name:12} {figures[name][-1]:8.0f} req/s", flush=True)
        ceiling = wrk_rps(f"{url}/token.json", args.users)

    results, markdown = report(args, figures, ceiling)
    write_results("http_overhead", results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
