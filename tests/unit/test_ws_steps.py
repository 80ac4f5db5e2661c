"""WebSocket steps in a plan: what validation refuses (with paths), their rows, and the compiled step's rendering,
matching, checks and saves on messages; the connection itself is tested against the demo app's endpoints."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from locust_ext.plan.compiled import CompiledPlan
from locust_ext.plan.step_parts import StepFailure
from locust_ext.plan.templating import RenderContext
from locust_ext.plan.validation import PlanError, parse_plan
from locust_ext.plan.ws_steps import CompiledWsStep, closed_failure, message_view, ws_url

pytestmark = pytest.mark.unit

CONNECT = {"name": "open feed", "ws": {"action": "CONNECT", "url": "/ws/feed?token=${token}"}}
SUBSCRIBE = {"ws": {"action": "SEND", "json": {"type": "subscribe", "symbol": "${symbol}"}}}
QUOTE = {
    "name": "quote",
    "ws": {
        "action": "EXPECT",
        "timeoutS": 2,
        "match": [{"on": "JSONPATH", "expr": "$.type", "op": "EQ", "value": "quote"}],
        "save": [{"name": "price", "from": "JSONPATH", "expr": "$.price"}],
        "assert": [{"on": "JSONPATH", "expr": "$.symbol", "op": "EQ", "value": "${symbol}"}],
    },
}


def plan(*steps: dict[str, Any], setup: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "p",
        "host": "http://127.0.0.1:8080",
        "tasks": [{"name": "t", "steps": list(steps)}],
    }
    return data | ({"setup": setup} if setup else {})


def issues(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    return {issue.path: issue.message for issue in caught.value.issues}


def compiled(step: dict[str, Any]) -> CompiledWsStep:
    steps = CompiledPlan(parse_plan(plan(CONNECT, step) if step is not CONNECT else plan(CONNECT))).tasks[0].steps
    compiled_step = steps[-1]
    assert isinstance(compiled_step, CompiledWsStep)
    return compiled_step


def test_a_plan_mixing_http_and_web_socket_steps_is_valid() -> None:
    login = {"method": "POST", "url": "/login", "save": [{"name": "token", "from": "JSONPATH", "expr": "$.token"}]}
    close = {"ws": {"action": "CLOSE", "closeCode": 4000, "reason": "done"}}
    parse_plan(plan(login, CONNECT, SUBSCRIBE, QUOTE, {"ws": {"action": "PING"}}, {"url": "/api/${price}"}, close))


@pytest.mark.parametrize(
    ("steps", "path", "message"),
    [
        ([{"method": "GET"}], "tasks[0].steps[0].url", "required (an HTTP step's URL"),
        (
            [{**CONNECT, "url": "/x", "method": "POST"}],
            "tasks[0].steps[0].url",
            "not for a WebSocket step: give it in `ws` (CONNECT takes headers, subprotocols, timeoutS, url)",
        ),
        ([CONNECT, {"ws": {"action": "SEND"}}], "tasks[0].steps[1].ws", "one of text, json and binary; got none"),
        (
            [CONNECT, {"ws": {"action": "SEND", "text": "a", "json": {}}}],
            "tasks[0].steps[1].ws",
            "a SEND sends one of text, json and binary; got text and json",
        ),
        ([CONNECT, {"ws": {"action": "SEND", "binary": "&&"}}], "tasks[0].steps[1].ws.binary", "expected base64"),
        ([CONNECT, {"ws": {"action": "EXPECT"}}], "tasks[0].steps[1].ws.timeoutS", "required when action is EXPECT"),
        (
            [
                CONNECT,
                {"ws": {"action": "EXPECT", "timeoutS": 1, "match": [{"on": "STATUS", "op": "EQ", "value": "1"}]}},
            ],
            "tasks[0].steps[1].ws.match[0].on",
            "expected one of BODY, BODY_LENGTH, JSONPATH, XPATH for a message",
        ),
        (
            [
                CONNECT,
                {"ws": {"action": "EXPECT", "timeoutS": 1, "save": [{"name": "a", "from": "HEADER", "expr": "A"}]}},
            ],
            "tasks[0].steps[1].ws.save[0].from",
            "expected one of JSONPATH, XPATH, REGEX, CONST, RANDOM_INT, RANDOM_CHOICE for a message",
        ),
        (
            [{"ws": {"action": "CONNECT", "url": "/ws", "text": "hi"}}],
            "tasks[0].steps[0].ws.text",
            "only for SEND, not CONNECT",
        ),
        ([{"ws": {"action": "SEND", "text": "hi"}}], "tasks[0].steps[0].ws.action", "a SEND before any CONNECT"),
        (
            [CONNECT, {"ws": {"action": "CLOSE", "closeCode": 1006}}],
            "tasks[0].steps[1].ws.closeCode",
            "from 3000 to 4999",
        ),
        ([{"ws": {"action": "CONNECT", "url": "http://a.test/ws"}}], "tasks[0].steps[0].ws.url", "ws:// or wss://"),
        ([CONNECT, {"ws": {"action": "EXPECT", "timeoutS": 0}}], "tasks[0].steps[1].ws.timeoutS", "seconds > 0"),
        (
            [{"ws": {"action": "OPEN"}}],
            "tasks[0].steps[0].ws.action",
            "expected one of CONNECT, SEND, EXPECT, PING, CLOSE",
        ),
    ],
)
def test_a_wrong_web_socket_step_is_refused_at_its_path(steps: list[dict[str, Any]], path: str, message: str) -> None:
    found = issues(plan(*steps))
    assert path in found, found
    assert message in found[path]


def test_a_connect_in_the_setup_serves_every_task() -> None:
    parse_plan(plan(SUBSCRIBE, setup=[CONNECT]))


@pytest.mark.parametrize(
    ("step", "row"),
    [
        ({"ws": {"action": "CONNECT", "url": "/ws/feed"}}, "CONNECT /ws/feed"),
        ({"ws": {"action": "EXPECT", "timeoutS": 1}}, "EXPECT any message"),
        ({k: v for k, v in QUOTE.items() if k != "name"}, "EXPECT JSONPATH $.type EQ quote"),
        ({"ws": {"action": "PING"}}, "PING"),
        (QUOTE, "quote"),
    ],
)
def test_a_web_socket_step_is_a_row_named_by_its_name_or_action(step: dict[str, Any], row: str) -> None:
    assert compiled(step).name == row


@pytest.mark.parametrize(
    ("url", "host", "expected"),
    [
        ("/ws/feed?x=1", "http://127.0.0.1:8080", "ws://127.0.0.1:8080/ws/feed?x=1"),
        ("ws/feed", "https://shop.test/base/", "wss://shop.test/base/ws/feed"),
        ("wss://other.test/ws", "http://127.0.0.1:8080", "wss://other.test/ws"),
    ],
)
def test_a_relative_url_connects_to_the_hosts_web_socket_scheme(url: str, host: str, expected: str) -> None:
    assert ws_url(url, host) == expected


def test_connect_renders_its_url_and_headers_and_sets_assignments_first() -> None:
    step = compiled(
        {
            "assign": {"sid": "${__uuid}"},
            "ws": {"action": "CONNECT", "url": "/ws?s=${sid}", "headers": {"X-T": "${token}"}},
        }
    )
    context = RenderContext({"token": "t1"})
    connect = step.prepare_connect(context, "http://127.0.0.1:8080")
    assert connect.url == f"ws://127.0.0.1:8080/ws?s={context.variables['sid']}"
    assert (connect.headers, connect.timeout_s) == ({"X-T": "t1"}, 30.0)
    with pytest.raises(StepFailure, match="token"):
        step.prepare_connect(RenderContext(), None)


@pytest.mark.parametrize(
    ("ws", "expected"),
    [
        ({"action": "SEND", "text": "hello ${symbol}"}, "hello ACME"),
        ({"action": "SEND", "binary": base64.b64encode(b"\x00\x01").decode()}, b"\x00\x01"),
    ],
)
def test_send_renders_text_json_or_binary(ws: dict[str, Any], expected: str | bytes) -> None:
    assert compiled({"ws": ws}).prepare_message(RenderContext({"symbol": "ACME"})) == expected


def test_send_renders_json_as_compact_text() -> None:
    sent = compiled({"ws": {"action": "SEND", "json": {"type": "sub", "symbol": "${symbol}", "n": 2}}}).prepare_message(
        RenderContext({"symbol": "ACME"})
    )
    assert isinstance(sent, str) and " " not in sent
    assert json.loads(sent) == {"type": "sub", "symbol": "ACME", "n": 2}


def test_expect_matches_checks_and_saves_a_message() -> None:
    step = compiled(QUOTE)
    context = RenderContext({"symbol": "ACME"})
    ack, quote = (
        message_view('{"type": "subscribed"}', 3.0),
        message_view('{"type": "quote", "symbol": "ACME", "price": 9.5}', 4.0),
    )
    assert not step.matches(ack, context) and step.matches(quote, context)
    step.verify(quote, context)
    assert context.variables["price"] == "9.5"
    with pytest.raises(StepFailure, match=r"assert JSONPATH \$.symbol EQ ACME: got 'XYZ'"):
        step.verify(message_view('{"type": "quote", "symbol": "XYZ", "price": 1}', 1.0), context)


def test_failures_say_what_was_expected_and_what_came() -> None:
    step = compiled(QUOTE)
    assert str(step.no_match(3, '{"type": "subscribed"}')) == (
        'expect JSONPATH $.type EQ quote: no match in 3 messages within 2 s; last: {"type": "subscribed"}'
    )
    assert str(step.no_match(0, None)) == "expect JSONPATH $.type EQ quote: no match in 0 messages within 2 s"
    assert str(closed_failure(1008, "expected JSON", "EXPECT")) == (
        "EXPECT: the server closed the connection: 1008 expected JSON"
    )
    assert str(closed_failure(None, "", "SEND")) == "SEND: the connection was dropped (no close frame)"
