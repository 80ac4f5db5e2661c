"""Templates render variables, data set columns and built-ins; `$${` stays a literal."""

from __future__ import annotations

import re
import time

import pytest

from locust_ext.plan.templating import RenderContext, UndefinedVariable, compile_template


def render(source: str, **variables: str) -> str:
    return compile_template(source).render(RenderContext(dict(variables), user_id=7))


def test_variables_and_data_set_columns() -> None:
    assert render("/u/${name}/${users.id}?x=${name}", name="ann", **{"users.id": "42"}) == "/u/ann/42?x=ann"


def test_dollar_dollar_brace_is_a_literal() -> None:
    assert render("cost: $${price} and ${price}", price="3") == "cost: ${price} and 3"


def test_builtins() -> None:
    assert render("${__userId}") == "7"
    assert render("${__randomInt(4, 4)}") == "4"
    assert re.fullmatch(r"[0-9a-f-]{36}", render("${__uuid}"))
    assert abs(int(render("${__timestamp}")) - time.time() * 1000) < 5000


def test_constant_templates_are_recognised_once() -> None:
    assert compile_template("/plain/path").constant == "/plain/path"
    assert compile_template("/a/${b}").constant is None
    assert compile_template("/a/${b}/${c.d}").variables == {"b", "c.d"}


def test_undefined_variable_names_itself() -> None:
    with pytest.raises(UndefinedVariable) as caught:
        render("/items/${itemId}")
    assert str(caught.value) == "undefined variable ${itemId}"
