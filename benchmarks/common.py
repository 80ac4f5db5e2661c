"""What the benchmarks share: a free loopback port, nginx or the demo app to load, the machine, and the results."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
REPORT = ROOT / "docs" / "BENCHMARKS.md"
NGINX = "/usr/sbin/nginx"
NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  # Keep connections for the whole run: the default (1000 requests) would add reconnects to the figures.
  keepalive_requests 1000000;
  default_type application/json;
  client_body_temp_path {work}/tmp;
  proxy_temp_path {work}/tmp;
  fastcgi_temp_path {work}/tmp;
  uwsgi_temp_path {work}/tmp;
  scgi_temp_path {work}/tmp;
  server {{
    listen 127.0.0.1:{port};
    root {work}/www;
  }}
}}
"""


@dataclass(frozen=True)
class LocustRun:
    requests: int
    rps: float
    cpu_s: float


def run_headless_locust(command: list[str], seconds: float, env: dict[str, str] | None = None) -> LocustRun:
    """Run one `locust --headless --json` process: its requests, their rate (from its start to its last request,
    from the --json output; the CSV misses the last second) and the CPU it used; fail loudly on failures."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} exited {result.returncode}:\n{result.stderr[-3000:]}")
    stats = json.loads(result.stdout)
    requests = sum(entry["num_requests"] for entry in stats)
    failures = sum(entry["num_failures"] for entry in stats)
    if requests == 0 or failures > requests * 0.01:
        raise SystemExit(f"{command[0]}: {failures} failures in {requests} requests")
    first = min(entry["start_time"] for entry in stats)
    last = max(entry["last_request_timestamp"] for entry in stats)
    cpu_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return LocustRun(requests, requests / (last - first), cpu_s)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def nginx_serving(files: dict[str, str]) -> Iterator[str]:
    """Debian's nginx, one worker, serving `files` on a free loopback port; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="nginx-") as work:
        yield from _nginx(Path(work), free_port(), files)


def _nginx(work: Path, port: int, files: dict[str, str]) -> Iterator[str]:
    (work / "www").mkdir()
    (work / "tmp").mkdir()
    for name, content in files.items():
        (work / "www" / name).write_text(content)
    (work / "nginx.conf").write_text(NGINX_CONF.format(work=work, port=port))
    process = subprocess.Popen([NGINX, "-p", str(work), "-c", str(work / "nginx.conf")], stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def demo_app_serving() -> Iterator[str]:
    """examples/demo_app.py on a free loopback port; yields its base URL."""
    port = free_port()
    command = [sys.executable, str(ROOT / "examples" / "demo_app.py"), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            errors = process.stderr.read().decode() if process.stderr is not None else "(its stderr was not kept)"
            raise SystemExit(f"{program(process)} exited {process.returncode}: {errors}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    raise SystemExit(f"{program(process)} did not listen on 127.0.0.1:{port} within 10 s")


def program(process: subprocess.Popen[Any]) -> str:
    """What a process runs, for messages: the first word of its command."""
    args = process.args
    return os.fsdecode(args if isinstance(args, str | bytes | os.PathLike) else args[0])


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )

    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "locust": version("locust"),
    }


def write_results(name: str, results: dict[str, Any], markdown: str) -> None:
    """Keep one benchmark's figures and its report section, then rebuild docs/BENCHMARKS.md from all of them.

    `results["comparisons"]` lists what the benchmark compares: each {measure, ours, peer, peerValue, better},
    for the summary table at the top of the report.
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    info = results["machine"]
    footer = f"\n\nMeasured {info['date']} on {info['cpus']} cores ({info['cpu']}), Python {info['python']}, "
    footer += f"Locust {info['locust']}.\n"
    (RESULTS / f"{name}.md").write_text(markdown + footer)
    rebuild_report()


def rebuild_report() -> None:
    header = (
        "# Benchmarks\n\nFigures from `benchmarks/`, each written by its own run "
        "(`benchmarks/run_all` runs them all). The machine is shared and noisy, so contestants run side by side "
        "in one run and the ratios are what to read.\n\n"
    )
    full_run = RESULTS / "run_all.json"
    if full_run.exists():
        header += _full_run_lines(json.loads(full_run.read_text()))
    names = sorted(path.stem for path in RESULTS.glob("*.md"))
    rows = [row for name in names for row in _comparison_rows(name)]
    if rows:
        header += "\n".join(
            [
                "## Summary",
                "",
                "| benchmark | measure | ours | peer | peer's | ours / peer | better |",
                "| --- | --- | ---: | --- | ---: | ---: | --- |",
                *rows,
                "",
                "",
            ]
        )
    sections = [(RESULTS / f"{name}.md").read_text() for name in names]
    REPORT.write_text(header + "\n".join(sections))


def _full_run_lines(run: dict[str, Any]) -> str:
    info = run["machine"]
    lines = [
        f"Last full run: {info['date']} on {info['cpus']} cores ({info['cpu']}), Python {info['python']}, "
        f"Locust {info['locust']}, {run['minutes']:.0f} min:",
        "",
    ]
    for name, outcome in run["benchmarks"].items():
        lines.append(f"- `{name}`: {outcome['outcome']} in {outcome['seconds']:.0f} s")
    return "\n".join(lines) + "\n\n"


def _comparison_rows(name: str) -> list[str]:
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return []
    rows = []
    for comparison in json.loads(path.read_text()).get("comparisons", []):
        ours, peer = comparison["ours"], comparison["peerValue"]
        ratio = f"{ours / peer:.2f}" if peer else "n/a"
        rows.append(
            f"| {name} | {comparison['measure']} | {ours:,g} | {comparison['peer']} | {peer:,g} | {ratio} "
            f"| {comparison['better']} |"
        )
    return rows
