"""The schema the page builds its forms from: fields by JSON name, their kinds and options, choices and requirements."""

from __future__ import annotations

import json
from typing import Any

import pytest

from locust_ext.plan.schema import describe
from locust_ext.plan.validation import PlanError, parse_plan

pytestmark = pytest.mark.unit


def field(message: str, name: str) -> dict[str, Any]:
    return next(entry for entry in describe()["messages"][message] if entry["name"] == name)


def choices(enum: str) -> dict[str, list[str]]:
    return {choice["name"]: choice["requires"] for choice in describe()["enums"][enum]}


def test_the_schema_starts_at_the_plan_and_lists_every_message_a_plan_can_hold() -> None:
    schema = describe()
    assert schema["root"] == "Plan"
    assert set(schema["messages"]) == {
        "Plan",
        "DataSet",
        "HttpStep",
        "WebSocketStep",
        "Save",
        "Assertion",
        "Task",
        "ThinkTime",
        "Journey",
        "BrowserStep",
        "Users",
        "Load",
        "StepLoad",
        "Stage",
        "Calibration",
        "Threshold",
    }


def test_the_schema_is_plain_json() -> None:
    assert json.loads(json.dumps(describe())) == describe()


@pytest.mark.parametrize(
    ("message", "name", "expected"),
    [
        (
            "Plan",
            "name",
            {"kind": "string", "required": True, "patternHint": "1 to 64 letters, digits, '.', '_' or '-'"},
        ),
        ("Plan", "variables", {"kind": "string", "map": True}),
        ("Plan", "dataSets", {"kind": "message", "message": "DataSet", "repeated": True}),
        ("Plan", "session", {"kind": "boolean"}),
        ("HttpStep", "url", {"kind": "string", "template": True}),
        ("WebSocketStep", "action", {"kind": "enum", "required": True, "enum": "WebSocketStep.Action"}),
        ("HttpStep", "headers", {"kind": "string", "map": True, "template": True}),
        ("HttpStep", "json", {"kind": "json", "template": True}),
        ("HttpStep", "method", {"kind": "enum", "enum": "HttpStep.Method"}),
        ("HttpStep", "timeoutS", {"kind": "number"}),
        ("HttpStep", "assert", {"kind": "message", "message": "Assertion", "repeated": True}),
        ("Save", "from", {"kind": "enum", "enum": "Save.Source", "required": True}),
        ("Save", "default", {"kind": "string"}),
        ("Task", "weight", {"kind": "integer"}),
        ("BrowserStep", "saveAs", {"kind": "string", "pattern": "[A-Za-z_][A-Za-z0-9_]*"}),
    ],
)
def test_fields_are_described_by_their_json_name_with_kind_and_options(
    message: str, name: str, expected: dict[str, Any]
) -> None:
    described = field(message, name)
    assert {key: described[key] for key in expected} == expected


def test_fields_without_an_option_do_not_carry_it() -> None:
    assert field("HttpStep", "name") == {"name": "name", "kind": "string"}


def test_choices_never_include_the_unspecified_placeholder() -> None:
    for enum in describe()["enums"].values():
        assert not any(choice["name"].endswith("_UNSPECIFIED") for choice in enum)


def test_choices_list_what_each_requires_by_json_name_and_syntax() -> None:
    assert choices("Save.Source")["JSONPATH"] == ["expr:jsonpath"]
    assert choices("Save.Source")["STATUS"] == []
    assert choices("Assertion.Op")["LT"] == ["value:number"]
    assert choices("BrowserStep.Action")["SAVE_ATTRIBUTE"] == ["selector", "saveAs", "value"]
    assert list(choices("HttpStep.Method")) == ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    assert list(choices("DataSet.Mode")) == ["ROUND_ROBIN", "UNIQUE_PER_USER", "RANDOM"]
    assert list(choices("Threshold.Metric")) == ["P95_MS", "ERROR_RATIO", "LCP_P75_MS", "RPS", "P50_MS", "P99_MS"]


@pytest.mark.parametrize(("source", "requires"), list(choices("Save.Source").items()))
def test_what_the_schema_says_a_save_source_requires_is_what_validation_enforces(
    source: str, requires: list[str]
) -> None:
    plan = {"name": "p", "tasks": [{"name": "t", "steps": [{"url": "/", "save": [{"name": "v", "from": source}]}]}]}
    if not requires:
        parse_plan(plan)
        return
    with pytest.raises(PlanError) as caught:
        parse_plan(plan)
    needed = requires[0].partition(":")[0]
    assert str(caught.value) == f"tasks[0].steps[0].save[0].{needed}: required when from is {source}"


@pytest.mark.parametrize(("action", "requires"), list(choices("BrowserStep.Action").items()))
def test_what_the_schema_says_a_browser_action_requires_is_what_validation_enforces(
    action: str, requires: list[str]
) -> None:
    plan = {"name": "p", "journeys": [{"name": "j", "steps": [{"action": action}]}]}
    if not requires:
        parse_plan(plan)
        return
    with pytest.raises(PlanError) as caught:
        parse_plan(plan)
    reported = {issue.path.rsplit(".", 1)[1] for issue in caught.value.issues}
    assert reported == {requirement.partition(":")[0] for requirement in requires}


def test_each_web_socket_action_says_which_fields_it_takes() -> None:
    takes = {choice["name"]: choice["takes"] for choice in describe()["enums"]["WebSocketStep.Action"]}
    assert takes == {
        "CONNECT": ["url", "headers", "subprotocols", "timeoutS"],
        "SEND": ["text", "json", "binary"],
        "EXPECT": ["timeoutS", "match", "save", "assert"],
        "PING": ["timeoutS"],
        "CLOSE": ["closeCode", "reason"],
    }
