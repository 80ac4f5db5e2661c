"""The etcd wrapper on a real etcd: values and revisions, conditional puts, leases, watches, an etcd that is away."""

from __future__ import annotations

import pytest

from locust_ext.wire.etcd import Change, Entry, Etcd, EtcdUnavailable, LeaseNotFound
from tests.conftest import free_port
from tests.fleet_fixtures import EtcdServer

pytestmark = pytest.mark.unit


def stored(client: Etcd, key: str) -> Entry:
    """The entry at `key`; the test fails when there is none."""
    entry = client.get(key)
    assert entry is not None, f"nothing at {key}"
    return entry


@pytest.fixture
def client(etcd: EtcdServer) -> Etcd:
    return etcd.client()


def test_a_value_is_read_back_with_its_revision(client: Etcd, prefix: str) -> None:
    client.put(f"{prefix}a", '{"n": 1}')
    entry = stored(client, f"{prefix}a")
    assert (entry.key, entry.value, entry.json()) == (f"{prefix}a", '{"n": 1}', {"n": 1})
    client.put(f"{prefix}a", "2")
    assert stored(client, f"{prefix}a").mod_revision > entry.mod_revision


def test_a_missing_key_reads_as_none(client: Etcd, prefix: str) -> None:
    assert client.get(f"{prefix}nothing") is None


def test_a_prefix_lists_its_keys_in_order_with_the_revision_to_watch_from(client: Etcd, prefix: str) -> None:
    for key in ("b", "a", "c/d"):
        client.put(f"{prefix}{key}", key)
    client.put(f"{prefix[:-1]}-other/x", "outside")
    entries, revision = client.get_prefix(prefix)
    assert [entry.key for entry in entries] == [f"{prefix}a", f"{prefix}b", f"{prefix}c/d"]
    assert revision >= max(entry.mod_revision for entry in entries)


def test_delete_says_whether_there_was_a_key(client: Etcd, prefix: str) -> None:
    client.put(f"{prefix}a", "1")
    assert client.delete(f"{prefix}a") is True
    assert client.delete(f"{prefix}a") is False


def test_a_conditional_put_succeeds_only_on_the_revision_named(client: Etcd, prefix: str) -> None:
    key = f"{prefix}plan"
    assert client.put_if_revision(key, "v1", 0) is True
    assert client.put_if_revision(key, "again", 0) is False
    revision = stored(client, key).mod_revision
    assert client.put_if_revision(key, "v2", revision) is True
    assert client.put_if_revision(key, "stale", revision) is False
    assert stored(client, key).value == "v2"


def test_a_key_under_a_revoked_lease_is_gone(client: Etcd, prefix: str) -> None:
    lease = client.grant_lease(30)
    client.put(f"{prefix}agent", "here", lease=lease)
    assert client.refresh_lease(lease) is True
    client.revoke_lease(lease)
    assert client.get(f"{prefix}agent") is None
    assert client.refresh_lease(lease) is False


def test_writing_under_a_lease_etcd_no_longer_knows_says_so(client: Etcd, prefix: str) -> None:
    lease = client.grant_lease(30)
    client.revoke_lease(lease)
    with pytest.raises(LeaseNotFound, match="lease not found"):
        client.put(f"{prefix}agent", "here", lease=lease)


def test_a_watch_from_a_revision_gives_every_change_since(client: Etcd, prefix: str) -> None:
    client.put(f"{prefix}a", "1")
    start = stored(client, f"{prefix}a").mod_revision
    client.put(f"{prefix}b", "2")
    client.delete(f"{prefix}a")
    changes, cancel = client.watch_prefix(prefix, start)
    try:
        seen = [next(changes) for _ in range(3)]
    finally:
        cancel()
    assert [(change.key, change.value) for change in seen] == [
        (f"{prefix}a", "1"),
        (f"{prefix}b", "2"),
        (f"{prefix}a", None),
    ]
    assert all(isinstance(change, Change) for change in seen)
    assert seen[0].revision < seen[1].revision < seen[2].revision


def test_an_etcd_nobody_answers_at_says_where_it_looked_and_what_to_do() -> None:
    port = free_port()
    with pytest.raises(EtcdUnavailable) as caught:
        Etcd(f"127.0.0.1:{port}", timeout=1).get("/x")
    message = str(caught.value)
    assert message.startswith(f"etcd unavailable (127.0.0.1:{port}: ")
    assert message.endswith("; start etcd or fix --fleet-etcd")


def test_the_option_named_is_the_one_the_process_was_given() -> None:
    with pytest.raises(EtcdUnavailable, match=r"start etcd or fix --etcd$"):
        Etcd(f"127.0.0.1:{free_port()}", timeout=1, option="--etcd").get("/x")


def test_a_call_goes_to_the_next_endpoint_when_one_is_down(etcd: EtcdServer, prefix: str) -> None:
    client = Etcd(f"127.0.0.1:{free_port()},{etcd.endpoint}", timeout=1)
    try:
        client.put(f"{prefix}k", "v")
        assert stored(client, f"{prefix}k").value == "v"
    finally:
        client.close()
    assert repr(client).startswith("Etcd(127.0.0.1:")
