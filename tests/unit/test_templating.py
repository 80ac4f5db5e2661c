"""Templates: every built-in, `$${` escapes, variables that are not defined, and what cannot be compiled."""

from __future__ import annotations

import time
import uuid

import pytest

from locust_ext.plan.templating import (
    RenderContext,
    TemplateMap,
    TemplateSyntaxError,
    UndefinedVariable,
    compile_template,
)

pytestmark = pytest.mark.unit


def render(source: str, user_id: int = 1, **variables: str) -> str:
    return compile_template(source).render(RenderContext(dict(variables), user_id=user_id))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$${token}", "${token}"),
        ("a$${b}c", "a${b}c"),
        ("$${a} $${b}", "${a} ${b}"),
        ("$${unclosed", "${unclosed"),
        ("price $5 {not} a } template", "price $5 {not} a } template"),
        ("", ""),
    ],
)
def test_escapes_and_lone_characters_render_literally(source: str, expected: str) -> None:
    assert render(source) == expected


def test_an_escape_next_to_a_variable_keeps_both() -> None:
    assert render("$${id}=${id}", id="7") == "${id}=7"


def test_spaces_inside_the_braces_are_ignored() -> None:
    assert render("/items/${ itemId }", itemId="42") == "/items/42"


def test_a_data_set_column_may_contain_a_hyphen() -> None:
    context = RenderContext({"users.first-name": "Ann"}, user_id=1)
    assert compile_template("${users.first-name}").render(context) == "Ann"


def test_a_value_that_looks_like_a_template_is_not_expanded_again() -> None:
    assert render("${note}", note="${secret}", secret="no") == "${secret}"


def test_uuid_is_a_fresh_version_4_uuid_at_every_render() -> None:
    template = compile_template("${__uuid}")
    first, second = (template.render(RenderContext()) for _ in range(2))
    assert uuid.UUID(first).version == 4
    assert first != second


def test_timestamp_is_milliseconds_since_the_epoch() -> None:
    before = time.time_ns() // 1_000_000
    rendered = int(render("${__timestamp}"))
    after = time.time_ns() // 1_000_000
    assert before <= rendered <= after


def test_user_id_is_the_rendering_users_own() -> None:
    template = compile_template("u${__userId}")
    assert [template.render(RenderContext(user_id=n)) for n in (1, 1_000_002)] == ["u1", "u1000002"]


@pytest.mark.parametrize(
    ("source", "low", "high"), [("${__randomInt(1,3)}", 1, 3), ("${__randomInt( -2 , 0 )}", -2, 0)]
)
def test_random_int_covers_its_bounds_inclusively(source: str, low: int, high: int) -> None:
    template = compile_template(source)
    seen = {int(template.render(RenderContext())) for _ in range(300)}
    assert seen == set(range(low, high + 1))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("abc${x", "unclosed '${' at character 4; close it with '}' or write '$${'"),
        ("${}", "empty '${}'; write a variable name such as ${token}"),
        ("${   }", "empty '${}'"),
        ("${1abc}", "bad variable name '1abc'; expected letters, digits and '_' (or 'set.column')"),
        ("${a.b.c}", "bad variable name 'a.b.c'"),
        ("${a-b}", "bad variable name 'a-b'"),
        (
            "${__random}",
            "unknown built-in '${__random}'; expected one of __uuid, __timestamp, __userId, __randomInt(a,b)",
        ),
        ("${__randomInt(1)}", "unknown built-in '${__randomInt(1)}'"),
        ("${__randomInt(a,b)}", "unknown built-in"),
        ("${__randomInt(5,2)}", "${__randomInt(5,2)}: the lower bound 5 is above the upper bound 2"),
    ],
)
def test_templates_that_cannot_compile_say_what_is_wrong(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        compile_template(source)
    assert message in str(caught.value)


def test_a_template_syntax_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unclosed"):
        compile_template("${")


@pytest.mark.parametrize("source", ["/items/${itemId}", "${users.email}", "${a}${itemId}"])
def test_an_undefined_variable_names_itself(source: str) -> None:
    missing = source.rsplit("${", 1)[1].rstrip("}")
    with pytest.raises(UndefinedVariable) as caught:
        render(source, a="1")
    assert caught.value.name == missing
    assert str(caught.value) == f"undefined variable ${{{missing}}}"


def test_an_empty_string_variable_is_defined() -> None:
    assert render("[${x}]", x="") == "[]"


def test_variables_lists_the_names_a_template_reads_but_not_built_ins() -> None:
    template = compile_template("${a}/${users.id}/${__uuid}/${a}/$${b}")
    assert template.variables == {"a", "users.id"}


def test_a_constant_map_renders_the_same_values_every_time() -> None:
    headers = TemplateMap({"Accept": "application/json", "X-Literal": "$${x}"})
    assert headers.render(RenderContext()) == {"Accept": "application/json", "X-Literal": "${x}"}
    assert headers.render(RenderContext(user_id=9)) == {"Accept": "application/json", "X-Literal": "${x}"}


def test_a_map_with_templates_renders_each_users_values() -> None:
    headers = TemplateMap({"Authorization": "Bearer ${token}", "Accept": "*/*"})
    rendered = [headers.render(RenderContext({"token": token})) for token in ("t1", "t2")]
    assert rendered == [
        {"Authorization": "Bearer t1", "Accept": "*/*"},
        {"Authorization": "Bearer t2", "Accept": "*/*"},
    ]


def test_a_map_naming_an_undefined_variable_fails_naming_it() -> None:
    with pytest.raises(UndefinedVariable, match=r"undefined variable \$\{token\}"):
        TemplateMap({"Authorization": "Bearer ${token}"}).render(RenderContext())


def test_an_empty_map_is_false_and_a_filled_one_true() -> None:
    assert not TemplateMap({})
    assert TemplateMap({"a": ""})
