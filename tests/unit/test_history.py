"""The run history: a run's record built from Locust's statistics, two records compared, and the store in etcd."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import pytest
from locust.env import Environment
from locust.stats import RequestStats

from locust_ext.master.run_store import RunNotFound, RunStore, plan_of
from locust_ext.plan.validation import parse_plan
from locust_ext.users.history import RunRecorder, compare_runs, comparison_lines
from locust_ext.users.process import process_state
from tests.fleet_fixtures import EtcdServer

pytestmark = pytest.mark.unit

PLAN = {
    "name": "shop",
    "tasks": [{"name": "t", "steps": [{"name": "list", "url": "/"}, {"name": "pay", "url": "/pay"}]}],
    "thresholds": [{"metric": "ERROR_RATIO", "max": 0.01}],
}


@pytest.fixture
def environment(environment: Environment) -> Environment:
    """The unit layer's Environment, running PLAN with its thresholds watched, as the plugin sets a master up."""
    state = process_state(environment)
    state.plan = parse_plan(PLAN)
    state.thresholds.attach(environment)
    state.thresholds.set(state.plan.thresholds)
    return environment


def recorded_run(environment: Environment, requests: Callable[[RequestStats], None]) -> dict[str, Any]:
    """The last record a headless run writes, with `requests` logged while it runs."""
    written: list[dict[str, Any]] = []
    recorder = RunRecorder(environment)
    recorder.sinks.append(written.append)
    process_state(environment).start_run()
    environment.events.test_start.fire(environment=environment)
    recorder.start("headless")
    requests(environment.stats)
    environment.events.test_stop.fire(environment=environment)
    recorder.stop()
    return written[-1]


def test_a_run_leaves_a_record_of_its_steps_pages_thresholds_and_samples(environment: Environment) -> None:
    def requests(stats: RequestStats) -> None:
        for ms in (10, 20, 30, 400):
            stats.log_request("GET", "list", ms, 100)
        stats.log_request("GET", "pay", 50, 10)
        stats.log_error("GET", "pay", "assert STATUS EQ 200: got 503")
        stats.log_request("LCP", "read: GOTO /article", 1200, 0)
        stats.log_request("CLS", "read: GOTO /article", 80, 0)

    record = recorded_run(environment, requests)
    assert record["id"] == process_state(environment).run_id and record["id"].startswith("shop-")
    assert (record["plan"], record["state"], record["startedBy"]) == ("shop", "finished", "headless")
    assert record["workers"] == 1
    assert record["endedAt"] is not None
    steps = {step["name"]: step for step in record["steps"]}
    assert (steps["list"]["requests"], steps["list"]["p50Ms"], steps["list"]["p99Ms"], steps["list"]["maxMs"]) == (
        4,
        30,
        400,
        400,
    )
    assert (steps["pay"]["requests"], steps["pay"]["failures"]) == (1, 1)
    assert record["pages"] == [
        {"page": "read: GOTO /article", "ttfbP75Ms": None, "fcpP75Ms": None, "lcpP75Ms": 1200, "clsP75": 0.08}
    ]
    [threshold] = record["thresholds"]
    assert (threshold["label"], threshold["held"], threshold["value"]) == ("ERROR_RATIO <= 0.01", False, 0.2)
    [sample] = record["series"]
    assert sample["p95Ms"] == 400 and sample["users"] == 0 and sample["rps"] > 0


def test_a_time_that_does_not_fit_the_record_is_kept_at_its_bound(environment: Environment) -> None:
    """A locustfile of the user's own can report any response time; recording must go on."""

    def requests(stats: RequestStats) -> None:
        stats.log_request("GET", "list", 2**33, 100)
        stats.log_request("GET", "pay", -5, 100)

    record = recorded_run(environment, requests)
    steps = {step["name"]: step for step in record["steps"]}
    assert (steps["list"]["p50Ms"], steps["list"]["maxMs"]) == (2**32 - 1, 2**32 - 1)
    assert (steps["pay"]["p50Ms"], steps["pay"]["maxMs"]) == (0, 0)
    assert record["series"][0]["p95Ms"] == 2**32 - 1


def record(run_id: str, **steps: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {"name": name, "method": "GET", "requests": 100, "failures": 0, "rps": 50.0, "p50Ms": 20, "p95Ms": 100}
        | {"p99Ms": 150}
        | figures
        for name, figures in steps.items()
    ]
    return {"id": run_id, "plan": "shop", "steps": rows, "pages": []}


