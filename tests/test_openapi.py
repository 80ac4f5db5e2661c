"""The OpenAPI description the plugin serves matches the API: every route is described, and real answers conform."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.fleet_fixtures import FleetMaster, StartAgent, demo_plan, wait_until

pytest_plugins = ("tests.fleet_fixtures",)


@pytest.fixture
def described(fleet_master: FleetMaster) -> dict[str, Any]:
    status, document = fleet_master.api("GET", "/openapi.json")
    assert status == 200 and document["openapi"] == "3.1.0"
    Draft202012Validator.check_schema({"$defs": document["components"]["schemas"]})
    return document


def conforms(document: dict[str, Any], method: str, path: str, status: int, body: Any) -> None:
    """Validate one real answer against the description of that route and status."""
    operation = document["paths"][path][method.lower()]
    assert str(status) in operation["responses"], f"{method} {path} answered {status}, which is not described"
    content = operation["responses"][str(status)].get("content")
    if content is None:
        assert body is None, f"{method} {path} {status} is described without a body"
        return
    schema = {**content["application/json"]["schema"], "components": document["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
    assert not errors, f"{method} {path} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_every_route_is_described_and_every_description_is_a_route(
    fleet_master: FleetMaster, described: dict[str, Any]
) -> None:
    routes = set()
    for path, methods in described["paths"].items():
        routes |= {(method.upper(), path) for method in methods if method != "parameters"}
    probe = {(method, re.sub(r"\{[^}]+\}", "1", path)) for method, path in routes}
    for method, path in probe:
        status, body = fleet_master.raw(method, path, b"{}", {"Content-Type": "application/json"})
        unrouted = status in (404, 405) and "the routes are in" in body["error"]
        assert not unrouted, f"{method} {path} is described, not served"
    assert fleet_master.raw("GET", "/undescribed", None)[0] == 404


def test_real_answers_conform_to_the_description(
    fleet_master: FleetMaster, described: dict[str, Any], start_agent: StartAgent, httpbin: str
) -> None:
    start_agent(agent_id="described").wait_registered()
    wait_until(lambda: "described" in fleet_master.agents(), 30, "the agent listed")  # generous: a busy machine
    plan = demo_plan(httpbin)
    bad = json.loads(json.dumps(plan))
    bad["tasks"][0]["steps"][0]["assert"][0]["op"] = "SAME"
    calls = [
        ("GET", "/agents", "/agents", None),
        ("PUT", "/plans/fleet-demo", "/plans/{name}", plan),
        ("PUT", "/plans/fleet-demo", "/plans/{name}", bad),
        ("GET", "/plans/fleet-demo", "/plans/{name}", None),
        ("GET", "/plans", "/plans", None),
        ("POST", "/try", "/try", plan),
        ("POST", "/try", "/try", bad),
        ("POST", "/deploy", "/deploy", {"plan": "fleet-demo", "agents": ["ghost"]}),
        ("POST", "/deploy", "/deploy", {"plan": "nothing", "agents": ["described"]}),
        ("POST", "/release", "/release", {"agents": ["described"]}),
        ("POST", "/release", "/release", {"agents": "described"}),
        ("GET", "/schema", "/schema", None),
        ("GET", "/screenshots", "/screenshots", None),
        ("GET", "/rate", "/rate", None),
        ("GET", "/thresholds", "/thresholds", None),
        ("GET", "/runs?plan=fleet-demo", "/runs", None),
        ("GET", "/runs/fleet-demo-20000101T000000Z-0000", "/runs/{id}", None),
        ("PUT", "/runs/fleet-demo-20000101T000000Z-0000/baseline", "/runs/{id}/baseline", None),
        ("GET", "/runs/fleet-demo-20000101T000000Z-0000/compare", "/runs/{id}/compare", None),
        ("DELETE", "/runs/fleet-demo-20000101T000000Z-0000", "/runs/{id}", None),
        ("GET", "/screenshots/999.png", "/screenshots/{id}.png", None),
        ("DELETE", "/plans/fleet-demo", "/plans/{name}", None),
        ("DELETE", "/plans/fleet-demo", "/plans/{name}", None),
        ("GET", "/plans/fleet-demo", "/plans/{name}", None),
    ]
    seen = set()
    for method, url, path, body in calls:
        status, answer = fleet_master.api(method, url, body)
        conforms(described, method, path, status, answer)
        seen.add((method, path, status))
    status, answer = fleet_master.api("PUT", "/plans/fleet-demo", plan, {"If-Match": "1"})
    conforms(described, "PUT", "/plans/{name}", status, answer)
    assert status == 412
    for text, expected in (("curl http://127.0.0.1:8080/x", 200), ("not a plan", 400)):
        status, answer = fleet_master.raw("POST", "/import", text.encode(), {"Content-Type": "text/plain"})
        conforms(described, "POST", "/import", status, answer)
        assert status == expected
    assert {status for _, _, status in seen} == {200, 204, 400, 404}
