"""The plan's `load` section: a target request rate held across processes, and bad load sections refused."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

from tests.fleet_fixtures import FleetMaster, StartAgent, wait_until
from tests.helpers import FleetRun, run_fleet

pytest_plugins = ("tests.fleet_fixtures",)

TARGET_RPS = 300
# Seconds at the start of a run left out of the steady rate (spawning, first connections).
RAMP_S = 4


def plan_with_target(host: str, target: float) -> dict[str, Any]:
    return {
        "name": "paced",
        "host": host,
        "load": {"targetRps": target},
        "tasks": [
            {"name": "health", "steps": [{"url": "/health", "assert": [{"on": "STATUS", "op": "EQ", "value": "200"}]}]}
        ],
    }


def steady_rate(work: Path) -> float:
    """Requests per second from RAMP_S after the first request to the end, from Locust's stats history."""
    with (work / "out_stats_history.csv").open(newline="") as file:
        rows = [row for row in csv.DictReader(file) if row["Name"] == "Aggregated"]
    points = [(int(row["Timestamp"]), int(row["Total Request Count"])) for row in rows]
    started = next(timestamp for timestamp, count in points if count > 0)
    steady = [(timestamp, count) for timestamp, count in points if timestamp >= started + RAMP_S]
    (first_at, first_count), (last_at, last_count) = steady[0], steady[-1]
    return (last_count - first_count) / (last_at - first_at)


def test_a_target_rate_is_held_standalone(tmp_path: Path, demo_app: str) -> None:
    run = run_fleet(tmp_path, plan_with_target(demo_app, TARGET_RPS), users=20, seconds=14)
    assert run.returncode == 0, run.explain()
    rate = steady_rate(tmp_path)
    assert abs(rate - TARGET_RPS) <= 0.05 * TARGET_RPS, rate
    assert f"target {TARGET_RPS} req/s held" in run.stderr, run.explain()


def test_a_target_above_capacity_is_reported_as_not_reached(tmp_path: Path, demo_app: str) -> None:
    plan = plan_with_target(demo_app, 50)
    plan["tasks"][0]["iterationsPerS"] = 5  # 2 users at 5 iterations per second can make 10 req/s at most
    run: FleetRun = run_fleet(tmp_path, plan, users=2, seconds=10)
    assert run.returncode == 0, run.explain()
    rate = steady_rate(tmp_path)
    assert 8 <= rate <= 11, rate
    assert "target 50 req/s not reached" in run.stderr, run.explain()


def rate_over(master: FleetMaster, seconds: float) -> float:
    """Requests per second the master counted over the next `seconds`."""
    first, started = master.request_count(), time.monotonic()
    time.sleep(seconds)
    return (master.request_count() - first) / (time.monotonic() - started)


def test_the_target_is_split_across_agents_and_held_when_one_is_released(
    fleet_master: FleetMaster, start_agent: StartAgent, demo_app: str
) -> None:
    for agent_id in ("rate-a", "rate-b"):
        start_agent(agent_id=agent_id, extra=("--no-browser",)).wait_registered()
    wait_until(lambda: len(fleet_master.agents()) == 2, 5, "both agents listed")
    assert fleet_master.api("PUT", "/plans/paced", plan_with_target(demo_app, TARGET_RPS))[0] == 200
    status, body = fleet_master.api("POST", "/deploy", {"plan": "paced", "agents": "all", "processes": 1})
    assert status == 200 and all(result["ok"] for result in body["results"].values()), body
    try:
        wait_until(lambda: len(fleet_master.connected_workers()) == 2, 30, "2 workers", fleet_master.log)
        fleet_master.swarm(20, demo_app)
        time.sleep(RAMP_S)
        both = rate_over(fleet_master, 6)
        assert abs(both - TARGET_RPS) <= 0.05 * TARGET_RPS, both
        rate = fleet_master.api("GET", "/rate")[1]
        assert rate["targetRps"] == TARGET_RPS and rate["reached"] is True, rate
        assert fleet_master.api("POST", "/release", {"agents": ["rate-b"]})[0] == 200
        wait_until(lambda: len(fleet_master.connected_workers()) == 1, 20, "1 worker left", fleet_master.log)
        time.sleep(2)
        one = rate_over(fleet_master, 6)
        assert abs(one - TARGET_RPS) <= 0.05 * TARGET_RPS, (both, one)
        assert "for each of 2 workers" in fleet_master.log() and "for each of 1 workers" in fleet_master.log()
    finally:
        fleet_master.api("POST", "/release", {"agents": "all"})


def user_counts(work: Path) -> list[tuple[int, int]]:
    """(seconds since the first history row, users) for each row of Locust's stats history."""
    with (work / "out_stats_history.csv").open(newline="") as file:
        rows = [row for row in csv.DictReader(file) if row["Name"] == "Aggregated"]
    start = int(rows[0]["Timestamp"])
    return [(int(row["Timestamp"]) - start, int(row["User Count"])) for row in rows]


def slow_plan(host: str, load: dict[str, Any]) -> dict[str, Any]:
    plan = plan_with_target(host, 1) | {"load": load}
    plan["tasks"][0]["thinkTime"] = {"minS": 0.5, "maxS": 0.5}
    return plan


