"""Secrets stay out of what people read: try-once output, failure messages, logs and the agent list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fleet_fixtures import FleetMaster, StartAgent, wait_until
from tests.helpers import run_fleet
from tests.reliability import record

pytest_plugins = ("tests.fleet_fixtures",)
TOKEN = "tok-abcdef123456"
API_KEY = "key-9876543210"
SESSION = "sess-value-5551234"
MASK = "••••••"


def secret_plan(host: str) -> dict[str, Any]:
    """A login that sets a cookie and returns a token, then a call that sends all three back (httpbin echoes them)."""
    return {
        "name": "secret-plan",
        "host": host,
        "secrets": ["apiKey", "token"],
        "variables": {"apiKey": API_KEY},
        "setup": [
            {
                "name": "login",
                "method": "GET",
                "url": f"/cookies/set?session={SESSION}",
                "followRedirects": False,
                "assert": [{"on": "STATUS", "op": "EQ", "value": "302"}],
            },
            {
                "name": "token",
                "method": "POST",
                "url": "/anything",
                "json": {"token": TOKEN},
                "save": [{"name": "token", "from": "JSONPATH", "expr": "$.json.token"}],
            },
        ],
        "tasks": [
            {
                "name": "use",
                "steps": [
                    {
                        "name": "echo",
                        "url": "/anything?key=${apiKey}",
                        "headers": {"Authorization": "Bearer ${token}", "X-Api-Key": "${apiKey}"},
                        "assert": [{"on": "BODY", "op": "NOT_CONTAINS", "value": "${apiKey}"}],
                    }
                ],
            }
        ],
    }


def leaked(text: str) -> list[str]:
    return [secret for secret in (TOKEN, API_KEY, SESSION) if secret in text]


def test_try_once_masks_secrets_unless_revealed(fleet_master: FleetMaster, httpbin: str) -> None:
    status, masked = fleet_master.api("POST", "/try", secret_plan(httpbin))
    assert status == 200 and masked["revealed"] is False, masked
    text = json.dumps(masked, ensure_ascii=False)
    assert leaked(text) == [] and MASK in text, text[:2000]
    echo = masked["steps"][2]
    assert echo["request"]["headers"]["authorization"] == MASK and echo["request"]["headers"]["x-api-key"] == MASK
    assert echo["request"]["url"].endswith(f"/anything?key={MASK}"), echo["request"]["url"]
    assert masked["variables"]["apiKey"] == MASK and masked["variables"]["token"] == MASK
    assert not echo["ok"] and f"NOT_CONTAINS {MASK}" in json.dumps(echo["checks"], ensure_ascii=False)

    status, revealed = fleet_master.api("POST", "/try?reveal=1", secret_plan(httpbin))
    assert status == 200 and revealed["revealed"] is True
    assert sorted(leaked(json.dumps(revealed))) == sorted([TOKEN, API_KEY, SESSION])
    record("input", "try once with secrets", tried=2, survived=2, detail="masked by default, shown with reveal=1")


def test_failure_messages_and_logs_under_load_carry_no_secret(tmp_path: Path, httpbin: str) -> None:
    run = run_fleet(tmp_path, secret_plan(httpbin), users=2, seconds=3)
    errors = [row["Error"] for row in run.failures]
    assert errors and all(MASK in error for error in errors), run.explain()
    failures_text = (tmp_path / "out_failures.csv").read_text()
    assert leaked(failures_text) == [] and leaked(run.stderr + run.stdout) == [], run.explain()


def test_deploying_a_plan_with_secrets_leaks_them_nowhere(
    fleet_master: FleetMaster, start_agent: StartAgent, httpbin: str
) -> None:
    agent = start_agent(agent_id="keeper", extra=("--no-browser",))
    agent.wait_registered()
    assert fleet_master.api("PUT", "/plans/secret-plan", secret_plan(httpbin))[0] == 200
    status, body = fleet_master.api("POST", "/deploy", {"plan": "secret-plan", "agents": ["keeper"], "processes": 1})
    assert status == 200 and body["results"]["keeper"]["ok"], body
    try:
        # Generous deadlines: a worker starts and requests flow within seconds, more on a busy shared machine.
        wait_until(lambda: len(fleet_master.connected_workers()) == 1, 60, "the worker", fleet_master.log)
        fleet_master.swarm(2, httpbin)
        wait_until(lambda: fleet_master.request_count() > 20, 60, "requests")
        seen = [
            json.dumps(fleet_master.api("GET", "/agents")[1]),
            json.dumps(agent.value()),
            json.dumps(fleet_master.stats()),
        ]
        seen += [agent.log(), fleet_master.log()]
        assert [leaked(text) for text in seen] == [[]] * len(seen)
    finally:
        fleet_master.api("POST", "/release", {"agents": "all"})
