"""The master's fleet: what a deploy asked wrongly is told (message, path, status), on a real etcd and runner."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from locust.env import Environment
from locust.runners import MasterRunner

from locust_ext.master.agent_selection import SELECTOR_SYNTAX
from locust_ext.master.discovery import AgentDirectory
from locust_ext.master.dispatch import Dispatcher
from locust_ext.master.fleet import Fleet, FleetError
from locust_ext.master.plan_store import PlanStore
from locust_ext.master.run_store import RunStore
from locust_ext.master.web.api import create_blueprint
from locust_ext.plan.validation import Plan, parse_plan
from locust_ext.users.pacing import Pacer, TargetRate
from locust_ext.wire.etcd import Etcd
from tests.conftest import free_port
from tests.fleet_fixtures import EtcdServer

pytestmark = pytest.mark.unit

PLAN = {"name": "shop", "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": [{"url": "/"}]}]}
JOURNEYS = {"name": "browse", "journeys": [{"name": "j", "steps": [{"action": "GOTO", "url": "http://127.0.0.1:9/"}]}]}


@pytest.fixture
def master() -> Iterator[Environment]:
    environment = Environment()
    runner = environment.create_master_runner("127.0.0.1", 0)
    try:
        yield environment
    finally:
        runner.quit()


class Deployed:
    def __init__(self) -> None:
        self.plans: list[str] = []

    def __call__(self, plan: Plan) -> None:
        self.plans.append(plan.name)


@pytest.fixture
def deployed() -> Deployed:
    return Deployed()


def make_fleet(master: Environment, etcd: Etcd, prefix: str, deployed: Deployed) -> Fleet:
    runner = master.runner
    assert isinstance(runner, MasterRunner)
    return Fleet(
        runner,
        AgentDirectory(etcd, prefix),
        PlanStore(etcd, prefix),
        Dispatcher(timeout_s=5),
        ("127.0.0.1", free_port()),
        deployed,
        TargetRate(master, Pacer()),
        RunStore(etcd, prefix),
    )


@pytest.fixture
def fleet(master: Environment, etcd: EtcdServer, prefix: str, deployed: Deployed) -> Fleet:
    return make_fleet(master, etcd.client(), prefix, deployed)


def refusal(action: Any, *args: Any) -> tuple[str, str, int]:
    with pytest.raises(FleetError) as caught:
        action(*args)
    return caught.value.message, caught.value.path, caught.value.status


@pytest.mark.parametrize("name", ["", None, 7, ["shop"]])
def test_a_deploy_names_a_saved_plan(fleet: Fleet, name: Any) -> None:
    assert refusal(fleet.load_plan, name) == ("expected the name of a saved plan", "plan", 400)


def test_a_plan_that_was_never_saved_is_not_found(fleet: Fleet) -> None:
    assert refusal(fleet.load_plan, "nothing") == ("no plan named 'nothing'; save it first", "plan", 404)


def test_a_saved_plan_is_loaded_as_its_message(fleet: Fleet) -> None:
    fleet.store.put("shop", PLAN)
    assert fleet.load_plan("shop").message() == parse_plan(PLAN)


@pytest.mark.parametrize("ids", [[], [1], [""], None, "", {"a1": True}])
def test_agents_are_ids_all_or_labels(fleet: Fleet, ids: Any) -> None:
    expected = 'expected "all", labels as key=value[,key=value...], or a non-empty list of agent ids'
    assert refusal(fleet.resolve_agents, ids) == (expected, "agents", 400)


def test_a_single_id_is_not_mistaken_for_a_selector(fleet: Fleet) -> None:
    message, path, _ = refusal(fleet.resolve_agents, "a1")
    assert (message, path) == ("'a1' is not a selector: expected " + SELECTOR_SYNTAX, "agents")


def test_an_unknown_agent_is_named_with_its_place_in_the_list(fleet: Fleet) -> None:
    assert fleet.resolve_agents("all") == []
    message, path, _ = refusal(fleet.resolve_agents, ["ghost"])
    assert (message, path) == ("unknown agent 'ghost'; known agents: none are registered", "agents[0]")


@pytest.mark.parametrize("processes", [-1, 257, 1.5, "2", True, None])
def test_a_process_count_is_a_whole_number_up_to_the_limit(fleet: Fleet, processes: Any) -> None:
    message, path, _ = refusal(fleet.deploy, parse_plan(PLAN), [], processes)
    assert (message, path) == ("expected a whole number of processes, 0 (the agent decides) to 256", "processes")


def test_journeys_are_not_sent_to_agents_without_a_browser(fleet: Fleet, deployed: Deployed) -> None:
    agents = [
        {"id": "lg-1", "address": "127.0.0.1:1", "capabilities": ["http"]},
        {"id": "lg-2", "address": "127.0.0.1:1"},
    ]
    outcome = fleet.deploy(parse_plan(JOURNEYS), agents)
    assert outcome["plan"] == "browse"
    assert outcome["runId"].startswith("browse-")
    assert outcome["results"] == {
        "lg-1": {
            "ok": False,
            "message": "no browser on this agent (capabilities: http), and the plan has journeys; not deployed there",
        },
        "lg-2": {
            "ok": False,
            "message": "no browser on this agent (capabilities: none), and the plan has journeys; not deployed there",
        },
    }
    assert deployed.plans == []


def test_a_deploy_no_agent_took_is_not_a_run(fleet: Fleet, deployed: Deployed) -> None:
    address = f"127.0.0.1:{free_port()}"
    outcome = fleet.deploy(parse_plan(PLAN), [{"id": "gone", "address": address}])
    assert outcome["results"]["gone"]["message"].startswith(f"agent at {address} did not answer: UNAVAILABLE")
    assert deployed.plans == []
    again = fleet.deploy(parse_plan(PLAN), [{"id": "gone", "address": address}])
    assert again["runId"] != outcome["runId"]


def test_a_calibration_is_kept_beside_its_plan(fleet: Fleet) -> None:
    result = {"plan": "shop", "state": "running", "steps": []}
    fleet.keep_calibration(result)
    assert fleet.store.calibration("shop") == result


def test_a_calibration_etcd_cannot_take_is_logged_not_raised(
    master: Environment, deployed: Deployed, caplog: pytest.LogCaptureFixture
) -> None:
    away = make_fleet(master, Etcd(f"127.0.0.1:{free_port()}", timeout=1), "/x/", deployed)
    with caplog.at_level(logging.WARNING, logger="locust_ext.master.fleet"):
        away.keep_calibration({"plan": "shop", "state": "running"})
    [message] = caplog.messages
    assert message.startswith("calibration of shop not saved to etcd: etcd unavailable (")


def run_record(run_id: str, plan: str) -> dict[str, Any]:
    return {
        "id": run_id,
        "plan": plan,
        "revision": 1,
        "startedBy": "headless",
        "startedAt": "2026-12-01T09:00:00+00:00",
        "endedAt": "2026-12-01T09:01:00+00:00",
        "updatedAt": "2026-12-01T09:01:00+00:00",
        "state": "finished",
        "steps": [{"name": "list", "method": "GET", "requests": 10, "failures": 0, "rps": 5.0, "p95Ms": 40}],
        "pages": [],
    }


def test_the_runs_api_refuses_to_compare_runs_of_two_plans_or_without_a_baseline(fleet: Fleet) -> None:
    shop, blog = "shop-20261201T090000Z-0001", "blog-20261201T090000Z-0002"
    fleet.runs.write(run_record(shop, "shop"))
    fleet.runs.write(run_record(blog, "blog"))
    app = Flask(__name__)
    app.register_blueprint(create_blueprint(fleet, "", lambda: True))
    client = app.test_client()
    answer = client.get(f"/fleet/api/runs/{shop}/compare?with={blog}")
    assert (answer.status_code, answer.json) == (
        400,
        {"error": f"run '{blog}' is of plan 'blog', not 'shop'", "path": "with"},
    )
    answer = client.get(f"/fleet/api/runs/{shop}/compare")
    assert answer.status_code == 400 and answer.json is not None
    assert answer.json["error"] == "plan 'shop' has no baseline: give ?with=<run id>, or set one"
    assert client.get("/fleet/api/runs/shop-20000101T000000Z-0000").status_code == 404


def test_an_elastic_run_takes_in_each_matching_idle_agent_once(fleet: Fleet, deployed: Deployed) -> None:
    answer = fleet.deploy(parse_plan(PLAN), [], elastic=fleet.selection("zone=eu"))
    assert answer["elastic"] == {"selector": "zone=eu", "plan": "shop", "runId": answer["runId"], "taken": []}
    assert deployed.plans == ["shop"]

    def arrives(agent_id: str, state: str = "idle", **labels: str) -> None:
        agent = {"id": agent_id, "address": "127.0.0.1:9", "state": state, "labels": labels}
        fleet.directory.agent_changed.fire(agent_id=agent_id, agent=agent)

    arrives("eu-1", zone="eu")
    arrives("us-1", zone="us")
    arrives("eu-2", "running", zone="eu")
    arrives("eu-1", zone="eu")
    assert fleet.elastic is not None
    assert list(fleet.elastic.taken) == ["eu-1"]
    fleet.directory.agent_changed.fire(agent_id="eu-1", agent=None)
    arrives("eu-2", zone="eu")
    assert list(fleet.elastic.taken) == ["eu-2"]
    fleet.release([], fleet.selection("all"))
    assert fleet.elastic is None
