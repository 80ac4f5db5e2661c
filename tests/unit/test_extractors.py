"""Save sources: what JSONPath, XPath, regex, headers, cookies and the response-free sources save; bad expressions."""

from __future__ import annotations

import pytest
from httpx import Headers

from locust_ext.plan.extractors import (
    ResponseView,
    as_text,
    compile_jsonpath,
    compile_regex,
    compile_save,
    compile_xpath,
    cookie_in_set_cookie,
    parse_choice_list,
    parse_int_range,
)
from locust_ext.plan.templating import RenderContext
from locust_ext.proto import fleet_pb2

pytestmark = pytest.mark.unit

ITEMS = b'{"items": [{"id": 7, "name": "sock", "tags": ["a", "b"], "price": 2.5, "gone": null, "ok": true}], "n": 1}'
PAGE = b"""<html><head><title> Shop </title></head><body>
<a id="next" href="/page/2">Next <b>page</b></a><a href="/page/3">Last</a>
<input name="csrf" value="t0k3n"></body></html>"""


def view(
    content: bytes = ITEMS,
    content_type: str = "application/json",
    status: int = 200,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
) -> ResponseView:
    all_headers = Headers({"Content-Type": content_type, **(headers or {})})
    return ResponseView(status, all_headers, content, 42.4, (cookies or {}).get)


def save(source: str, expr: str = "") -> fleet_pb2.Save:
    return fleet_pb2.Save(name="x", source=source, expr=expr)


def saved(source: str, expr: str, response: ResponseView | None = None, **variables: str) -> str | None:
    return compile_save(save(source, expr))(response or view(), RenderContext(dict(variables), user_id=3))


def saved_text(source: str, expr: str) -> str:
    """What a save that always saves something saved."""
    value = saved(source, expr)
    assert value is not None, f"{source} {expr} saved nothing"
    return value


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("$.items[0].id", "7"),
        ("$.items[0].name", "sock"),
        ("$.items[0].price", "2.5"),
        ("$.items[0].ok", "true"),
        ("$.items[0].gone", "null"),
        ("$.items[0].tags", '["a","b"]'),
        ("$.items[-1].tags[1]", "b"),
        ("$['items'][0][\"name\"]", "sock"),
        ("$.n", "1"),
        ("$..name", "sock"),
        ("$.items[*].id", "7"),
        ("$.items[?(@.id == 7)].name", "sock"),
    ],
)
def test_jsonpath_saves_the_first_match_as_text(expr: str, expected: str) -> None:
    assert saved("JSONPATH", expr) == expected


def test_jsonpath_of_the_root_is_the_whole_document_as_compact_json() -> None:
    assert saved("JSONPATH", "$", view(b'{"a": [1, 2]}')) == '{"a":[1,2]}'


@pytest.mark.parametrize(
    "expr", ["$.missing", "$.items[5].id", "$.items.id", "$.n[0]", "$.items[0].name.first", "$..nowhere"]
)
def test_jsonpath_that_matches_nothing_saves_nothing(expr: str) -> None:
    assert saved("JSONPATH", expr) is None


@pytest.mark.parametrize("body", [b"<html>not json</html>", b"", b"{broken"])
def test_jsonpath_on_a_body_that_is_not_json_matches_nothing(body: bytes) -> None:
    assert saved("JSONPATH", "$.items", view(body)) is None
    assert saved("JSONPATH", "$..items", view(body)) is None


def test_json_text_keeps_non_ascii_characters() -> None:
    assert saved("JSONPATH", "$.a", view('{"a": ["café"]}'.encode())) == '["café"]'


@pytest.mark.parametrize("expr", ["$.items[?(", "$..[", "$.a b"])
def test_an_invalid_jsonpath_is_refused_when_compiled(expr: str) -> None:
    with pytest.raises(ValueError, match=r"^not a valid JSONPath \("):
        compile_jsonpath(expr)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("//title", "Shop"),
        ("//a[@id='next']", "Next page"),
        ("//a/@href", "/page/2"),
        ("//input[@name='csrf']/@value", "t0k3n"),
        ("count(//a)", "2"),
        ("boolean(//input)", "true"),
        ("string(//a[2])", "Last"),
        ("count(//a) div 4", "0.5"),
    ],
)
def test_xpath_on_html_saves_text_attributes_and_computed_values(expr: str, expected: str) -> None:
    assert saved("XPATH", expr, view(PAGE, "text/html; charset=utf-8")) == expected


def test_xpath_reads_xml_when_the_content_type_says_so() -> None:
    xml = b'<?xml version="1.0"?><order id="9"><Line sku="A1">two</Line></order>'
    response = view(xml, "application/xml")
    assert saved("XPATH", "/order/@id", response) == "9"
    assert saved("XPATH", "//Line/@sku", response) == "A1"


def test_xpath_on_xml_leaves_entities_unresolved() -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "expanded">]><r>&e;</r>'
    assert saved("XPATH", "/r", view(xml, "text/xml")) == "&e;"


@pytest.mark.parametrize(("expr", "content"), [("//table", PAGE), ("//title", b""), ("//*[@id='next']/@class", PAGE)])
def test_xpath_that_matches_nothing_saves_nothing(expr: str, content: bytes) -> None:
    assert saved("XPATH", expr, view(content, "text/html")) is None


def test_an_xpath_condition_that_does_not_hold_saves_false() -> None:
    assert saved("XPATH", "boolean(//table)", view(PAGE, "text/html")) == "false"


