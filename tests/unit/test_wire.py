"""What master and agents share on the wire: key prefixes, gRPC security options, etcd endpoints and access options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from locust_ext.wire import protocol
from locust_ext.wire.etcd import EtcdAccess, parse_endpoints
from locust_ext.wire.grpc_security import GrpcSecurity, SecurityConfigError, exposed_without_protection

pytestmark = pytest.mark.unit

FLAGS = {"cert": "--tls-cert", "key": "--tls-key", "ca": "--tls-ca", "token": "--token (LOCUST_FLEET_TOKEN)"}
ETCD_FLAGS = {
    "user": "--etcd-user",
    "password": "--etcd-password",
    "ca": "--etcd-ca",
    "cert": "--etcd-cert",
    "key": "--etcd-key",
}
TOKEN = "a-token-of-24-characters"


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("pem")
    ca = trustme.CA()
    agent = ca.issue_cert("127.0.0.1")
    files = {"ca": directory / "ca.pem", "cert": directory / "cert.pem", "key": directory / "key.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    agent.cert_chain_pems[0].write_to_path(str(files["cert"]))
    agent.private_key_pem.write_to_path(str(files["key"]))
    ca.issue_cert("127.0.0.2").private_key_pem.write_to_path(str(directory / "other-key.pem"))
    files["other-key"] = directory / "other-key.pem"
    (directory / "plain.txt").write_text("not a certificate")
    files["plain"] = directory / "plain.txt"
    return files


@pytest.mark.parametrize(
    ("function", "key"),
    [
        (protocol.agents_prefix, "/fleet/agents/"),
        (protocol.plans_prefix, "/fleet/plans/"),
        (protocol.calibrations_prefix, "/fleet/calibrations/"),
    ],
)
def test_keys_live_under_the_prefix(function: Callable[[str], str], key: str) -> None:
    assert function("/fleet/") == key


def test_the_default_prefix_is_the_documented_one() -> None:
    assert protocol.agents_prefix(protocol.DEFAULT_PREFIX) == "/locust-fleet/agents/"


def test_security_read_from_files_serves_tls_and_tells_what_it_requires(pem: dict[str, Path]) -> None:
    security = GrpcSecurity.from_options(str(pem["cert"]), str(pem["key"]), str(pem["ca"]), TOKEN, FLAGS)
    assert security.tls
    assert security.cert.startswith(b"-----BEGIN CERTIFICATE-----")
    assert security.describe() == {"tls": True, "clientCert": True, "token": True}
    assert security.metadata() == (("authorization", f"Bearer {TOKEN}"),)


def test_no_options_mean_a_plain_unauthenticated_side() -> None:
    security = GrpcSecurity.from_options("", "", "", "", FLAGS)
    assert not security.tls
    assert security.describe() == {"tls": False, "clientCert": False, "token": False}
    assert security.metadata() == ()
    assert security.interceptors() == []


def test_a_master_with_only_a_ca_verifies_agents_over_tls(pem: dict[str, Path]) -> None:
    security = GrpcSecurity.from_options("", "", str(pem["ca"]), "", FLAGS)
    assert security.tls
    assert security.describe() == {"tls": False, "clientCert": False, "token": False}


@pytest.mark.parametrize(
    ("cert", "key", "message"),
    [
        ("cert", "", "--tls-cert and --tls-key: give both (a certificate and its key)"),
        ("", "key", "--tls-cert and --tls-key: give both (a certificate and its key)"),
    ],
)
def test_a_certificate_needs_its_key(pem: dict[str, Path], cert: str, key: str, message: str) -> None:
    with pytest.raises(SecurityConfigError) as caught:
        GrpcSecurity.from_options(str(pem[cert]) if cert else "", str(pem[key]) if key else "", "", "", FLAGS)
    assert str(caught.value) == message


def test_a_key_that_is_not_the_certificates_is_refused_before_any_port_is_bound(pem: dict[str, Path]) -> None:
    with pytest.raises(SecurityConfigError) as caught:
        GrpcSecurity.from_options(str(pem["cert"]), str(pem["other-key"]), "", "", FLAGS)
    assert str(caught.value) == (
        f"--tls-cert and --tls-key: {pem['other-key']} is not the key of {pem['cert']}, or not an unencrypted PEM key "
        "(KEY_VALUES_MISMATCH)"
    )


@pytest.mark.parametrize("token", ["short", " " + TOKEN, TOKEN + "\n", "x" * 15])
def test_a_token_must_be_long_and_without_surrounding_spaces(token: str) -> None:
    with pytest.raises(SecurityConfigError) as caught:
        GrpcSecurity.from_options("", "", "", token, FLAGS)
    assert str(caught.value).startswith(
        "--token (LOCUST_FLEET_TOKEN): expected at least 16 characters without surrounding spaces"
    )


def test_a_file_that_cannot_be_read_is_named_with_its_option(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pem"
    with pytest.raises(SecurityConfigError) as caught:
        GrpcSecurity.from_options("", "", str(missing), "", FLAGS)
    assert str(caught.value) == f"--tls-ca: cannot read {missing} (No such file or directory)"


def test_a_file_that_is_not_pem_is_named_with_its_option(pem: dict[str, Path]) -> None:
    with pytest.raises(SecurityConfigError) as caught:
        GrpcSecurity.from_options(str(pem["plain"]), str(pem["key"]), "", "", FLAGS)
    assert str(caught.value) == f"--tls-cert: {pem['plain']} is not PEM (expected a '-----BEGIN ...' block)"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost"])
def test_listening_on_loopback_is_not_exposed(host: str) -> None:
    assert exposed_without_protection(host, GrpcSecurity()) == ""


@pytest.mark.parametrize(
    ("host", "security", "missing"),
    [
        ("0.0.0.0", GrpcSecurity(), "without TLS or a token"),
        ("", GrpcSecurity(), "listening on every interface without TLS or a token"),
        ("10.0.0.5", GrpcSecurity(token=TOKEN), "without TLS:"),
        ("loadgen-1", GrpcSecurity(cert=b"c", key=b"k"), "without a token:"),
    ],
)
def test_listening_beyond_loopback_without_protection_says_what_is_missing(
    host: str, security: GrpcSecurity, missing: str
) -> None:
    warning = exposed_without_protection(host, security)
    assert missing in warning
    assert "anyone who reaches this port can make this machine send load anywhere" in warning
    assert "listen on 127.0.0.1" in warning


def test_tls_and_a_token_protect_any_address() -> None:
    assert exposed_without_protection("0.0.0.0", GrpcSecurity(cert=b"c", key=b"k", token=TOKEN)) == ""


@pytest.mark.parametrize(
    ("text", "endpoints"),
    [
        ("127.0.0.1:2379", [("127.0.0.1", 2379)]),
        ("a:1, b:2", [("a", 1), ("b", 2)]),
        ("[::1]:2379", [("::1", 2379)]),
    ],
)
def test_etcd_endpoints_are_host_port_pairs(text: str, endpoints: list[tuple[str, int]]) -> None:
    assert parse_endpoints(text) == endpoints


@pytest.mark.parametrize("text", ["etcd", "etcd:", ":2379", "etcd:0", "etcd:65536", "etcd:http", "a:1,,b:2"])
def test_bad_etcd_endpoints_name_the_option(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_endpoints(text, "--etcd")
    assert str(caught.value) == f"--etcd: expected HOST:PORT[,HOST:PORT...], got {text!r}"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"user": "root"}, "--etcd-user and --etcd-password: give both (etcd's user and its password)"),
        ({"password": "pw"}, "--etcd-user and --etcd-password: give both"),
        ({"cert": "c.pem"}, "--etcd-cert and --etcd-key: give both (a client certificate and its key)"),
        ({"cert": "c.pem", "key": "k.pem"}, "--etcd-cert: needs --etcd-ca, the CA that signed etcd's certificate"),
    ],
)
def test_etcd_access_options_must_come_in_pairs(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        EtcdAccess.from_options(ETCD_FLAGS, **values)
    assert message in str(caught.value)


def test_etcd_access_files_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as caught:
        EtcdAccess.from_options(ETCD_FLAGS, ca=str(tmp_path / "ca.pem"))
    assert str(caught.value) == f"--etcd-ca: no such file: {tmp_path / 'ca.pem'}"


def test_etcd_access_gives_the_client_only_what_was_set(pem: dict[str, Path]) -> None:
    access = EtcdAccess.from_options(ETCD_FLAGS, user="root", password="pw", ca=str(pem["ca"]))
    assert access.client_options() == {
        "user": "root",
        "password": "pw",
        "ca_cert": str(pem["ca"]),
        "cert_cert": None,
        "cert_key": None,
    }
