"""Who may call an agent: TLS or mutual TLS, and a shared token sent with every call.

Both sides read the same three files and token: the agent serves with its certificate and key (and, given a CA,
asks every caller for a certificate signed by it); the master verifies the agent against the CA and shows its
own certificate for mutual TLS. The token travels as `authorization: Bearer <token>` call metadata and the
agent checks it on every call, so a caller without it gets UNAUTHENTICATED whatever the service.
"""

from __future__ import annotations

import hmac
import ipaddress
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from locust_ext.proto import fleet_pb2
from locust_ext.wire.protocol import TOKEN_ENV
from locust_ext.wire.records import record_json

TOKEN_METADATA = "authorization"
TOKEN_SCHEME = "Bearer "


class SecurityConfigError(ValueError):
    """A certificate, key, CA or token option that cannot be used; the message names the option."""


@dataclass(frozen=True)
class GrpcSecurity:
    """The TLS material (PEM bytes) and token of one side; empty means not used."""

    cert: bytes = b""
    key: bytes = b""
    ca: bytes = b""
    token: str = ""

    @classmethod
    def from_options(cls, cert: str, key: str, ca: str, token: str, flags: dict[str, str]) -> GrpcSecurity:
        """Read the files; `flags` maps cert, key, ca and token to the option names used in error messages."""
        if bool(cert) != bool(key):
            raise SecurityConfigError(f"{flags['cert']} and {flags['key']}: give both (a certificate and its key)")
        if token and (token != token.strip() or len(token) < 16):
            raise SecurityConfigError(
                f"{flags['token']}: expected at least 16 characters without surrounding spaces "
                "(a random one: python -c 'import secrets; print(secrets.token_urlsafe())')"
            )
        security = cls(_read(cert, flags["cert"]), _read(key, flags["key"]), _read(ca, flags["ca"]), token)
        if cert:
            _check_pair(cert, key, flags)
        return security

    @property
    def tls(self) -> bool:
        return bool(self.cert or self.ca)

    def describe(self) -> dict[str, bool]:
        """What an agent requires of its callers, announced with it in etcd (never the secrets)."""
        security = fleet_pb2.AgentSecurity(
            tls=bool(self.cert), client_cert=bool(self.cert and self.ca), token=bool(self.token)
        )
        return record_json(security)

    # The agent's side.
    def add_port(self, server: grpc.Server, listen: str) -> int:
        if not self.cert:
            return server.add_insecure_port(listen)
        credentials = grpc.ssl_server_credentials(
            [(self.key, self.cert)], root_certificates=self.ca or None, require_client_auth=bool(self.ca)
        )
        return server.add_secure_port(listen, credentials)

    def interceptors(self) -> list[grpc.ServerInterceptor]:
        return [TokenCheck(self.token)] if self.token else []

    # The master's side.
    def channel(self, address: str) -> grpc.Channel:
        if not self.tls:
            return grpc.insecure_channel(address)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=self.ca or None, private_key=self.key or None, certificate_chain=self.cert or None
        )
        return grpc.secure_channel(address, credentials)

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return ((TOKEN_METADATA, TOKEN_SCHEME + self.token),) if self.token else ()


class TokenCheck(grpc.ServerInterceptor):
    """Refuses, with UNAUTHENTICATED, every call whose metadata does not carry the token."""

    def __init__(self, token: str) -> None:
        self._expected = (TOKEN_SCHEME + token).encode()

    def intercept_service(self, continuation: Callable, handler_call_details: grpc.HandlerCallDetails) -> Any:
        sent = dict(handler_call_details.invocation_metadata or ()).get(TOKEN_METADATA, "")
        # gRPC gives text for a key without the -bin suffix, such as this one; bytes only for -bin keys.
        if hmac.compare_digest(sent.encode() if isinstance(sent, str) else sent, self._expected):
            return continuation(handler_call_details)
        return _refusal(handler_call_details.method, "missing" if not sent else "wrong")


def _refusal(method: str, what: str) -> grpc.RpcMethodHandler:
    message = f"{what} token: send the fleet token as '{TOKEN_METADATA}: Bearer <token>' (the master's --fleet-token)"

    def refuse(_request: Any, context: grpc.ServicerContext) -> None:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, message)

    # The request is never parsed: a refused caller costs no deserialisation.
    return grpc.unary_unary_rpc_method_handler(refuse, request_deserializer=None, response_serializer=None)


def exposed_without_protection(listen_host: str, security: GrpcSecurity) -> str:
    """Why listening on `listen_host` lets others in (empty when it is loopback, or TLS and a token protect it)."""
    host = listen_host.strip("[]")
    if host == "localhost" or _is_loopback(host):
        return ""
    missing = [name for name, given in (("TLS", security.cert), ("a token", security.token)) if not given]
    if not missing:
        return ""
    return (
        f"listening on {listen_host or 'every interface'} without {' or '.join(missing)}: anyone who reaches this port "
        "can make this machine send load anywhere; give --tls-cert/--tls-key (and --tls-ca for mutual TLS) and "
        f"--token (or {TOKEN_ENV}), or listen on 127.0.0.1"
    )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read(path: str, flag: str) -> bytes:
    if not path:
        return b""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SecurityConfigError(f"{flag}: cannot read {path} ({error.strerror})") from None
    if b"-----BEGIN " not in data:
        raise SecurityConfigError(f"{flag}: {path} is not PEM (expected a '-----BEGIN ...' block)")
    return data


def _check_pair(cert: str, key: str, flags: dict[str, str]) -> None:
    """gRPC finds a key that is not the certificate's only when it binds, and then says only that it could not."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key, password=lambda: b"")  # gRPC cannot use an encrypted key either
    except ssl.SSLError as error:
        raise SecurityConfigError(
            f"{flags['cert']} and {flags['key']}: {key} is not the key of {cert}, or not an unencrypted PEM key "
            f"({error.reason})"
        ) from None
