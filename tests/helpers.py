"""Test helpers: running `locust-fleet` for real, reading its CSV output, a recording HTTP server."""

from __future__ import annotations

import csv
import datetime
import http.client
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCUST_FLEET = BIN / "locust-fleet"


def wait_for_http(url: str, process: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"server for {url} exited with {process.returncode}: {stderr[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@dataclass
class FleetRun:
    """The outcome of one headless `locust-fleet` run: exit code, output, and its CSV statistics."""

    returncode: int
    stdout: str
    stderr: str
    stats: dict[str, dict[str, str]] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    # Rows by (type, name): a browser step's web vitals share one name across the types TTFB, FCP, LCP, CLS.
    typed_stats: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def requests(self, name: str) -> int:
        return int(self.stats[name]["Request Count"]) if name in self.stats else 0

    def failed(self, name: str) -> int:
        return int(self.stats[name]["Failure Count"]) if name in self.stats else 0

    def messages(self, name: str) -> list[str]:
        return [row["Error"] for row in self.failures if row["Name"] == name]

    def explain(self) -> str:
        rows = {name: (row["Request Count"], row["Failure Count"]) for name, row in self.stats.items()}
        errors = [(row["Name"], row["Error"]) for row in self.failures]
        ran = f"\n{self.run_time()}" if self.run_time() else ""
        return f"exit {self.returncode}{ran}\nrows {rows}\nfailures {errors}\nstderr tail:\n{self.stderr[-3000:]}"

    def run_time(self) -> str:
        """How long the run lasted by Locust's own log, against its -t: a busy machine can make Locust's run-time
        timer fire early (armed on gevent's stale loop clock after a slow start), leaving little or no load."""
        armed = re.search(rf"^\[({LOG_TIME})\].*Run time limit set to (\d+) seconds", self.stderr, re.MULTILINE)
        reached = re.search(rf"^\[({LOG_TIME})\].*--run-time limit reached", self.stderr, re.MULTILINE)
        if not (armed and reached):
            return ""
        lasted = _log_time(reached[1]) - _log_time(armed[1])
        return f"run time: -t {armed[2]} s, Locust stopped it after {lasted:.1f} s"


LOG_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"


def _log_time(text: str) -> float:
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def run_fleet(
    work: Path,
    plan: dict[str, Any] | Path,
    *,
    users: int = 2,
    seconds: float = 3,
    extra: tuple[str, ...] = (),
    timeout: float = 120,
    locustfile: Path | None = None,
) -> FleetRun:
    """Run `locust-fleet --headless` with a plan (a dict is written to work/plan.json) and read its CSVs.

    `locustfile` runs `locust -f locustfile` instead: a test's own locustfile that imports locust_ext's.
    """
    if isinstance(plan, dict):
        path = work / "plan.json"
        path.write_text(json.dumps(plan))
    else:
        path = plan
    prefix = work / "out"
    program = [str(BIN / "locust"), "-f", str(locustfile)] if locustfile else [str(LOCUST_FLEET)]
    command = [*program, "--headless", "--fleet-plan", str(path), "-u", str(users), "-r", str(users)]
    command += ["-t", f"{seconds}s", "--csv", str(prefix), "--only-summary", *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=work)
    run = FleetRun(result.returncode, result.stdout, result.stderr)
    stats_file, failures_file = Path(f"{prefix}_stats.csv"), Path(f"{prefix}_failures.csv")
    if stats_file.exists():
        rows = [row for row in _read_csv(stats_file) if row["Name"] != "Aggregated"]
        run.stats = {row["Name"]: row for row in rows}
        run.typed_stats = {(row["Type"], row["Name"]): row for row in rows}
    if failures_file.exists():
        run.failures = _read_csv(failures_file)
    return run


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived (this process's monotonic clock)


class RecordingServer:
    """A real HTTP server on loopback that records what it receives.

    `/echo...` answers with the request as JSON; anything else answers `{"ok": true}`. A request whose
    target is an absolute URL (what an HTTP proxy receives) is forwarded there: the server is a proxy too.
    """

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.proxied: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *_args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path.startswith("http://"):
                    server.proxied.append(self.path)
                    self._forward(body)
                    return
                split = urlsplit(self.path)
                record = Recorded(self.command, split.path, dict(parse_qsl(split.query)), dict(self.headers), body)
                server.requests.append(record)
                if split.path.startswith("/echo"):
                    payload = {"method": record.method, "path": record.path, "query": record.query}
                    payload |= {"headers": record.headers, "body": body.decode(errors="replace")}
                else:
                    payload = {"ok": True}
                self._reply(200, {"Content-Type": "application/json"}, json.dumps(payload).encode())

            def _forward(self, body: bytes) -> None:
                target = urlsplit(self.path)
                if target.hostname is None:
                    raise ValueError(f"a proxy request names an absolute URL, not {self.path!r}")
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
                path = target.path + (f"?{target.query}" if target.query else "")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
                connection.request(self.command, path, body=body or None, headers=headers)
                response = connection.getresponse()
                content = response.read()
                keep = {k: v for k, v in response.getheaders() if k.lower() not in ("transfer-encoding", "connection")}
                connection.close()
                self._reply(response.status, keep, content)

            def _reply(self, status: int, headers: dict[str, str], content: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def paths(self) -> list[str]:
        return [record.path for record in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