def plateaus(counts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(users, seconds held) for each run of equal non-zero user counts."""
    runs: list[tuple[int, int]] = []
    for _, users in counts:
        if users and runs and runs[-1][0] == users:
            runs[-1] = (users, runs[-1][1] + 1)
        elif users:
            runs.append((users, 1))
    return runs


def test_step_load_adds_users_a_step_at_a_time(tmp_path: Path, demo_app: str) -> None:
    step = {"usersPerStep": 2, "stepDurationS": 3, "maxUsers": 6}
    run = run_fleet(tmp_path, slow_plan(demo_app, {"step": step}), users=1, seconds=12)
    assert run.returncode == 0, run.explain()
    held = plateaus(user_counts(tmp_path))
    assert [users for users, _ in held] == [2, 4, 6], held
    assert all(2 <= seconds <= 4 for _, seconds in held[:2]) and held[2][1] >= 4, held


def test_stages_ramp_to_each_stage_and_end_the_run(tmp_path: Path, demo_app: str) -> None:
    stages = [{"durationS": 4, "users": 8}, {"durationS": 3, "users": 8}, {"durationS": 3, "users": 2}]
    run = run_fleet(tmp_path, slow_plan(demo_app, {"stages": stages}), users=1, seconds=30)
    assert run.returncode == 0, run.explain()
    counts = user_counts(tmp_path)
    users = [count for _, count in counts]
    peak = users.index(8)
    assert users[:peak] == sorted(users[:peak]) and len(set(users[:peak])) >= 3, counts  # a ramp, not a jump
    assert users[peak : peak + 3] == [8, 8, 8], counts
    down = users[peak + 3 :]
    assert down and down == sorted(down, reverse=True) and down[-1] <= 6, counts  # ramping down to 2
    assert counts[-1][0] <= 13, "the run ends after the last stage, before -t"


# /busy answers in 50 ms while at most 10 requests are in flight, then in 50 + (n - 10)² / 2 ms: 15 users wait
# ~63 ms, 20 users ~100 ms. With no think time each user keeps one request in flight.
BUSY_URL = "/busy?ms=50&knee=10"
KNEE_STEP = 5


def busy_ms(in_flight: int) -> float:
    return 50 + 0.5 * max(0, in_flight - 10) ** 2


def calibration_plan(host: str) -> dict[str, Any]:
    thresholds = [{"metric": "P95_MS", "max": 80}, {"metric": "ERROR_RATIO", "max": 0.01}]
    calibrate = {"usersPerStep": KNEE_STEP, "stepDurationS": 10, "maxUsers": 40, "thresholds": thresholds}
    return {
        "name": "busy-knee",
        "host": host,
        "load": {"calibrate": calibrate},
        "tasks": [{"name": "busy", "steps": [{"name": "busy", "url": BUSY_URL}]}],
    }


def assert_knee_found(result: dict[str, Any]) -> int:
    assert result["state"] == "knee", result
    steps, knee = result["steps"], result["knee"]
    assert [step["users"] for step in steps] == [KNEE_STEP * (index + 1) for index in range(len(steps))], steps
    assert all(step["held"] for step in steps[:-1]) and not steps[-1]["held"], steps
    assert "p95 of every step" in steps[-1]["broken"][0], steps[-1]
    assert steps[-1]["p95Ms"] > 80 >= steps[-2]["p95Ms"], steps
    assert knee == {"users": steps[-2]["users"], "rps": steps[-2]["rps"]}, result
    assert all(step["requests"] > 100 and step["errorRatio"] == 0 for step in steps), steps
    # Each user keeps one request in flight: the rate follows from the users and the latency, wherever measured.
    for step in steps[:-1]:
        expected = step["users"] / (busy_ms(step["users"]) / 1000)
        assert 0.8 * expected <= step["rps"] <= 1.05 * expected, (step, expected)
    return knee["users"]


def test_a_calibration_finds_the_knee_and_finds_it_again_through_the_fleet(
    tmp_path: Path, demo_app: str, fleet_master: FleetMaster, start_agent: StartAgent
) -> None:
    result_path = tmp_path / "calibration.json"
    extra = ("--fleet-calibration-json", str(result_path))
    run = run_fleet(tmp_path, calibration_plan(demo_app), seconds=120, extra=extra)
    assert run.returncode == 0, run.explain()
    standalone = assert_knee_found(json.loads(result_path.read_text()))
    assert f"Calibration of busy-knee: knee found: {standalone} users held" in run.stderr, run.explain()

    start_agent(agent_id="calibrating", extra=("--no-browser",)).wait_registered()
    assert fleet_master.api("PUT", "/plans/busy-knee", calibration_plan(demo_app))[0] == 200
    assert fleet_master.api("GET", "/plans/busy-knee/calibration")[0] == 404
    status, body = fleet_master.api("POST", "/deploy", {"plan": "busy-knee", "agents": ["calibrating"], "processes": 2})
    assert status == 200 and body["results"]["calibrating"]["ok"], body
    try:
        wait_until(lambda: len(fleet_master.connected_workers()) == 2, 30, "2 workers", fleet_master.log)
        fleet_master.swarm(1, demo_app)
        running = wait_until(
            lambda: (body := fleet_master.api("GET", "/plans/busy-knee/calibration")[1]) and body["steps"] and body,
            30,
            "the first step measured",
            fleet_master.log,
        )
        assert running["state"] == "running" and running["steps"][0]["held"], running
        result = wait_until(
            lambda: (body := fleet_master.api("GET", "/plans/busy-knee/calibration")[1])["state"] != "running" and body,
            90,
            "the calibration's end",
            fleet_master.log,
        )
        distributed = assert_knee_found(result)
        assert abs(distributed - standalone) <= KNEE_STEP, (standalone, distributed)

        wait_until(lambda: fleet_master.stats()["state"] == "stopped", 10, "the run stopped by the calibration")
    finally:
        fleet_master.api("POST", "/release", {"agents": "all"})
