"""The run history on a master with a real agent: each run's record in etcd outlives the master, compares with
another run of its plan (a master killed mid-run leaves its run marked interrupted: tests/test_faults.py)."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

from tests.fleet_fixtures import EtcdServer, FleetMaster, StartAgent, demo_plan, wait_until

pytest_plugins = ("tests.fleet_fixtures",)

AGENT_ID = "historian"
# Generous: a busy machine starts workers slowly. Only a failure waits this long.
WITHIN_S = 60


def runs(master: FleetMaster) -> list[dict[str, Any]]:
    status, body = master.api("GET", "/runs?plan=fleet-demo")
    assert status == 200, body
    return body["runs"]


def run_once(master: FleetMaster, host: str) -> None:
    """Swarm until requests are counted, then stop, as the page's Start and Stop do."""
    before = len(runs(master))
    master.swarm(2, host)
    wait_until(lambda: master.totals()[0] > 20, WITHIN_S, "requests counted", master.log)
    stop = urllib.request.Request(f"{master.url}/stop", method="POST")
    urllib.request.urlopen(stop, timeout=10).close()
    wait_until(
        lambda: len(runs(master)) == before + 1 and runs(master)[0]["state"] == "finished",
        WITHIN_S,
        "the run's record finished",
        master.log,
    )


def test_runs_outlive_the_master_and_compare_with_each_other(
    fleet_master: FleetMaster, start_agent: StartAgent, httpbin: str
) -> None:
    plan = demo_plan(httpbin)
    assert fleet_master.api("PUT", "/plans/fleet-demo", plan)[0] == 200
    start_agent(agent_id=AGENT_ID, extra=("--processes", "1", "--no-browser")).wait_registered()
    wait_until(lambda: AGENT_ID in fleet_master.agents(), WITHIN_S, "the agent listed", fleet_master.log)
    status, body = fleet_master.api("POST", "/deploy", {"plan": "fleet-demo", "agents": [AGENT_ID]})
    assert status == 200 and body["results"][AGENT_ID]["ok"], body
    wait_until(lambda: len(fleet_master.connected_workers()) == 1, WITHIN_S, "the worker ready", fleet_master.log)
    run_once(fleet_master, httpbin)
    run_once(fleet_master, httpbin)

    fleet_master.stop()
    fleet_master.start()
    newer, older = runs(fleet_master)
    [saved] = fleet_master.api("GET", "/plans")[1]["plans"]
    assert (newer["plan"], newer["startedBy"], newer["revision"]) == ("fleet-demo", "web UI", saved["revision"])
    status, record = fleet_master.api("GET", f"/runs/{older['id']}")
    assert status == 200 and record["agents"] == [AGENT_ID] and record["workers"] == 1, record
    [step] = record["steps"]
    assert step["name"] == "health" and step["requests"] > 20 and step["p95Ms"] is not None
    assert record["series"], record

    baseline = fleet_master.api("PUT", f"/runs/{older['id']}/baseline")[1]
    assert baseline == {"plan": "fleet-demo", "baseline": older["id"]}
    status, comparison = fleet_master.api("GET", f"/runs/{newer['id']}/compare")
    assert status == 200 and comparison["baseline"] == older["id"], comparison
    rows = {(figure["row"], figure["figure"]) for figure in comparison["figures"]}
    assert {("GET health", "p95Ms"), ("GET health", "rps"), ("GET health", "errorRatio")} <= rows
    status, refused = fleet_master.api("GET", f"/runs/{newer['id']}/compare?tolerance=lots")
    assert (status, refused["path"]) == (400, "tolerance"), refused
    assert fleet_master.api("GET", "/runs/fleet-demo-20000101T000000Z-0000")[0] == 404


def test_a_run_that_ends_while_etcd_is_away_is_kept_once_etcd_is_back(
    tmp_path: Path, start_agent: StartAgent, fleet_prefix: str, httpbin: str
) -> None:
    etcd = EtcdServer(tmp_path / "etcd")
    etcd.start()
    master = FleetMaster(tmp_path / "unused.json", tmp_path / "master.log", etcd, fleet_prefix)
    try:
        master.start()
        assert master.api("PUT", "/plans/fleet-demo", demo_plan(httpbin))[0] == 200
        start_agent(agent_id=AGENT_ID, etcd=etcd, extra=("--processes", "1", "--no-browser")).wait_registered()
        wait_until(lambda: AGENT_ID in master.agents(), WITHIN_S, "the agent listed", master.log)
        status, body = master.api("POST", "/deploy", {"plan": "fleet-demo", "agents": [AGENT_ID]})
        assert status == 200 and body["results"][AGENT_ID]["ok"], body
        wait_until(lambda: len(master.connected_workers()) == 1, WITHIN_S, "the worker ready", master.log)
        master.swarm(2, httpbin)
        wait_until(lambda: master.totals()[0] > 20, WITHIN_S, "requests counted", master.log)
        etcd.stop()
        counted = master.totals()[0]
        wait_until(lambda: master.totals()[0] > counted + 20, WITHIN_S, "the run going on without etcd", master.log)
        stop = urllib.request.Request(f"{master.url}/stop", method="POST")
        urllib.request.urlopen(stop, timeout=10).close()
        assert master.api("GET", "/runs")[0] == 503
        etcd.start()
        [run] = wait_until(
            lambda: (listed := runs(master)) and listed[0]["state"] == "finished" and listed,
            WITHIN_S,
            "the finished run written once etcd is back",
            master.log,
        )
        assert record_of(master, run)["steps"][0]["requests"] > counted
    finally:
        master.stop()
        etcd.stop()


def record_of(master: FleetMaster, run: dict[str, Any]) -> dict[str, Any]:
    status, record = master.api("GET", f"/runs/{run['id']}")
    assert status == 200, record
    return record
