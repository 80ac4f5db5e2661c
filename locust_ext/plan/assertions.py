"""Assertions: compiled once per plan; each returns None when it holds, or the failure message.

Messages say what was expected and what came: `assert STATUS EQ 200: got 503`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from locust_ext.plan.extractors import (
    ResponseView,
    compile_jsonpath,
    compile_jsonpath_match,
    compile_regex,
    compile_xpath,
    json_type,
)
from locust_ext.plan.templating import RenderContext, Template, UndefinedVariable, compile_template
from locust_ext.proto import fleet_pb2

Target = fleet_pb2.Assertion.Target
Op = fleet_pb2.Assertion.Op
Check = Callable[[ResponseView, RenderContext], "str | None"]
Actual = Callable[[ResponseView], "str | None"]
_PREVIEW = 80


def assertion_label(assertion: fleet_pb2.Assertion) -> str:
    """How messages name an assertion: `assert JSONPATH $.items EXISTS`, after its name if it has one."""
    words = ("assert", Target.Name(assertion.on), assertion.expr, Op.Name(assertion.op))
    label = " ".join(word for word in words if word)
    return f"{assertion.name}: {label}" if assertion.name else label


def compile_assertion(assertion: fleet_pb2.Assertion) -> Check:
    if assertion.op == Op.TYPE:
        actual = _compile_type_target(assertion.on, assertion.expr)
    else:
        actual = _compile_target(assertion.on, assertion.expr)
    label = assertion_label(assertion)
    compare = _compile_op(assertion.op, compile_template(assertion.value))
    nothing = "matched nothing" if assertion.on in (Target.JSONPATH, Target.XPATH) else "absent"

    def check(view: ResponseView, context: RenderContext) -> str | None:
        value = actual(view)
        try:
            problem = compare(value, context)
        except UndefinedVariable as error:  # the expected value is a template naming nothing saved (yet)
            return f"{label}: {error}"
        if problem is None:
            return None
        expected, got = problem
        return f"{label}{expected}: {nothing if got is None else got}"

    return check


def _compile_target(target: int, expr: str) -> Actual:
    if target == Target.STATUS:
        return lambda view: str(view.status)
    if target == Target.BODY_LENGTH:
        return lambda view: str(len(view.content))
    if target == Target.BODY:
        return lambda view: view.text
    if target == Target.JSONPATH:
        return compile_jsonpath(expr)
    if target == Target.XPATH:
        return compile_xpath(expr)
    if target == Target.HEADER:
        return lambda view: view.header(expr)
    if target == Target.RESPONSE_TIME_MS:
        return lambda view: f"{view.elapsed_ms:.0f}"
    raise ValueError(f"unsupported assertion target {Target.Name(target)}")


def _compile_type_target(target: int, expr: str) -> Actual:
    """The JSON type of what JSONPATH matched or of the whole body; None when nothing matched or it is not JSON."""
    if target == Target.JSONPATH:
        find = compile_jsonpath_match(expr)
    elif target == Target.BODY:
        find = _whole_json
    else:
        raise ValueError(f"TYPE applies to JSONPATH and BODY, not {Target.Name(target)}")

    def actual(view: ResponseView) -> str | None:
        found, value = find(view)
        return json_type(value) if found else None

    return actual


def _whole_json(view: ResponseView) -> tuple[bool, object]:
    try:
        return True, view.json()
    except ValueError:
        return False, None


# A comparison returns None when it holds, else (" <expected value>", <what came or None>).
Compare = Callable[["str | None", RenderContext], "tuple[str, str | None] | None"]
_NUMERIC: dict[int, Callable[[float, float], bool]] = {
    Op.LT: lambda a, b: a < b,
    Op.LE: lambda a, b: a <= b,
    Op.GT: lambda a, b: a > b,
    Op.GE: lambda a, b: a >= b,
}


def _compile_op(op: int, value: Template) -> Compare:
    if op == Op.EXISTS:
        return lambda actual, _context: ("", None) if actual is None else None
    if op == Op.NOT_EXISTS:
        return lambda actual, _context: None if actual is None else ("", f"got {preview(actual)}")
    if op in (Op.EQ, Op.NE, Op.TYPE):
        return _equality(op != Op.NE, value)
    if op in _NUMERIC:
        return _ordering(_NUMERIC[op], value)
    if op in (Op.CONTAINS, Op.NOT_CONTAINS):
        return _containment(op == Op.CONTAINS, value)
    if op == Op.MATCHES:
        return _matching(value)
    raise ValueError(f"unsupported assertion op {Op.Name(op)}")


def _equality(want_equal: bool, value: Template) -> Compare:
    def compare(actual: str | None, context: RenderContext) -> tuple[str, str | None] | None:
        expected = value.render(context)
        if actual is None:
            return f" {expected}", None
        if _same(actual, expected) == want_equal:
            return None
        return f" {expected}", f"got {preview(actual)}"

    return compare


def _same(actual: str, expected: str) -> bool:
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None:
        return left == right
    return actual == expected


def _ordering(holds: Callable[[float, float], bool], value: Template) -> Compare:
    def compare(actual: str | None, context: RenderContext) -> tuple[str, str | None] | None:
        expected = value.render(context)
        if actual is None:
            return f" {expected}", None
        left, right = _number(actual), _number(expected)
        if right is None:
            return f" {expected}", f"'{expected}' is not a number"
        if left is None:
            return f" {expected}", f"got {preview(actual)}, not a number"
        return None if holds(left, right) else (f" {expected}", f"got {actual}")

    return compare


def _containment(want_contained: bool, value: Template) -> Compare:
    def compare(actual: str | None, context: RenderContext) -> tuple[str, str | None] | None:
        expected = value.render(context)
        if actual is None:
            return (f" {shorten(expected)}", None) if want_contained else None
        if (expected in actual) == want_contained:
            return None
        return f" {shorten(expected)}", f"got {preview(actual)}"

    return compare


def _matching(value: Template) -> Compare:
    fixed = compile_regex(value.constant) if value.constant is not None else None

    def compare(actual: str | None, context: RenderContext) -> tuple[str, str | None] | None:
        try:
            pattern = fixed or compile_regex(value.render(context))
        except ValueError as error:
            return f" {value.render(context)}", str(error)
        if actual is None:
            return f" {pattern.pattern}", None
        if pattern.search(actual):
            return None
        return f" {pattern.pattern}", f"got {preview(actual)}"

    return compare


def _number(text: str) -> float | None:
    """The text as a finite number, else None: "NaN" equals "NaN" as text, and "1_000" is not Python's 1000."""
    if "_" in text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def shorten(text: str) -> str:
    """An expected value as messages show it: cut at 80 characters."""
    return text if len(text) <= _PREVIEW else text[:_PREVIEW] + "…"


def preview(text: str) -> str:
    """What came, quoted unless it is a number, so empty strings and spaces show."""
    return text if _number(text) is not None else repr(shorten(text))
