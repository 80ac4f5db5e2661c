"""The compiled plan: requests rendered from templates, responses checked and values saved.

Nothing here knows how a request is sent: Locust's FastHttpUser (http_user.py) and the master's
try-once both send what `CompiledStep.prepare` returns and hand the response to `CompiledStep.verify`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from google.protobuf import json_format

from locust_ext.plan.assertions import Check, assertion_label, compile_assertion
from locust_ext.plan.datasets import DataSetFeeder
from locust_ext.plan.extractors import ResponseView
from locust_ext.plan.rows import http_row
from locust_ext.plan.secrets import Secrets
from locust_ext.plan.step_parts import JsonTemplate, StepFailure, check_outcomes, compile_saves
from locust_ext.plan.templating import RenderContext, TemplateMap, UndefinedVariable, compile_template
from locust_ext.plan.validation import whole_numbers
from locust_ext.plan.ws_steps import CompiledWsStep
from locust_ext.proto import fleet_pb2

DEFAULT_TIMEOUT_S = 30.0
StepT = TypeVar("StepT")
_Method = fleet_pb2.HttpStep.Method
_Source = fleet_pb2.Save.Source


@dataclass(slots=True)
class PreparedRequest:
    method: str
    url: str
    headers: dict[str, str]
    params: dict[str, str] | None
    body: bytes | None


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
        self.saves = compile_saves(step.save)

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
        return outcomes + check_outcomes(
            zip(self.check_labels, self.checks, strict=True), self.saves, response, context
        )

    def status_problem(self, response: ResponseView) -> str | None:
        if response.status >= 400 and self.error_status_fails:
            return f"status {response.status}: a step without a STATUS assert fails on 4xx and 5xx"
        return None


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
    json_template = JsonTemplate(document)
    if json_template.constant is not None:
        encoded = json_template.constant.encode()
        return lambda _context: encoded
    return lambda context: json_template.render(context).encode()


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


AnyStep = CompiledStep | CompiledWsStep


def compile_step(step: fleet_pb2.HttpStep) -> AnyStep:
    """A task's or the set-up's step: an HTTP request, or a WebSocket action when it has `ws`."""
    return CompiledWsStep(step) if step.HasField("ws") else CompiledStep(step)


class CompiledPlan:
    """A plan ready to run: compiled once per process, shared by all its virtual users."""

    def __init__(self, plan: fleet_pb2.Plan) -> None:
        self.plan = plan
        self.session = plan.session if plan.HasField("session") else True
        self.variables = dict(plan.variables)
        self.feeders = [DataSetFeeder(data_set) for data_set in plan.data_sets]
        self.setup = [compile_step(step) for step in plan.setup]
        self.tasks: list[CompiledChain[AnyStep]] = [
            CompiledChain[AnyStep].of(task, [compile_step(step) for step in task.steps]) for task in plan.tasks
        ]
        self._weighted_tasks = WeightedChains(self.tasks)
        self.secrets = Secrets(plan.secrets)

    def pick_task(self) -> CompiledChain[AnyStep]:
        return self._weighted_tasks.pick()
