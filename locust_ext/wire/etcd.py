"""etcd, wrapped in one place for the master and the agents: the v3 API through etcd-sdk-python (`pyetcd`).

Every call goes to the first endpoint that answers; a failure is raised as EtcdUnavailable, which says
which endpoints were tried, so callers handle one exception and decide whether to retry.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pyetcd
from pyetcd import etcdrpc
from pyetcd import exceptions as etcd_exceptions
from pyetcd.client import EtcdTokenCallCredentials
from pyetcd.events import DeleteEvent

# pyetcd raises ValueError("Trying to use a failed node") for every call after an endpoint failed once.
_FAILURES = (etcd_exceptions.Etcd3Exception, grpc.RpcError, ConnectionError, TimeoutError, ValueError)


class EtcdUnavailable(ConnectionError):
    """No etcd endpoint answered; `hint` says what to do (the same for every timeout or refusal of one kind)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


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
class EtcdAccess:
    """etcd's own authentication: a user and password, and TLS (a CA, and a client certificate for mutual TLS)."""

    user: str = ""
    password: str = ""
    ca: str = ""
    cert: str = ""
    key: str = ""

    @classmethod
    def from_options(cls, flags: dict[str, str], **values: str) -> EtcdAccess:
        """Checked options (values keyed user, password, ca, cert, key; `flags` names them for errors)."""
        access = cls(**values)
        if bool(access.user) != bool(access.password):
            raise ValueError(f"{flags['user']} and {flags['password']}: give both (etcd's user and its password)")
        if bool(access.cert) != bool(access.key):
            raise ValueError(f"{flags['cert']} and {flags['key']}: give both (a client certificate and its key)")
        if access.cert and not access.ca:
            raise ValueError(f"{flags['cert']}: needs {flags['ca']}, the CA that signed etcd's certificate")
        for name in ("ca", "cert", "key"):
            path = getattr(access, name)
            if path and not Path(path).is_file():
                raise ValueError(f"{flags[name]}: no such file: {path}")
        return access

    def client_options(self) -> dict[str, Any]:
        return {
            "user": self.user or None,
            "password": self.password or None,
            "ca_cert": self.ca or None,
            "cert_cert": self.cert or None,
            "cert_key": self.key or None,
        }


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

    def __init__(
        self, endpoints: str, timeout: float = 5.0, option: str = "--fleet-etcd", access: EtcdAccess | None = None
    ) -> None:
        self.endpoints = parse_endpoints(endpoints, option)
        self.option = option
        self.timeout = timeout
        self.access = access or EtcdAccess()
        self._client: Any = None
        self._index = 0

    def __repr__(self) -> str:
        return f"Etcd({','.join(f'{host}:{port}' for host, port in self.endpoints)})"

    def _call(self, action: Callable[[Any], Any]) -> Any:
        errors = []
        for _ in self.endpoints:
            try:
                return self._call_current(action)
            except _FAILURES as error:
                if _lease_not_found(error):
                    raise LeaseNotFound(_reason(error)) from None
                errors.append(f"{self.endpoints[self._index][0]}:{self.endpoints[self._index][1]}: {_reason(error)}")
                self.close()
                self._index = (self._index + 1) % len(self.endpoints)
        hint = f"start etcd or fix {self.option}"
        if any("authenticat" in error or "permission denied" in error or "user name" in error for error in errors):
            hint = f"check etcd's user, password and role for this prefix ({self.option}-user/-password)"
        elif any("SSL" in error or "handshake" in error or "certificate" in error for error in errors):
            hint = f"check the TLS options ({self.option}-ca, -cert, -key) against etcd's certificates"
        raise EtcdUnavailable(f"etcd unavailable ({'; '.join(errors)}); {hint}", hint)

    def _call_current(self, action: Callable[[Any], Any]) -> Any:
        client = self._connected()
        try:
            return action(client)
        except grpc.RpcError as error:
            # etcd's sign-ins expire (--auth-token-ttl): sign in again once, and retry.
            if not (self.access.user and _token_expired(error)):
                raise
        self._sign_in_again(client)
        return action(client)

    def _sign_in_again(self, client: Any) -> None:
        """A new token on the same channel: closing it would end every watch that streams on it."""
        request = etcdrpc.AuthenticateRequest(name=self.access.user, password=self.access.password)
        token = client.authstub.Authenticate(request, self.timeout).token
        client.metadata = (("token", token),)
        if client.call_credentials is not None:
            client.call_credentials = grpc.metadata_call_credentials(EtcdTokenCallCredentials(token))
        # pyetcd's watcher keeps the token it was made with, for the streams it opens later.
        watcher = client._stubs.get("watcher")
        if watcher is not None:
            watcher._metadata, watcher._credentials = client.metadata, client.call_credentials

    def _connected(self) -> Any:
        if self._client is None:
            host, port = self.endpoints[self._index]
            client = pyetcd.client(host, port, timeout=self.timeout, **self.access.client_options())
            if not self.access.ca:
                # gRPC refuses call credentials on a plain channel; the sign-in token also goes as call metadata,
                # which is what etcd reads.
                client.call_credentials = None
            self._client = client
        return self._client

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
                raise EtcdUnavailable(f"etcd watch on {prefix} ended: {_reason(error)}", "the watch ended") from None

        return changes(), cancel


def _reason(error: BaseException) -> str:
    if isinstance(error, grpc.RpcError) and hasattr(error, "details"):
        return f"{error.code().name}: {error.details()}"
    return str(error) or type(error).__name__


def _token_expired(error: grpc.RpcError) -> bool:
    return error.code() == grpc.StatusCode.UNAUTHENTICATED and "token" in (error.details() or "")


def _lease_not_found(error: BaseException) -> bool:
    return (
        isinstance(error, grpc.RpcError)
        and error.code() == grpc.StatusCode.NOT_FOUND
        and "lease" in (error.details() or "")
    )
