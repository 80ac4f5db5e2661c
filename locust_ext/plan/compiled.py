"""The compiled plan: requests rendered from templates, responses checked and values saved.

Nothing here knows how a request is sent: Locust's FastHttpUser (http_user.py) and the master's
try-once both send what `CompiledStep.prepare` returns and hand the response to `CompiledStep.verify`.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlencode

from google.protobuf import json_format

from locust_ext.plan.assertions import Check, assertion_label, compile_assertion
from locust_ext.plan.datasets import DataSetFeeder
from locust_ext.plan.extractors import Extract, ResponseView, compile_save
from locust_ext.plan.rows import http_row
from locust_ext.plan.secrets import Secrets
from locust_ext.plan.templating import RenderContext, TemplateMap, UndefinedVariable, compile_template
from locust_ext.plan.validation import whole_numbers
from locust_ext.proto import fleet_pb2

DEFAULT_TIMEOUT_S = 30.0
StepT = TypeVar("StepT")
_Method = fleet_pb2.HttpStep.Method
_Source = fleet_pb2.Save.Source


class StepFailure(Exception):
    """A step that did not do what the plan says; its message is what Locust shows as the failure."""

    def __repr__(self) -> str:
        # Locust's failure tables and CSV show repr(error); the message alone reads best there.
        return str(self)


@dataclass(slots=True)
class PreparedRequest:
    method: str
    url: str
    headers: dict[str, str]
    params: dict[str, str] | None
    body: bytes | None


@dataclass(slots=True)
class _Save:
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


class CompiledStep:
    """One HTTP step, with every template and expression compiled."""

    def __init__(self, step: fleet_pb2.HttpStep) -> None:
        self.method = _Method.Name(step.method)
        self.name = http_row(step)
        self.url = compile_template(step.url)
        self.params = TemplateMap(dict(step.params))
        self.timeout_s = step.timeout_s if step.HasField("timeout_s") else DEFAULT_TIMEOUT_S
        self.follow_redirects = step.follow_redirects if step.HasField("follow_redirects") else True
        self.body, content_type = _compile_body(step)
        headers = dict(step.headers)
        if content_type and not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = content_type
        self.headers = TemplateMap(headers)
        self.checks: list[Check] = [compile_assertion(assertion) for assertion in step.asserts]
        self.check_labels = [assertion_label(assertion) for assertion in step.asserts]
        asserts_status = any(assertion.on == fleet_pb2.Assertion.STATUS for assertion in step.asserts)
        fails_on_error = step.fail_on_error_status if step.HasField("fail_on_error_status") else True
        self.error_status_fails = fails_on_error and not asserts_status
        self.assign = TemplateMap(dict(step.assign))
        self.saves = [
            _Save(
                save.name,
                compile_save(save),
                save.default_value if save.HasField("default_value") else None,
                " ".join(part for part in (_Source.Name(save.source), save.expr) if part),
            )
            for save in step.save
        ]

    def prepare(self, context: RenderContext) -> PreparedRequest:
        """The request to send, after the step's assignments; raises StepFailure when a template names nothing."""
        try:
            if self.assign:
                context.variables.update(self.assign.render(context))
            return PreparedRequest(
                self.method,
                self.url.render(context),
                self.headers.render(context),
                self.params.render(context) if self.params else None,
                self.body(context) if self.body else None,
            )
        except UndefinedVariable as error:
            raise StepFailure(str(error)) from None

    def verify(self, response: ResponseView, context: RenderContext) -> None:
        """Check the response and save values into the context; raises StepFailure at the first problem."""
        problem = self.status_problem(response)
        if problem is not None:
            raise StepFailure(problem)
        for check in self.checks:
            problem = check(response, context)
            if problem is not None:
                raise StepFailure(problem)
        for save in self.saves:
            problem = save.apply(response, context)
            if problem is not None:
                raise StepFailure(problem)

    def inspect(self, response: ResponseView, context: RenderContext) -> list[dict[str, Any]]:
        """Every check and save of the step, each with its outcome (try-once shows them all, not the first failure)."""
        outcomes: list[dict[str, Any]] = []
        problem = self.status_problem(response)
        if problem is not None:
            outcomes.append({"kind": "status", "label": "status < 400", "ok": False, "message": problem})
        for label, check in zip(self.check_labels, self.checks, strict=True):
            problem = check(response, context)
            outcomes.append({"kind": "assert", "label": label, "ok": problem is None, "message": problem or ""})
        for save in self.saves:
            problem = save.apply(response, context)
            value = context.variables.get(save.name) if problem is None else None
            outcomes.append(
                {
                    "kind": "save",
                    "label": f"save {save.name}: {save.label}",
                    "ok": problem is None,
                    "message": problem or "",
                    "value": value,
                }
            )
        return outcomes

    def status_problem(self, response: ResponseView) -> str | None:
        if response.status >= 400 and self.error_status_fails:
            return f"status {response.status}: a step without a STATUS assert fails on 4xx and 5xx"
        return None


