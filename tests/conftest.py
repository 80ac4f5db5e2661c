"""Fixtures that start real servers on loopback: httpbin (its own venv), the demo app, a recording server."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, RecordingServer, wait_for_http

HTTPBIN_GUNICORN = ROOT / ".venv-httpbin" / "bin" / "gunicorn"
UNIT_TESTS = ROOT / "tests" / "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test's layer is its folder: tests/unit is the unit layer (`-m unit`, the quick lane); every other test
    starts real processes (`-m e2e`). `browser` (Chromium) and `root` (network namespaces) are marked in the files."""
    for item in items:
        item.add_marker("unit" if UNIT_TESTS in item.path.parents else "e2e")


def _ports_below_the_ephemeral_range() -> range:
    """Ports a test hands to a server it starts: below the range outgoing connections draw their local port from,
    so that no connect() elsewhere can take a port between the moment it is found free and the server's bind."""
    ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    return range(max(1024, ephemeral_low - 12000), ephemeral_low)


_SERVER_PORTS = _ports_below_the_ephemeral_range()
_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port nothing listens on, never the same one twice in a session."""
    for _ in range(1000):
        port = random.choice(_SERVER_PORTS)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in {_SERVER_PORTS} after 1000 tries")


@pytest.fixture(scope="session")
def httpbin() -> Iterator[str]:
    """httpbin from PyPI, served by gunicorn from .venv-httpbin (made by scripts/install.sh)."""
    if not HTTPBIN_GUNICORN.exists():
        pytest.fail(f"{HTTPBIN_GUNICORN} is missing: run ./scripts/install.sh first", pytrace=False)
    port = free_port()
    process = subprocess.Popen(
        [str(HTTPBIN_GUNICORN), "-k", "gthread", "--threads", "16", "-b", f"127.0.0.1:{port}", "httpbin:app"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield from _serve(process, f"http://127.0.0.1:{port}", "/get")


@pytest.fixture(scope="session")
def demo_app() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "demo_app.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield from _serve(process, f"http://127.0.0.1:{port}", "/health")


def _serve(process: subprocess.Popen, url: str, probe: str) -> Iterator[str]:
    try:
        wait_for_http(url + probe, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    server = RecordingServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(autouse=True)
def _quiet_locust_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's LOCUST_* variables must not change what the tests run.
    for name in list(os.environ):
        if name.startswith("LOCUST_"):
            monkeypatch.delenv(name)
