"""Every save source and assertion target, replayed by real Locust against httpbin on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FleetRun, run_fleet


def step(name: str, url: str, **fields) -> dict:
    return {"name": name, "url": url, **fields}


def check(on: str, op: str, value: str = "", expr: str = "") -> dict:
    return {key: item for key, item in {"on": on, "expr": expr, "op": op, "value": value}.items() if item}


def save(name: str, source: str, expr: str = "", **fields) -> dict:
    return {key: item for key, item in {"name": name, "from": source, "expr": expr, **fields}.items() if item}


PASSING_STEPS = [
    step(
        "save JSONPATH",
        "/anything",
        method="POST",
        json={"token": "tok-${__userId}", "items": [{"id": 7, "tags": ["a"]}]},
        save=[
            save("token", "JSONPATH", "$.json.token"),
            save("itemId", "JSONPATH", "$['json'].items[0].id"),
            save("items", "JSONPATH", "$.json.items"),
            save("filtered", "JSONPATH", "$.json.items[?(@.id == 7)].tags[0]"),
            save("fallback", "JSONPATH", "$.json.absent", default="dflt"),
        ],
        **{
            "assert": [
                check("JSONPATH", "EXISTS", expr="$.json.token"),
                check("JSONPATH", "EQ", "7", "$.json.items[0].id"),
            ]
        },
    ),
    step(
        "save XPATH html",
        "/html",
        save=[save("h1", "XPATH", "//h1")],
        **{"assert": [check("XPATH", "CONTAINS", "Moby", "//h1")]},
    ),
    step(
        "save XPATH xml",
        "/xml",
        save=[save("title", "XPATH", "/slideshow/@title")],
        **{
            "assert": [
                check("XPATH", "EQ", "Wake up to WonderWidgets!", "//slide[1]/title"),
                check("XPATH", "EQ", "2", "count(//slide)"),
            ]
        },
    ),
    step("save REGEX", "/html", save=[save("word", "REGEX", r"(Moby-\w+)"), save("whole", "REGEX", r"Herman \w+")]),
    step(
        "save HEADER",
        "/response-headers",
        params={"X-Fleet": "hello"},
        save=[save("header", "HEADER", "x-fleet")],
        **{"assert": [check("HEADER", "EQ", "hello", "X-Fleet"), check("HEADER", "CONTAINS", "json", "content-type")]},
    ),
    step(
        "save COOKIE",
        "/cookies/set",
        params={"flavor": "oat"},
        save=[save("flavor", "COOKIE", "flavor")],
        **{"assert": [check("JSONPATH", "EQ", "oat", "$.cookies.flavor")]},
    ),
    step(
        "save STATUS CONST RANDOM",
        "/status/201",
        save=[
            save("code", "STATUS"),
            save("const", "CONST", "x-${code}"),
            save("number", "RANDOM_INT", "3-3"),
            save("pick", "RANDOM_CHOICE", "|blue"),
        ],
        **{"assert": [check("STATUS", "EQ", "201")]},
    ),
    step(
        "saved values arrive",
        "/anything",
        method="POST",
        json={
            "token": "${token}",
            "itemId": "${itemId}",
            "items": "${items}",
            "filtered": "${filtered}",
            "fallback": "${fallback}",
            "h1": "${h1}",
            "title": "${title}",
            "word": "${word}",
            "whole": "${whole}",
            "header": "${header}",
            "flavor": "${flavor}",
            "code": "${code}",
            "const": "${const}",
            "number": "${number}",
            "pick": "${pick}",
        },
        **{
            "assert": [
                check("JSONPATH", "MATCHES", r"^tok-\d+$", "$.json.token"),
                check("JSONPATH", "EQ", "7", "$.json.itemId"),
                check("JSONPATH", "EQ", '[{"id":7,"tags":["a"]}]', "$.json.items"),
                check("JSONPATH", "EQ", "a", "$.json.filtered"),
                check("JSONPATH", "EQ", "dflt", "$.json.fallback"),
                check("JSONPATH", "EQ", "Herman Melville - Moby-Dick", "$.json.h1"),
                check("JSONPATH", "EQ", "Sample Slide Show", "$.json.title"),
                check("JSONPATH", "EQ", "Moby-Dick", "$.json.word"),
                check("JSONPATH", "EQ", "Herman Melville", "$.json.whole"),
                check("JSONPATH", "EQ", "hello", "$.json.header"),
                check("JSONPATH", "EQ", "oat", "$.json.flavor"),
                check("JSONPATH", "EQ", "201", "$.json.code"),
                check("JSONPATH", "EQ", "x-201", "$.json.const"),
                check("JSONPATH", "EQ", "3", "$.json.number"),
                check("JSONPATH", "EQ", "blue", "$.json.pick"),
            ]
        },
    ),
    step(
        "assert BODY",
        "/robots.txt",
        **{
            "assert": [
                check("BODY", "CONTAINS", "Disallow: /deny"),
                check("BODY", "NOT_CONTAINS", "Allow: /secret"),
                check("BODY", "MATCHES", r"User-agent: \*"),
                check("BODY_LENGTH", "GT", "10"),
                check("BODY_LENGTH", "LT", "1000"),
            ]
        },
    ),
    step(
        "assert RESPONSE_TIME_MS",
        "/delay/1",
        **{"assert": [check("RESPONSE_TIME_MS", "GE", "900"), check("RESPONSE_TIME_MS", "LT", "10000")]},
    ),
    step("expected 404", "/status/404", **{"assert": [check("STATUS", "EQ", "404")]}),
    step(
        "redirects followed",
        "/redirect/2",
        **{"assert": [check("STATUS", "EQ", "200"), check("JSONPATH", "CONTAINS", "/get", "$.url")]},
    ),
    step(
        "redirect not followed",
        "/redirect-to",
        params={"url": "/get"},
        followRedirects=False,
        **{"assert": [check("STATUS", "EQ", "302"), check("HEADER", "EQ", "/get", "Location")]},
    ),
    step(
        "other ops",
        "/anything",
        **{
            "assert": [
                check("JSONPATH", "NOT_EXISTS", expr="$.nothing"),
                check("STATUS", "NE", "500"),
                check("STATUS", "LE", "200"),
                check("STATUS", "GE", "200.0"),
            ]
        },
    ),
    step(
        "form body",
        "/anything",
        method="POST",
        form={"colour": "${pick}"},
        **{
            "assert": [
                check("JSONPATH", "EQ", "blue", "$.form.colour"),
                check("JSONPATH", "CONTAINS", "x-www-form-urlencoded", "$.headers.Content-Type"),
            ]
        },
    ),
    step(
        "raw body and headers",
        "/anything",
        method="PUT",
        body="raw-${number}",
        headers={"Content-Type": "text/plain", "X-Trace": "t-${code}"},
        **{
            "assert": [
                check("JSONPATH", "EQ", "raw-3", "$.data"),
                check("JSONPATH", "EQ", "PUT", "$.method"),
                check("JSONPATH", "EQ", "t-201", "$.headers.X-Trace"),
            ]
        },
    ),
    step(
        "params and built-ins",
        "/anything",
        params={"five": "${__randomInt(5,5)}", "id": "${__uuid}", "ms": "${__timestamp}", "literal": "$${x}"},
        **{
            "assert": [
                check("JSONPATH", "EQ", "5", "$.args.five"),
                check("JSONPATH", "MATCHES", "^[0-9a-f]{8}-[0-9a-f]{4}-", "$.args.id"),
                check("JSONPATH", "GT", "1700000000000", "$.args.ms"),
                check("JSONPATH", "EQ", "$${x}", "$.args.literal"),
            ]
        },
    ),
]

FAILING_TASKS = {
    "unasserted 503": (
        step("unasserted 503", "/status/503"),
        "status 503: a step without a STATUS assert fails on 4xx and 5xx",
    ),
    "status mismatch": (
        step("status mismatch", "/status/503", **{"assert": [check("STATUS", "EQ", "200")]}),
        "assert STATUS EQ 200: got 503",
    ),
    "save matched nothing": (
        step("save matched nothing", "/anything", save=[save("token", "JSONPATH", "$.token")]),
        "save token: JSONPATH $.token matched nothing",
    ),
    "save from HTML": (
        step("save from HTML", "/html", save=[save("token", "JSONPATH", "$.token")]),
        "save token: JSONPATH $.token matched nothing (the body is not JSON)",
    ),
    "undefined variable": (step("undefined variable", "/anything/${missing}"), "undefined variable ${missing}"),
    "timeout": (step("timeout", "/delay/3", timeoutS=0.5), "no response within 0.5 s (timeoutS)"),
    "xpath nothing": (
        step("xpath nothing", "/html", **{"assert": [check("XPATH", "EXISTS", expr="//h2")]}),
        "assert XPATH //h2 EXISTS: matched nothing",
    ),
    "header mismatch": (
        step("header mismatch", "/get", **{"assert": [check("HEADER", "CONTAINS", "xml", "Content-Type")]}),
        "assert HEADER Content-Type CONTAINS xml: got 'application/json'",
    ),
    "number expected": (
        step("number expected", "/get", **{"assert": [check("JSONPATH", "LT", "5", "$.url")]}),
        "assert JSONPATH $.url LT 5: got 'http://",
    ),
}


@pytest.fixture(scope="module")
def passing(httpbin: str, tmp_path_factory: pytest.TempPathFactory) -> FleetRun:
    plan = {"name": "every-feature", "host": httpbin, "tasks": [{"name": "features", "steps": PASSING_STEPS}]}
    return run_fleet(tmp_path_factory.mktemp("passing"), plan, users=2, seconds=6)


@pytest.fixture(scope="module")
def failing(httpbin: str, tmp_path_factory: pytest.TempPathFactory) -> FleetRun:
    tasks = [{"name": name, "steps": [failing_step]} for name, (failing_step, _) in FAILING_TASKS.items()]
    tasks.append({"name": "chain stops", "steps": [step("first fails", "/status/500"), step("never runs", "/get")]})
    plan = {"name": "every-failure", "host": httpbin, "tasks": tasks}
    return run_fleet(tmp_path_factory.mktemp("failing"), plan, users=4, seconds=5)


@pytest.mark.parametrize("name", [item["name"] for item in PASSING_STEPS])
def test_step_succeeds(passing: FleetRun, name: str) -> None:
    assert passing.requests(name) > 0, passing.explain()
    assert passing.failed(name) == 0, passing.explain()


def test_passing_run_exits_zero(passing: FleetRun) -> None:
    assert passing.returncode == 0, passing.explain()
    assert passing.failures == []


@pytest.mark.parametrize("name", list(FAILING_TASKS))
def test_failure_says_what_was_expected_and_what_came(failing: FleetRun, name: str) -> None:
    expected = FAILING_TASKS[name][1]
    assert failing.failed(name) > 0, failing.explain()
    assert failing.failed(name) == failing.requests(name), failing.explain()
    messages = failing.messages(name)
    assert len(messages) == 1 and messages[0].startswith(expected), failing.explain()


def test_failed_step_ends_the_chain(failing: FleetRun) -> None:
    assert failing.failed("first fails") > 0, failing.explain()
    assert failing.requests("never runs") == 0, failing.explain()


def test_failures_give_exit_code_one(failing: FleetRun) -> None:
    assert failing.returncode == 1, failing.explain()


def test_plan_with_failing_assertion_writes_failures_csv(failing: FleetRun, tmp_path: Path) -> None:
    assert {row["Name"] for row in failing.failures} >= set(FAILING_TASKS)
