"""Fuzzing: plan validation, the importers, the master's REST API and the agent's gRPC port, fed garbage.

Every input must end in an answer a user can act on: a plan or a validation error naming the field, an
import or an ImportFailed, a 2xx/4xx that conforms to the OpenAPI description, a refused gRPC call. What
each target tried and how it came out is reported for docs/RELIABILITY.md (tests/reliability.py).
Hypothesis runs derandomized and without its example database, so CI sees the same inputs every time.
"""

from __future__ import annotations

import copy
import json
import math
import re
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, cast

import grpc
import pytest
import requests
import schemathesis
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode, checks
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.result import Err, Ok
from schemathesis.schemas import APIOperation

from locust_ext.plan.importers import FORMATS, ImportFailed, import_plan
from locust_ext.plan.validation import PlanError, load_plan, parse_plan, plan_to_json
from locust_ext.proto import fleet_pb2
from tests.fleet_fixtures import TEST_PLAN, AgentProcess, FleetMaster, StartAgent
from tests.reliability import record
from tests.test_importers import CHROME_CURL, HAR, HAZARD, POSTMAN
from worker_agent.service import MAX_MESSAGE_BYTES

pytest_plugins = ("tests.fleet_fixtures",)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
# The example plans as the API and the page exchange them: data set files inlined.
VALID_PLANS = [plan_to_json(load_plan(path)) for path in sorted(EXAMPLES.glob("*.json"))]


def fuzz_settings(examples: int, deadline_ms: int = 5000) -> settings:
    """Bounded and reproducible: a fixed number of derandomized examples, none replayed from a database.

    The deadline catches a hang or a pathological slowdown; it is generous because the CI machine is shared.
    """
    return settings(
        max_examples=examples,
        deadline=deadline_ms,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


@dataclass
class Tally:
    """What one fuzz target's inputs came out as; an input that ends in anything else fails the test first."""

    tried: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def run(self, attempt: Callable[[], str]) -> None:
        self.tried += 1
        self.outcomes[attempt()] += 1

    @property
    def survived(self) -> int:
        return sum(self.outcomes.values())

    def report(self, name: str, what: str) -> None:
        counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.outcomes.items()))
        record(kind="input", name=name, tried=self.tried, survived=self.survived, detail=f"{what}: {counts}")
        assert self.tried > 0 and self.survived == self.tried, f"{name}: {self.tried} tried, {self.outcomes}"


# Strategies: JSON values, with the words, expressions and numbers a plan is made of mixed into the arbitrary ones.


def _messages(descriptor: Descriptor, seen: dict[str, Descriptor]) -> dict[str, Descriptor]:
    if descriptor.full_name not in seen and not descriptor.GetOptions().map_entry:
        seen[descriptor.full_name] = descriptor
        for item in descriptor.fields:
            if item.message_type is not None and item.message_type.file is fleet_pb2.DESCRIPTOR:
                _messages(item.message_type, seen)
    return seen


# A message's DESCRIPTOR is a descriptor.Descriptor at run time; protobuf's stubs also allow the upb class.
PLAN_MESSAGES = list(_messages(cast(Descriptor, fleet_pb2.Plan.DESCRIPTOR), {}).values())
PLAN_KEYS = sorted({item.json_name for message in PLAN_MESSAGES for item in message.fields})
ENUM_NAMES = sorted({name for message in PLAN_MESSAGES for enum in message.enum_types for name in enum.values_by_name})


def nested_lists(depth: int) -> list[Any]:
    document: list[Any] = []
    for _ in range(depth - 1):
        document = [document]
    return document


def nested_text(depth: int) -> str:
    return "[" * depth + "]" * depth


