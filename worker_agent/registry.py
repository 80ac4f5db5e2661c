"""The agent's entry in etcd: `<prefix>agents/<id>` under a lease, kept alive, re-registered after any loss.

One daemon thread does every etcd call, so the `Etcd` client is never shared between threads and a state
change (`update`) never waits for etcd: it hands the new value over and wakes the thread. While etcd is
away the thread retries every second and says so once; when etcd answers again (or the lease turns out to
have expired) it grants a new lease and registers again by itself.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from locust_ext.wire.etcd import Etcd, EtcdUnavailable, LeaseNotFound

logger = logging.getLogger(__name__)
RETRY_S = 1.0


class Registry:
    def __init__(self, etcd: Etcd, key: str, ttl: int, value: dict[str, Any]) -> None:
        self.etcd = etcd
        self.key = key
        self.ttl = ttl
        self._lock = threading.Lock()
        self._value = json.dumps(value)
        self._version = 0
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="registry", daemon=True)
        self._lease: int | None = None
        self._written_version = -1
        self._next_refresh = 0.0
        self._outage: str | None = None
        self._registered_once = False

    def start(self) -> None:
        self._thread.start()

    def update(self, value: dict[str, Any]) -> None:
        """Publish a new value; the registry thread writes it as soon as etcd answers."""
        with self._lock:
            self._value = json.dumps(value)
            self._version += 1
        self._wake.set()

    def close(self) -> None:
        """Stop keeping the lease alive and revoke it, which deletes the key at once."""
        self._closing.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        lease, self._lease = self._lease, None
        if lease is not None:
            try:
                self.etcd.revoke_lease(lease)
            except LeaseNotFound:
                logger.info("the lease of %s was already gone", self.key)
            except EtcdUnavailable as error:
                logger.warning("could not revoke the lease of %s (%s); it expires in %d s", self.key, error, self.ttl)
        self.etcd.close()

    def _run(self) -> None:
        while not self._closing.is_set():
            try:
                delay = self._sync()
            except EtcdUnavailable as error:
                self._lease = None
                self._report_outage(error)
                delay = RETRY_S
            except LeaseNotFound:
                # Revoked or expired while this agent was writing a new value: register again at once.
                logger.warning("lease of %s expired; registering again", self.key)
                self._lease = None
                delay = 0.0
            self._wake.wait(delay)
            self._wake.clear()

    def _sync(self) -> float:
        """Do what is due (register, write a new value, keep the lease alive); seconds until the next duty."""
        with self._lock:
            value, version = self._value, self._version
        if self._lease is None:
            self._register(value, version)
        elif version != self._written_version:
            self.etcd.put(self.key, value, lease=self._lease)
            self._written_version = version
        elif time.monotonic() >= self._next_refresh:
            if not self.etcd.refresh_lease(self._lease):
                logger.warning("lease of %s expired; registering again", self.key)
                self._register(value, version)
            self._next_refresh = time.monotonic() + self.ttl / 3
        return max(0.0, self._next_refresh - time.monotonic())

    def _register(self, value: str, version: int) -> None:
        lease = self.etcd.grant_lease(self.ttl)
        self.etcd.put(self.key, value, lease=lease)
        self._lease, self._written_version = lease, version
        self._next_refresh = time.monotonic() + self.ttl / 3
        if self._outage is not None:
            logger.info("etcd is back; registered %s again (lease %x)", self.key, lease)
        elif self._registered_once:
            logger.info("registered %s again (lease %x)", self.key, lease)
        else:
            logger.info("registered %s (lease %x, ttl %d s)", self.key, lease, self.ttl)
        self._outage = None
        self._registered_once = True

    def _report_outage(self, error: EtcdUnavailable) -> None:
        # Once per kind of outage (what to do about it): an etcd that was away and now refuses the password says so,
        # while a connection that fails, then times out, is one outage.
        if error.hint != self._outage:
            logger.warning("%s; retrying every %g s", error, RETRY_S)
        self._outage = error.hint
