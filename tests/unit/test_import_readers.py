"""What every importer shares: reading input with paths in errors, placeholders renamed, names, queries and forms."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from locust_ext.plan.importers.readers import (
    ImportFailed,
    Placeholders,
    Warnings,
    as_int,
    as_string,
    at_path,
    basic_auth,
    decode_json,
    form_fields,
    get_header,
    json_object,
    json_problem,
    literal,
    literal_map,
    map_json_strings,
    parse_json,
    plan_name,
    query_params,
    read_field,
    read_method,
    read_objects,
    set_header,
    split_url,
    unique_step_names,
    without_empty,
)
from locust_ext.plan.templating import RenderContext, compile_template

pytestmark = pytest.mark.unit

DOUBLE_BRACES = re.compile(r"\{\{([^{}]+)\}\}")


def placeholders(dynamic: dict[str, str] | None = None) -> tuple[Placeholders, Warnings]:
    warnings = Warnings()
    return Placeholders(DOUBLE_BRACES, warnings, dynamic), warnings


def failure(action: Any, *args: Any) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        action(*args)
    return caught.value


def test_an_import_failure_reads_as_path_then_message() -> None:
    error = ImportFailed("item[0].request", "expected an object, got a list")
    assert (str(error), error.path, error.message) == (
        "item[0].request: expected an object, got a list",
        "item[0].request",
        "expected an object, got a list",
    )
    assert str(ImportFailed("", "cannot tell the format")) == "cannot tell the format"
    assert isinstance(error, ValueError)


def test_warnings_keep_their_order_and_say_each_thing_once() -> None:
    warnings = Warnings()
    for message in ("cookie dropped", "file skipped", "cookie dropped"):
        warnings.add(message)
    assert warnings == ["cookie dropped", "file skipped"]


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("Demo shop", "Demo-shop"),
        ("  My Shop: checkout!! ", "My-Shop-checkout"),
        ("api.example.test", "api.example.test"),
        ("...", "fallback"),
        ("", "fallback"),
        ("é€", "fallback"),
        ("a" * 70, "a" * 64),
        ("a" * 63 + " b", "a" * 63),
    ],
)
def test_plan_names_are_made_from_titles(source: str, name: str) -> None:
    assert plan_name(source, "fallback") == name


@pytest.mark.parametrize(
    ("path", "key", "joined"), [("", "item", "item"), ("item", 2, "item[2]"), ("item[2]", "request", "item[2].request")]
)
def test_paths_join_keys_and_indexes(path: str, key: str | int, joined: str) -> None:
    assert at_path(path, key) == joined


def test_json_nested_up_to_100_levels_is_read() -> None:
    assert decode_json("[" * 100 + "]" * 100) is not None


@pytest.mark.parametrize("depth", [101, 100_000])
def test_json_nested_deeper_than_100_levels_is_refused(depth: int) -> None:
    with pytest.raises(ValueError, match=r"^nested deeper than 100 levels$"):
        decode_json("[" * depth + "]" * depth)


def test_json_problems_give_line_and_column() -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads('{\n  "a": }')
    assert json_problem(caught.value) == "Expecting value at line 2 column 8"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{oops", "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        ("[1]", "expected a JSON object, got a list"),
        ('"text"', "expected a JSON object, got a string"),
        ("[" * 101 + "]" * 101, "not valid JSON: nested deeper than 100 levels"),
    ],
)
def test_json_object_says_what_the_input_is_instead(text: str, message: str) -> None:
    error = failure(json_object, text)
    assert (error.path, error.message) == ("", message)


def test_read_field_gives_the_default_for_absent_or_null() -> None:
    assert read_field({}, "item", "", list, []) == []
    assert read_field({"item": None}, "item", "", list, ["d"]) == ["d"]
    assert read_field({"item": [1]}, "item", "", list, []) == [1]


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        ("x", list, "expected a list, got a string"),
        ([], dict, "expected an object, got a list"),
        (3, str, "got a number"),
    ],
)
def test_read_field_names_the_path_and_the_kind_expected(value: Any, kind: type, message: str) -> None:
    error = failure(read_field, {"header": value}, "header", "item[3].request", kind, None)
    assert error.path == "item[3].request.header"
    assert message in error.message


def test_read_objects_gives_each_object_with_its_path() -> None:
    assert list(read_objects({"item": [{"a": 1}, {"b": 2}]}, "item", "")) == [
        ("item[0]", {"a": 1}),
        ("item[1]", {"b": 2}),
    ]
    assert list(read_objects({}, "item", "")) == []


def test_read_objects_names_the_item_that_is_not_an_object() -> None:
    error = failure(lambda: list(read_objects({"entries": [{}, {}, 5]}, "entries", "log")))
    assert (error.path, error.message) == ("log.entries[2]", "expected an object, got a number")


@pytest.mark.parametrize(("value", "text"), [(None, ""), ("a", "a"), (5, "5"), (1.5, "1.5"), (True, "true")])
def test_map_values_are_read_as_text(value: Any, text: str) -> None:
    assert as_string(value) == text


def test_a_url_that_cannot_be_split_names_its_path() -> None:
    error = failure(split_url, "http://[::1/", "item[0].request.url")
    assert error.path == "item[0].request.url"
    assert error.message.startswith("expected a URL, got 'http://[::1/' (")


@pytest.mark.parametrize(("value", "method"), [("post", "POST"), (None, "GET"), ("", "GET"), ("Delete", "DELETE")])
def test_methods_are_read_in_any_case_and_default_to_get(value: Any, method: str) -> None:
    assert read_method(value, "request.method") == method


def test_a_method_plans_cannot_send_is_refused_with_the_choices() -> None:
    error = failure(read_method, "purge", "item[0].request.method")
    assert (error.path, error.message) == (
        "item[0].request.method",
        "expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS; got 'PURGE'",
    )


def test_literal_text_renders_to_itself_as_a_template() -> None:
    text = "price ${amount} and $${x}"
    assert compile_template(literal(text)).render(RenderContext()) == text


def test_map_json_strings_converts_every_string_and_nothing_else() -> None:
    data = {"a": "x", "b": [1, "y", {"c": None, "d": "z"}], "e": True}
    assert map_json_strings(data, str.upper) == {"a": "X", "b": [1, "Y", {"c": None, "d": "Z"}], "e": True}


def test_headers_are_found_and_replaced_whatever_their_case() -> None:
    headers = {"content-type": "text/plain", "Accept": "*/*"}
    assert get_header(headers, "Content-Type") == "text/plain"
    assert get_header(headers, "X-None") is None
    set_header(headers, "Content-Type", "application/json")
    assert headers == {"Accept": "*/*", "Content-Type": "application/json"}


def test_basic_auth_is_the_base64_of_user_and_password() -> None:
    header = basic_auth("ann", "pa:ss")
    assert header.startswith("Basic ")
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == "ann:pa:ss"


def test_a_query_with_distinct_keys_becomes_params() -> None:
    assert query_params("http://a.test/x", [("a", "1"), ("b", "${v}")]) == ("http://a.test/x", {"a": "1", "b": "${v}"})


def test_a_query_with_a_repeated_key_stays_in_the_url() -> None:
    url, params = query_params("http://a.test/x", [("id", "1"), ("id", "2"), ("q", "${v} @{x}")])
    assert (url, params) == ("http://a.test/x?id=1&id=2&q=${v}%20@{x}", {})


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("a=1&b=two+words", {"a": "1", "b": "two words"}),
        ("email=a%40b.test&empty=", {"email": "a@b.test", "empty": ""}),
        ("cost=${x}", {"cost": "$${x}"}),
        ("a=1&a=2", None),
        ('{"a": 1}', None),
        ("plain text", None),
        ("", None),
    ],
)
def test_form_text_becomes_fields_only_when_it_is_a_form_without_repeats(
    text: str, fields: dict[str, str] | None
) -> None:
    assert form_fields(text) == fields


def test_parse_json_says_whether_the_text_was_json() -> None:
    assert parse_json('{"a": [1]}') == (True, {"a": [1]})
    assert parse_json("a=1") == (False, None)
    assert parse_json("[" * 200 + "]" * 200) == (False, None)


def test_without_empty_drops_empty_maps_lists_and_nulls_but_keeps_falsy_values() -> None:
    step = {"url": "/", "headers": {}, "save": [], "body": None, "timeoutS": 0, "followRedirects": False, "name": ""}
    assert without_empty(step) == {"url": "/", "timeoutS": 0, "followRedirects": False, "name": ""}


@pytest.mark.parametrize(
    ("raw", "name", "warned"),
    [
        ("token", "token", False),
        ("base-url", "base_url", True),
        (" spaced ", "spaced", True),
        ("1st", "_1st", True),
        ("a.b", "a_b", True),
    ],
)
def test_names_templates_cannot_hold_are_renamed_with_a_warning(raw: str, name: str, warned: bool) -> None:
    convert, warnings = placeholders()
    assert convert.name(raw) == name
    expected = [f"variable '{raw}' renamed '{name}' (a name is letters, digits and '_')"] if warned else []
    assert list(warnings) == expected


def test_placeholders_become_variables_and_are_remembered() -> None:
    convert, warnings = placeholders()
    assert convert.text("{{host}}/items/{{item-id}}?q={{ host }}") == "${host}/items/${item_id}?q=${host}"
    assert convert.used == {"host", "item_id"}
    assert list(warnings) == ["variable 'item-id' renamed 'item_id' (a name is letters, digits and '_')"]


def test_a_recorded_dollar_brace_stays_literal() -> None:
    convert, warnings = placeholders()
    text = convert.text("price ${amount} for {{user}}")
    assert text == "price $${amount} for ${user}"
    assert compile_template(text).render(RenderContext({"user": "ann"})) == "price ${amount} for ann"
    assert list(warnings) == []


def test_dynamic_variables_are_converted_when_known_and_kept_with_a_warning_otherwise() -> None:
    convert, warnings = placeholders({"$guid": "${__uuid}"})
    assert convert.text("{{$guid}}-{{$timestamp}}") == "${__uuid}-{{$timestamp}}"
    assert list(warnings) == ["dynamic variable {{$timestamp}} not converted; it is sent as written"]


def test_a_dollar_right_before_a_placeholder_is_warned_about() -> None:
    convert, warnings = placeholders()
    convert.text("cost: ${{price}}")
    assert list(warnings) == ["'${{price}}': a '$' right before a variable reads as a literal '${'; rewrite it by hand"]


def test_placeholders_in_json_are_converted_in_every_string() -> None:
    convert, _ = placeholders()
    assert convert.json({"user": "{{u}}", "ids": [1, "{{id}}"], "ok": None}) == {
        "user": "${u}",
        "ids": [1, "${id}"],
        "ok": None,
    }


def test_a_placeholder_map_converts_values_to_text() -> None:
    convert, _ = placeholders()
    assert convert.map({"a": "{{x}}", "n": 3, "none": None}, "variable") == {"a": "${x}", "n": "3", "none": ""}
    assert convert.map(None, "variable") == {}


def test_a_placeholder_map_that_is_not_an_object_names_its_path() -> None:
    convert, _ = placeholders()
    error = failure(convert.map, ["a"], "item[0].request.header")
    assert (error.path, error.message) == ("item[0].request.header", "expected an object, got a list")


def test_repeated_step_names_are_numbered() -> None:
    steps = [{"name": "login"}, {"name": "list"}, {"name": "login"}, {"name": "login"}]
    unique_step_names(steps)
    assert [step["name"] for step in steps] == ["login", "list", "login (2)", "login (3)"]


@pytest.mark.parametrize(("value", "number"), [(3, 3), (0, 0), (True, 0), ("5", 0), (2.0, 0), (None, 0)])
def test_as_int_takes_only_real_integers(value: Any, number: int) -> None:
    assert as_int(value) == number


def test_literal_map_escapes_every_value() -> None:
    assert literal_map({"a": "${x}", "b": "plain"}) == {"a": "$${x}", "b": "plain"}
