"""Run every benchmark of the project, one after the other, and rebuild docs/BENCHMARKS.md.

Each benchmark is `benchmarks/<name>/run.py`, run with its defaults and a time limit; a failed one is reported
(and its previous figures kept) while the others go on. The report gets a summary of every comparison (ours
against each peer, as a ratio) and the machine, date and duration of this run.

Run: benchmarks/run_all [--only NAME,NAME]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.common import RESULTS, machine, rebuild_report  # noqa: E402

TIME_LIMIT_S = 30 * 60


def benchmark_names() -> list[str]:
    return sorted(path.parent.name for path in HERE.glob("*/run.py"))


def run_one(name: str) -> dict[str, object]:
    started = time.monotonic()
    print(f"== {name}", flush=True)
    try:
        process = subprocess.run([sys.executable, str(HERE / name / "run.py")], timeout=TIME_LIMIT_S)
        outcome = "measured" if process.returncode == 0 else f"failed (exit {process.returncode})"
    except subprocess.TimeoutExpired:
        outcome = f"failed (over {TIME_LIMIT_S // 60} min)"
    return {"outcome": outcome, "seconds": round(time.monotonic() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)  # None under -OO
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    args = parser.parse_args()
    names = benchmark_names()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or names
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        parser.error(f"--only: no benchmark named {', '.join(unknown)}; expected some of {', '.join(names)}")
    started = time.monotonic()
    outcomes = {name: run_one(name) for name in chosen}
    run = {"machine": machine(), "minutes": (time.monotonic() - started) / 60, "benchmarks": outcomes}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "run_all.json").write_text(json.dumps(run, indent=2) + "\n")
    rebuild_report()
    for name, outcome in outcomes.items():
        print(f"{name}: {outcome['outcome']} in {outcome['seconds']:.0f} s")
    sys.exit(0 if all(outcome["outcome"] == "measured" for outcome in outcomes.values()) else 1)


if __name__ == "__main__":
    main()