# Text that reaches the deeper checks, by what reads it: templates, expressions (JSONPath, XPath, regexes, ranges,
# choice lists, numbers), CSV; and odd Unicode and nesting anywhere.
TEMPLATE_TEXT = [
    "${",
    "${}",
    "${x}",
    "${users.nope}",
    "$${x}",
    "${__randomInt(9,1)}",
    "${__randomInt(1,99999999999999999999999)}",
    "${__nope}",
    "${x}{99999999999}",
]
EXPRESSION_TEXT = [
    "$.items[0].id",
    "$..[?(@.id > 1)]",
    "$[",
    "//meta[@name='csrf']/@content",
    "//a[",
    "count(//a)",
    "(",
    "[a-",
    "(?P<x>a)(?P=y)",
    "a{99999999999}",
    "(" * 200 + ")" * 200,
    "1-5",
    "5-1",
    "99999999999999999999999-1",
    "|a|b",
    "|a||b",
    "1e400",
    "nan",
    "200",
]
CSV_TEXT = ["a,b\n1,2\n", "a,a\n1,2\n", "a\n", '"\n', "a\n" + "x" * 140_000 + "\n"]
ODD_TEXT = ["", " ", "http://h:99999", "\x00", "\ud800", "\U0010ffff", nested_text(150), nested_text(5000)]
TRICKY_TEXT = TEMPLATE_TEXT + EXPRESSION_TEXT + CSV_TEXT + ODD_TEXT
TEXT_BY_KEY = {
    "expr": EXPRESSION_TEXT + ODD_TEXT,
    "value": EXPRESSION_TEXT + TEMPLATE_TEXT + ODD_TEXT,
    "csv": CSV_TEXT + ODD_TEXT,
}
EXTREME_NUMBERS = [0, -1, 0.5, 2**32, 2**64, 10**400, 1e308, 5e-324, -0.0, math.nan, math.inf, -math.inf]
TEXT = st.text(max_size=20) | st.sampled_from(TRICKY_TEXT + ENUM_NAMES + PLAN_KEYS)
NUMBERS = st.integers() | st.floats() | st.sampled_from(EXTREME_NUMBERS)
JSON_LEAVES = st.none() | st.booleans() | NUMBERS | TEXT
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=16,
)
# Nesting deeper than the json field allows, for parse_plan itself (the importers and the API get it as text).
DEEP_VALUES = st.sampled_from([33, 150]).map(nested_lists)
NEW_KEYS = st.sampled_from(PLAN_KEYS) | TEXT


def _seed(**fields: Any) -> dict[str, Any]:
    return {"name": "seed", "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": [{"url": "/"}]}], **fields}


def _seed_step(**fields: Any) -> dict[str, Any]:
    return _seed(variables={"x": "1"}, tasks=[{"name": "t", "steps": [{"url": "/a/${x}", **fields}]}])


# Small valid plans, one feature each: a mutation lands on that feature's fields far more often than in a big plan.
SEED_PLANS = [
    _seed_step(
        save=[
            {"name": "a", "from": "JSONPATH", "expr": "$.a[0]"},
            {"name": "b", "from": "XPATH", "expr": "//b/@c"},
            {"name": "c", "from": "REGEX", "expr": "id=(\\d+)", "default": "0"},
        ]
    ),
    _seed_step(
        save=[
            {"name": "d", "from": "RANDOM_INT", "expr": "1-5"},
            {"name": "e", "from": "RANDOM_CHOICE", "expr": "|a|b"},
            {"name": "f", "from": "CONST", "expr": "${x}"},
            {"name": "g", "from": "HEADER", "expr": "X-Id"},
        ]
    ),
    _seed_step(
        **{
            "assert": [
                {"on": "STATUS", "op": "LT", "value": "500"},
                {"on": "BODY", "op": "MATCHES", "value": "o+k"},
                {"on": "JSONPATH", "expr": "$.a", "op": "EXISTS"},
            ]
        }
    ),
    _seed_step(method="POST", json={"a": [1, 2.5, "${x}"]}, headers={"H": "${x}"}, timeoutS=2, followRedirects=False),
    {
        **_seed_step(method="PUT", form={"f": "${users.name}"}, params={"p": "${__randomInt(1,5)}"}),
        "dataSets": [{"name": "users", "csv": "name\nann\n", "mode": "RANDOM"}],
    },
    _seed(
        load={"targetRps": 5, "step": {"usersPerStep": 1, "stepDurationS": 5, "maxUsers": 3}},
        tasks=[
            {
                "name": "t",
                "weight": 2,
                "iterationsPerS": 1,
                "thinkTime": {"minS": 0, "maxS": 1},
                "steps": [{"url": "/"}],
            }
        ],
    ),
    _seed(load={"stages": [{"durationS": 5, "users": 2}]}, setup=[{"url": "/login", "method": "POST", "body": "x"}]),
    _seed(
        load={
            "calibrate": {
                "usersPerStep": 1,
                "stepDurationS": 10,
                "maxUsers": 5,
                "thresholds": [{"metric": "ERROR_RATIO", "max": 0.1}],
            }
        }
    ),
    _seed(
        users={"browserCount": 1, "httpWeight": 1},
        journeys=[
            {"name": "j", "steps": [{"action": "GOTO", "url": "/"}, {"action": "FILL", "selector": "#q", "value": "x"}]}
        ],
    ),
]

JsonPath = tuple[str | int, ...]


