"""Plan validation: every kind of bad plan is reported with its path and what was expected, all at once."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from locust_ext.plan.validation import PlanError, load_plan, parse_plan, plan_to_json


def minimal_plan(**changes) -> dict:
    plan = {
        "name": "valid",
        "host": "http://127.0.0.1:8080",
        "tasks": [
            {
                "name": "browse",
                "steps": [
                    {
                        "name": "list",
                        "method": "GET",
                        "url": "/api/items",
                        "save": [{"name": "itemId", "from": "JSONPATH", "expr": "$.items[0].id"}],
                        "assert": [{"on": "STATUS", "op": "EQ", "value": "200"}],
                    }
                ],
            }
        ],
    }
    plan.update(changes)
    return plan


def issues_of(plan: dict) -> dict[str, str]:
    with pytest.raises(PlanError) as caught:
        parse_plan(plan)
    issues: dict[str, str] = {}
    for issue in caught.value.issues:
        issues[issue.path] = f"{issues[issue.path]}; {issue.message}" if issue.path in issues else issue.message
    return issues


def first_step(plan: dict) -> dict:
    return plan["tasks"][0]["steps"][0]


def test_valid_plan_round_trips() -> None:
    plan = minimal_plan(
        variables={"currency": "EUR"},
        dataSets=[{"name": "users", "csv": "username,password\nalice,pw1\n", "mode": "UNIQUE_PER_USER"}],
    )
    first_step(plan).update(method="POST", json={"user": "${users.username}", "count": 2, "nested": [1.5, None, True]})
    message = parse_plan(copy.deepcopy(plan))
    assert message.tasks[0].steps[0].asserts[0].value == "200"
    assert plan_to_json(message) == plan


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (lambda p: p.update(sesion=True), "sesion", "unknown key 'sesion'; did you mean 'session'?"),
        (lambda p: first_step(p).update(think_time=1), "tasks[0].steps[0].think_time", "unknown key 'think_time'"),
        (lambda p: p["tasks"][0].update(think_time={}), "tasks[0].think_time", "did you mean 'thinkTime'?"),
        (lambda p: first_step(p)["save"][0].update(source="HEADER"), "tasks[0].steps[0].save[0].source", "unknown"),
    ],
)
def test_unknown_keys_are_errors(mutate, path: str, message: str) -> None:
    plan = minimal_plan()
    mutate(plan)
    assert message in issues_of(plan)[path]


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (lambda p: p.update(session="yes"), "session", "expected true or false, got a string"),
        (lambda p: p.update(tasks={}), "tasks", "expected a list, got an object"),
        (lambda p: p.update(variables=["a"]), "variables", "expected an object of strings, got a list"),
        (lambda p: p.update(variables={"n": 1}), "variables.n", "expected a string, got a number"),
        (lambda p: p["tasks"][0].update(weight=1.5), "tasks[0].weight", "expected a whole number >= 0, got 1.5"),
        (lambda p: p["tasks"][0].update(weight=-1), "tasks[0].weight", "expected a whole number >= 0, got -1"),
        (lambda p: first_step(p).update(timeoutS="3"), "tasks[0].steps[0].timeoutS", "expected a number, got a string"),
        (lambda p: first_step(p).update(timeoutS=0), "tasks[0].steps[0].timeoutS", "expected a number of seconds > 0"),
        (lambda p: first_step(p).update(url=None), "tasks[0].steps[0].url", "expected a string, got null"),
        (lambda p: first_step(p).update(headers={"X-Id": 5}), 'tasks[0].steps[0].headers["X-Id"]', "expected a string"),
        (lambda p: p["tasks"].append("step"), "tasks[1]", "expected an object, got a string"),
    ],
)
def test_wrong_types_name_the_field_and_the_expected_type(mutate, path: str, message: str) -> None:
    plan = minimal_plan()
    mutate(plan)
    assert message in issues_of(plan)[path]


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (
            lambda p: first_step(p).update(method="FETCH"),
            "tasks[0].steps[0].method",
            'expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS; got "FETCH"',
        ),
        (
            lambda p: first_step(p)["assert"][0].update(op="EQUALS"),
            "tasks[0].steps[0].assert[0].op",
            "expected one of EQ, NE, LT, LE, GT, GE, CONTAINS, NOT_CONTAINS, MATCHES, EXISTS, NOT_EXISTS, TYPE",
        ),
        (
            lambda p: first_step(p)["assert"][0].update(on="CODE"),
            "tasks[0].steps[0].assert[0].on",
            "STATUS, BODY_LENGTH",
        ),
        (lambda p: first_step(p)["save"][0].update({"from": 1}), "tasks[0].steps[0].save[0].from", "got 1"),
        (
            lambda p: first_step(p)["save"][0].update({"from": "SOURCE_UNSPECIFIED"}),
            "tasks[0].steps[0].save[0].from",
            "expected one of JSONPATH",
        ),
        (
            lambda p: p.update(dataSets=[{"name": "d", "csv": "a\n1\n", "mode": "SEQUENTIAL"}]),
            "dataSets[0].mode",
            "expected one of ROUND_ROBIN, UNIQUE_PER_USER, RANDOM",
        ),
        (
            lambda p: p.update(journeys=[{"name": "j", "steps": [{"action": "HOVER", "selector": "a"}]}]),
            "journeys[0].steps[0].action",
            "expected one of GOTO, CLICK",
        ),
    ],
)
def test_bad_enums_list_the_choices(mutate, path: str, message: str) -> None:
    plan = minimal_plan()
    mutate(plan)
    assert message in issues_of(plan)[path]


def test_two_bodies_in_one_step() -> None:
    plan = minimal_plan()
    first_step(plan).update(form={"a": "1"}, json={"a": 1})
    assert issues_of(plan)["tasks[0].steps[0]"] == "at most one of form, json and body; got form and json"


@pytest.mark.parametrize(
    ("where", "entry", "path", "message"),
    [
        ("save", {"name": "x", "from": "REGEX", "expr": "(a"}, "save[0].expr", "not a valid regular expression"),
        ("assert", {"on": "BODY", "op": "MATCHES", "value": "[z-a]"}, "assert[0].value", "not a valid regular expr"),
        ("save", {"name": "x", "from": "XPATH", "expr": "//a["}, "save[0].expr", "not a valid XPath"),
        ("assert", {"on": "XPATH", "expr": "//*[@", "op": "EXISTS"}, "assert[0].expr", "not a valid XPath"),
        ("save", {"name": "x", "from": "JSONPATH", "expr": "$.items[?("}, "save[0].expr", "not a valid JSONPath"),
        ("assert", {"on": "JSONPATH", "expr": "$..[", "op": "EXISTS"}, "assert[0].expr", "not a valid JSONPath"),
        ("save", {"name": "x", "from": "RANDOM_INT", "expr": "9-1"}, "save[0].expr", "expected 'a-b' with a <= b"),
        ("save", {"name": "x", "from": "RANDOM_CHOICE", "expr": "|a||b"}, "save[0].expr", "empty choice"),
        ("assert", {"on": "STATUS", "op": "LT", "value": "fast"}, "assert[0].value", 'expected a number, got "fast"'),
        ("assert", {"on": "HEADER", "op": "EXISTS"}, "assert[0].expr", "required when on is HEADER"),
        ("assert", {"on": "STATUS", "op": "EQ"}, "assert[0].value", "required when op is EQ"),
        ("save", {"name": "x", "expr": "$.a"}, "save[0].from", "required"),
        ("save", {"name": "bad name", "from": "STATUS"}, "save[0].name", "expected a name of letters, digits and '_'"),
    ],
)
def test_expressions_that_do_not_compile(where: str, entry: dict, path: str, message: str) -> None:
    plan = minimal_plan()
    first_step(plan)[where] = [entry]
    assert message in issues_of(plan)[f"tasks[0].steps[0].{path}"]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("/items/${id", "unclosed '${' at character 8"),
        ("/items/${}", "empty '${}'"),
        ("/items/${__now}", "unknown built-in '${__now}'; expected one of __uuid, __timestamp, __userId"),
        ("/items/${__randomInt(9,1)}", "the lower bound 9 is above the upper bound 1"),
        ("/items/${a b}", "bad variable name 'a b'"),
    ],
)
def test_malformed_templates(template: str, message: str) -> None:
    plan = minimal_plan()
    first_step(plan)["url"] = template
    assert message in issues_of(plan)["tasks[0].steps[0].url"]


def test_templates_inside_json_bodies_are_checked_with_their_path() -> None:
    plan = minimal_plan()
    first_step(plan)["json"] = {"items": [{"id": "${oops"}]}
    assert "unclosed" in issues_of(plan)["tasks[0].steps[0].json.items[0].id"]


def test_every_error_is_reported_at_once() -> None:
    plan = minimal_plan(name="bad name!", sesion=True)
    first_step(plan).update(method="FETCH", url="/${", body="x", form={"a": "1"})
    first_step(plan)["assert"][0]["op"] = "EQUALS"
    first_step(plan)["save"][0]["expr"] = "$[[["
    issues = issues_of(plan)
    assert set(issues) == {
        "name",
        "sesion",
        "tasks[0].steps[0].method",
        "tasks[0].steps[0].url",
        "tasks[0].steps[0].assert[0].op",
        "tasks[0].steps[0].save[0].expr",
        "tasks[0].steps[0]",
    }


CALIBRATE = {"usersPerStep": 5, "stepDurationS": 10, "maxUsers": 50, "thresholds": [{"metric": "P95_MS", "max": 80}]}


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"name": ""}, "name", "required"),
        ({"tasks": []}, "tasks", "a plan needs at least one task or journey"),
        ({"proxy": "localhost:3128"}, "proxy", 'expected http://host:port, got "localhost:3128"'),
        ({"host": "localhost:8080"}, "host", 'expected an http:// or https:// URL, got "localhost:8080"'),
        ({"name": "my plan"}, "name", "expected 1 to 64 letters, digits, '.', '_' or '-', got \"my plan\""),
        ({"dataSets": [{"name": "d"}]}, "dataSets[0]", "expected exactly one of csv and file"),
        ({"dataSets": [{"name": "d", "file": "u.csv"}]}, "dataSets[0].file", "give the rows inline in csv"),
        ({"dataSets": [{"name": "d", "csv": "a,b\n1\n"}]}, "dataSets[0].csv", "row 2 has 1 values, the header has 2"),
        ({"dataSets": [{"name": "d", "csv": "a\n"}]}, "dataSets[0].csv", "expected at least one data row"),
        ({"load": {"targetRps": 0}}, "load.targetRps", "expected requests per second > 0, got 0"),
        ({"load": {"targetRps": "fast"}}, "load.targetRps", "expected a number, got a string"),
        ({"load": {"shape": "step"}}, "load.shape", "expected one of: targetRps, step, stages, calibrate"),
        ({"load": {"stages": [{"users": 3}]}}, "load.stages[0].durationS", "required"),
        (
            {"load": {"step": {"usersPerStep": 5, "stepDurationS": 10, "maxUsers": 2}}},
            "load.step.maxUsers",
            "expected at least usersPerStep (5), got 2",
        ),
        (
            {"load": {"step": {"usersPerStep": 1, "stepDurationS": 1, "maxUsers": 2}, "stages": [{"durationS": 1}]}},
            "load",
            "expected at most one shape (step, stages or calibrate), got step and stages",
        ),
        ({"load": {"step": {"usersPerStep": 2, "stepDurationS": 0, "maxUsers": 2}}}, "load.step.stepDurationS", "> 0"),
        ({"load": {"stages": [{"durationS": 0, "users": 3}]}}, "load.stages[0].durationS", "expected seconds > 0"),
        ({"load": {"calibrate": {"usersPerStep": 5, "stepDurationS": 10}}}, "load.calibrate.thresholds", "required"),
        (
            {"load": {"calibrate": CALIBRATE | {"stepDurationS": 3}}},
            "load.calibrate.stepDurationS",
            "expected at least 10 s, for each step to settle and be measured, got 3",
        ),
        (
            {"load": {"calibrate": CALIBRATE | {"usersPerStep": 0}}},
            "load.calibrate.usersPerStep",
            "expected at least 1 user per step, got 0",
        ),
        (
            {"load": {"calibrate": CALIBRATE | {"thresholds": [{"metric": "ERROR_RATIO", "max": 5}]}}},
            "load.calibrate.thresholds[0].max",
            "expected a ratio from 0 to 1 for ERROR_RATIO, got 5",
        ),
        (
            {"load": {"calibrate": CALIBRATE | {"thresholds": [{"metric": "P99", "max": 5}]}}},
            "load.calibrate.thresholds[0].metric",
            'expected one of P95_MS, ERROR_RATIO, LCP_P75_MS, RPS, P50_MS, P99_MS; got "P99"',
        ),
        ({"load": {"calibrate": CALIBRATE, "targetRps": 100}}, "load.targetRps", "leave targetRps out"),
    ],
)
def test_plan_level_rules(changes: dict, path: str, message: str) -> None:
    assert message in issues_of(minimal_plan(**changes))[path]


def test_unknown_data_set_column_is_caught_at_load_time() -> None:
    plan = minimal_plan(dataSets=[{"name": "users", "csv": "username,password\nalice,pw1\n"}])
    first_step(plan)["headers"] = {"X-User": "${users.usrname}"}
    message = issues_of(plan)['tasks[0].steps[0].headers["X-User"]']
    assert message == "data set 'users' has no column 'usrname'; its columns are password, username"


def test_think_time_bounds_and_weights() -> None:
    plan = minimal_plan()
    plan["tasks"][0].update(thinkTime={"minS": 2, "maxS": 1}, weight=0)
    issues = issues_of(plan)
    assert issues["tasks[0].thinkTime"] == "minS (2) is above maxS (1)"
    assert "at least one must be above 0" in issues["tasks[0].weight"]


def test_browser_steps_need_their_fields() -> None:
    plan = minimal_plan(journeys=[{"name": "j", "steps": [{"action": "FILL", "selector": "#q"}, {"action": "GOTO"}]}])
    issues = issues_of(plan)
    assert issues["journeys[0].steps[0].value"] == "required when action is FILL"
    assert issues["journeys[0].steps[1].url"] == "required when action is GOTO"


def test_load_plan_reports_json_syntax_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"name": "x",\n "tasks": [}\n')
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert str(caught.value) == "plan: not valid JSON: Expecting value at line 2 column 12"


def test_load_plan_inlines_data_set_files(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text("username\nalice\n")
    plan = minimal_plan(dataSets=[{"name": "users", "file": "users.csv"}])
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    assert load_plan(tmp_path / "plan.json").data_sets[0].csv == "username\nalice\n"


def test_load_plan_names_a_missing_data_set_file(tmp_path: Path) -> None:
    plan = minimal_plan(dataSets=[{"name": "users", "file": "nowhere.csv"}])
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path / "plan.json")
    assert caught.value.issues[0].path == "dataSets[0].file"
    assert "cannot read" in caught.value.issues[0].message
