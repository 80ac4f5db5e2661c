"""PlanHttpUser: a Locust FastHttpUser that replays the plan's HTTP chains.

Each step is its own row in Locust's statistics (type = method, name = step name); a failed step is
a Locust failure whose message says what was expected and what came, and it ends that iteration.
`HttpSteps`, which sends HTTP steps through a user's FastHttpSession, also runs a browser user's setup steps.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser
from locust.contrib.fasthttp import FastHttpSession, ResponseContextManager
from locust.env import Environment

from locust_ext.plan.compiled import (
    DEFAULT_TIMEOUT_S,
    AnyStep,
    CompiledChain,
    CompiledPlan,
    CompiledStep,
    PreparedRequest,
)
from locust_ext.plan.extractors import ResponseView, cookie_in_set_cookie
from locust_ext.plan.step_parts import StepFailure
from locust_ext.plan.templating import RenderContext
from locust_ext.plan.ws_steps import CompiledWsStep
from locust_ext.proto import fleet_pb2
from locust_ext.users.base import PlanUser, wait_for_set_up
from locust_ext.users.process import process_state
from locust_ext.users.ws_steps import WsSteps

_EVERY_STATUS = frozenset(range(100, 600))


def plan_network_timeout(compiled: CompiledPlan) -> float:
    """The client's socket timeout covers the slowest HTTP step; shorter step timeouts are enforced per request."""
    steps = compiled.setup + [step for chain in compiled.tasks for step in chain.steps]
    return max((step.timeout_s for step in steps), default=DEFAULT_TIMEOUT_S)


class HttpSteps:
    """Sends HTTP steps through one user's FastHttpSession; each step is a row in Locust's statistics."""

    def __init__(
        self,
        user: PlanUser,
        client: FastHttpSession,
        context: RenderContext,
        network_timeout: float,
        plan: CompiledPlan,
    ) -> None:
        self.user = user
        self.client = client
        self.context = context
        self.network_timeout = network_timeout
        self.secrets = plan.secrets
        self.pacer = process_state(user.environment).pacer
        self.ws = WsSteps(user, context, user.host, plan.plan.proxy or None, plan.secrets)
        # The plan decides which statuses fail (STATUS asserts); Locust's client must hand every response back.
        # geventhttpclient declares it a ClassVar but reads it through self: this sets it for this client only.
        client.client.valid_response_codes = _EVERY_STATUS  # pyright: ignore[reportAttributeAccessIssue]

    def run_all(self, steps: list[AnyStep]) -> bool:
        """Run the steps in order up to the first that fails; False when one did."""
        for step in steps:  # noqa: SIM110 - a loop: all() over a generator costs a call per step
            if not (self.ws.run(step) if isinstance(step, CompiledWsStep) else self.run(step)):
                return False
        return True

    def run(self, step: CompiledStep) -> bool:
        try:
            request = step.prepare(self.context)
        except StepFailure as failure:
            self.user.report_failure(step.method, step.name, self._masked(failure))
            return False
        self.pacer.wait()
        with self._send(step, request) as response:
            error = getattr(response, "error", None)
            if error is not None and not response.status_code:
                response.failure(StepFailure(_describe_error(error, step.timeout_s)))
                return False
            view = ResponseView(
                response.status_code,
                response.headers or {},
                response.content or b"",
                response.request_meta["response_time"],
                lambda name: self._cookie(response, name),
            )
            try:
                step.verify(view, self.context)
            except StepFailure as failure:
                response.failure(self._masked(failure, request.headers, response.headers or {}))
                return False
            response.success()
            return True

    def _masked(self, failure: StepFailure, *headers: Any) -> StepFailure:
        """The failure with secret values masked: its message lands in Locust's statistics, logs and reports."""
        values = self.secrets.values(self.context.variables, headers)
        masked = self.secrets.mask_text(str(failure), values)
        return failure if masked == str(failure) else StepFailure(masked)

    def _send(self, step: CompiledStep, request: PreparedRequest) -> ResponseContextManager:
        kwargs: dict[str, Any] = {
            "name": step.name,
            "catch_response": True,
            "headers": request.headers,
            "data": request.body,
            "allow_redirects": step.follow_redirects,
        }
        if request.params:
            kwargs["params"] = request.params
        if step.timeout_s == self.network_timeout:
            return self.client.request(request.method, request.url, **kwargs)
        with gevent.Timeout(step.timeout_s):
            return self.client.request(request.method, request.url, **kwargs)

    def _cookie(self, response: ResponseContextManager, name: str) -> str | None:
        headers = response.headers
        value = cookie_in_set_cookie(headers.getlist("set-cookie"), name) if headers else None
        if value is not None or self.client.client.cookiejar is None:
            return value
        return next((cookie.value for cookie in self.client.cookiejar if cookie.name == name), None)


class PlanHttpUser(PlanUser, FastHttpUser):
    """Replays the HTTP chains of the plan given to `configure`."""

    network_timeout = DEFAULT_TIMEOUT_S
    connection_timeout = DEFAULT_TIMEOUT_S
    compiled: ClassVar[CompiledPlan | None] = None

    @classmethod
    def configure(cls, plan: fleet_pb2.Plan, compiled: CompiledPlan | None = None) -> None:
        """Make this class run `plan`: compile it once for every user of this process (or share `compiled`)."""
        cls.compiled = compiled or CompiledPlan(plan)
        cls.host = plan.host or None
        cls.network_timeout = cls.connection_timeout = plan_network_timeout(cls.compiled)
        # A plan without tasks has nothing for this class to run: weight 0 keeps Locust from spawning it.
        cls.weight = (plan.users.http_weight if plan.users.HasField("http_weight") else 1) if plan.tasks else 0
        if plan.proxy:
            proxy = urlsplit(plan.proxy)
            cls.proxy_host, cls.proxy_port = proxy.hostname, proxy.port
        else:
            cls.proxy_host = cls.proxy_port = None

    def __init__(self, environment: Environment) -> None:
        if self.compiled is None:
            wait_for_set_up(environment)
        if self.compiled is None:
            raise RuntimeError("PlanHttpUser has no plan: pass --fleet-plan PATH or deploy a plan to this worker")
        self.plan = self.compiled
        super().__init__(environment, self.plan.variables, self.plan.feeders)
        if not self.plan.session:
            self.client.client.cookiejar = None
        self.steps = HttpSteps(self, self.client, self.render_context, self.network_timeout, self.plan)

    def run_setup(self) -> bool:
        return self.steps.run_all(self.plan.setup)

    def on_stop(self) -> None:
        super().on_stop()
        self.steps.ws.close()

    def run_chain(self) -> CompiledChain[AnyStep]:
        chain = self.plan.pick_task()
        self.steps.run_all(chain.steps)
        return chain


def _describe_error(error: BaseException, timeout_s: float) -> str:
    error = getattr(error, "original", None) or error  # geventhttpclient wraps the cause in RetriesExceeded
    if isinstance(error, gevent.Timeout | TimeoutError):
        return f"no response within {timeout_s:g} s (timeoutS)"
    return f"request failed: {error!r}"