def node_paths(value: Any, path: JsonPath = ()) -> Iterator[JsonPath]:
    """The path of every value in a JSON document, the document itself first."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from node_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from node_paths(item, (*path, index))


def value_at(document: Any, path: JsonPath) -> Any:
    for key in path:
        document = document[key]
    return document


def extreme(value: Any, key: str | int) -> st.SearchStrategy[Any]:
    """Values of the same kind as `value` that validators trip on: tricky text for the key's syntax, extreme numbers."""
    if isinstance(value, str):
        return st.sampled_from(TEXT_BY_KEY.get(key, TRICKY_TEXT) if isinstance(key, str) else TRICKY_TEXT)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return st.sampled_from(EXTREME_NUMBERS)
    return JSON_VALUES


MUTATIONS = ("replace", "extreme", "delete", "add")


@st.composite
def mutated(
    draw: st.DrawFn,
    documents: list[Any],
    values: st.SearchStrategy[Any] = JSON_VALUES,
    actions: tuple[str, ...] = MUTATIONS,
) -> Any:
    """A copy of one of `documents` with one value somewhere replaced (by anything, or by an extreme value of its
    kind), deleted, or given a new key or item."""
    document = copy.deepcopy(draw(st.sampled_from(documents)))
    path = draw(st.sampled_from(list(node_paths(document))))
    action = draw(st.sampled_from(actions))
    if not path:  # the document itself: given a new key, or replaced
        if action == "add" and isinstance(document, dict):
            document[draw(NEW_KEYS)] = draw(values)
            return document
        return draw(values)
    parent, key = value_at(document, path[:-1]), path[-1]
    target = parent[key]
    if action == "delete":
        del parent[key]
    elif action == "extreme":
        parent[key] = draw(extreme(target, key))
    elif action == "add" and isinstance(target, dict):
        target[draw(NEW_KEYS)] = draw(values)
    elif action == "add" and isinstance(target, list):
        target.insert(draw(st.integers(0, len(target))), draw(values))
    else:
        parent[key] = draw(values)
    return document


# 1. Plan validation


def parse_outcome(data: Any) -> str:
    """`accepted` (and the plan survives a round trip through its JSON) or `rejected` with every issue explained."""
    try:
        plan = parse_plan(data)
    except PlanError as error:
        assert error.issues, "a PlanError without issues"
        for issue in error.issues:
            assert isinstance(issue.path, str) and isinstance(issue.message, str) and issue.message.strip(), issue
            # Only a document that is not an object at all is wrong as a whole; anything else names its field.
            assert issue.path or not isinstance(data, dict), f"no field named: {issue}"
        return "rejected with the field named"
    assert parse_plan(plan_to_json(plan)) == plan, f"the round trip changed the plan {plan_to_json(plan)}"
    return "accepted"


# Plans that once broke parse_plan (an exception other than PlanError, a fallback error naming no field, a round trip
# that changed the plan); run first, every time.
PLAN_REGRESSIONS = [
    _seed_step(json=10**400),
    _seed_step(json=[math.nan]),
    _seed_step(json={"a": -0.0}),
    _seed_step(json=nested_lists(60)),
    _seed_step(json={"\ud800": "x"}),
    _seed_step(timeoutS=10**400),
    _seed_step(save=[{"name": "a", "from": "REGEX", "expr": "a{99999999999}"}]),
    _seed_step(save=[{"name": "a", "from": "\ud800"}]),
    _seed(dataSets=[{"name": "d", "csv": "a\n" + "x" * 140_000 + "\n"}]),
    _seed(
        load={
            "calibrate": {
                "usersPerStep": 1,
                "stepDurationS": 10,
                "maxUsers": 5,
                "thresholds": [{"metric": "ERROR_RATIO", "max": 10**400}],
            }
        }
    ),
]


def test_plan_validation_of_arbitrary_json() -> None:
    tally = Tally()

    @fuzz_settings(1000)
    @given(JSON_VALUES | st.dictionaries(NEW_KEYS, JSON_VALUES, max_size=6))
    def validate(data: Any) -> None:
        tally.run(partial(parse_outcome, data))

    validate()
    tally.report("plan validation: arbitrary JSON", "parse_plan fed arbitrary JSON values and objects")


def test_plan_validation_of_mutated_example_plans() -> None:
    tally = Tally()
    for data in PLAN_REGRESSIONS:
        tally.run(partial(parse_outcome, data))

    @fuzz_settings(3000)
    @given(mutated(VALID_PLANS + SEED_PLANS, JSON_VALUES | DEEP_VALUES))
    def validate(data: Any) -> None:
        tally.run(partial(parse_outcome, data))

    validate()
    tally.report(
        "plan validation: mutated example plans",
        "parse_plan fed the example plans with one value replaced, deleted or given a new key",
    )


# 2. Importers

