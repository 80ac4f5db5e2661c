"""Postman scripts read from their syntax tree: each common pattern and the plan part it becomes, and what is refused.

Whether Postman agrees with these readings is checked against newman itself in tests/test_postman_parity.py.
"""

from __future__ import annotations

import re

import pytest

from locust_ext.plan.importers.postman_scripts import ScriptResult, convert_script
from locust_ext.plan.importers.readers import Placeholders, Warnings

pytestmark = pytest.mark.unit


def convert(source: str, listen: str = "test") -> ScriptResult:
    placeholders = Placeholders(re.compile(r"\{\{([^{}]+)\}\}"), Warnings(), {"$guid": "${__uuid}"})
    return convert_script(source, listen, placeholders.name, placeholders.text)


def asserts(source: str) -> list[dict[str, str]]:
    result = convert(source)
    assert result.problems == [], result.problems
    return result.asserts


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # The case: an arrow function, the way most collections are written today.
        (
            "pm.test('teapot', () => pm.response.to.have.status(418));",
            [{"on": "STATUS", "op": "EQ", "value": "418", "name": "teapot"}],
        ),
        (
            "pm.test('ok', function () {\n  pm.response.to.be.ok;\n});",
            [{"on": "STATUS", "op": "EQ", "value": "200", "name": "ok"}],
        ),
        (
            "pm.test('2xx', () => { pm.response.to.be.success; });",
            [{"on": "STATUS", "op": "MATCHES", "value": "^2\\d\\d$", "name": "2xx"}],
        ),
        ("pm.expect(pm.response.code).to.eql(201);", [{"on": "STATUS", "op": "EQ", "value": "201"}]),
        ("pm.expect(pm.response.code).to.not.equal(500);", [{"on": "STATUS", "op": "NE", "value": "500"}]),
        (
            "pm.expect(pm.response.code).to.be.oneOf([200, 201]);",
            [{"on": "STATUS", "op": "MATCHES", "value": "^(200|201)$"}],
        ),
        ("pm.response.to.have.header('X-Id');", [{"on": "HEADER", "expr": "X-Id", "op": "EXISTS"}]),
        ("pm.response.to.not.have.header('X-Id');", [{"on": "HEADER", "expr": "X-Id", "op": "NOT_EXISTS"}]),
        (
            "pm.response.to.have.header('Content-Type', 'application/json');",
            [{"on": "HEADER", "expr": "Content-Type", "op": "EQ", "value": "application/json"}],
        ),
        (
            "pm.expect(pm.response.headers.get('Content-Type')).to.include('json');",
            [{"on": "HEADER", "expr": "Content-Type", "op": "CONTAINS", "value": "json"}],
        ),
        ("pm.expect(pm.response.text()).to.include('sock');", [{"on": "BODY", "op": "CONTAINS", "value": "sock"}]),
        (
            "pm.expect(pm.response.text()).to.not.include('error');",
            [{"on": "BODY", "op": "NOT_CONTAINS", "value": "error"}],
        ),
        (
            "pm.expect(pm.response.text()).to.match(/id\\d+/i);",
            [{"on": "BODY", "op": "MATCHES", "value": "(?i)id\\d+"}],
        ),
        ("pm.response.to.have.body('pong');", [{"on": "BODY", "op": "EQ", "value": "pong"}]),
        ("pm.response.to.be.json;", [{"on": "JSONPATH", "expr": "$", "op": "EXISTS"}]),
        (
            "pm.response.to.have.jsonBody('data.items[0].id', 7);",
            [{"on": "JSONPATH", "expr": "$.data.items[0].id", "op": "EQ", "value": "7"}],
        ),
        (
            "pm.expect(pm.response.responseTime).to.be.below(500);",
            [{"on": "RESPONSE_TIME_MS", "op": "LT", "value": "500"}],
        ),
        (
            "pm.response.to.have.responseTime.above(1);",
            [{"on": "RESPONSE_TIME_MS", "op": "GT", "value": "1"}],
        ),
        # pm.response.json() held in a variable, and called in place.
        (
            "const j = pm.response.json();\npm.expect(j.items[0].name).to.eql('sock');",
            [{"on": "JSONPATH", "expr": "$.items[0].name", "op": "EQ", "value": "sock"}],
        ),
        (
            "pm.expect(pm.response.json().total).to.be.at.least(3);",
            [{"on": "JSONPATH", "expr": "$.total", "op": "GE", "value": "3"}],
        ),
        (
            "var d = JSON.parse(responseBody); pm.expect(d['odd-key']).to.exist;",
            [{"on": "JSONPATH", "expr": "$['odd-key']", "op": "EXISTS"}],
        ),
        (
            "const j = pm.response.json(); pm.expect(j.id).to.be.a('number'); pm.expect(j.tags).to.be.an('array');",
            [
                {"on": "JSONPATH", "expr": "$.id", "op": "TYPE", "value": "number"},
                {"on": "JSONPATH", "expr": "$.tags", "op": "TYPE", "value": "array"},
            ],
        ),
        (
            "const j = pm.response.json(); pm.expect(j.ok).to.be.true; pm.expect(j.gone).to.be.null;",
            [
                {"on": "JSONPATH", "expr": "$.ok", "op": "EQ", "value": "true"},
                {"on": "JSONPATH", "expr": "$.gone", "op": "TYPE", "value": "null"},
            ],
        ),
        (
            "const j = pm.response.json(); pm.expect(j.user).to.have.property('name', 'ada');",
            [{"on": "JSONPATH", "expr": "$.user.name", "op": "EQ", "value": "ada"}],
        ),
        (
            "pm.expect(pm.response.json().tags).to.eql(['a', 'b']);",
            [{"on": "JSONPATH", "expr": "$.tags", "op": "EQ", "value": '["a","b"]'}],
        ),
        # A multi-line chain.
        (
            "pm.test('chain', function () {\n  pm.expect(pm.response.json().name)\n    .to.be.a('string')\n"
            "    .and.to.include('so');\n});",
            [
                {"on": "JSONPATH", "expr": "$.name", "op": "TYPE", "value": "string", "name": "chain"},
                {"on": "JSONPATH", "expr": "$.name", "op": "CONTAINS", "value": "so", "name": "chain"},
            ],
        ),
        # The legacy forms.
        ('tests["ok"] = responseCode.code === 200;', [{"on": "STATUS", "op": "EQ", "value": "200", "name": "ok"}]),
        (
            'tests["has"] = responseBody.has("sock");',
            [{"on": "BODY", "op": "CONTAINS", "value": "sock", "name": "has"}],
        ),
        (
            'tests["idx"] = responseBody.indexOf("sock") !== -1;',
            [{"on": "BODY", "op": "CONTAINS", "value": "sock", "name": "idx"}],
        ),
        (
            'var jsonData = JSON.parse(responseBody);\ntests["v"] = jsonData.value === 100;',
            [{"on": "JSONPATH", "expr": "$.value", "op": "EQ", "value": "100", "name": "v"}],
        ),
        (
            'tests["fast"] = responseTime < 200;',
            [{"on": "RESPONSE_TIME_MS", "op": "LT", "value": "200", "name": "fast"}],
        ),
        (
            'tests["typed"] = postman.getResponseHeader("Content-Type");',
            [{"on": "HEADER", "expr": "Content-Type", "op": "EXISTS", "name": "typed"}],
        ),
        (
            'tests["both"] = responseCode.code == 201 && !responseBody.has("error");',
            [
                {"on": "STATUS", "op": "EQ", "value": "201", "name": "both"},
                {"on": "BODY", "op": "NOT_CONTAINS", "value": "error", "name": "both"},
            ],
        ),
        # A condition expected to hold.
        (
            "const j = pm.response.json(); pm.expect(j.count > 2).to.be.true;",
            [{"on": "JSONPATH", "expr": "$.count", "op": "GT", "value": "2"}],
        ),
        (
            "pm.expect(pm.response.code === 500).to.be.false;",
            [{"on": "STATUS", "op": "NE", "value": "500"}],
        ),
        # An expected value from a variable is a template.
        (
            "pm.expect(pm.response.json().id).to.eql(pm.environment.get('id'));",
            [{"on": "JSONPATH", "expr": "$.id", "op": "EQ", "value": "${id}"}],
        ),
        # A literal `${` in an expected value stays literal.
        ("pm.expect(pm.response.text()).to.include('${x}');", [{"on": "BODY", "op": "CONTAINS", "value": "$${x}"}]),
    ],
)
def test_a_test_script_pattern_becomes_its_assertions(source: str, expected: list[dict[str, str]]) -> None:
    assert asserts(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "var j = pm.response.json(); pm.environment.set('u', j.uuid);",
            {"name": "u", "from": "JSONPATH", "expr": "$.uuid", "default": ""},
        ),
        (
            "pm.collectionVariables.set('id', pm.response.json().items[0].id);",
            {"name": "id", "from": "JSONPATH", "expr": "$.items[0].id"},
        ),
        (
            "pm.globals.set('t', pm.response.headers.get('X-Token'));",
            {"name": "t", "from": "HEADER", "expr": "X-Token", "default": ""},
        ),
        (
            "pm.variables.set('s', pm.cookies.get('session'));",
            {"name": "s", "from": "COOKIE", "expr": "session", "default": ""},
        ),
        ("postman.setEnvironmentVariable('code', responseCode.code);", {"name": "code", "from": "STATUS"}),
        (
            "const m = pm.response.text().match(/token=(\\w+)/);\npm.environment.set('tok', m[1]);",
            {"name": "tok", "from": "REGEX", "expr": "token=(\\w+)"},
        ),
        ("pm.environment.set('mode', 'fast');", {"name": "mode", "from": "CONST", "expr": "fast"}),
        (
            "pm.environment.set('ids', JSON.stringify(pm.response.json().ids));",
            {"name": "ids", "from": "JSONPATH", "expr": "$.ids", "default": ""},
        ),
    ],
)
def test_a_variable_set_from_the_response_becomes_a_save(source: str, expected: dict[str, str]) -> None:
    result = convert(source)
    assert result.problems == []
    assert result.saves == [expected]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("pm.variables.set('ts', Date.now());", {"ts": "${__timestamp}"}),
        ("pm.environment.set('ts', new Date().getTime());", {"ts": "${__timestamp}"}),
        ("pm.environment.set('id', require('uuid').v4());", {"id": "${__uuid}"}),
        ("const uuid = require('uuid'); pm.environment.set('id', uuid.v4());", {"id": "${__uuid}"}),
        ("pm.globals.set('g', pm.variables.replaceIn('{{$guid}}'));", {"g": "${__uuid}"}),
        ("pm.variables.set('n', _.random(1, 10));", {"n": "${__randomInt(1,10)}"}),
        ("const ts = Date.now();\npm.variables.set('key', `order-${ts}`);", {"key": "order-${__timestamp}"}),
        ("pm.variables.set('k', 'a-' + pm.environment.get('user'));", {"k": "a-${user}"}),
        ("postman.setGlobalVariable('v', 'x');", {"v": "x"}),
    ],
)
def test_a_pre_request_script_becomes_assignments(source: str, expected: dict[str, str]) -> None:
    result = convert(source, "prerequest")
    assert result.problems == []
    assert result.assign == expected


