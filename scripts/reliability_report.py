"""Run the fault, security and bad-input tests and write docs/RELIABILITY.md from the figures they record.

Each of those tests calls `tests.reliability.record(...)`; with FLEET_RELIABILITY_OUT set, the records land in a
JSON-lines file, which this script turns into tables: faults survived, inputs tried, requests and plans lost.

Run: .venv/bin/python scripts/reliability_report.py [pytest arguments]
(the network-partition tests need root, as the whole suite does; see the README).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "RELIABILITY.md"
TEST_FILES = [
    "tests/test_faults.py",
    "tests/test_fuzz.py",
    "tests/test_fuzz_postman_scripts.py",
    "tests/test_security.py",
    "tests/test_etcd_access.py",
    "tests/test_web_security.py",
    "tests/test_secrets.py",
    "tests/test_fleet.py::test_a_killed_agent_leaves_the_list_and_locust_marks_its_workers_missing",
    "tests/test_fleet.py::test_etcd_restart_during_a_run",
    "tests/test_agent.py::test_a_killed_worker_is_restarted_until_the_agent_gives_up",
    "tests/test_browser_user.py::test_killed_or_hung_chromium_is_replaced_and_the_next_iterations_succeed",
]


def run_tests(out: Path, extra: list[str]) -> int:
    env = os.environ | {"FLEET_RELIABILITY_OUT": str(out)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TEST_FILES, *extra]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def table(records: list[dict[str, Any]], kind: str) -> list[str]:
    header = "| what | tried | survived | requests lost | plans lost | figures | what was done and seen |"
    lines = [header, "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for record in (record for record in records if record["kind"] == kind):
        figures = ", ".join(f"{name} {_figure(value)}" for name, value in record["figures"].items()) or ""
        lines.append(
            f"| {record['name']} | {record['tried']:,} | {record['survived']:,} | {record['lostRequests']:,} "
            f"| {record['lostPlans']:,} | {figures} | {record['detail']} |"
        )
    return lines


def _figure(value: Any) -> str:
    return f"{value:,.2f}" if isinstance(value, float) else str(value)


def render(records: list[dict[str, Any]], outcome: int) -> str:
    totals = {
        kind: (
            sum(r["tried"] for r in records if r["kind"] == kind),
            sum(r["survived"] for r in records if r["kind"] == kind),
        )
        for kind in ("fault", "input")
    }
    lost_requests = sum(record["lostRequests"] for record in records)
    lost_plans = sum(record["lostPlans"] for record in records)
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Reliability",
        "",
        "Figures recorded by the tests that cause faults and send bad input for real "
        f"({', '.join(f'`{name}`' for name in TEST_FILES)}), written by `scripts/reliability_report.py` on {date}; "
        f"the tests {'passed' if outcome == 0 else f'FAILED (pytest exit {outcome})'}.",
        "",
        f"- **Faults survived**: {totals['fault'][1]:,} of {totals['fault'][0]:,}.",
        f"- **Bad inputs answered with a clear error, the fleet still up**: {totals['input'][1]:,} of "
        f"{totals['input'][0]:,}.",
        f"- **Requests lost**: {lost_requests:,}. **Plans lost**: {lost_plans:,} (the goal is zero for both).",
        "",
        "## Faults",
        "",
        *table(records, "fault"),
        "",
        "## Bad input",
        "",
        *table(records, "input"),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="reliability-") as work:
        out = Path(work) / "records.jsonl"
        outcome = run_tests(out, sys.argv[1:])
        records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    REPORT.write_text(render(records, outcome))
    print(f"{REPORT}: {len(records)} records; tests exit {outcome}")
    sys.exit(outcome)


if __name__ == "__main__":
    main()
