"""Data sets, setup, weights, think time, sessions, proxy and request encoding, observed at a real server."""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter, defaultdict
from pathlib import Path

from tests.helpers import RecordingServer, run_fleet

USERS_CSV = "username,password\nalice,pw1\nbob,pw2\ncarol,pw3\n"


def echo_plan(host: str, steps: list[dict], **plan) -> dict:
    return {"name": "features", "host": host, "tasks": [{"name": "task", "steps": steps}], **plan}


def test_round_robin_data_set_feeds_rows_in_order(tmp_path: Path, recorder: RecordingServer) -> None:
    plan = echo_plan(
        recorder.url,
        [{"url": "/echo", "params": {"user": "${users.username}"}}],
        dataSets=[{"name": "users", "csv": USERS_CSV}],
    )
    run = run_fleet(tmp_path, plan, users=1, seconds=2)
    assert run.returncode == 0, run.explain()
    sent = [request.query["user"] for request in recorder.requests]
    assert len(sent) > 6, run.explain()
    assert sent[:6] == ["alice", "bob", "carol", "alice", "bob", "carol"]


def test_unique_per_user_data_set_gives_each_user_its_own_row(tmp_path: Path, recorder: RecordingServer) -> None:
    plan = echo_plan(
        recorder.url,
        [{"url": "/echo", "params": {"user": "${users.username}", "id": "${__userId}"}}],
        dataSets=[{"name": "users", "csv": USERS_CSV, "mode": "UNIQUE_PER_USER"}],
    )
    run = run_fleet(tmp_path, plan, users=3, seconds=2)
    assert run.returncode == 0, run.explain()
    rows_by_user: dict[str, set[str]] = defaultdict(set)
    for request in recorder.requests:
        rows_by_user[request.query["id"]].add(request.query["user"])
    assert len(rows_by_user) == 3
    assert all(len(rows) == 1 for rows in rows_by_user.values())
    assert set().union(*rows_by_user.values()) == {"alice", "bob", "carol"}


def test_unique_per_user_data_set_running_out_is_a_clear_failure(tmp_path: Path, recorder: RecordingServer) -> None:
    plan = echo_plan(
        recorder.url,
        [{"url": "/echo", "params": {"user": "${users.username}"}}],
        dataSets=[{"name": "users", "csv": USERS_CSV, "mode": "UNIQUE_PER_USER"}],
    )
    run = run_fleet(tmp_path, plan, users=4, seconds=2)
    assert run.messages("data sets") == [
        "data set users: no row left for another user (3 rows, mode UNIQUE_PER_USER); add rows or run fewer users"
    ], run.explain()
    assert {request.query["user"] for request in recorder.requests} == {"alice", "bob", "carol"}


def test_random_data_set_uses_every_row_in_no_fixed_order(tmp_path: Path, recorder: RecordingServer) -> None:
    plan = echo_plan(
        recorder.url,
        [{"url": "/echo", "params": {"user": "${users.username}"}}],
        dataSets=[{"name": "users", "csv": USERS_CSV, "mode": "RANDOM"}],
    )
    run = run_fleet(tmp_path, plan, users=1, seconds=2)
    sent = [request.query["user"] for request in recorder.requests]
    assert len(sent) > 60, run.explain()
    assert set(sent) == {"alice", "bob", "carol"}
    cycle = ["alice", "bob", "carol"] * len(sent)
    assert all(sent != cycle[offset : offset + len(sent)] for offset in range(3))


def test_setup_runs_once_per_user_and_its_saves_last(tmp_path: Path, recorder: RecordingServer) -> None:
    plan = echo_plan(
        recorder.url,
        [{"url": "/echo/work", "headers": {"Authorization": "Bearer ${token}"}}],
        setup=[
            {"name": "login", "url": "/echo/login", "save": [{"name": "token", "from": "JSONPATH", "expr": "$.path"}]}
        ],
    )
    run = run_fleet(tmp_path, plan, users=3, seconds=2)
    assert run.returncode == 0, run.explain()
    paths = Counter(recorder.paths())
    assert paths["/echo/login"] == 3 and run.requests("login") == 3
    assert paths["/echo/work"] > 30, run.explain()
    work = [request for request in recorder.requests if request.path == "/echo/work"]
    assert {request.headers["Authorization"] for request in work} == {"Bearer /echo/login"}


def test_tasks_are_picked_by_weight(tmp_path: Path, recorder: RecordingServer) -> None:
    plan = {
        "name": "weights",
        "host": recorder.url,
        "tasks": [
            {"name": "rare", "weight": 1, "steps": [{"name": "rare", "url": "/rare"}]},
            {"name": "common", "weight": 4, "steps": [{"name": "common", "url": "/common"}]},
        ],
    }
    run = run_fleet(tmp_path, plan, users=2, seconds=2)
    common, picked = run.requests("common"), run.requests("common") + run.requests("rare")
    assert picked >= 50, run.explain()
    # 4:1 is 80 % "common". The band is 4.5 standard deviations of a share of `picked` draws, so it holds however
    # many iterations a busy machine managed, and still excludes 50 % (weights ignored) from 50 iterations up.
    assert abs(common / picked - 0.8) <= 4.5 * math.sqrt(0.8 * 0.2 / picked), (common, picked)


