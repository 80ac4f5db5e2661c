"""Assertions: every target and op, and failure messages that say what was expected and what came."""

from __future__ import annotations

import pytest
from httpx import Headers

from locust_ext.plan.assertions import assertion_label, compile_assertion, preview, shorten
from locust_ext.plan.extractors import ResponseView
from locust_ext.plan.templating import RenderContext
from locust_ext.proto import fleet_pb2

pytestmark = pytest.mark.unit

BODY = b'{"items": [{"id": 7, "name": "sock"}], "total": "12.50", "empty": ""}'


def response(
    status: int = 200, content: bytes = BODY, content_type: str = "application/json", elapsed_ms: float = 123.4
) -> ResponseView:
    headers = Headers({"Content-Type": content_type, "X-Request-Id": "req-42"})
    return ResponseView(status, headers, content, elapsed_ms, {}.get)


def check(
    on: str, op: str, value: str = "", expr: str = "", seen: ResponseView | None = None, **variables: str
) -> str | None:
    # Enum fields take their names (the stub types the numbers Value() gives as plain ints).
    assertion = fleet_pb2.Assertion(on=on, op=op, value=value, expr=expr)
    return compile_assertion(assertion)(seen or response(), RenderContext(dict(variables)))


@pytest.mark.parametrize(
    ("on", "expr", "op", "value"),
    [
        ("STATUS", "", "EQ", "200"),
        ("STATUS", "", "EQ", "200.0"),
        ("STATUS", "", "NE", "500"),
        ("STATUS", "", "LT", "300"),
        ("STATUS", "", "LE", "200"),
        ("STATUS", "", "GT", "199"),
        ("STATUS", "", "GE", "200"),
        ("BODY_LENGTH", "", "EQ", str(len(BODY))),
        ("BODY_LENGTH", "", "GT", "10"),
        ("BODY", "", "CONTAINS", '"sock"'),
        ("BODY", "", "NOT_CONTAINS", "error"),
        ("BODY", "", "MATCHES", r'"id": \d+'),
        ("JSONPATH", "$.items[0].id", "EQ", "7"),
        ("JSONPATH", "$.items[0].name", "EQ", "sock"),
        ("JSONPATH", "$.total", "GE", "12.5"),
        ("JSONPATH", "$.items", "EXISTS", ""),
        ("JSONPATH", "$.empty", "EXISTS", ""),
        ("JSONPATH", "$.missing", "NOT_EXISTS", ""),
        ("HEADER", "x-request-id", "EQ", "req-42"),
        ("HEADER", "Content-Type", "CONTAINS", "json"),
        ("HEADER", "X-Missing", "NOT_EXISTS", ""),
        ("HEADER", "X-Missing", "NOT_CONTAINS", "anything"),
        ("RESPONSE_TIME_MS", "", "LT", "500"),
        ("RESPONSE_TIME_MS", "", "EQ", "123"),
    ],
)
def test_assertions_that_hold(on: str, expr: str, op: str, value: str) -> None:
    assert check(on, op, value, expr) is None