@pytest.mark.parametrize("expr", ["//a[", "//*[@", "///", "upper-case(//a)", "//h:a", "//a[$page]"])
def test_an_invalid_xpath_is_refused_when_compiled(expr: str) -> None:
    with pytest.raises(ValueError, match=r"^not a valid XPath \("):
        compile_xpath(expr)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (r'"name": "(\w+)"', "sock"),
        (r"\d+\.\d+", "2.5"),
        (r'"id": (\d+).*"n": (\d+)', "7"),
        (r"(?P<first>\w+)", "items"),
        # It matched, through the branch without the group: an empty value, not "matched nothing".
        (r"(absent)|items", ""),
    ],
)
def test_regex_saves_the_first_group_or_the_whole_match(expr: str, expected: str) -> None:
    assert saved("REGEX", expr) == expected


def test_regex_that_matches_nothing_saves_nothing() -> None:
    assert saved("REGEX", r"token=(\w+)") is None


def test_regex_reads_the_body_in_its_declared_charset() -> None:
    response = view("prix: 5 €".encode("cp1252"), "text/plain; charset=cp1252")
    assert saved("REGEX", r"\d €", response) == "5 €"


def test_an_unknown_charset_is_read_as_utf8() -> None:
    assert saved("REGEX", "é+", view("éé".encode(), "text/plain; charset=klingon")) == "éé"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("(a", "not a valid regular expression (missing ), unterminated subpattern at position 0)"),
        ("[z-a]", "not a valid regular expression (bad character range z-a at position 1)"),
        ("a{99999999999}", "not a valid regular expression (a repetition count is too large)"),
    ],
)
def test_an_invalid_regex_is_refused_when_compiled(expr: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        compile_regex(expr)
    assert str(caught.value) == message


def test_header_is_read_whatever_the_case_of_its_name() -> None:
    response = view(headers={"X-Request-Id": "abc-1"})
    assert saved("HEADER", "x-request-id", response) == "abc-1"
    assert saved("HEADER", "X-REQUEST-ID", response) == "abc-1"
    assert saved("HEADER", "X-Other", response) is None


def test_repeated_headers_are_joined_with_commas() -> None:
    response = ResponseView(200, Headers([("Vary", "Accept"), ("Vary", "Cookie")]), b"", 1.0, {}.get)
    assert saved("HEADER", "Vary", response) == "Accept, Cookie"


def test_cookie_comes_from_the_response_or_the_users_jar() -> None:
    response = view(cookies={"sid": "s-123"})
    assert saved("COOKIE", "sid", response) == "s-123"
    assert saved("COOKIE", "other", response) is None


def test_status_saves_the_status_code() -> None:
    assert saved("STATUS", "", view(status=201)) == "201"


def test_const_saves_its_rendered_template() -> None:
    assert saved("CONST", "order-${n}-${__userId}", n="5") == "order-5-3"


def test_random_int_saves_a_number_within_its_inclusive_range() -> None:
    values = {int(saved_text("RANDOM_INT", "-1-1")) for _ in range(200)}
    assert values == {-1, 0, 1}


def test_random_choice_saves_one_of_its_choices() -> None:
    values = {saved("RANDOM_CHOICE", ",red,green,blue") for _ in range(200)}
    assert values == {"red", "green", "blue"}


@pytest.mark.parametrize(
    ("expr", "expected"), [("1-6", (1, 6)), (" 3 - 3 ", (3, 3)), ("-10--5", (-10, -5)), ("0-100000", (0, 100000))]
)
def test_int_ranges(expr: str, expected: tuple[int, int]) -> None:
    assert parse_int_range(expr) == expected


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("5", "expected 'a-b' with integers a <= b, got '5'"),
        ("a-b", "expected 'a-b' with integers a <= b, got 'a-b'"),
        ("1.5-2", "expected 'a-b' with integers a <= b, got '1.5-2'"),
        ("9-1", "expected 'a-b' with a <= b, got 9 > 1"),
    ],
)
def test_bad_int_ranges_say_what_was_expected(expr: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_int_range(expr)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("expr", "expected"), [("|a|b|c", ["a", "b", "c"]), (";one", ["one"]), ("/x y/z", ["x y", "z"])]
)
def test_choice_lists_split_on_their_first_character(expr: str, expected: list[str]) -> None:
    assert parse_choice_list(expr) == expected


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("|", "expected a separator then the choices, such as '|red|green|blue'"),
        ("", "expected a separator then the choices"),
        ("|a||b", "empty choice in '|a||b'; the first character '|' separates the choices"),
        ("|a|", "empty choice in '|a|'"),
    ],
)
def test_bad_choice_lists_say_what_was_expected(expr: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_choice_list(expr)
    assert message in str(caught.value)


def test_cookie_in_set_cookie_finds_the_named_cookie_among_several_headers() -> None:
    headers = ["theme=dark; Path=/", "sid=abc123; HttpOnly; Max-Age=60"]
    assert cookie_in_set_cookie(headers, "sid") == "abc123"
    assert cookie_in_set_cookie(headers, "theme") == "dark"
    assert cookie_in_set_cookie(headers, "none") is None


def test_cookie_in_set_cookie_skips_headers_it_cannot_parse() -> None:
    assert cookie_in_set_cookie(['bad"cookie; =;;', "ok=1"], "ok") == "1"


@pytest.mark.parametrize(("value", "text"), [("a", "a"), (7, "7"), (1.5, "1.5"), (None, "null"), ({"a": 1}, '{"a":1}')])
def test_as_text_leaves_strings_bare_and_writes_the_rest_as_json(value: object, text: str) -> None:
    assert as_text(value) == text
