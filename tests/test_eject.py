"""`locust-fleet eject`: every example plan, and plans of WebSocket steps, ejected, run under plain Locust (a venv
without locust-fleet) with the same statistics rows and the same kinds of failure as the plan itself under
locust-fleet, browser journeys and their web vitals included; the file passes ruff."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from locust_ext.plan.rows import browser_row, http_row
from locust_ext.plan.validation import Plan, load_plan
from locust_ext.proto import fleet_pb2
from tests.fleet_fixtures import FleetMaster
from tests.helpers import BIN, LOCUST_FLEET, ROOT, FleetRun, run_fleet

pytest_plugins = ("tests.fleet_fixtures",)

PLANS = sorted((ROOT / "examples" / "plans").glob("*.json"))
FLEET_LOCUSTFILE = ROOT / "locust_ext" / "locustfile.py"
# A plan with journeys runs until every step has reported (Chromium starts slowly on a busy machine), at most this long.
RUN_AT_MOST_S = 120
# Loaded beside the locustfile of a run (`-f locustfile.py,stop_when_seen.py`): it ends the run as -t does once every
# (type, name) row of $EJECT_TEST_ROWS has been reported, and a moment later, for Locust's CSV files to count them.
STOP_WHEN_SEEN = """
import json
import os

import gevent
from locust import events

EXPECTED = {tuple(row) for row in json.loads(os.environ["EJECT_TEST_ROWS"])}
seen = set()


@events.request.add_listener
def see(request_type, name, **_kwargs):
    seen.add((request_type, name))


@events.init.add_listener
def stop_when_seen(environment, **_kwargs):
    def watch():
        while not EXPECTED <= seen:
            gevent.sleep(0.2)
        gevent.sleep(2.5)
        environment.runner.quit()

    if environment.runner is not None:
        gevent.spawn(watch)
"""
RUFF = [str(BIN / "ruff")]
RUFF_OPTIONS = ["--isolated", "--line-length", "120"]
THINK = {"minS": 0.1, "maxS": 0.1}
# An HTTP login whose token opens the feed; a quote received on the socket feeds the next HTTP step. No failure.
WS_FEED = {
    "name": "ws-feed",
    "tasks": [
        {
            "name": "feed",
            "thinkTime": THINK,
            "steps": [
                {
                    "name": "login",
                    "method": "POST",
                    "url": "/login",
                    "json": {"username": "user1", "password": "pw1"},
                    "save": [{"name": "token", "from": "JSONPATH", "expr": "$.token"}],
                },
                {"name": "open feed", "ws": {"action": "CONNECT", "url": "/ws/feed?token=${token}&intervalMs=50"}},
                {"ws": {"action": "SEND", "json": {"type": "subscribe", "symbol": "ACME"}}},
                {
                    "name": "quote",
                    "ws": {
                        "action": "EXPECT",
                        "timeoutS": 5,
                        "match": [{"on": "JSONPATH", "expr": "$.type", "op": "EQ", "value": "quote"}],
                        "save": [{"name": "seq", "from": "JSONPATH", "expr": "$.seq"}],
                        "assert": [{"on": "JSONPATH", "expr": "$.symbol", "op": "EQ", "value": "ACME"}],
                    },
                },
                {"ws": {"action": "PING", "timeoutS": 5}},
                {"name": "item from the quote", "url": "/api/items/${seq}"},
                {"ws": {"action": "CLOSE", "reason": "done"}},
            ],
        }
    ],
}
# Every task talks to /ws/strict (a user's one connection is kept across tasks): a server close with its code, a
# connection dropped without a close frame, and an EXPECT that sees only other messages.
WS_STRICT = {
    "name": "ws-strict",
    "tasks": [
        {
            "name": name,
            "thinkTime": THINK,
            "steps": [
                {"name": "open strict", "ws": {"action": "CONNECT", "url": "/ws/strict"}},
                {"name": f"send {name}", "ws": {"action": "SEND", **message}},
                {"name": f"answer to {name}", "ws": {"action": "EXPECT", "timeoutS": 0.5, **expect}},
            ],
        }
        for name, message, expect in (
            ("not json", {"text": "hello"}, {}),
            ("drop", {"json": {"type": "drop"}}, {}),
            (
                "no trade",
                {"json": {"type": "hello"}},
                {"match": [{"on": "JSONPATH", "expr": "$.type", "value": "trade", "op": "EQ"}]},
            ),
        )
    ],
}
WS_PLANS = {"ws-feed": WS_FEED, "ws-strict": WS_STRICT}
PRICE = "main > section.catalogue > article.card:first-of-type span.price-tag"
# Browser code the example plans do not make: journeys of one step, think times that differ, timeouts of their own, a
# URL pattern from a template, calls too long for a line, no session, a proxy, no HTTP task.
BROWSER_VARIANTS = {
    "name": "browser-variants",
    "host": "http://127.0.0.1:8080",
    "session": False,
    "proxy": "http://127.0.0.1:3128",
    "variables": {"page": "shop"},
    "journeys": [
        {"name": "one step", "weight": 2, "steps": [{"action": "GOTO", "url": "/${page}"}]},
        {
            "name": "long calls",
            "thinkTime": {"minS": 1, "maxS": 2},
            "steps": [
                {"action": "WAIT_FOR_URL", "url": "^.*/${page}$", "timeoutS": 2.5},
                {"action": "SAVE_TEXT", "selector": PRICE, "saveAs": "price"},
                {"action": "SAVE_ATTRIBUTE", "selector": PRICE, "value": "data-currency", "saveAs": "currency"},
                {"action": "ASSERT_TEXT", "selector": PRICE, "value": "${price} ${currency}", "timeoutS": 0.25},
            ],
        },
    ],
}
GENERATED_ONLY = {**WS_PLANS, "browser-variants": BROWSER_VARIANTS}


@pytest.fixture(scope="session")
def plain_locust(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the project's Locust from PyPI (and the parsers ejected files import), and no locust-fleet."""
    venv = tmp_path_factory.mktemp("plain-locust") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    packages = [f"locust=={metadata.version('locust')}", "lxml", "jsonpath-ng", "websocket-client"]
    packages.append(f"playwright=={metadata.version('playwright')}")  # the browser user; Chromium is Debian's
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *packages], check=True, timeout=600)
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import locust_ext"], capture_output=True, cwd=venv, timeout=60
    )
    assert found.returncode != 0, "locust-fleet must not be importable in the plain venv"
    return venv / "bin" / "locust"