def _why_nothing(save: _Save, response: ResponseView) -> str:
    if save.label.startswith("JSONPATH"):
        try:
            response.json()
        except ValueError:
            return " (the body is not JSON)"
    return ""


BodyRenderer = Callable[[RenderContext], bytes]


def _compile_body(step: fleet_pb2.HttpStep) -> tuple[BodyRenderer | None, str | None]:
    if step.form:
        form = TemplateMap(dict(step.form))
        return lambda context: urlencode(form.render(context)).encode(), "application/x-www-form-urlencoded"
    if step.HasField("json"):
        return _compile_json(whole_numbers(json_format.MessageToDict(step.json))), "application/json"
    if step.HasField("body"):
        body = compile_template(step.body)
        return lambda context: body.render(context).encode(), None
    return None, None


def _compile_json(document: Any) -> BodyRenderer:
    compiled = _compile_json_value(document)
    if not isinstance(compiled, _Dynamic):
        encoded = json.dumps(compiled, separators=(",", ":")).encode()
        return lambda _context: encoded
    return lambda context: json.dumps(compiled.render(context), separators=(",", ":")).encode()


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


@dataclass(slots=True)
class CompiledChain(Generic[StepT]):
    """A task (HTTP steps) or a journey (browser steps): picked by weight, followed by its think time."""

    name: str
    weight: int
    think_min_s: float
    think_max_s: float
    steps: list[StepT]
    # Seconds an iteration takes at least (1 / iterationsPerS); when set, it replaces the think time.
    iteration_s: float = 0.0

    def think_time(self) -> float:
        if self.think_max_s <= 0:
            return 0.0
        return random.uniform(self.think_min_s, self.think_max_s)

    @classmethod
    def of(cls, chain: fleet_pb2.Task | fleet_pb2.Journey, steps: list[StepT]) -> CompiledChain[StepT]:
        """A task or journey message with its compiled steps (journeys have no iterationsPerS)."""
        iterations_per_s = getattr(chain, "iterations_per_s", 0.0)
        return cls(
            chain.name,
            chain.weight if chain.HasField("weight") else 1,
            chain.think_time.min_s,
            chain.think_time.max_s,
            steps,
            1.0 / iterations_per_s if iterations_per_s else 0.0,
        )

    def pause_after(self, elapsed_s: float) -> float:
        """The pause after an iteration that took `elapsed_s`."""
        if self.iteration_s:
            return max(0.0, self.iteration_s - elapsed_s)
        return self.think_time()


class WeightedChains(Generic[StepT]):
    """Chains to pick from by weight, one per iteration."""

    def __init__(self, chains: list[CompiledChain[StepT]]) -> None:
        self.chains = chains
        self._cumulative_weights = list(itertools.accumulate(chain.weight for chain in chains))

    def pick(self) -> CompiledChain[StepT]:
        if len(self.chains) == 1:
            return self.chains[0]
        return random.choices(self.chains, cum_weights=self._cumulative_weights)[0]


class CompiledPlan:
    """A plan ready to run: compiled once per process, shared by all its virtual users."""

    def __init__(self, plan: fleet_pb2.Plan) -> None:
        self.plan = plan
        self.session = plan.session if plan.HasField("session") else True
        self.variables = dict(plan.variables)
        self.feeders = [DataSetFeeder(data_set) for data_set in plan.data_sets]
        self.setup = [CompiledStep(step) for step in plan.setup]
        self.tasks: list[CompiledChain[CompiledStep]] = [
            CompiledChain[CompiledStep].of(task, [CompiledStep(step) for step in task.steps]) for task in plan.tasks
        ]
        self._weighted_tasks = WeightedChains(self.tasks)
        self.secrets = Secrets(plan.secrets)

    def pick_task(self) -> CompiledChain[CompiledStep]:
        return self._weighted_tasks.pick()
