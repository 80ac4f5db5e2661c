"""Plans with WebSocket steps against the demo app's real endpoints: try once frame by frame, and Locust's load.

An HTTP login saves a token that opens the feed; a quote received on the socket feeds the next HTTP step; a wrong
expect fails with what came; a server-side close is reported with its code and the next iteration reconnects.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from locust_ext.master.tryout import try_plan
from locust_ext.plan.validation import parse_plan
from tests.conftest import free_port
from tests.fleet_fixtures import EtcdServer, StartAgent
from tests.helpers import run_fleet

pytest_plugins = ("tests.fleet_fixtures",)

LOGIN = {
    "name": "login",
    "method": "POST",
    "url": "/login",
    "json": {"username": "user1", "password": "pw1"},
    "save": [{"name": "token", "from": "JSONPATH", "expr": "$.token"}],
}
CONNECT = {"name": "open feed", "ws": {"action": "CONNECT", "url": "/ws/feed?token=${token}&intervalMs=50"}}
SUBSCRIBE = {"name": "subscribe", "ws": {"action": "SEND", "json": {"type": "subscribe", "symbol": "ACME"}}}
QUOTE = {
    "name": "quote",
    "ws": {
        "action": "EXPECT",
        "timeoutS": 5,
        "match": [{"on": "JSONPATH", "expr": "$.type", "op": "EQ", "value": "quote"}],
        "save": [{"name": "seq", "from": "JSONPATH", "expr": "$.seq"}],
        "assert": [{"on": "JSONPATH", "expr": "$.symbol", "op": "EQ", "value": "ACME"}],
    },
}
ITEM = {"name": "item from the quote", "url": "/api/items/${seq}", "headers": {"Authorization": "Bearer ${token}"}}
THINK = {"minS": 0.1, "maxS": 0.1}


def mixed_plan(host: str) -> dict[str, Any]:
    steps = [LOGIN, CONNECT, SUBSCRIBE, QUOTE, ITEM]
    return {"name": "ws-mixed", "host": host, "tasks": [{"name": "feed", "steps": steps, "thinkTime": THINK}]}


def test_try_once_shows_each_frame_and_passes_values_between_http_and_the_socket(demo_app: str) -> None:
    result = try_plan(parse_plan(mixed_plan(demo_app)), reveal=True)

    assert result["ok"], result
    _login, connect, subscribe, quote, item = result["steps"]
    assert connect["ws"]["action"] == "CONNECT" and connect["ws"]["frames"] == []
    assert [frame["direction"] for frame in subscribe["ws"]["frames"]] == ["sent"]
    received = quote["ws"]["frames"]
    assert received and all(frame["direction"] == "received" for frame in received)
    assert '"type":"quote"' in received[-1]["data"].replace(" ", "")
    assert [check["label"] for check in quote["checks"]] == ["assert JSONPATH $.symbol EQ", "save seq: JSONPATH $.seq"]
    assert item["request"]["url"].endswith(f"/api/items/{result['variables']['seq']}")
    assert item["response"]["status"] == 200


def test_a_wrong_expect_fails_with_what_was_expected_and_what_came(demo_app: str) -> None:
    plan = mixed_plan(demo_app)
    wrong = copy.deepcopy(QUOTE)
    wrong["ws"] |= {"timeoutS": 0.5, "match": [{"on": "JSONPATH", "expr": "$.type", "op": "EQ", "value": "trade"}]}
    plan["tasks"][0]["steps"] = [LOGIN, CONNECT, SUBSCRIBE, wrong]

    quote = try_plan(parse_plan(plan))["steps"][-1]

    assert not quote["ok"]
    assert quote["error"].startswith("expect JSONPATH $.type EQ trade: no match in ")
    assert "messages within 0.5 s; last: " in quote["error"] and '"quote"' in quote["error"]


def test_the_mixed_plan_runs_under_load_with_no_failure(demo_app: str, tmp_path: Path) -> None:
    run = run_fleet(tmp_path, mixed_plan(demo_app), users=4, seconds=4)

    assert run.returncode == 0, run.explain()
    for row in ("login", "open feed", "quote", "item from the quote", "messages sent", "messages received"):
        assert run.requests(row) > 0 and run.failed(row) == 0, (row, run.explain())
    assert run.typed_stats[("WS", "quote")]["Request Count"] == run.stats["item from the quote"]["Request Count"]
    # The connection is kept across iterations: one CONNECT per user, many quotes.
    assert run.requests("open feed") == 4 < run.requests("quote")


def test_the_mixed_plan_runs_on_the_fleet_with_no_failure(
    tmp_path: Path, etcd_server: EtcdServer, fleet_prefix: str, start_agent: StartAgent, demo_app: str
) -> None:
    start_agent(agent_id="ws-1", extra=("--processes", "2")).wait_registered()
    extra = ("--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(free_port()))
    extra += ("--fleet-etcd", etcd_server.endpoint, "--fleet-prefix", fleet_prefix, "--fleet-agents", "all")
    run = run_fleet(tmp_path, mixed_plan(demo_app), users=4, seconds=5, extra=(*extra, "--expect-workers", "2"))

    assert run.returncode == 0, run.explain()
    for row in ("login", "open feed", "quote", "item from the quote", "messages sent", "messages received"):
        assert run.requests(row) > 0 and run.failed(row) == 0, (row, run.explain())


def test_a_server_close_fails_the_step_with_its_code_and_the_next_iteration_reconnects(
    demo_app: str, tmp_path: Path
) -> None:
    steps = [
        {"name": "open strict", "ws": {"action": "CONNECT", "url": "/ws/strict"}},
        {"name": "not json", "ws": {"action": "SEND", "text": "hello"}},
        {"name": "answer", "ws": {"action": "EXPECT", "timeoutS": 5}},
    ]
    plan = {"name": "ws-close", "host": demo_app, "tasks": [{"name": "t", "steps": steps, "thinkTime": THINK}]}

    run = run_fleet(tmp_path, plan, users=2, seconds=3)

    assert run.failed("answer") == run.requests("answer") > 2, run.explain()
    assert run.messages("answer") == ["EXPECT: the server closed the connection: 1008 expected JSON with a type"]
    assert run.requests("open strict") > 2 and run.failed("open strict") == 0