def test_a_comparison_marks_each_figure_worse_than_the_baseline_beyond_the_tolerance() -> None:
    baseline = record("shop-1-a", list={}, pay={}, gone={})
    run = record("shop-2-b", list={"p95Ms": 108, "rps": 46.0}, pay={"p95Ms": 180, "failures": 2}, new={})
    comparison = compare_runs(run, baseline, tolerance=0.1)
    regressed = {(figure["row"], figure["figure"]) for figure in comparison["figures"] if figure["regressed"]}
    # pay: slower and failing; gone: ran before, not now (every figure); list: within 10 %; new: nothing to compare.
    gone = {("GET gone", figure) for figure in ("p50Ms", "p95Ms", "p99Ms", "errorRatio", "rps")}
    assert regressed == {("GET pay", "p95Ms"), ("GET pay", "errorRatio")} | gone
    assert comparison["regressed"] and (comparison["run"], comparison["baseline"]) == ("shop-2-b", "shop-1-a")
    pay = next(f for f in comparison["figures"] if (f["row"], f["figure"]) == ("GET pay", "p95Ms"))
    assert (pay["value"], pay["baseline"], pay["delta"], pay["ratio"]) == (180, 100, 80, 1.8)
    lines = comparison_lines(comparison)
    assert lines[0] == "Compared with shop-1-a (tolerance 10%): REGRESSED"
    assert "  step GET pay: p95Ms 100 -> 180 (1.80x)  REGRESSED" in lines


def test_a_few_milliseconds_more_are_noise_not_a_regression() -> None:
    baseline = record("shop-1-a", list={"p50Ms": 2})
    comparison = compare_runs(record("shop-2-b", list={"p50Ms": 4}), baseline, tolerance=0.1)
    assert not comparison["regressed"]


@pytest.fixture
def store(etcd: EtcdServer, prefix: str) -> RunStore:
    return RunStore(etcd.client(), prefix, keep=3)


def stored(run_id: str, state: str = "finished", updated_at: str = "2099-01-01T00:00:00+00:00") -> dict[str, Any]:
    return {
        "id": run_id,
        "plan": plan_of(run_id),
        "revision": 4,
        "startedBy": "web UI",
        "startedAt": "2026-12-01T09:00:00+00:00",
        "endedAt": None if state == "running" else "2026-12-01T09:01:00+00:00",
        "updatedAt": updated_at,
        "state": state,
        "steps": [],
        "pages": [],
    }


def test_the_store_keeps_the_last_runs_of_each_plan_and_never_the_baseline_out(store: RunStore) -> None:
    ids = [f"shop-20261201T09000{n}Z-abcd" for n in range(5)]
    store.write(stored(ids[0]))
    store.set_baseline(ids[0])
    for run_id in ids[1:]:
        store.write(stored(run_id))
    store.write(stored("blog-20261201T090000Z-0001"))
    kept = [summary["id"] for summary in store.list("shop")]
    assert kept == [ids[4], ids[3], ids[0]]
    with pytest.raises(RunNotFound):
        store.get(ids[1])  # pruned: its record went with its entry in the list
    assert [summary["baseline"] for summary in store.list("shop")] == [False, False, True]
    assert store.get(ids[3])["revision"] == 4
    assert len(store.list()) == 4
    store.delete(ids[0])
    assert store.baseline("shop") == ""
    with pytest.raises(RunNotFound):
        store.get(ids[0])


def test_a_record_left_running_by_a_master_that_is_gone_reads_as_interrupted(store: RunStore) -> None:
    store.write(stored("shop-20261201T090000Z-0001", "running", updated_at="2026-12-01T09:00:05+00:00"))
    store.write(stored("shop-20261201T090100Z-0002", "running", updated_at="2099-01-01T00:00:00+00:00"))
    states = {summary["id"]: summary["state"] for summary in store.list("shop")}
    assert states == {"shop-20261201T090000Z-0001": "interrupted", "shop-20261201T090100Z-0002": "running"}


def test_a_record_written_while_etcd_is_away_is_written_once_it_is_back(tmp_path: Path, prefix: str) -> None:
    server = EtcdServer(tmp_path / "etcd")
    store = RunStore(server.client(), prefix)
    store.write(stored("shop-20261201T090000Z-0001"))
    assert store._pending
    server.start()
    try:
        # The store retries on gevent's hub, every few seconds: let it run (bounded) until nothing waits.
        for _ in range(120):
            if not store._pending:
                break
            gevent.sleep(0.5)
        entry = server.client().get(f"{prefix}runs/shop/shop-20261201T090000Z-0001")
        assert entry is not None and json.loads(entry.value)["state"] == "finished"
    finally:
        server.stop()


def test_a_run_id_names_its_plan() -> None:
    assert plan_of("my-plan.v2-20261201T090000Z-0a1b") == "my-plan.v2"
    assert plan_of("nothing") == ""