JSON_SAMPLES = {"postman": [POSTMAN], "har": [HAR], "hazard": [HAZARD], "plan": VALID_PLANS}
CURL_SAMPLES = [
    CHROME_CURL,
    "curl -sSL -X DELETE https://a.test/items/7 -u alice:pw",
    "curl -G -d q=socks --data-urlencode 'tag=a&b' http://a.test/search -A bench -e http://a.test/",
    "curl --json '{\"a\": 1}' http://a.test/things -b 'a=1'",
    "curl -F title=Holiday -F photo=@/tmp/a.png a.test/upload -H 'X: ${y}'",
    "curl 'http://a.test/u' --data-raw $'a\\r\\nb\\x41\\u00e9\\101'",
]
CURL_WORDS = [
    "curl",
    "-X",
    "-XPOST",
    "-H",
    "-d",
    "-G",
    "-F",
    "-u",
    "-b",
    "-I",
    "--json",
    "--url",
    "--data-urlencode",
    "-sSL",
    "-sX",
    "'",
    '"',
    "\\",
    "\\\n",
    "$'",
    "$'\\U0011ffff'",
    "$'\\ud800'",
    "$'\\777'",
    "@f",
    "=",
    "a=1&a=2",
    '{"a": 1}',
    "X: y",
    "http://a.test/p?q=1",
    "https://[::1]:8/",
    "http://:80/",
    "ftp://a",
    "${x}",
    nested_text(150),
    nested_text(3000),
]
CURL_TEXT = st.lists(st.sampled_from(CURL_WORDS) | st.text(max_size=8), max_size=12).map(" ".join)


# JMeter test plans without their CSV Data Set: import_outcome checks that parse_plan takes the plan unchanged, and
# parse_plan refuses a data set `file` (one is read next to a plan file, which an import has not written yet).
JMETER_SAMPLES = [
    re.sub(r"<CSVDataSet .*?</CSVDataSet>", "", path.read_text(), flags=re.S)
    for path in (EXAMPLES.parent / "jmeter" / "shop.jmx", Path(__file__).parent / "data" / "jmeter" / "parity.jmx")
]
JMETER_WORDS = [
    "<",
    ">",
    "/>",
    '"',
    "&amp;",
    "&bogus;",
    "<hashTree/>",
    "</hashTree>",
    "<hashTree>",
    'enabled="false"',
    "<![CDATA[x]]>",
    "<!-- c -->",
    "<!DOCTYPE x>",
    "${",
    "${x}",
    "${__Random(1,2,v)}",
    "${__time(yyyy)}",
    "${__Random(9,1)}",
    "$${x}",
    "(",
    "[a-",
    "//a[",
    "$[",
    "-1",
    "0",
    "99999999999999999999",
    "1e400",
    "nan",
    '<stringProp name="HTTPSampler.path">',
    '<stringProp name="RegexExtractor.template">$2$</stringProp>',
    '<intProp name="Assertion.test_type">36</intProp>',
    '<HTTPSamplerProxy testname="n"><stringProp name="HTTPSampler.path">/x</stringProp></HTTPSamplerProxy>',
]


@st.composite
def mutated_xml(draw: st.DrawFn, texts: list[str]) -> str:
    """One of `texts` with a slice replaced by arbitrary text or a word of a JMeter test plan."""
    text = draw(st.sampled_from(texts))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 40)))
    return text[:start] + draw(st.sampled_from(JMETER_WORDS) | st.text(max_size=10)) + text[end:]


@st.composite
def mutated_text(draw: st.DrawFn, texts: list[str]) -> str:
    """One of `texts` with a slice replaced by arbitrary text or a curl word."""
    text = draw(st.sampled_from(texts))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 20)))
    return text[:start] + draw(st.sampled_from(CURL_WORDS) | st.text(max_size=10)) + text[end:]


def import_inputs(format: str) -> st.SearchStrategy[str]:
    """Arbitrary text and JSON, and the format's own samples mutated."""
    garbage = st.text() | JSON_VALUES.map(json.dumps)
    if format == "curl":
        return garbage | st.text().map("curl ".__add__) | CURL_TEXT | mutated_text(CURL_SAMPLES)
    if format == "jmeter":
        return garbage | mutated_xml(JMETER_SAMPLES)
    return garbage | mutated(JSON_SAMPLES[format]).map(json.dumps)


def import_outcome(text: str, format: str | None) -> str:
    """`imported` as a plan parse_plan takes unchanged, or `refused` with what and where."""
    try:
        result = import_plan(text, format=format)
    except ImportFailed as error:
        assert isinstance(error.path, str) and error.message.strip(), repr(error)
        return "refused with the place named"
    assert plan_to_json(parse_plan(result.plan)) == result.plan, result.plan
    assert result.format in FORMATS and all(isinstance(warning, str) for warning in result.messages)
    return "imported"


