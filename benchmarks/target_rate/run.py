"""Does the plan's target rate hold better than Locust's per-user `constant_throughput`, and at what cost?

The same target (300 req/s) with the same users (30) against the demo app on loopback, in two latency profiles:
flat (every response 20 ms) and jittery (10 to 150 ms, uniformly). Ours: one pacer per process that every user
draws slots from (`load.targetRps`). Locust's: each user paces itself at target / users iterations per second
(handwritten_locustfile.py), so a user whose response came late cannot make up the lost time. One Locust process
each, alternating in one run; a run's rate is its requests over the time from its start to its last request.

Run: .venv/bin/python benchmarks/target_rate/run.py [--target 300] [--users 30] [--seconds 15] [--rounds 2]
Writes benchmarks/results/target_rate.json and .md, and rebuilds docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import demo_app_serving, machine, run_headless_locust, write_results  # noqa: E402

BIN = Path(sys.executable).parent
PROFILES = {"flat": "/slow?ms=20", "jittery": "/slow?ms=${__randomInt(10,150)}"}


def plan(target: float, url: str) -> dict[str, Any]:
    task = {"name": "slow", "steps": [{"name": "slow", "url": url}]}
    return {"name": "target-rate", "load": {"targetRps": target}, "tasks": [task]}


def run_once(command: list[str], env: dict[str, str], seconds: int) -> dict[str, float]:
    """One headless Locust process: its request rate and the CPU it used per 1,000 requests."""
    run = run_headless_locust(command, seconds, env)
    return {"rps": run.rps, "cpu_ms_per_1000": run.cpu_s * 1000 / run.requests * 1000}


def contestants(args: argparse.Namespace, host: str, profile: str, work: Path) -> dict[str, tuple[list[str], dict]]:
    common = ["--headless", "-H", host, "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s"]
    common += ["--json", "--skip-log"]
    plan_path = work / f"{profile}.json"
    plan_path.write_text(json.dumps(plan(args.target, PROFILES[profile])))
    env = os.environ | {
        "TARGET_RATE_RPS": str(args.target),
        "TARGET_RATE_USERS": str(args.users),
        "TARGET_RATE_JITTER": "1" if profile == "jittery" else "0",
    }
    return {
        "ours": ([str(BIN / "locust-fleet"), "--fleet-plan", str(plan_path), *common], env),
        "constant_throughput": ([str(BIN / "locust"), "-f", str(HERE / "handwritten_locustfile.py"), *common], env),
    }


def report(args: argparse.Namespace, figures: dict[str, dict[str, list[dict]]]) -> tuple[dict, str]:
    medians = {
        profile: {
            name: {key: statistics.median(run[key] for run in runs) for key in ("rps", "cpu_ms_per_1000")}
            for name, runs in by_name.items()
        }
        for profile, by_name in figures.items()
    }
    comparisons = []
    rows = []
    for profile, by_name in medians.items():
        ours, peer = by_name["ours"], by_name["constant_throughput"]
        comparisons.append(
            {
                "measure": f"achieved / target, {profile} latency",
                "ours": round(ours["rps"] / args.target, 3),
                "peer": "Locust constant_throughput",
                "peerValue": round(peer["rps"] / args.target, 3),
                "better": "closer to 1",
            }
        )
        for name, figure in by_name.items():
            runs = ", ".join(f"{run['rps']:.1f}" for run in figures[profile][name])
            rows.append(
                f"| {profile} | {name} | {figure['rps']:.1f} | {figure['rps'] / args.target:.1%} "
                f"| {figure['cpu_ms_per_1000']:.0f} | {runs} |"
            )
    results = {
        "machine": machine(),
        "target": args.target,
        "users": args.users,
        "seconds": args.seconds,
        "runs": figures,
        "median": medians,
        "comparisons": comparisons,
    }
    jitter = medians["jittery"]
    markdown = "\n".join(
        [
            "## target_rate: the plan's target rate vs Locust's constant_throughput",
            "",
            f"A target of {args.target:g} req/s with {args.users} users against the demo app's `/slow` on loopback, "
            f"one Locust process each, {args.seconds} s per run, {args.rounds} alternating rounds; flat latency "
            "(20 ms) and jittery latency (10 to 150 ms, uniformly) (`benchmarks/target_rate/run.py`).",
            "",
            "| latency | pacing | req/s (median) | of target | CPU ms per 1,000 requests (start-up included) | runs |",
            "| --- | --- | ---: | ---: | ---: | --- |",
            *rows,
            "",
            f"With jittery latency, ours held **{jitter['ours']['rps'] / args.target:.1%}** of the target and "
            f"`constant_throughput` {jitter['constant_throughput']['rps'] / args.target:.1%}: a user paced on its "
            "own loses the time its slow responses took, while one pacer per process lets the users that are free "
            "take the slots.",
        ]
    )
    return results, markdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)  # None under -OO
    parser.add_argument("--target", type=float, default=300)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    figures: dict[str, dict[str, list[dict]]] = {}
    with demo_app_serving() as host, tempfile.TemporaryDirectory(prefix="target-rate-") as work:
        for profile in PROFILES:
            runs = contestants(args, host, profile, Path(work))
            figures[profile] = {name: [] for name in runs}
            for round_number in range(1, args.rounds + 1):
                for name, (command, env) in runs.items():
                    figures[profile][name].append(run_once(command, env, args.seconds))
                    rps = figures[profile][name][-1]["rps"]
                    print(f"{profile:8} round {round_number} {name:20} {rps:7.1f} req/s", flush=True)

    results, markdown = report(args, figures)
    write_results("target_rate", results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
