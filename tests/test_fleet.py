"""The master's fleet, with real etcd, real agents, a real Locust master and real workers on loopback."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from locust_ext.plan.validation import parse_plan
from locust_ext.proto import fleet_pb2
from tests.conftest import free_port
from tests.fleet_fixtures import TEST_TTL, EtcdServer, FleetMaster, StartAgent, demo_plan, wait_until
from tests.helpers import FleetRun, run_fleet
from tests.reliability import record

pytest_plugins = ("tests.fleet_fixtures",)
# Deadlines for what the master or an agent does by itself (list an agent, start or stop a worker): each takes well
# under a few seconds, but a busy shared machine can be several times slower. Only a failure waits this long.
WITHIN_S = 30


def test_agents_are_listed_deployed_swarmed_and_released(
    fleet_master: FleetMaster, start_agent: StartAgent, demo_app: str
) -> None:
    agents = [start_agent(agent_id=f"agent-{n}", extra=("--processes", "1")) for n in (1, 2)]
    for agent in agents:
        agent.wait_registered()
    listed = wait_until(
        lambda: fleet_master.agents() if len(fleet_master.agents()) == 2 else None, WITHIN_S, "both agents listed"
    )
    assert {agent["state"] for agent in listed.values()} == {"idle"}
    assert fleet_master.api("PUT", "/plans/fleet-demo", demo_plan(demo_app))[0] == 200

    status, deployed = fleet_master.api("POST", "/deploy", {"plan": "fleet-demo", "agents": ["agent-1", "agent-2"]})
    assert status == 200 and all(result["ok"] for result in deployed["results"].values()), deployed
    wait_until(lambda: len(fleet_master.connected_workers()) == 2, 60, "2 Locust workers ready", fleet_master.log)
    owners = wait_until(
        lambda: (
            fleet_master.agents() if all(agent["locustWorkers"] for agent in fleet_master.agents().values()) else None
        ),
        WITHIN_S,
        "each agent lists its Locust worker",
    )
    worker_ids = {worker["id"] for worker in fleet_master.connected_workers()}
    assert {owners[name]["locustWorkers"][0]["id"] for name in owners} == worker_ids
    assert {agent["state"] for agent in owners.values()} == {"running"}
    tab = fleet_master.agents_tab()
    assert {row["id"]: row["state"] for row in tab} == {"agent-1": "running", "agent-2": "running"}
    assert {row["workers"].split(" ")[0] for row in tab} == worker_ids

    fleet_master.swarm(4, demo_app)
    wait_until(lambda: fleet_master.request_count() > 20, 2 * WITHIN_S, "requests reach the target", fleet_master.log)

    status, released = fleet_master.api("POST", "/release", {"agents": ["agent-1", "agent-2"]})
    assert status == 200 and all(result["ok"] for result in released["results"].values()), released
    for agent in agents:
        wait_until(lambda agent=agent: agent.worker_processes() == [], WITHIN_S, f"{agent.id}'s workers gone")
    wait_until(
        lambda: {agent["state"] for agent in fleet_master.agents().values()} == {"idle"},
        WITHIN_S,
        "both agents idle again",
    )


def test_a_killed_agent_leaves_the_list_and_locust_marks_its_workers_missing(
    fleet_master: FleetMaster, start_agent: StartAgent, demo_app: str
) -> None:
    doomed = start_agent(agent_id="doomed", extra=("--processes", "1"))
    doomed.wait_registered()
    wait_until(lambda: "doomed" in fleet_master.agents(), WITHIN_S, "the agent listed")
    fleet_master.api("PUT", "/plans/fleet-demo", demo_plan(demo_app))
    fleet_master.api("POST", "/deploy", {"plan": "fleet-demo", "agents": ["doomed"]})
    wait_until(lambda: len(fleet_master.connected_workers()) == 1, 60, "its worker ready", fleet_master.log)

    doomed.process.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    # It leaves when its lease runs out (TEST_TTL); the figure is recorded, the deadline is only for a failure.
    wait_until(lambda: "doomed" not in fleet_master.agents(), TEST_TTL + WITHIN_S, "the killed agent left the list")
    left_after = time.monotonic() - killed_at
    wait_until(lambda: fleet_master.connected_workers() == [], WITHIN_S, "Locust no longer counts its worker")
    wait_until(lambda: doomed.worker_processes() == [], WITHIN_S, "its orphaned worker quit by itself")
    record(
        "fault",
        "kill -9 of an agent with a worker",
        tried=1,
        survived=1,
        left_list_s=round(left_after, 1),
        detail=f"it left the list when its lease (TTL {TEST_TTL} s) ran out, Locust dropped its worker, "
        "and the orphaned worker quit by itself",
    )


def test_etcd_restart_during_a_run(tmp_path: Path, start_agent: StartAgent, fleet_prefix: str, demo_app: str) -> None:
    etcd = EtcdServer(tmp_path / "own-etcd")
    etcd.start()
    master = FleetMaster(tmp_path / "unused.json", tmp_path / "master.log", etcd, fleet_prefix).start()
    try:
        agent = start_agent(agent_id="steady", extra=("--processes", "1"), etcd=etcd)
        agent.wait_registered()
        wait_until(lambda: "steady" in master.agents(), WITHIN_S, "the agent listed")
        master.api("PUT", "/plans/fleet-demo", demo_plan(demo_app))
        master.api("POST", "/deploy", {"plan": "fleet-demo", "agents": ["steady"]})
        wait_until(lambda: len(master.connected_workers()) == 1, 60, "the worker ready", master.log)
        master.swarm(2, demo_app)
        wait_until(lambda: master.request_count() > 0, 2 * WITHIN_S, "load started")

        etcd.stop()
        wait_until(lambda: master.api("GET", "/agents")[0] == 503, WITHIN_S, "the API says discovery is unavailable")
        assert "discovery unavailable" in master.api("GET", "/agents")[1]["error"]
        before = master.request_count()
        wait_until(lambda: master.request_count() > before + 20, WITHIN_S, "the load goes on while etcd is away")

        etcd.start()
        back = time.monotonic()
        # The figure is recorded; the deadline is only for a failure.
        wait_until(
            lambda: "steady" in master.agents(), WITHIN_S, "the agent listed again after etcd's return", agent.log
        )
        relisted_after = time.monotonic() - back
        assert master.process is not None and master.process.poll() is None
        totals = next(row for row in master.stats()["stats"] if row["name"] == "Aggregated")
        record(
            "fault",
            "etcd stopped and started again during a run",
            tried=1,
            survived=1,
            lost_requests=totals["num_failures"],
            relisted_s=round(relisted_after, 1),
            detail=f"the load went on while etcd was away ({totals['num_requests']} requests in all); the API said "
            "discovery was unavailable, and the agent was listed again once etcd returned",
        )
    finally:
        master.stop()
        etcd.stop()


def test_headless_ci_flow_deploys_runs_and_releases(
    tmp_path: Path, etcd_server: EtcdServer, fleet_prefix: str, start_agent: StartAgent, demo_app: str
) -> None:
    agents = [start_agent(agent_id=f"ci-{n}", extra=("--processes", "1")) for n in (1, 2)]
    for agent in agents:
        agent.wait_registered()
    plan_path = tmp_path / "ci-plan.json"
    plan_path.write_text(json.dumps(demo_plan(demo_app)))
    extra = (
        "--master",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        str(free_port()),
        "--fleet-etcd",
        etcd_server.endpoint,
        "--fleet-prefix",
        fleet_prefix,
        "--fleet-agents",
        "all",
        "--expect-workers",
        "2",
    )
    run: FleetRun = run_fleet(tmp_path, plan_path, users=4, seconds=5, extra=extra)
    assert run.returncode == 0, run.explain()
    assert run.requests("health") > 0 and run.failed("health") == 0, run.explain()
    for agent in agents:
        agent.wait_value(lambda value: value["state"] == "idle", WITHIN_S, f"{agent.id} idle after the run")
        wait_until(lambda agent=agent: agent.worker_processes() == [], WITHIN_S, f"{agent.id}'s workers gone")


def test_bad_requests_name_the_field(fleet_master: FleetMaster, start_agent: StartAgent, demo_app: str) -> None:
    start_agent(agent_id="known").wait_registered()
    wait_until(lambda: "known" in fleet_master.agents(), WITHIN_S, "the agent listed")
    fleet_master.api("PUT", "/plans/fleet-demo", demo_plan(demo_app))

    status, body = fleet_master.api("POST", "/deploy", {"plan": "fleet-demo", "agents": ["known", "ghost"]})
    assert (status, body["path"]) == (400, "agents[1]")
    assert body["error"] == "unknown agent 'ghost'; known agents: known"
    status, body = fleet_master.api("POST", "/deploy", {"plan": "nowhere", "agents": ["known"]})
    assert (status, body["path"]) == (404, "plan")
    status, body = fleet_master.api("POST", "/deploy", {"plan": "fleet-demo", "agents": ["known"], "processes": -1})
    assert (status, body["path"]) == (400, "processes")
    status, body = fleet_master.api("POST", "/release", {"agents": []})
    assert (status, body["path"]) == (400, "agents")

    bad_plan = demo_plan(demo_app)
    bad_plan["tasks"][0]["steps"][0]["assert"][0]["op"] = "EQUALS"
    status, body = fleet_master.api("PUT", "/plans/fleet-demo", bad_plan)
    assert (status, body["path"]) == (400, "tasks[0].steps[0].assert[0].op")
    assert body["error"].startswith("expected one of EQ, NE")
    assert fleet_master.api("GET", "/plans/fleet-demo")[1] == demo_plan(demo_app)
    assert fleet_master.process is not None and fleet_master.process.poll() is None


def test_plans_are_stored_with_revisions_and_a_lost_race_is_412(fleet_master: FleetMaster, demo_app: str) -> None:
    plan = demo_plan(demo_app)
    status, saved = fleet_master.api("PUT", "/plans/fleet-demo", plan, {"If-Match": "0"})
    assert status == 200 and saved["plan"] == plan
    revision = saved["revision"]
    assert fleet_master.api("GET", "/plans")[1] == {"plans": [{"name": "fleet-demo", "revision": revision}]}

    first, second = dict(plan, host="http://127.0.0.1:1"), dict(plan, host="http://127.0.0.1:2")
    status, _ = fleet_master.api("PUT", "/plans/fleet-demo", first, {"If-Match": f'"{revision}"'})
    assert status == 200
    status, body = fleet_master.api("PUT", "/plans/fleet-demo", second, {"If-Match": f'"{revision}"'})
    assert status == 412 and "saved by someone else" in body["error"]
    assert fleet_master.api("GET", "/plans/fleet-demo")[1]["host"] == "http://127.0.0.1:1"

    assert fleet_master.api("PUT", "/plans/other", plan)[1]["path"] == "name"
    assert fleet_master.api("DELETE", "/plans/fleet-demo")[0] == 204
    assert fleet_master.api("GET", "/plans/fleet-demo")[0] == 404
    assert fleet_master.api("DELETE", "/plans/fleet-demo")[0] == 404


def test_try_once_shows_each_request_response_save_and_assertion(fleet_master: FleetMaster, httpbin: str) -> None:
    plan = {
        "name": "try-me",
        "host": httpbin,
        "setup": [
            {
                "name": "login",
                "method": "POST",
                "url": "/anything",
                "json": {"token": "abc"},
                "save": [{"name": "token", "from": "JSONPATH", "expr": "$.json.token"}],
            }
        ],
        "tasks": [
            {
                "name": "t",
                "steps": [
                    {
                        "name": "use token",
                        "url": "/anything",
                        "params": {"t": "${token}"},
                        "assert": [
                            {"on": "JSONPATH", "expr": "$.args.t", "op": "EQ", "value": "abc"},
                            {"on": "STATUS", "op": "EQ", "value": "201"},
                        ],
                    },
                    {"name": "undefined", "url": "/anything/${nothing}"},
                ],
            }
        ],
    }
    status, result = fleet_master.api("POST", "/try", plan)
    assert status == 200 and result["ok"] is False
    login, use, undefined = result["steps"]
    assert (login["path"], login["ok"]) == ("setup[0]", True)
    assert login["request"]["method"] == "POST" and json.loads(login["request"]["body"]) == {"token": "abc"}
    assert login["response"]["status"] == 200 and login["response"]["timeMs"] > 0
    assert json.loads(login["response"]["body"])["json"] == {"token": "abc"}
    assert login["checks"] == [
        {"kind": "save", "label": "save token: JSONPATH $.json.token", "ok": True, "message": "", "value": "abc"}
    ]
    assert use["request"]["url"] == f"{httpbin}/anything?t=abc"
    assert [(check["label"], check["ok"], check["message"]) for check in use["checks"]] == [
        ("assert JSONPATH $.args.t EQ", True, ""),
        ("assert STATUS EQ", False, "assert STATUS EQ 201: got 200"),
    ]
    assert (undefined["path"], undefined["ok"], undefined["error"]) == (
        "tasks[0].steps[1]",
        False,
        "undefined variable ${nothing}",
    )
    assert result["variables"] == {"token": "abc"}

    plan["tasks"][0]["steps"][0]["assert"][0]["op"] = "SAME"
    status, body = fleet_master.api("POST", "/try", plan)
    assert (status, body["path"]) == (400, "tasks[0].steps[0].assert[0].op")


def test_schema_is_served_from_the_proto(fleet_master: FleetMaster) -> None:
    status, schema = fleet_master.api("GET", "/schema")
    assert status == 200 and schema["root"] == "Plan"
    assert [choice["name"] for choice in schema["enums"]["HttpStep.Method"]] == [
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "HEAD",
        "OPTIONS",
    ]
    assert {"name": "JSONPATH", "requires": ["expr:jsonpath"], "takes": ["expr"]} in schema["enums"]["Assertion.Target"]
    step_fields = {field["name"]: field for field in schema["messages"]["HttpStep"]}
    assert step_fields["assert"] == {"name": "assert", "repeated": True, "kind": "message", "message": "Assertion"}
    assert step_fields["url"]["template"] and "required" not in step_fields["url"]  # a WebSocket step has none
    assert step_fields["ws"] == {"name": "ws", "kind": "message", "message": "WebSocketStep"}


def test_import_converts_a_curl_command_and_names_a_bad_option(fleet_master: FleetMaster) -> None:
    command = "curl 'http://127.0.0.1:8080/api/cart' -H 'Content-Type: application/json' --data-raw '{\"itemId\": 3}'"
    status, result = fleet_master.raw("POST", "/import", command.encode())
    assert status == 200 and result["format"] == "curl"
    step = result["plan"]["tasks"][0]["steps"][0]
    assert (result["plan"]["host"], step["method"], step["url"], step["json"]) == (
        "http://127.0.0.1:8080",
        "POST",
        "/api/cart",
        {"itemId": 3},
    )
    status, body = fleet_master.raw("POST", "/import", b"curl http://127.0.0.1:8080/ --frobnicate")
    assert status == 400 and body["path"] == "curl: --frobnicate"
    status, body = fleet_master.raw("POST", "/import?format=yaml", b"{}")
    assert status == 400 and body["path"] == "format"


def test_journeys_go_only_to_agents_that_offer_a_browser(
    fleet_master: FleetMaster, start_agent: StartAgent, demo_app: str
) -> None:
    with_browser = start_agent(agent_id="with-browser")
    without = start_agent(agent_id="no-browser", extra=("--no-browser",))
    offered = with_browser.wait_value(lambda value: "browser" in value["capabilities"], 2 * WITHIN_S, "Chromium probed")
    assert offered["capabilities"] == ["http", "browser"]
    assert without.wait_registered()["capabilities"] == ["http"]
    wait_until(lambda: len(fleet_master.agents()) == 2, WITHIN_S, "both agents listed")
    wrong_heading = {
        "name": "heading",
        "action": "ASSERT_TEXT",
        "selector": "h1",
        "value": "Another shop",
        "timeoutS": 1,
    }
    plan = {
        "name": "journeys",
        "host": demo_app,
        "journeys": [{"name": "home", "steps": [{"action": "GOTO", "url": "/"}, wrong_heading]}],
    }
    assert fleet_master.api("PUT", "/plans/journeys", plan)[0] == 200
    try:
        status, body = fleet_master.api(
            "POST", "/deploy", {"plan": "journeys", "agents": ["with-browser", "no-browser"], "processes": 1}
        )
        assert status == 200 and body["results"]["with-browser"]["ok"], body
        assert body["results"]["no-browser"] == {
            "ok": False,
            "message": "no browser on this agent (capabilities: http), and the plan has journeys; not deployed there",
        }
        # The agent refuses by itself too, whoever calls it.
        request = fleet_pb2.InitBoomerRequest(
            plan=parse_plan(plan), master_host="127.0.0.1", master_port=fleet_master.port, processes=1, run_id="r1"
        )
        reply = without.stub().InitBoomer(request, timeout=10)
        assert (reply.status, reply.message) == (
            False,
            "this agent cannot run the plan's browser journeys: started with --no-browser",
        )
        assert without.current_value()["state"] == "idle"

        # A failing step's screenshot travels from the agent's worker to the master, which serves it.
        wait_until(
            lambda: len(fleet_master.connected_workers()) == 1, 2 * WITHIN_S, "the worker connected", fleet_master.log
        )
        fleet_master.swarm(1, demo_app)
        shots = wait_until(
            lambda: fleet_master.api("GET", "/screenshots")[1]["screenshots"], 2 * WITHIN_S, "a screenshot"
        )
        assert shots[0]["kind"] == "failure" and shots[0]["step"] == "heading"
        assert shots[0]["source"].startswith("with-browser/") and shots[0]["url"] == demo_app + "/"
        assert "Another shop" in shots[0]["message"]
        status, png = fleet_master.raw_bytes(f"/screenshots/{shots[0]['id']}.png")
        assert status == 200 and png.startswith(b"\x89PNG") and len(png) == shots[0]["bytes"]
    finally:
        fleet_master.api("POST", "/release", {"agents": "all"})