# Inputs that once broke an importer (an exception other than ImportFailed); run first, every time.
IMPORT_REGRESSIONS = {
    "postman": [
        json.dumps({**POSTMAN, "auth": {"type": ["bearer"]}}),
        json.dumps({**POSTMAN, "auth": {"type": "bearer", "bearer": [{"key": [], "value": "t"}]}}),
        json.dumps({**POSTMAN, "event": [{"listen": "test", "script": {"exec": 1}}]}),
        nested_text(5000),
    ],
    "har": [
        json.dumps({"log": {"entries": [{"_resourceType": ["document"], "request": {"url": "http://a.test/"}}]}}),
        json.dumps({"log": {"entries": [{"request": {"url": "http://[::1/"}}]}}),
        "{" + '"a":{' * 3000 + "}" * 3001,
    ],
    "curl": [
        "curl $'\\U0011ffff' http://a.test/",
        "curl $'\\xZ' http://a.test/",
        "curl 'http://[::1/'",
        f"curl http://a.test/ --json '{nested_text(3000)}'",
    ],
    "hazard": [json.dumps({"MainTask": [{"TestWork": {"UrlPath": "http://a.test/", "JsonData": nested_text(3000)}}]})],
    "plan": [json.dumps({**VALID_PLANS[0], "name": {"a": 1}})],
    "jmeter": [
        "<jmeterTestPlan>" + "<hashTree>" * 3000 + "</hashTree>" * 3000 + "</jmeterTestPlan>",
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><jmeterTestPlan/>',
    ],
}


@pytest.mark.parametrize("format", FORMATS)
def test_importer_on_garbage_and_mutated_samples(format: str) -> None:
    tally = Tally()
    for text in IMPORT_REGRESSIONS[format]:
        tally.run(partial(import_outcome, text, format))
        tally.run(partial(import_outcome, text, None))

    @fuzz_settings(400)
    @given(import_inputs(format))
    def convert(text: str) -> None:
        tally.run(partial(import_outcome, text, format))
        tally.run(partial(import_outcome, text, None))

    convert()
    tally.report(
        f"import {format}: garbage and mutated samples",
        f"import_plan (format {format}, and detected) fed arbitrary text and JSON and its samples mutated",
    )


# 3. The master's REST API, under schemathesis

ANSWER_WITHIN_S = 5
JSON_TYPE = {"Content-Type": "application/json"}
API_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


def api_outcome(case: Case, base_url: str) -> str:
    """The answer's status class, once it came in time, is no 5xx and conforms to the OpenAPI description."""
    response = case.call(base_url=base_url, timeout=ANSWER_WITHIN_S)  # a hang fails here as a timeout
    case.validate_response(response, checks=API_CHECKS)
    return f"answered {response.status_code // 100}xx"


def can_be_invalid(operation: APIOperation) -> bool:
    """Whether some request breaks the operation's description: it takes a body, or a parameter that is more than
    any text (a route like GET /plans/{name} answers every request, and schemathesis can make no invalid one)."""
    any_text = {"type": "string"}
    return bool(operation.body) or any(param.definition["schema"] != any_text for param in operation.iter_parameters())


def fuzz_operation(operation: APIOperation, mode: GenerationMode, base_url: str, tally: Tally) -> None:
    @fuzz_settings(60, deadline_ms=ANSWER_WITHIN_S * 2000)
    @given(operation.as_strategy(generation_mode=mode))
    def call(case: Case) -> None:
        tally.run(partial(api_outcome, case, base_url))

    call()


def operation_of(result: Ok[APIOperation] | Err[InvalidSchema]) -> APIOperation:
    """An operation of the served description, or the error that says why schemathesis cannot read it."""
    if isinstance(result, Err):
        raise result.err()
    return result.ok()


def test_master_api_answers_generated_requests_within_its_description(fleet_master: FleetMaster) -> None:
    base_url = f"{fleet_master.url}/fleet/api"
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=ANSWER_WITHIN_S)
    # /try sends the plan's requests to the plan's host: it is fuzzed on its own, with every host pinned to loopback.
    operations = [operation_of(result) for result in schema.exclude(path="/try").get_all_operations()]
    assert len(operations) >= 10 and all(operation.path != "/try" for operation in operations)
    tally = Tally()
    for operation in operations:
        fuzz_operation(operation, GenerationMode.POSITIVE, base_url, tally)
        if can_be_invalid(operation):
            fuzz_operation(operation, GenerationMode.NEGATIVE, base_url, tally)
    tally.report(
        "REST API: schemathesis",
        f"{len(operations)} operations (all but /try), valid and invalid requests each, answers checked against "
        "the OpenAPI description",
    )


