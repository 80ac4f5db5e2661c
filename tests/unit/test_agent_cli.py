"""`locust-fleet-agent`'s options: what each accepts, and the message a wrong value gets before anything starts."""

from __future__ import annotations

import os
import socket

import pytest

from worker_agent.cli import HostPort, advertised_address, parse_args

pytestmark = pytest.mark.unit


def refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        parse_args(argv)
    assert caught.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_the_defaults() -> None:
    args = parse_args([])
    assert (args.etcd, args.prefix, args.listen, args.advertise) == (
        "127.0.0.1:2379",
        "/locust-fleet/",
        HostPort("0.0.0.0", 50051),
        None,
    )
    assert (args.processes, args.labels, args.id, args.no_browser, args.ttl) == (
        os.cpu_count() or 1,
        {},
        None,
        False,
        10,
    )
    assert (args.token, args.etcd_password) == ("", "")


def test_options_are_read_into_their_types() -> None:
    addresses = ["--etcd", "e1:2379,e2:2379", "--prefix", "/lt/", "--listen", "127.0.0.1:0", "--advertise", "lg-1:7000"]
    others = ["--processes", "4", "--labels", "zone=eu, rack = 3,", "--id", "lg-1.a_b", "--no-browser", "--ttl", "3"]
    args = parse_args([*addresses, *others])
    assert (args.etcd, args.prefix, args.listen, args.advertise) == (
        "e1:2379,e2:2379",
        "/lt/",
        HostPort("127.0.0.1", 0),
        HostPort("lg-1", 7000),
    )
    assert (args.processes, args.labels, args.id, args.no_browser, args.ttl) == (
        4,
        {"zone": "eu", "rack": "3"},
        "lg-1.a_b",
        True,
        3,
    )
    assert str(args.advertise) == "lg-1:7000"


def test_secrets_come_from_the_environment_to_stay_out_of_ps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCUST_FLEET_TOKEN", "t" * 20)
    monkeypatch.setenv("LOCUST_FLEET_ETCD_PASSWORD", "pw")
    args = parse_args([])
    assert (args.token, args.etcd_password) == ("t" * 20, "pw")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--etcd", "localhost"], "argument --etcd: expected HOST:PORT[,HOST:PORT...], got 'localhost'"),
        (["--prefix", "fleet"], "argument --prefix: expected a key prefix that starts and ends with '/', got 'fleet'"),
        (
            ["--prefix", "/fleet"],
            "argument --prefix: expected a key prefix that starts and ends with '/', got '/fleet'",
        ),
        (["--listen", "50051"], "argument --listen: expected HOST:PORT with a port from 0 to 65535, got '50051'"),
        (["--listen", "h:70000"], "argument --listen: expected HOST:PORT with a port from 0 to 65535, got 'h:70000'"),
        (["--advertise", "h:0"], "argument --advertise: expected HOST:PORT with a port from 1 to 65535, got 'h:0'"),
        (["--processes", "0"], "argument --processes: expected a whole number of at least 1, got '0'"),
        (["--ttl", "-1"], "argument --ttl: expected a whole number of at least 1, got '-1'"),
        (["--labels", "zone"], "argument --labels: expected KEY=VALUE[,KEY=VALUE...], got 'zone' in 'zone'"),
        (["--labels", "a=1,b c=2"], "argument --labels: expected KEY=VALUE[,KEY=VALUE...], got 'b c=2' in 'a=1,b c=2'"),
        (["--id", "my agent"], "argument --id: expected 1 to 128 letters, digits, '.', '_' or '-', got 'my agent'"),
        (["--id", "a" * 129], "argument --id: expected 1 to 128 letters, digits, '.', '_' or '-'"),
    ],
)
def test_a_wrong_option_is_refused_naming_it(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert message in refusal(argv, capsys)


@pytest.mark.parametrize(
    ("listen", "advertised"),
    [
        (HostPort("127.0.0.1", 0), HostPort("127.0.0.1", 41000)),
        (HostPort("[::1]", 0), HostPort("[::1]", 41000)),
        (HostPort("0.0.0.0", 50051), HostPort(socket.gethostname(), 41000)),
        (HostPort("[::]", 50051), HostPort(socket.gethostname(), 41000)),
    ],
)
def test_the_advertised_address_is_the_listen_address_with_its_real_port(
    listen: HostPort, advertised: HostPort
) -> None:
    assert advertised_address(listen, 41000) == advertised