@pytest.mark.parametrize(
    ("source", "line", "why"),
    [
        ("pm.sendRequest('http://a.test', () => {});", 1, "pm.sendRequest not converted"),
        ("\npostman.setNextRequest('login');", 2, "postman.setNextRequest not converted"),
        ("if (pm.response.code === 200) { pm.environment.set('a', 1); }", 1, "an if statement not converted"),
        (
            "for (const i of pm.response.json().items) { pm.expect(i.id).to.exist; }",
            1,
            "a for...of loop not converted",
        ),
        ("const ids = pm.response.json().items.map(i => i.id);", 1, "a value computed by code not converted"),
        (
            "pm.expect(pm.response.json().items.length).to.eql(2);",
            1,
            "an expectation on a value computed by code not converted",
        ),
        ("pm.expect(pm.response.json().a).to.have.lengthOf(2);", 1, "chai's .lengthOf not converted"),
        (
            "pm.environment.set('n', pm.response.json().items.length);",
            1,
            "the value saved as 'n' is computed by code we cannot express",
        ),
        ("pm.test(name, () => {});", 1, "a test whose name is computed not converted"),
        ("pm.response.to.have.status('OK');", 1, "pm.response.to.have.status not converted"),
        (
            "pm.response.json().items.forEach(i => pm.expect(i.id).to.exist);",
            1,
            "a forEach loop not converted",
        ),
        ("pm.response.json().a;", 1, "pm.response.json.a not converted"),
        (
            "pm.test('x', () => {\n  pm.expect(1 + 1).to.eql(2);\n});",
            2,
            "an expectation on a value computed by code not converted",
        ),
        ("pm.test('x', () => {", 1, "a syntax error; the script is not converted"),
    ],
)
def test_what_cannot_be_converted_is_reported_with_its_line(source: str, line: int, why: str) -> None:
    problems = convert(source).problems
    assert [(problem[0], problem[2]) for problem in problems] == [(line, why)]


def test_console_and_skipped_tests_are_left_out_silently() -> None:
    result = convert("console.log(pm.response.json());\npm.test.skip('later', () => pm.response.to.be.ok);")
    assert (result.problems, result.asserts) == ([], [])


def test_a_pre_request_script_cannot_assert_and_a_test_script_cannot_assign() -> None:
    assert convert("pm.response.to.be.ok;", "prerequest").problems[0][2].startswith("an assertion in a pre-request")
    assert convert("pm.variables.set('ts', Date.now());").saves == [
        {"name": "ts", "from": "CONST", "expr": "${__timestamp}"}
    ]


def test_a_variable_set_twice_keeps_the_last_value() -> None:
    result = convert("pm.environment.set('a', 'x');\npm.environment.set('a', pm.response.json().id);")
    assert result.saves == [{"name": "a", "from": "JSONPATH", "expr": "$.id", "default": ""}]


def test_a_deeply_nested_expression_is_reported_not_crashed_on() -> None:
    source = "pm.expect(" + "(" * 3000 + "1" + ")" * 3000 + ").to.eql(1);"
    problems = convert(source).problems
    assert len(problems) == 1 and problems[0][0] == 1
