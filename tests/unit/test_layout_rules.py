"""The lint rule that keeps each outside system in its one wrapper: the project's ruff on planted code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
RUFF = Path(sys.executable).parent / "ruff"


def banned(path: str, source: str) -> list[str]:
    """The banned-API messages ruff gives for `source` as if it were the file at `path` in this project."""
    command = [str(RUFF), "check", "--no-cache", "--select", "TID251", "--output-format", "json"]
    result = subprocess.run(
        [*command, "--stdin-filename", path, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    return [finding["message"] for finding in json.loads(result.stdout)]


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("import pyetcd\n", "etcd is wrapped in locust_ext/wire/etcd.py"),
        ("from playwright.async_api import Page\n", "Playwright is used in locust_ext/browser/ only"),
        ("import httpx\n", "httpx is used in locust_ext/master/tryout.py only"),
        ("import grpc\n", "gRPC is used on the wire only"),
        ("from subprocess import run\n", "processes are started by worker_agent/supervisor.py"),
        ("import prometheus_client\n", "Prometheus' client is used in locust_ext/master/web/metrics.py only"),
        ("import websocket\n", "websocket-client is used in locust_ext/users/ws_connection.py only"),
    ],
)
def test_an_outside_system_used_outside_its_wrapper_is_refused(source: str, why: str) -> None:
    messages = banned("locust_ext/users/planted.py", source)
    assert len(messages) == 1 and why in messages[0], messages


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("locust_ext/wire/etcd.py", "import pyetcd\n"),
        ("locust_ext/browser/runtime.py", "from playwright.async_api import Page\n"),
        ("locust_ext/master/tryout.py", "import httpx\n"),
        ("locust_ext/master/dispatch.py", "import grpc\n"),
        ("worker_agent/service.py", "import grpc\n"),
        ("worker_agent/supervisor.py", "import subprocess\n"),
        ("locust_ext/master/web/metrics.py", "import prometheus_client\n"),
        ("locust_ext/users/ws_connection.py", "import websocket\n"),
    ],
)
def test_the_wrapper_itself_may_use_its_outside_system(path: str, source: str) -> None:
    assert banned(path, source) == []


@pytest.mark.parametrize(
    "module",
    ["locust", "gevent", "grpc", "socket", "flask", "httpx", "pyetcd", "playwright", "prometheus_client", "websocket"],
)
def test_the_plan_package_stays_pure(module: str) -> None:
    messages = banned("locust_ext/plan/planted.py", f"import {module}\n")
    assert len(messages) == 1 and "locust_ext/plan/ is pure" in messages[0], messages