@pytest.mark.parametrize(
    ("on", "expr", "op", "value", "message"),
    [
        ("STATUS", "", "EQ", "201", "assert STATUS EQ 201: got 200"),
        ("STATUS", "", "NE", "200", "assert STATUS NE 200: got 200"),
        ("STATUS", "", "LT", "200", "assert STATUS LT 200: got 200"),
        ("STATUS", "", "GE", "300", "assert STATUS GE 300: got 200"),
        ("BODY_LENGTH", "", "LE", "5", f"assert BODY_LENGTH LE 5: got {len(BODY)}"),
        ("BODY", "", "CONTAINS", "shoe", f"assert BODY CONTAINS shoe: got {BODY.decode()!r}"),
        ("BODY", "", "NOT_CONTAINS", "sock", f"assert BODY NOT_CONTAINS sock: got {BODY.decode()!r}"),
        ("BODY", "", "MATCHES", "^<html", f"assert BODY MATCHES ^<html: got {BODY.decode()!r}"),
        ("JSONPATH", "$.items[0].name", "EQ", "shoe", "assert JSONPATH $.items[0].name EQ shoe: got 'sock'"),
        ("JSONPATH", "$.empty", "NE", "", "assert JSONPATH $.empty NE : got ''"),
        ("JSONPATH", "$.missing", "EXISTS", "", "assert JSONPATH $.missing EXISTS: matched nothing"),
        ("JSONPATH", "$.missing", "EQ", "1", "assert JSONPATH $.missing EQ 1: matched nothing"),
        ("JSONPATH", "$.items[0].id", "NOT_EXISTS", "", "assert JSONPATH $.items[0].id NOT_EXISTS: got 7"),
        ("HEADER", "X-Missing", "EXISTS", "", "assert HEADER X-Missing EXISTS: absent"),
        ("HEADER", "X-Missing", "CONTAINS", "a", "assert HEADER X-Missing CONTAINS a: absent"),
        ("HEADER", "X-Request-Id", "NOT_EXISTS", "", "assert HEADER X-Request-Id NOT_EXISTS: got 'req-42'"),
        ("HEADER", "X-Missing", "MATCHES", "a+", "assert HEADER X-Missing MATCHES a+: absent"),
        ("RESPONSE_TIME_MS", "", "LT", "100", "assert RESPONSE_TIME_MS LT 100: got 123"),
    ],
)
def test_assertions_that_fail_say_what_was_expected_and_what_came(
    on: str, expr: str, op: str, value: str, message: str
) -> None:
    assert check(on, op, value, expr) == message


@pytest.mark.parametrize(
    ("actual", "op", "expected", "holds"),
    [
        (b"NaN", "EQ", "NaN", True),
        (b"inf", "EQ", "inf", True),
        (b"1_000", "EQ", "1000", False),
        (b"1e3", "EQ", "1000", True),
        (b"NaN", "GT", "1", False),
    ],
)
def test_only_finite_numbers_compare_as_numbers(actual: bytes, op: str, expected: str, holds: bool) -> None:
    assert (check("BODY", op, expected, seen=response(content=actual, content_type="text/plain")) is None) == holds


def test_a_status_assertion_reports_the_status_that_came() -> None:
    assert check("STATUS", "EQ", "200", seen=response(status=503)) == "assert STATUS EQ 200: got 503"


def test_xpath_assertions_read_the_html_body() -> None:
    page = response(content=b"<html><h1>Results</h1></html>", content_type="text/html")
    assert check("XPATH", "EQ", "Results", "//h1", seen=page) is None
    assert check("XPATH", "EXISTS", "", "//h2", seen=page) == "assert XPATH //h2 EXISTS: matched nothing"


@pytest.mark.parametrize(
    ("op", "actual", "expected", "message"),
    [
        ("LT", b"fast", "5", "assert BODY LT 5: got 'fast', not a number"),
        ("GE", b"", "0", "assert BODY GE 0: got '', not a number"),
        ("GT", b"10", "${limit}", "assert BODY GT ten: 'ten' is not a number"),
    ],
)
def test_ordering_ops_need_numbers_and_say_so(op: str, actual: bytes, expected: str, message: str) -> None:
    assert check("BODY", op, expected, seen=response(content=actual), limit="ten") == message


@pytest.mark.parametrize(("actual", "expected"), [(b"200", "200.0"), (b"1e3", "1000"), (b" 42 ", "42"), (b"-0", "0")])
def test_equality_is_numeric_when_both_sides_are_numbers(actual: bytes, expected: str) -> None:
    assert check("BODY", "EQ", expected, seen=response(content=actual)) is None


def test_equality_is_textual_when_one_side_is_not_a_number() -> None:
    assert check("BODY", "EQ", "7", seen=response(content=b"007x")) == "assert BODY EQ 7: got '007x'"
    assert check("BODY", "EQ", "abc", seen=response(content=b"ABC")) == "assert BODY EQ abc: got 'ABC'"


def test_the_expected_value_is_a_template() -> None:
    assert check("JSONPATH", "EQ", "${itemId}", "$.items[0].id", itemId="7") is None
    assert check("JSONPATH", "EQ", "${itemId}", "$.items[0].id", itemId="8") == (
        "assert JSONPATH $.items[0].id EQ 8: got 7"
    )


