"""etcd, wrapped in one place for the master and the agents: the v3 API through etcd-sdk-python (`pyetcd`).

Every call goes to the first endpoint that answers; a failure is raised as EtcdUnavailable, which says
which endpoints were tried, so callers handle one exception and decide whether to retry.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pyetcd
from pyetcd import exceptions as etcd_exceptions
from pyetcd.events import DeleteEvent

# pyetcd raises ValueError("Trying to use a failed node") for every call after an endpoint failed once.
_FAILURES = (etcd_exceptions.Etcd3Exception, grpc.RpcError, ConnectionError, TimeoutError, ValueError)


class EtcdUnavailable(ConnectionError):
    """No etcd endpoint answered."""


class LeaseNotFound(LookupError):
    """etcd answered that the lease expired or was revoked: whoever held it must register again."""


def parse_endpoints(text: str, option: str = "--fleet-etcd") -> list[tuple[str, int]]:
    """`HOST:PORT[,HOST:PORT...]` as (host, port) pairs; raises ValueError naming the option."""
    endpoints = []
    for item in text.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{option}: expected HOST:PORT[,HOST:PORT...], got {text!r}")
        endpoints.append((host.strip("[]"), int(port)))
    return endpoints


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    value: str
    mod_revision: int

    def json(self) -> Any:
        return json.loads(self.value)


@dataclass(frozen=True, slots=True)
class Change:
    """One event of a watch: a key put (with its new value) or deleted (value None)."""

    key: str
    value: str | None
    revision: int


class Etcd:
    """A client for a list of endpoints, reconnecting to the next one when a call fails."""

    def __init__(self, endpoints: str, timeout: float = 5.0, option: str = "--fleet-etcd") -> None:
        self.endpoints = parse_endpoints(endpoints, option)
        self.option = option
        self.timeout = timeout
        self._client: Any = None
        self._index = 0

    def __repr__(self) -> str:
        return f"Etcd({','.join(f'{host}:{port}' for host, port in self.endpoints)})"

    def _call(self, action: Callable[[Any], Any]) -> Any:
        errors = []
        for _ in self.endpoints:
            try:
                if self._client is None:
                    host, port = self.endpoints[self._index]
                    self._client = pyetcd.client(host, port, timeout=self.timeout)
                return action(self._client)
            except _FAILURES as error:
                if _lease_not_found(error):
                    raise LeaseNotFound(_reason(error)) from None
                errors.append(f"{self.endpoints[self._index][0]}:{self.endpoints[self._index][1]}: {_reason(error)}")
                self.close()
                self._index = (self._index + 1) % len(self.endpoints)
        raise EtcdUnavailable(f"etcd unavailable ({'; '.join(errors)}); start etcd or fix {self.option}")

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(*_FAILURES):
                client.close()

    def put(self, key: str, value: str, lease: int | None = None) -> None:
        self._call(lambda client: client.put(key, value, lease=lease))

    def get(self, key: str) -> Entry | None:
        value, meta = self._call(lambda client: client.get(key))
        return None if value is None else Entry(key, value.decode(), meta.mod_revision)

    def get_prefix(self, prefix: str) -> tuple[list[Entry], int]:
        """Every entry under `prefix`, and the store's revision at that moment (to watch from)."""
        response = self._call(lambda client: client.get_prefix_response(prefix))
        entries = [Entry(kv.key.decode(), kv.value.decode(), kv.mod_revision) for kv in response.kvs]
        return entries, response.header.revision

    def delete(self, key: str) -> bool:
        return bool(self._call(lambda client: client.delete(key)))

    def put_if_revision(self, key: str, value: str, mod_revision: int) -> bool:
        """Put only if the key's revision is still `mod_revision` (0: only if the key does not exist)."""

        def transaction(client: Any) -> bool:
            compare = client.transactions.mod(key) == mod_revision
            put = client.transactions.put(key, value)
            succeeded, _ = client.transaction(compare=[compare], success=[put], failure=[])
            return succeeded

        return self._call(transaction)

    def grant_lease(self, ttl: int) -> int:
        return self._call(lambda client: client.lease(ttl)).id

    def refresh_lease(self, lease_id: int) -> bool:
        """Keep a lease alive; False when etcd no longer knows it (it expired)."""
        responses = self._call(lambda client: list(client.refresh_lease(lease_id)))
        return bool(responses) and responses[0].TTL > 0

    def revoke_lease(self, lease_id: int) -> None:
        self._call(lambda client: client.revoke_lease(lease_id))

    def watch_prefix(self, prefix: str, start_revision: int) -> tuple[Iterator[Change], Callable[[], None]]:
        """Changes under `prefix` from `start_revision` on, and a function that ends the watch."""
        responses, cancel = self._call(
            lambda client: client.watch_prefix_response(prefix, start_revision=start_revision)
        )

        def changes() -> Iterator[Change]:
            try:
                for response in responses:
                    for event in response.events:
                        value = None if isinstance(event, DeleteEvent) else event.value.decode()
                        yield Change(event.key.decode(), value, event.mod_revision)
            except _FAILURES as error:
                raise EtcdUnavailable(f"etcd watch on {prefix} ended: {_reason(error)}") from None

        return changes(), cancel


def _reason(error: BaseException) -> str:
    if isinstance(error, grpc.RpcError) and hasattr(error, "details"):
        return f"{error.code().name}: {error.details()}"
    return str(error) or type(error).__name__


def _lease_not_found(error: BaseException) -> bool:
    return isinstance(error, grpc.RpcError) and error.code() == grpc.StatusCode.NOT_FOUND and "lease" in error.details()
