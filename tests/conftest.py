"""Fixtures that start real servers on loopback: httpbin (its own venv), the demo app, a recording server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.helpers import ROOT, RecordingServer, wait_for_http

HTTPBIN_GUNICORN = ROOT / ".venv-httpbin" / "bin" / "gunicorn"
UNIT_TESTS = ROOT / "tests" / "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test's layer is its folder: tests/unit is the unit layer (`-m unit`, the quick lane); every other test
    starts real processes (`-m e2e`). `browser` (Chromium) and `root` (network namespaces) are marked in the files."""
    for item in items:
        item.add_marker("unit" if UNIT_TESTS in item.path.parents else "e2e")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
