"""Fixtures of the unit tests: one real etcd for the session, a key prefix per test, and Locust imported unpatched.

Importing Locust monkey-patches the whole process with gevent. The unit tests share their process with the rest of
the suite (agents' threads, gRPC clients, Playwright), which must not be patched, so Locust is imported here, before
any unit test module and after `locust_ext` (whose plugin registers itself only inside a Locust process), with
LOCUST_SKIP_MONKEY_PATCH set for that import only. Its runners, load shapes and the pacer run on gevent's hub all the
same; what needs a patched process (discovery's etcd watch) runs in a child process of its own, started as soon as
collection ends, so that its slow start overlaps the tests before it.
"""

from __future__ import annotations

import importlib
import os
import sys
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

import locust_ext  # noqa: F401
from tests import fleet_fixtures
from tests.fleet_fixtures import EtcdServer
from tests.unit.discovery_host import DiscoveryProcess

if TYPE_CHECKING:  # imported unpatched below, before any test module
    from locust.env import Environment

etcd_server = fleet_fixtures.etcd_server  # the session fixture, offered to this folder
_DISCOVERY = pytest.StashKey[DiscoveryProcess]()


def _import_locust_unpatched() -> None:
    if "locust" in sys.modules:
        return
    os.environ["LOCUST_SKIP_MONKEY_PATCH"] = "1"
    try:
        importlib.import_module("locust")
    finally:
        del os.environ["LOCUST_SKIP_MONKEY_PATCH"]


_import_locust_unpatched()


@pytest.fixture(scope="session")
def etcd(etcd_server: EtcdServer) -> EtcdServer:
    """The session's one etcd on loopback (tests/fleet_fixtures.py); tests keep apart by their key prefix."""
    return etcd_server


@pytest.fixture
def environment() -> Iterator[Environment]:
    """A standalone Locust Environment with its local runner (quit at the end), as a test's own process."""
    from locust.env import Environment

    environment = Environment()
    runner = environment.create_local_runner()
    try:
        yield environment
    finally:
        runner.quit()


@pytest.fixture
def prefix() -> str:
    return f"/unit-{uuid.uuid4().hex[:10]}/"


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(item.path.name == "test_discovery_etcd.py" for item in session.items):
        host = session.config.stash[_DISCOVERY] = DiscoveryProcess()
        session.config.add_cleanup(host.close)


@pytest.fixture(scope="session")
def discovery(request: pytest.FixtureRequest) -> DiscoveryProcess:
    """The child process that hosts discovery (AgentDirectory) for the tests, one directory per prefix."""
    if _DISCOVERY not in request.config.stash:
        host = request.config.stash[_DISCOVERY] = DiscoveryProcess()
        request.config.add_cleanup(host.close)
    return request.config.stash[_DISCOVERY]