# Bodies no generator makes: nesting past the JSON parser's recursion, bytes that are not UTF-8, bare values.
UNREADABLE_BODIES = [
    b"",
    b"{",
    b"\xff\xfe{}",
    b"NaN",
    nested_text(990).encode(),
    nested_text(100_000).encode(),
    ('{"a":' * 990 + "1" + "}" * 990).encode(),
    # A plan, as /try would run it, pinned to loopback's discard port anyway.
    (
        '{"name": "p", "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": [{"url": "/", "json": '
        + nested_text(900)
        + "}]}]}"
    ).encode(),
]
BODY_ROUTES = [("POST", "/try"), ("PUT", "/plans/p"), ("POST", "/deploy"), ("POST", "/release"), ("POST", "/import")]


def unreadable_body_outcome(master: FleetMaster, method: str, route: str, body: bytes) -> str:
    status, answer = master.raw(method, route, body, JSON_TYPE)
    assert status == 400 and answer["error"], f"{method} {route} {body[:40]!r}...: {status} {answer}"
    return "refused with 400"


def test_master_api_refuses_unreadable_bodies(fleet_master: FleetMaster) -> None:
    tally = Tally()
    for method, route in BODY_ROUTES:
        for body in UNREADABLE_BODIES:
            tally.run(partial(unreadable_body_outcome, fleet_master, method, route, body))
    tally.report(
        "REST API: unreadable bodies",
        "empty, cut-short, non-UTF-8 and deeply nested JSON (up to 100,000 levels) to every route that reads a body",
    )


# 4. Try once: the plan's requests go to its host, so every host is pinned to the demo app on loopback


