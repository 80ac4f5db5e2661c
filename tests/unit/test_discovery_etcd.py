"""Discovery on a real etcd: the live agents listed, changes seen through the watch, and an etcd that goes away."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.fleet_fixtures import EtcdServer
from tests.unit.discovery_host import Directory, DiscoveryProcess, Listing

pytestmark = pytest.mark.unit


@pytest.fixture
def watch(discovery: DiscoveryProcess) -> Iterator[Callable[[str, str], Directory]]:
    watched: list[str] = []

    def start(endpoint: str, prefix: str) -> Directory:
        watched.append(prefix)
        return discovery.watch(endpoint, prefix)

    try:
        yield start
    finally:
        for prefix in watched:
            discovery.stop(prefix)


def agent(agent_id: str, **fields: Any) -> str:
    return json.dumps({"id": agent_id, "address": f"{agent_id}:50051", "state": "idle", **fields})


def ids_are(expected: list[str]) -> Callable[[Listing], bool]:
    return lambda listing: listing["error"] is None and [a["id"] for a in listing["agents"]] == expected


def test_registered_agents_are_listed_by_id_and_seen_now(
    etcd: EtcdServer, prefix: str, watch: Callable[[str, str], Directory]
) -> None:
    client = etcd.client()
    for agent_id in ("lg-2", "lg-1"):
        client.put(f"{prefix}agents/{agent_id}", agent(agent_id, cpus=4))
    client.put(f"{prefix}plans/shop", "{}")
    listing = watch(etcd.endpoint, prefix).wait_for(ids_are(["lg-1", "lg-2"]), "both agents listed")
    first = listing["agents"][0]
    assert {key: first[key] for key in ("id", "address", "state", "cpus")} == {
        "id": "lg-1",
        "address": "lg-1:50051",
        "state": "idle",
        "cpus": 4,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["lastSeen"])


def test_agents_that_come_change_and_go_are_seen(
    etcd: EtcdServer, prefix: str, watch: Callable[[str, str], Directory]
) -> None:
    client = etcd.client()
    directory = watch(etcd.endpoint, prefix)
    directory.wait_for(ids_are([]), "an empty fleet listed")
    client.put(f"{prefix}agents/lg-1", agent("lg-1"))
    directory.wait_for(ids_are(["lg-1"]), "the new agent listed")
    client.put(f"{prefix}agents/lg-1", agent("lg-1", state="running", plan="shop"))
    listing = directory.wait_for(lambda listing: listing["agents"][0]["state"] == "running", "the agent's new state")
    assert listing["agents"][0]["plan"] == "shop"
    client.delete(f"{prefix}agents/lg-1")
    directory.wait_for(ids_are([]), "the agent gone")


def test_values_that_are_not_an_agents_json_are_left_out(
    etcd: EtcdServer, prefix: str, watch: Callable[[str, str], Directory]
) -> None:
    client = etcd.client()
    client.put(f"{prefix}agents/broken", "not json")
    client.put(f"{prefix}agents/no-address", json.dumps({"id": "no-address"}))
    client.put(f"{prefix}agents/good", agent("good"))
    directory = watch(etcd.endpoint, prefix)
    directory.wait_for(ids_are(["good"]), "only the valid agent listed")
    client.put(f"{prefix}agents/list", "[1, 2]")
    client.put(f"{prefix}agents/late", agent("late"))
    directory.wait_for(ids_are(["good", "late"]), "the later valid agent listed")


def test_an_etcd_that_cannot_be_reached_is_reported(prefix: str, watch: Callable[[str, str], Directory]) -> None:
    port = free_port()
    listing = watch(f"127.0.0.1:{port}", prefix).wait_for(
        lambda listing: listing["error"] not in (None, "discovery is starting"), "discovery reported etcd away"
    )
    assert listing["agents"] == []
    assert listing["error"].startswith(f"discovery unavailable: etcd unavailable (127.0.0.1:{port}: ")
    assert listing["error"].endswith("; start etcd or fix --fleet-etcd")


def test_while_etcd_is_away_the_last_agents_stay_listed_and_changes_show_once_it_is_back(
    tmp_path: Path, prefix: str, watch: Callable[[str, str], Directory]
) -> None:
    server = EtcdServer(tmp_path / "etcd")
    server.start()
    try:
        server.client().put(f"{prefix}agents/lg-1", agent("lg-1"))
        directory = watch(server.endpoint, prefix)
        directory.wait_for(ids_are(["lg-1"]), "the agent listed")
        server.stop()
        away = directory.wait_for(lambda listing: listing["error"] is not None, "discovery reported etcd away")
        assert away["error"].startswith("discovery unavailable: ")
        assert [a["id"] for a in away["agents"]] == ["lg-1"]
        server.start()
        server.client().close()
        server.client().put(f"{prefix}agents/lg-2", agent("lg-2"))
        directory.wait_for(ids_are(["lg-1", "lg-2"]), "discovery back, with the agent added meanwhile")
    finally:
        server.stop()
