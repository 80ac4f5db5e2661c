"""Plan validation: paths and messages beyond tests/test_plan_validation.py, and the JSON helpers it uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from locust_ext.plan.validation import (
    PlanError,
    PlanIssue,
    inline_data_set_files,
    json_depth,
    json_kind,
    load_plan,
    parse_plan,
    plan_to_json,
    whole_numbers,
)

pytestmark = pytest.mark.unit


def plan(**changes: Any) -> dict[str, Any]:
    return {"name": "p", "tasks": [{"name": "t", "steps": [{"url": "/"}]}], **changes}


def step(**fields: Any) -> dict[str, Any]:
    return plan(tasks=[{"name": "t", "steps": [{"url": "/", **fields}]}])


def issues(data: Any) -> dict[str, str]:
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    return {issue.path: issue.message for issue in caught.value.issues}


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


HEADER_HINT = "expected a header name (letters, digits and !#$%&'*+-.^_`|~)"


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (["not", "a", "plan"], "", "expected an object, got a list"),
        (plan(zzz=1), "zzz", "unknown key 'zzz'; expected one of: name, host, session, proxy, variables, dataSets"),
        (plan(data_sets=[]), "data_sets", "unknown key 'data_sets'; did you mean 'dataSets'?"),
        (
            step(headers={"Bad Header": "x"}),
            'tasks[0].steps[0].headers["Bad Header"]',
            f'{HEADER_HINT}, got "Bad Header"',
        ),
        (
            step(save=[{"name": "v", "from": "HEADER", "expr": "X Id"}]),
            "tasks[0].steps[0].save[0].expr",
            f'{HEADER_HINT}, got "X Id"',
        ),
        (
            step(**{"assert": [{"on": "HEADER", "expr": "ETag:", "op": "EXISTS"}]}),
            "tasks[0].steps[0].assert[0].expr",
            f'{HEADER_HINT}, got "ETag:"',
        ),
        (
            step(url="/a\ud800b"),
            "tasks[0].steps[0].url",
            'expected Unicode text, got a lone surrogate "\\ud800" at character 3',
        ),
        (plan(variables={"k\udfff": "v"}), 'variables["k\\udfff"]', "expected Unicode text, got a lone surrogate"),
        (step(timeoutS=-1), "tasks[0].steps[0].timeoutS", "expected a number >= 0, got -1"),
        (step(timeoutS=True), "tasks[0].steps[0].timeoutS", "expected a number, got a boolean"),
        (step(timeoutS=100_000), "tasks[0].steps[0].timeoutS", "expected at most 86400 seconds (a day), got 100000"),
        (
            step(method=None),
            "tasks[0].steps[0].method",
            "expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS; got null",
        ),
        (step(followRedirects="no"), "tasks[0].steps[0].followRedirects", "expected true or false, got a string"),
        (step(json={"a": nested(32)}), "tasks[0].steps[0].json", "expected JSON nested at most 32 levels deep, got 33"),
        (step(json={"a": [1, float("nan")]}), "tasks[0].steps[0].json.a[1]", "expected a finite number, got NaN"),
        (
            step(json={"big": 10**400}),
            "tasks[0].steps[0].json.big",
            "expected a number up to 1.79769e+308, got a larger one",
        ),
        (step(json={"x y": "${oops"}), 'tasks[0].steps[0].json["x y"]', "bad template: unclosed '${'"),
        (
            step(save=[{"name": "v", "from": "CONST", "expr": "${}"}]),
            "tasks[0].steps[0].save[0].expr",
            "bad template: empty",
        ),
        (
            step(save=[{"name": "v", "from": "COOKIE"}]),
            "tasks[0].steps[0].save[0].expr",
            "required when from is COOKIE",
        ),
        (
            plan(tasks=[{"name": "t", "weight": 2**32, "steps": [{"url": "/"}]}]),
            "tasks[0].weight",
            "expected a whole number >= 0, got 4294967296",
        ),
        (plan(tasks=[{"name": "t", "weight": True, "steps": [{"url": "/"}]}]), "tasks[0].weight", "got true"),
        (plan(tasks=[{"name": "t", "steps": []}]), "tasks[0].steps", "required"),
        (
            plan(load={"targetRps": 5}, tasks=[{"name": "t", "iterationsPerS": 0, "steps": [{"url": "/"}]}]),
            "tasks[0].iterationsPerS",
            "expected iterations per second > 0, got 0",
        ),
        (plan(secrets=["my token"]), "secrets[0]", 'expected a variable or header name, got "my token"'),
        (plan(setup=[{"url": "/login", "timeoutS": 90_000}]), "setup[0].timeoutS", "expected at most 86400 seconds"),
        (
            plan(journeys=[{"name": "j", "steps": [{"action": "SCREENSHOT", "timeoutS": 0}]}]),
            "journeys[0].steps[0].timeoutS",
            "expected a number of seconds > 0, got 0",
        ),
        (
            plan(journeys=[{"name": "j", "steps": [{"action": "SAVE_TEXT", "selector": "h1", "saveAs": "2x"}]}]),
            "journeys[0].steps[0].saveAs",
            "expected a name of letters, digits and '_', not starting with a digit, got \"2x\"",
        ),
        (
            plan(journeys=[{"name": "j", "steps": [{"action": "SLEEP", "value": "soon"}]}]),
            "journeys[0].steps[0].value",
            'expected a number, got "soon"',
        ),
        (
            plan(tasks=[], journeys=[{"name": "j", "weight": 0, "steps": [{"action": "SCREENSHOT"}]}]),
            "journeys[0].weight",
            "every one of the journeys has weight 0; at least one must be above 0",
        ),
        (
            plan(dataSets=[{"name": "d", "csv": "a\n1\n"}, {"name": "d", "csv": "b\n2\n"}]),
            "dataSets[1].name",
            "the data set name 'd' is used twice",
        ),
        (
            plan(dataSets=[{"name": "d", "csv": "a\n1\n", "file": "d.csv"}]),
            "dataSets[0]",
            "expected exactly one of csv and file",
        ),
        (plan(dataSets=[{"name": "1d", "csv": "a\n1\n"}]), "dataSets[0].name", "not starting with a digit"),
        (plan(dataSets=[{"name": "d", "csv": "a,a\n1,2\n"}]), "dataSets[0].csv", "the header row names a column twice"),
        (
            plan(
                dataSets=[{"name": "users", "csv": "email\na@b.test\n"}],
                journeys=[{"name": "j", "steps": [{"action": "FILL", "selector": "#e", "value": "${users.mail}"}]}],
            ),
            "journeys[0].steps[0].value",
            "data set 'users' has no column 'mail'; its columns are email",
        ),
        (plan(load={"step": {"usersPerStep": 1}}), "load.step.stepDurationS", "required"),
        (plan(load={"targetRps": float("inf")}), "load.targetRps", "expected a finite number, got Infinity"),
        (
            plan(
                load={"calibrate": {"usersPerStep": 1, "stepDurationS": 10, "maxUsers": 2, "thresholds": [{"max": 1}]}}
            ),
            "load.calibrate.thresholds[0].metric",
            "required",
        ),
        (plan(users={"browserCount": -1}), "users.browserCount", "expected a whole number >= 0, got -1"),
        (
            step(**{"assert": [{"on": "STATUS", "op": "TYPE", "value": "number"}]}),
            "tasks[0].steps[0].assert[0].op",
            "TYPE applies to JSONPATH and BODY, not STATUS",
        ),
        (
            step(**{"assert": [{"on": "JSONPATH", "expr": "$.a", "op": "TYPE", "value": "integer"}]}),
            "tasks[0].steps[0].assert[0].value",
            'expected a JSON type (string, number, boolean, object, array, null), got "integer"',
        ),
        (step(assign={"ts": "${__nope}"}), "tasks[0].steps[0].assign.ts", "bad template: unknown built-in"),
        (step(failOnErrorStatus="no"), "tasks[0].steps[0].failOnErrorStatus", "expected true or false"),
    ],
)
def test_problems_are_reported_at_their_path(data: Any, path: str, message: str) -> None:
    found = issues(data)
    assert path in found, found
    assert message in found[path]


@pytest.mark.parametrize(
    "fields",
    [
        {"json": {"a": nested(31)}},
        {"assert": [{"on": "STATUS", "op": "LT", "value": "${limit}"}]},
        {"assert": [{"on": "BODY", "op": "MATCHES", "value": "${pattern}"}]},
        {"assert": [{"on": "BODY", "op": "MATCHES", "value": "$${literal}"}]},
        {"headers": {"X-Custom_Header!": "v"}},
        {"save": [{"name": "v", "from": "RANDOM_INT", "expr": " 1 - 9 "}]},
        {"timeoutS": 86_400},
    ],
)
def test_plans_at_the_edge_of_a_rule_are_valid(fields: dict[str, Any]) -> None:
    parse_plan(step(**fields))


def test_a_plan_whose_tasks_all_weigh_zero_except_a_default_is_valid() -> None:
    parse_plan(
        plan(tasks=[{"name": "a", "weight": 0, "steps": [{"url": "/"}]}, {"name": "b", "steps": [{"url": "/"}]}])
    )


def test_plan_error_lists_every_issue_one_per_line() -> None:
    error = PlanError([PlanIssue("", "not valid JSON"), PlanIssue("tasks[0].name", "required")])
    assert str(error) == "plan: not valid JSON\ntasks[0].name: required"


def test_load_plan_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path / "missing.json")
    assert str(caught.value) == f"plan: cannot read {tmp_path / 'missing.json'}: No such file or directory"


def test_a_data_set_with_inline_rows_keeps_them_and_its_file_is_reported() -> None:
    data = plan(dataSets=[{"name": "d", "csv": "a\n1\n", "file": "d.csv"}, "not an object"])
    assert inline_data_set_files(data, Path("/nonexistent")) == data


def test_plan_to_json_gives_back_whole_numbers_as_integers() -> None:
    data = step(json={"n": 7, "f": 2.5, "neg": -3}, timeoutS=5)
    assert plan_to_json(parse_plan(json.loads(json.dumps(data)))) == data


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7.0, 7), (2.5, 2.5), (-0.0, -0.0), (2.0**60, 2.0**60), ({"a": [1.0, "1.0"]}, {"a": [1, "1.0"]}), (True, True)],
)
def test_whole_numbers_turns_whole_floats_into_integers_where_nothing_is_lost(value: Any, expected: Any) -> None:
    result = whole_numbers(value)
    assert result == expected
    assert type(result) is type(expected)


def test_negative_zero_keeps_its_sign() -> None:
    assert str(whole_numbers(-0.0)) == "-0.0"


@pytest.mark.parametrize(("value", "depth"), [("a", 0), ([], 1), ({"a": [1, {"b": []}]}, 4), (nested(40), 40)])
def test_json_depth_counts_lists_and_objects(value: Any, depth: int) -> None:
    assert json_depth(value) == depth


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (True, "a boolean"),
        (1, "a number"),
        (1.5, "a number"),
        ("", "a string"),
        ([], "a list"),
        ({}, "an object"),
    ],
)
def test_json_kind_says_what_a_value_is_in_words(value: Any, kind: str) -> None:
    assert json_kind(value) == kind


def test_zero_iterations_per_second_is_refused_with_or_without_a_load_section() -> None:
    task = {"name": "t", "iterationsPerS": 0, "steps": [{"url": "/"}]}
    expected = {"tasks[0].iterationsPerS": "expected iterations per second > 0, got 0"}
    assert issues(plan(tasks=[task])) == expected
    assert issues(plan(tasks=[task], load={})) == expected


def test_a_data_set_file_saved_by_excel_with_a_byte_order_mark_keeps_its_first_column(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_bytes("\ufeffusername,password\nann,secret\n".encode())
    data = plan(
        dataSets=[{"name": "users", "file": "users.csv"}],
        tasks=[{"name": "t", "steps": [{"url": "/${users.username}"}]}],
    )
    (tmp_path / "plan.json").write_text(json.dumps(data))
    loaded = load_plan(tmp_path / "plan.json")
    assert loaded.data_sets[0].csv.startswith("username,password")