def test_an_expected_value_naming_an_undefined_variable_says_which() -> None:
    message = check("JSONPATH", "EQ", "${itemId}", "$.items[0].id")
    assert message == "assert JSONPATH $.items[0].id EQ: undefined variable ${itemId}"


def test_matches_searches_anywhere_in_the_value() -> None:
    assert check("HEADER", "MATCHES", r"\d+$", "X-Request-Id") is None


def test_a_templated_regex_that_renders_invalid_says_why() -> None:
    message = check("BODY", "MATCHES", "${pattern}", pattern="(unclosed")
    assert message == (
        "assert BODY MATCHES (unclosed: "
        "not a valid regular expression (missing ), unterminated subpattern at position 0)"
    )


def test_a_long_value_is_cut_at_80_characters_in_messages() -> None:
    long_body = b"x" * 200
    message = check("BODY", "CONTAINS", "y" * 100, seen=response(content=long_body))
    assert message == f"assert BODY CONTAINS {'y' * 80}…: got {'x' * 80 + '…'!r}"


@pytest.mark.parametrize(
    ("text", "shown"), [("12", "12"), ("-1.5", "-1.5"), ("", "''"), (" ", "' '"), ("ok", "'ok'"), ("a" * 81, None)]
)
def test_preview_quotes_text_but_not_numbers(text: str, shown: str | None) -> None:
    assert preview(text) == (shown if shown is not None else repr("a" * 80 + "…"))


def test_shorten_keeps_80_characters() -> None:
    assert shorten("z" * 80) == "z" * 80
    assert shorten("z" * 81) == "z" * 80 + "…"


@pytest.mark.parametrize(
    ("on", "expr", "op", "label"),
    [
        ("STATUS", "", "EQ", "assert STATUS EQ"),
        ("JSONPATH", "$.items", "EXISTS", "assert JSONPATH $.items EXISTS"),
        ("HEADER", "ETag", "NOT_EXISTS", "assert HEADER ETag NOT_EXISTS"),
    ],
)
def test_labels_name_the_target_its_expression_and_the_op(on: str, expr: str, op: str, label: str) -> None:
    assertion = fleet_pb2.Assertion(on=on, op=op, expr=expr, value="1")
    assert assertion_label(assertion) == label


@pytest.mark.parametrize(
    ("on", "expr", "value"),
    [
        ("JSONPATH", "$.items[0].id", "number"),
        ("JSONPATH", "$.items[0].name", "string"),
        ("JSONPATH", "$.total", "string"),
        ("JSONPATH", "$.items", "array"),
        ("JSONPATH", "$.items[0]", "object"),
        ("JSONPATH", "$..name", "string"),
        ("BODY", "", "object"),
    ],
)
def test_type_is_the_json_type_of_what_matched(on: str, expr: str, value: str) -> None:
    assert check(on, "TYPE", value, expr) is None


def test_type_tells_booleans_and_nulls_from_numbers_and_strings() -> None:
    seen = response(content=b'{"ok": true, "gone": null, "n": 0}')
    assert check("JSONPATH", "TYPE", "boolean", "$.ok", seen) is None
    assert check("JSONPATH", "TYPE", "null", "$.gone", seen) is None
    assert check("JSONPATH", "TYPE", "number", "$.ok", seen) == "assert JSONPATH $.ok TYPE number: got 'boolean'"


def test_type_of_nothing_or_of_a_body_that_is_not_json_fails_as_such() -> None:
    assert check("JSONPATH", "TYPE", "string", "$.nope") == "assert JSONPATH $.nope TYPE string: matched nothing"
    assert check("BODY", "TYPE", "array", seen=response(content=b"<html/>")) == "assert BODY TYPE array: absent"


def test_a_named_assertion_says_its_name_first() -> None:
    assertion = fleet_pb2.Assertion(on="STATUS", op="EQ", value="418", name="teapot")
    assert assertion_label(assertion) == "teapot: assert STATUS EQ"
    assert compile_assertion(assertion)(response(), RenderContext()) == "teapot: assert STATUS EQ 418: got 200"