def http_steps(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The steps try-once sends: setup's, then each task's (journeys are not tried)."""
    tasks = plan.get("tasks")
    if not isinstance(tasks, list):
        tasks = []
    chains = [plan.get("setup"), *(task.get("steps") for task in tasks if isinstance(task, dict))]
    for chain in chains:
        if isinstance(chain, list):
            yield from (step for step in chain if isinstance(step, dict))


def pin_to_loopback(plan: Any, host: str) -> Any:
    """The plan with `host` as its host, no proxy, and every step URL a path: httpx keeps a URL that starts with "/"
    on the base URL's host whatever its templates render, so nothing can leave loopback."""
    if isinstance(plan, dict):
        plan["host"] = host
        plan.pop("proxy", None)
        for step in http_steps(plan):
            if isinstance(step.get("url"), str) and not step["url"].startswith("/"):
                step["url"] = "/" + step["url"]
    return plan


def stays_on_loopback(plan: Any, host: str) -> bool:
    if not isinstance(plan, dict):
        return True  # not a plan: refused before anything is sent
    urls = [step.get("url") for step in http_steps(plan)]
    paths_only = all(url.startswith("/") for url in urls if isinstance(url, str))
    return plan.get("host") == host and not plan.get("proxy") and paths_only and host.startswith("http://127.0.0.1:")


# Plans that reach every save source and assertion against the demo app's JSON, HTML, XML, redirects and statuses.
TRY_SEEDS = [
    *VALID_PLANS,
    {
        "name": "try-json",
        "setup": [
            {
                "method": "POST",
                "url": "/login",
                "json": {"username": "user1", "password": "pw1"},
                "save": [{"name": "token", "from": "JSONPATH", "expr": "$.token"}],
            }
        ],
        "tasks": [
            {
                "name": "t",
                "steps": [
                    {
                        "url": "/api/items",
                        "params": {"page": "${__randomInt(1,5)}"},
                        "headers": {"Authorization": "Bearer ${token}"},
                        "save": [{"name": "id", "from": "JSONPATH", "expr": "$.items[0].id"}],
                        "assert": [{"on": "JSONPATH", "expr": "$.items", "op": "EXISTS"}],
                    },
                    {"url": "/api/items/${id}", "assert": [{"on": "BODY", "op": "MATCHES", "value": "name"}]},
                ],
            }
        ],
    },
    {
        "name": "try-pages",
        "variables": {"x": "a"},
        "tasks": [
            {
                "name": "t",
                "steps": [
                    {"url": "/shop", "save": [{"name": "csrf", "from": "XPATH", "expr": "//meta/@content"}]},
                    {"url": "/xml/catalog", "save": [{"name": "c", "from": "REGEX", "expr": "<(\\w+)", "default": ""}]},
                    {
                        "url": "/redirect",
                        "followRedirects": False,
                        "save": [{"name": "where", "from": "HEADER", "expr": "Location"}],
                        "assert": [{"on": "STATUS", "op": "EQ", "value": "302"}],
                    },
                    {
                        "url": "/status/503",
                        "timeoutS": 2,
                        "assert": [
                            {"on": "STATUS", "op": "GE", "value": "500"},
                            {"on": "HEADER", "expr": "Content-Type", "op": "MATCHES", "value": "${x}"},
                        ],
                    },
                    {"method": "POST", "url": "/contact", "form": {"email": "a@b.test", "message": "${__uuid}"}},
                ],
            }
        ],
    },
]
TRY_ANSWER_WITHIN_S = 10


def _plan_with_step(**fields: Any) -> dict[str, Any]:
    return {"name": "regression", "variables": {"x": "a"}, "tasks": [{"name": "t", "steps": [{"url": "/", **fields}]}]}


# Plans that once made try once answer 500 (an exception while running a step); run first, every time.
TRY_REGRESSIONS = [
    _plan_with_step(**{"assert": [{"on": "BODY", "op": "MATCHES", "value": "${x}{99999999999}"}]}),
    _plan_with_step(**{"assert": [{"on": "BODY", "op": "EQ", "value": "${missing}"}]}),
    _plan_with_step(save=[{"name": "c", "from": "CONST", "expr": "${missing}"}]),
    _plan_with_step(save=[{"name": "c", "from": "HEADER", "expr": "\u00e9"}]),
    _plan_with_step(timeoutS=1e308),
    _plan_with_step(url="/a\nb"),
    _plan_with_step(headers={"\u00e9": "1"}),
    _plan_with_step(headers={"X-Price": "\u20ac"}),
]


def try_outcome(plan: Any, operation: APIOperation, base_url: str, host: str) -> str:
    """Try once answers a pinned plan within seconds: it ran (every step's outcome) or was refused naming a field."""
    assert stays_on_loopback(plan, host), f"refusing to send a plan that could leave loopback: {plan!r:.300}"
    # Sent as Python's json writes it: requests refuses NaN and Infinity, which JSON parsers (Flask's too) read.
    text = json.dumps(plan)
    response = requests.post(f"{base_url}/try", data=text, headers=JSON_TYPE, timeout=TRY_ANSWER_WITHIN_S)
    operation.Case(body=plan, media_type="application/json").validate_response(response, checks=API_CHECKS)
    body = response.json()
    if response.status_code == 400:
        assert body["error"] and (body["path"] or not isinstance(plan, dict)), body
        return "refused with the field named"
    assert response.status_code == 200, response.text
    failed = [step for step in body["steps"] if not step["ok"]]
    for step in failed:  # each says why: the request's error, or the checks that failed
        assert step.get("error") or any(check["message"] for check in step["checks"] if not check["ok"]), step
    return "ran, failed steps explained" if failed else "ran, every step passed"


def test_try_once_runs_or_refuses_fuzzed_plans_pinned_to_loopback(fleet_master: FleetMaster, demo_app: str) -> None:
    base_url = f"{fleet_master.url}/fleet/api"
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=ANSWER_WITHIN_S)
    operation = schema["/try"]["POST"]
    tally = Tally()
    for plan in TRY_REGRESSIONS:
        tally.run(partial(try_outcome, pin_to_loopback(plan, demo_app), operation, base_url, demo_app))

    @fuzz_settings(400, deadline_ms=TRY_ANSWER_WITHIN_S * 2000)
    @given(mutated(TRY_SEEDS).map(partial(pin_to_loopback, host=demo_app)))
    def try_once(plan: Any) -> None:
        tally.run(partial(try_outcome, plan, operation, base_url, demo_app))

    try_once()
    tally.report(
        "try once: mutated plans on loopback",
        "POST /try with the example and seed plans mutated, host pinned to the demo app on loopback",
    )


# 5. Garbage at the agent's gRPC port

INIT_BOOMER = "/locust_fleet.v1.Agent/InitBoomer"
HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
AGENT_ANSWERS_WITHIN_S = 5
# A valid request whose workers would connect to loopback's discard port; only its strict prefixes are sent.
INIT_REQUEST = fleet_pb2.InitBoomerRequest(
    plan=parse_plan(TEST_PLAN), master_host="127.0.0.1", master_port=9, processes=1, run_id="fuzz"
).SerializeToString()


def loopback_address(agent: AgentProcess) -> tuple[str, int]:
    host, port = agent.address.rsplit(":", 1)
    assert host == "127.0.0.1", agent.address
    return host, int(port)


def raw_outcome(agent: AgentProcess, payload: bytes) -> str:
    """Send bytes and end our side: the agent must close the connection within seconds and stay up."""
    with socket.create_connection(loopback_address(agent), timeout=AGENT_ANSWERS_WITHIN_S) as connection:
        try:
            connection.sendall(payload)
            connection.shutdown(socket.SHUT_WR)
            while connection.recv(65536):  # a timeout here is a connection the agent holds on to
                pass
            outcome = "connection closed by the agent"
        except ConnectionError:  # reset, or closed while we were still sending
            outcome = "connection dropped by the agent"
    assert agent.process.poll() is None, f"the agent exited:\n{agent.log()}"
    return outcome