def test_think_time_paces_each_iteration(tmp_path: Path, recorder: RecordingServer) -> None:
    plan = echo_plan(recorder.url, [{"url": "/paced"}])
    plan["tasks"][0]["thinkTime"] = {"minS": 1, "maxS": 1}
    run = run_fleet(tmp_path, plan, users=1, seconds=3)
    assert 2 <= run.requests("GET /paced") <= 4, run.explain()
    # Spaced by the think time: a busy machine can only make the gaps longer.
    arrivals = [request.at for request in recorder.requests]
    assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(arrivals)), arrivals


def test_request_encoding_of_params_headers_and_bodies(tmp_path: Path, recorder: RecordingServer) -> None:
    plan = echo_plan(
        recorder.url,
        [
            {"url": "/echo/json", "method": "POST", "json": {"id": "${__userId}", "n": 3, "list": [True, None]}},
            {"url": "/echo/form", "method": "PATCH", "form": {"a": "x y", "b": "${__randomInt(2,2)}"}},
            {"url": "/echo/raw", "method": "DELETE", "body": "plain ${__userId}", "headers": {"X-Tag": "t"}},
            {"url": "/echo/query", "params": {"q": "a&b", "n": "1"}},
        ],
    )
    run = run_fleet(tmp_path, plan, users=1, seconds=2)
    assert run.returncode == 0, run.explain()
    by_path = {request.path: request for request in recorder.requests}
    sent_json = by_path["/echo/json"]
    assert sent_json.method == "POST" and sent_json.headers["Content-Type"] == "application/json"
    assert json.loads(sent_json.body) == {"id": "1", "n": 3, "list": [True, None]}
    form = by_path["/echo/form"]
    assert form.method == "PATCH" and form.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sorted(form.body.split(b"&")) == [b"a=x+y", b"b=2"]
    raw = by_path["/echo/raw"]
    assert raw.method == "DELETE" and raw.body == b"plain 1" and raw.headers["X-Tag"] == "t"
    assert by_path["/echo/query"].query == {"q": "a&b", "n": "1"}


def test_user_ids_are_unique_per_virtual_user(tmp_path: Path, recorder: RecordingServer) -> None:
    plan = echo_plan(recorder.url, [{"url": "/echo", "params": {"id": "${__userId}"}}])
    run = run_fleet(tmp_path, plan, users=5, seconds=2)
    assert {request.query["id"] for request in recorder.requests} == {"1", "2", "3", "4", "5"}, run.explain()


def test_session_keeps_a_cookie_jar_per_user(tmp_path: Path, httpbin: str) -> None:
    plan = echo_plan(
        httpbin,
        [
            {
                "name": "set",
                "url": "/cookies/set",
                "params": {"owner": "${__userId}"},
                "followRedirects": False,
                "assert": [{"on": "STATUS", "op": "EQ", "value": "302"}],
            },
            {
                "name": "read",
                "url": "/cookies",
                "assert": [{"on": "JSONPATH", "expr": "$.cookies.owner", "op": "EQ", "value": "${__userId}"}],
            },
        ],
    )
    run = run_fleet(tmp_path, plan, users=4, seconds=2)
    assert run.returncode == 0 and run.requests("read") > 20, run.explain()


def test_session_false_keeps_no_cookies(tmp_path: Path, httpbin: str) -> None:
    plan = echo_plan(
        httpbin,
        [
            {
                "name": "set",
                "url": "/cookies/set",
                "params": {"owner": "x"},
                "followRedirects": False,
                "save": [{"name": "owner", "from": "COOKIE", "expr": "owner"}],
                "assert": [{"on": "STATUS", "op": "EQ", "value": "302"}],
            },
            {
                "name": "read",
                "url": "/cookies",
                "assert": [{"on": "JSONPATH", "expr": "$.cookies.owner", "op": "NOT_EXISTS"}],
            },
            {
                "name": "saved",
                "url": "/anything/${owner}",
                "assert": [{"on": "JSONPATH", "expr": "$.url", "op": "CONTAINS", "value": "/anything/x"}],
            },
        ],
        session=False,
    )
    run = run_fleet(tmp_path, plan, users=2, seconds=2)
    assert run.returncode == 0 and run.requests("read") > 20, run.explain()


def test_proxy_carries_every_request(tmp_path: Path, httpbin: str, recorder: RecordingServer) -> None:
    plan = echo_plan(
        httpbin,
        [{"name": "via proxy", "url": "/anything/proxied", "assert": [{"on": "STATUS", "op": "EQ", "value": "200"}]}],
        proxy=recorder.url,
    )
    run = run_fleet(tmp_path, plan, users=1, seconds=2)
    assert run.returncode == 0, run.explain()
    assert 0 < run.requests("via proxy") <= len(recorder.proxied)
    assert recorder.requests == []
    assert all(url == f"{httpbin}/anything/proxied" for url in recorder.proxied)


def test_timeout_of_a_plan_whose_every_step_is_short(tmp_path: Path, httpbin: str) -> None:
    plan = echo_plan(httpbin, [{"name": "slow", "url": "/delay/3", "timeoutS": 0.5}])
    run = run_fleet(tmp_path, plan, users=1, seconds=2)
    assert run.messages("slow") == ["no response within 0.5 s (timeoutS)"], run.explain()
    # Cut at its timeoutS (0.5 s), not when the server answers (3 s): the margin is for a busy machine.
    assert float(run.stats["slow"]["Max Response Time"]) < 2500, run.explain()
