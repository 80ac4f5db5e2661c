"""Templates: `${var}`, `${set.column}`, built-ins, and `$${` for a literal `${`.

A template is compiled once when the plan is loaded; rendering a constant template costs nothing.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)?")
_RANDOM_INT = re.compile(r"__randomInt\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)")
BUILTINS = ("__uuid", "__timestamp", "__userId", "__randomInt(a,b)")


class TemplateSyntaxError(ValueError):
    """A template that cannot be compiled; the message says where and what was expected."""


class UndefinedVariable(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"undefined variable ${{{self.name}}}"


@dataclass
class RenderContext:
    """What a template can see: one virtual user's variables and its id."""

    variables: dict[str, str] = field(default_factory=dict[str, str])
    user_id: int = 0


Part = str | Callable[[RenderContext], str]


class Template:
    __slots__ = ("constant", "parts", "source", "variables")

    def __init__(self, source: str, parts: tuple[Part, ...], variables: frozenset[str]) -> None:
        self.source = source
        self.parts = parts
        self.variables = variables
        self.constant: str | None = parts[0] if len(parts) == 1 and isinstance(parts[0], str) else None
        if not parts:
            self.constant = ""

    def render(self, context: RenderContext) -> str:
        if self.constant is not None:
            return self.constant
        return "".join([part if isinstance(part, str) else part(context) for part in self.parts])

    def __repr__(self) -> str:
        return f"Template({self.source!r})"


def compile_template(source: str) -> Template:
    parts: list[Part] = []
    variables: set[str] = set()
    literal: list[str] = []
    pos = 0
    while True:
        start = source.find("${", pos)
        if start < 0:
            literal.append(source[pos:])
            break
        if start > 0 and source[start - 1] == "$":
            literal.append(source[pos : start - 1] + "${")
            pos = start + 2
            continue
        literal.append(source[pos:start])
        end = source.find("}", start + 2)
        if end < 0:
            raise TemplateSyntaxError(f"unclosed '${{' at character {start + 1}; close it with '}}' or write '$${{'")
        expression = source[start + 2 : end].strip()
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(_compile_expression(expression, variables))
        pos = end + 1
    tail = "".join(literal)
    if tail:
        parts.append(tail)
    merged = _merge_literals(parts)
    return Template(source, tuple(merged), frozenset(variables))


def _merge_literals(parts: list[Part]) -> list[Part]:
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return merged


def _compile_expression(expression: str, variables: set[str]) -> Callable[[RenderContext], str]:
    if not expression:
        raise TemplateSyntaxError("empty '${}'; write a variable name such as ${token}")
    if expression.startswith("__"):
        return _compile_builtin(expression)
    if not _VARIABLE.fullmatch(expression):
        raise TemplateSyntaxError(
            f"bad variable name '{expression}'; expected letters, digits and '_' (or 'set.column')"
        )
    variables.add(expression)
    return _lookup(expression)


def _lookup(name: str) -> Callable[[RenderContext], str]:
    def render(context: RenderContext) -> str:
        try:
            return context.variables[name]
        except KeyError:
            raise UndefinedVariable(name) from None

    return render


def _compile_builtin(expression: str) -> Callable[[RenderContext], str]:
    if expression == "__uuid":
        return lambda _context: str(uuid.uuid4())
    if expression == "__timestamp":
        return lambda _context: str(time.time_ns() // 1_000_000)
    if expression == "__userId":
        return lambda context: str(context.user_id)
    match = _RANDOM_INT.fullmatch(expression)
    if match:
        low, high = int(match[1]), int(match[2])
        if low > high:
            raise TemplateSyntaxError(f"${{{expression}}}: the lower bound {low} is above the upper bound {high}")
        return lambda _context: str(random.randint(low, high))
    raise TemplateSyntaxError(f"unknown built-in '${{{expression}}}'; expected one of {', '.join(BUILTINS)}")


class TemplateMap:
    """A map of templates (headers, params, form fields); renders to one shared dict when all are constant."""

    __slots__ = ("_constant", "templates")

    def __init__(self, sources: dict[str, str]) -> None:
        self.templates = {name: compile_template(value) for name, value in sources.items()}
        constant = all(template.constant is not None for template in self.templates.values())
        self._constant = (
            {name: template.constant for name, template in self.templates.items() if template.constant is not None}
            if constant
            else None
        )

    def render(self, context: RenderContext) -> dict[str, str]:
        """The rendered map; when constant, the same dict every time, so callers must not change it."""
        if self._constant is not None:
            return self._constant
        return {name: template.render(context) for name, template in self.templates.items()}

    def __bool__(self) -> bool:
        return bool(self.templates)
