"""What HTTP and WebSocket steps share: the failure a step raises, saves, and JSON with templates in its strings."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from locust_ext.plan.extractors import Extract, ResponseView, compile_save
from locust_ext.plan.templating import RenderContext, UndefinedVariable, compile_template
from locust_ext.proto import fleet_pb2

_Source = fleet_pb2.Save.Source


class StepFailure(Exception):
    """A step that did not do what the plan says; its message is what Locust shows as the failure."""

    def __repr__(self) -> str:
        # Locust's failure tables and CSV show repr(error); the message alone reads best there.
        return str(self)


@dataclass(slots=True)
class SaveValue:
    name: str
    extract: Extract
    default: str | None
    label: str

    def apply(self, response: ResponseView, context: RenderContext) -> str | None:
        """Save the value into the context; None when done, else the failure message."""
        try:
            value = self.extract(response, context)
        except UndefinedVariable as error:  # a CONST template naming nothing saved (yet)
            return f"save {self.name}: {error}"
        if value is None:
            if self.default is None:
                return f"save {self.name}: {self.label} matched nothing{_why_nothing(self, response)}"
            value = self.default
        context.variables[self.name] = value
        return None


def compile_saves(saves: Iterable[fleet_pb2.Save]) -> list[SaveValue]:
    """Saves as an HTTP or WebSocket step applies them, in order."""
    return [
        SaveValue(
            save.name,
            compile_save(save),
            save.default_value if save.HasField("default_value") else None,
            " ".join(part for part in (_Source.Name(save.source), save.expr) if part),
        )
        for save in saves
    ]


def check_outcomes(
    checks: Iterable[tuple[str, Callable[[ResponseView, RenderContext], str | None]]],
    saves: list[SaveValue],
    response: ResponseView,
    context: RenderContext,
) -> list[dict[str, Any]]:
    """Every check and save with its outcome, in order: try once shows them all, not only the first failure."""
    outcomes: list[dict[str, Any]] = []
    for label, check in checks:
        problem = check(response, context)
        outcomes.append({"kind": "assert", "label": label, "ok": problem is None, "message": problem or ""})
    for save in saves:
        problem = save.apply(response, context)
        value = context.variables.get(save.name) if problem is None else None
        label = f"save {save.name}: {save.label}"
        outcomes.append(
            {"kind": "save", "label": label, "ok": problem is None, "message": problem or "", "value": value}
        )
    return outcomes


def _why_nothing(save: SaveValue, response: ResponseView) -> str:
    if save.label.startswith("JSONPATH"):
        try:
            response.json()
        except ValueError:
            return " (the body is not JSON)"
    return ""


class JsonTemplate:
    """A JSON document with templates in its strings, rendered to compact JSON text; `constant` when it has none."""

    __slots__ = ("_compiled", "constant")

    def __init__(self, document: Any) -> None:
        self._compiled = _compile_json_value(document)
        dynamic = isinstance(self._compiled, _Dynamic)
        self.constant = None if dynamic else json.dumps(self._compiled, separators=(",", ":"))

    def render(self, context: RenderContext) -> str:
        if self.constant is not None:
            return self.constant
        return json.dumps(cast(_Dynamic, self._compiled).render(context), separators=(",", ":"))


class _Dynamic:
    """A JSON value with templates inside; constant parts are kept as they are."""

    __slots__ = ("render",)

    def __init__(self, render: Callable[[RenderContext], Any]) -> None:
        self.render = render


def _compile_json_value(value: Any) -> Any:
    if isinstance(value, str):
        template = compile_template(value)
        return value if template.constant is not None else _Dynamic(template.render)
    # `value` is JSON (from json_format.MessageToDict, typed Any): lists of JSON values, objects with string keys.
    if isinstance(value, list):
        items = [_compile_json_value(item) for item in cast("list[Any]", value)]
        if not any(isinstance(item, _Dynamic) for item in items):
            return items
        return _Dynamic(lambda context: [_render_json(item, context) for item in items])
    if isinstance(value, dict):
        fields = {key: _compile_json_value(item) for key, item in cast("dict[str, Any]", value).items()}
        if not any(isinstance(item, _Dynamic) for item in fields.values()):
            return fields
        return _Dynamic(lambda context: {key: _render_json(item, context) for key, item in fields.items()})
    return value


def _render_json(value: Any, context: RenderContext) -> Any:
    return value.render(context) if isinstance(value, _Dynamic) else value