def plan_message(data: Any) -> fleet_pb2.Plan | None:
    """The message protobuf makes of plan JSON without our checks, as a caller other than the master could send it;
    None when protobuf itself cannot make one."""
    try:
        return json_format.ParseDict(data, fleet_pb2.Plan())
    except Exception:  # ParseError mostly; protobuf raises others too (a SystemError for a lone surrogate)
        return None


def unchecked_request(plan: fleet_pb2.Plan) -> bytes:
    # No run id: the agent refuses the request whatever the plan, so no worker ever starts.
    return fleet_pb2.InitBoomerRequest(plan=plan, master_host="127.0.0.1", master_port=9).SerializeToString()


def nan_in_json_body() -> fleet_pb2.Plan:
    """A plan whose json body holds NaN: protobuf carries it, JSON cannot (it once made InitBoomer fail as UNKNOWN)."""
    plan = parse_plan(_seed_step(json=[1]))
    plan.tasks[0].steps[0].json.list_value.values[0].number_value = math.nan
    return plan


def init_boomer_outcome(channel: grpc.Channel, payload: bytes) -> str:
    """InitBoomer with bytes as its request: refused with a gRPC status, or answered with a refusal."""
    call = channel.unary_unary(INIT_BOOMER)  # no serializers: the bytes go as they are
    try:
        reply = fleet_pb2.BoomerCallResponse.FromString(call(payload, timeout=AGENT_ANSWERS_WITHIN_S))
    except grpc.RpcError as error:
        allowed = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL, grpc.StatusCode.RESOURCE_EXHAUSTED}
        assert error.code() in allowed, f"{error.code()}: {error.details()}"
        return f"refused: {error.code().name}"
    assert not reply.status and reply.message, reply
    return "refused in its reply"


def fuzz_agent(
    name: str, what: str, payloads: st.SearchStrategy[bytes], send: Callable[[bytes], str], first: Sequence[bytes] = ()
) -> None:
    """Send `first`, then what `payloads` generates, and report how each came out."""
    tally = Tally()
    for payload in first:
        tally.run(partial(send, payload))

    @fuzz_settings(200, deadline_ms=AGENT_ANSWERS_WITHIN_S * 2000)
    @given(payloads)
    def garbage(payload: bytes) -> None:
        tally.run(partial(send, payload))

    garbage()
    tally.report(name, what)


def test_agent_survives_garbage_on_its_grpc_port(start_agent: StartAgent) -> None:
    agent = start_agent()
    agent.wait_registered()
    raw = partial(raw_outcome, agent)
    fuzz_agent("agent: random bytes over TCP", "random bytes on a raw TCP connection", st.binary(max_size=4096), raw)
    fuzz_agent(
        "agent: HTTP/2 preface, then garbage",
        "the HTTP/2 connection preface followed by random bytes",
        st.binary(max_size=4096).map(HTTP2_PREFACE.__add__),
        raw,
    )
    truncated = st.integers(0, len(INIT_REQUEST) - 1).map(lambda length: INIT_REQUEST[:length])
    fuzz_agent(
        "agent: InitBoomer with garbage",
        "InitBoomer calls whose request is random bytes or a valid request cut short",
        st.binary(max_size=4096) | truncated,
        partial(init_boomer_outcome, agent.channel),
    )
    # Extreme values of each field's own type: anything else protobuf refuses to make into a message.
    extremes = mutated(VALID_PLANS + SEED_PLANS, actions=("extreme",))
    # The filter drops the Nones, which hypothesis's types cannot say.
    unchecked_plans = cast(
        "st.SearchStrategy[fleet_pb2.Plan]", extremes.map(plan_message).filter(lambda plan: plan is not None)
    )
    fuzz_agent(
        "agent: InitBoomer with unchecked plans",
        "InitBoomer calls carrying the example and seed plans mutated, made into messages without validation",
        unchecked_plans.map(unchecked_request),
        partial(init_boomer_outcome, agent.channel),
        first=[unchecked_request(nan_in_json_body())],
    )
    oversized = Tally()
    oversized.run(partial(init_boomer_outcome, agent.channel, bytes(MAX_MESSAGE_BYTES + 1)))
    assert oversized.outcomes == {"refused: RESOURCE_EXHAUSTED": 1}, oversized.outcomes
    oversized.report("agent: oversized InitBoomer", "an InitBoomer request one byte over the 16 MiB limit")

    assert agent.process.poll() is None, agent.log()
    assert agent.status().id == agent.id
    assert agent.value() is not None, "the agent is no longer registered in etcd"