def eject_file(plan: Path, output: Path) -> str:
    result = subprocess.run(
        [str(LOCUST_FLEET), "eject", str(plan), "-o", str(output)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def run_plain(
    locust: Path, locustfile: Path, host: str, users: int, seconds: int, *, beside: Path | None = None
) -> tuple[set, set]:
    """Rows (type, name) and failures (type, name, message with numbers as N) of a headless run of `locustfile`
    (with the locustfile `beside` loaded too)."""
    prefix = locustfile.parent / "plain"
    files = f"{locustfile},{beside}" if beside else str(locustfile)
    command = [str(locust), "-f", files, "--headless", "-u", str(users), "-r", str(users)]
    command += ["-t", f"{seconds}s", "-H", host, "--csv", str(prefix), "--only-summary"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, cwd=locustfile.parent)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    stats = read_csv(Path(f"{prefix}_stats.csv"))
    failures = read_csv(Path(f"{prefix}_failures.csv"))
    rows = {(row["Type"], row["Name"]) for row in stats if row["Name"] != "Aggregated"}
    return rows, {(row["Method"], row["Name"], kind(row["Error"])) for row in failures}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def kind(message: str) -> str:
    """A failure's kind: its message with the figures that vary from run to run (times, lengths) taken out."""
    return re.sub(r"\d+", "N", message)


@pytest.mark.parametrize("plan", PLANS, ids=[plan.stem for plan in PLANS])
def test_an_ejected_plan_reports_the_rows_and_failures_of_the_plan(
    plan: Path, tmp_path: Path, demo_app: str, plain_locust: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locustfile = tmp_path / "locustfile.py"
    warnings = eject_file(plan, locustfile)
    if load_plan(plan).journeys:
        fleet, rows, failures = run_both_until_every_row(plan, locustfile, demo_app, plain_locust, monkeypatch)
        assert {"BROWSER", "TTFB", "FCP", "LCP", "CLS"} <= {row_type for row_type, _ in rows}
        assert warnings.startswith("warning: journeys: locust-fleet's memory guard"), warnings
    else:
        fleet = run_fleet(tmp_path, plan, users=3, seconds=5, extra=("-H", demo_app))
        rows, failures = run_plain(plain_locust, locustfile, demo_app, 3, 5)

    assert rows == set(fleet.typed_stats), fleet.explain()
    assert failures == {(row["Method"], row["Name"], kind(row["Error"])) for row in fleet.failures}, fleet.explain()


def run_both_until_every_row(
    plan: Path, locustfile: Path, host: str, plain_locust: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[FleetRun, set, set]:
    """A plan with journeys, run by locust-fleet until every step has reported, then ejected until it has reported
    every row locust-fleet did (web vitals included): a busy machine makes either slow, never short of a row."""
    work = locustfile.parent
    stopper = work / "stop_when_seen.py"
    stopper.write_text(STOP_WHEN_SEEN)
    users = 4  # the browser plan keeps 2 of them for its journeys
    monkeypatch.setenv("EJECT_TEST_ROWS", json.dumps(sorted(step_rows(load_plan(plan)))))
    fleet = run_fleet(
        work,
        plan,
        users=users,
        seconds=RUN_AT_MOST_S,
        extra=("-H", host),
        locustfile=Path(f"{FLEET_LOCUSTFILE},{stopper}"),
        timeout=RUN_AT_MOST_S + 60,
    )
    monkeypatch.setenv("EJECT_TEST_ROWS", json.dumps(sorted(fleet.typed_stats)))
    rows, failures = run_plain(plain_locust, locustfile, host, users, RUN_AT_MOST_S, beside=stopper)
    return fleet, rows, failures


def step_rows(plan: Plan) -> set[tuple[str, str]]:
    """The (type, name) row of every step: HTTP steps (the setup's too) and browser steps."""
    http = [*plan.setup, *(step for task in plan.tasks for step in task.steps)]
    rows = {
        ("WS" if step.HasField("ws") else fleet_pb2.HttpStep.Method.Name(step.method), http_row(step)) for step in http
    }
    return rows | {("BROWSER", browser_row(step)) for journey in plan.journeys for step in journey.steps}


@pytest.mark.parametrize("name", WS_PLANS)
def test_an_ejected_websocket_plan_reports_the_rows_and_failures_of_the_plan(
    name: str, tmp_path: Path, demo_app: str, plain_locust: Path
) -> None:
    plan = write_plan(tmp_path, {**WS_PLANS[name], "host": demo_app})
    locustfile = tmp_path / "locustfile.py"
    assert eject_file(plan, locustfile) == ""  # nothing left out

    fleet = run_fleet(tmp_path, plan, users=3, seconds=5)
    rows, failures = run_plain(plain_locust, locustfile, demo_app, 3, 5)

    assert rows == set(fleet.typed_stats), fleet.explain()
    assert failures == {(row["Method"], row["Name"], kind(row["Error"])) for row in fleet.failures}, fleet.explain()
    assert {("WS", "messages sent"), ("WS", "messages received"), ("WS", "open " + name[3:])} <= rows
    if name == "ws-strict":
        assert failures == {
            ("WS", "answer to not json", "EXPECT: the server closed the connection: N expected JSON with a type"),
            ("WS", "answer to drop", "EXPECT: the connection was dropped (no close frame)"),
            (
                "WS",
                "answer to no trade",
                'expect JSONPATH $.type EQ trade: no match in N messages within N.N s; last: {"type": "ok"}',
            ),
        }
    else:
        assert failures == set() and {("WS", "quote"), ("WS", "PING"), ("GET", "item from the quote")} <= rows


def write_plan(work: Path, plan: dict[str, Any]) -> Path:
    path = work / f"{plan['name']}.json"
    path.write_text(json.dumps(plan))
    return path


@pytest.mark.parametrize("plan", [*PLANS, *GENERATED_ONLY], ids=[plan.stem for plan in PLANS] + list(GENERATED_ONLY))
def test_an_ejected_plan_passes_ruff(plan: Path | str, tmp_path: Path) -> None:
    locustfile = tmp_path / "locustfile.py"
    eject_file(write_plan(tmp_path, GENERATED_ONLY[plan]) if isinstance(plan, str) else plan, locustfile)
    rules = ["--select", "E,F,W,I,UP,B,SIM,RUF"]
    check = subprocess.run([*RUFF, "check", *RUFF_OPTIONS, *rules, str(locustfile)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    style = subprocess.run([*RUFF, "format", "--check", "--diff", *RUFF_OPTIONS, str(locustfile)], capture_output=True)
    assert style.returncode == 0, style.stdout.decode()


def test_eject_writes_to_stdout_and_refuses_a_bad_plan_naming_the_field(tmp_path: Path) -> None:
    shown = subprocess.run([str(LOCUST_FLEET), "eject", str(PLANS[0])], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and shown.stdout.startswith('"""Locust test ejected from the locust-fleet plan')
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "bad", "tasks": [{"name": "t", "steps": [{"url": "/", "method": "FETCH"}]}]}')
    refused = subprocess.run([str(LOCUST_FLEET), "eject", str(bad), "-o", "-"], capture_output=True, text=True)
    assert refused.returncode == 2
    assert f"{bad}: tasks[0].steps[0].method" in refused.stderr
    assert refused.stdout == ""


def test_the_api_answers_a_saved_plan_as_a_locustfile_to_download(fleet_master: FleetMaster) -> None:
    plan = json.loads((ROOT / "examples" / "plans" / "demo-failing.json").read_text())
    status, _ = fleet_master.api("PUT", "/plans/demo-failing", plan)
    assert status == 200
    with urllib.request.urlopen(f"{fleet_master.url}/fleet/api/plans/demo-failing/eject", timeout=30) as response:
        text = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/x-python")
        assert response.headers["Content-Disposition"] == 'attachment; filename="locustfile_demo_failing.py"'
    assert "class DemoFailingUser(FastHttpUser):" in text
    status, answer = fleet_master.api("GET", "/plans/nothing/eject")
    assert status == 404 and answer["error"] == "no plan named 'nothing'"
