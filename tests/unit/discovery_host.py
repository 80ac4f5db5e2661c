"""The test side of discovery_process.py: a child process hosting AgentDirectory instances, and their listings."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fleet_fixtures import stop_process

CHILD = Path(__file__).with_name("discovery_process.py")
Listing = dict[str, Any]


class DiscoveryProcess:
    """A child process hosting directories, one per prefix; `latest[prefix]` is the last listing it printed."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(CHILD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.latest: dict[str, Listing] = {}
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith('{"prefix"'):
                listing = json.loads(line)
                self.latest[listing["prefix"]] = listing
            else:
                self.log.append(line)

    def _send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def watch(self, endpoint: str, prefix: str) -> Directory:
        self._send(f"watch {endpoint} {prefix}")
        return Directory(self, prefix)

    def stop(self, prefix: str) -> None:
        self._send(f"stop {prefix}")

    def close(self) -> None:
        stop_process(self.process, timeout=5)


class Directory:
    def __init__(self, host: DiscoveryProcess, prefix: str) -> None:
        self.host, self.prefix = host, prefix

    @property
    def latest(self) -> Listing | None:
        return self.host.latest.get(self.prefix)

    def wait_for(self, condition: Callable[[Listing], bool], what: str, timeout: float = 30) -> Listing:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            latest = self.latest
            if latest is not None and condition(latest):
                return latest
            if self.host.process.poll() is not None:
                raise AssertionError(f"the discovery process exited: {''.join(self.host.log)}")
            time.sleep(0.05)
        raise AssertionError(f"not within {timeout:g} s: {what} (last listing: {self.latest})")
