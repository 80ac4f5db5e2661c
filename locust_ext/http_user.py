"""PlanHttpUser: a Locust FastHttpUser that replays the plan's HTTP chains.

Each step is its own row in Locust's statistics (type = method, name = step name); a failed step is
a Locust failure whose message says what was expected and what came, and it ends that iteration.
The pieces a browser user shares (user ids, data set rows, sending HTTP steps) are here too.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any, ClassVar
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, User, task
from locust.contrib.fasthttp import FastHttpSession, ResponseContextManager
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import WorkerRunner

from locust_ext.datasets import DataSetExhausted, DataSetFeeder
from locust_ext.extractors import ResponseView, cookie_in_set_cookie
from locust_ext.pacing import pacer
from locust_ext.proto import fleet_pb2
from locust_ext.runtime import DEFAULT_TIMEOUT_S, CompiledPlan, CompiledStep, PreparedRequest, StepFailure
from locust_ext.secrets import Secrets
from locust_ext.templating import RenderContext

logger = logging.getLogger(__name__)
_EVERY_STATUS = frozenset(range(100, 600))
# After a failed setup, wait this long before the user tries it again, so a broken login is not hammered.
SETUP_RETRY_S = 1.0
# User ids on a worker start at worker_index * this, so ids are unique across the whole distributed test.
_USER_IDS_PER_WORKER = 1_000_000
# One counter for every user class of the process, so HTTP and browser users never share an id.
_user_ids = itertools.count(1)


def next_user_id(environment: Environment) -> int:
    """The `${__userId}` of a new virtual user."""
    runner = environment.runner
    offset = runner.worker_index * _USER_IDS_PER_WORKER if isinstance(runner, WorkerRunner) else 0
    return offset + next(_user_ids)


def report_failure(user: User, request_type: str, name: str, failure: StepFailure) -> None:
    """A failure row for something that never became a request (a template, a data set, a browser action)."""
    user.environment.events.request.fire(
        request_type=request_type,
        name=name,
        response_time=0,
        response_length=0,
        exception=failure,
        context=user.context(),
        response=None,
        start_time=time.time(),
        url=None,
    )


def plan_network_timeout(compiled: CompiledPlan) -> float:
    """The client's socket timeout covers the slowest HTTP step; shorter step timeouts are enforced per request."""
    steps = compiled.setup + [step for chain in compiled.tasks for step in chain.steps]
    return max((step.timeout_s for step in steps), default=DEFAULT_TIMEOUT_S)


class UserRows:
    """The data set rows of one virtual user: kept rows (UNIQUE_PER_USER) and a fresh row per iteration."""

    def __init__(self, feeders: list[DataSetFeeder], context: RenderContext) -> None:
        self.feeders = feeders
        self.context = context
        self._kept: list[tuple[DataSetFeeder, dict[str, str]]] = []

    def take_for_user(self) -> None:
        """Raises DataSetExhausted when a UNIQUE_PER_USER data set has no row left."""
        for feeder in self.feeders:
            if feeder.per_user:
                row = feeder.take_for_user()
                self._kept.append((feeder, row))
                self.context.variables.update(row)

    def give_back(self) -> None:
        for feeder, row in self._kept:
            feeder.give_back(row)
        self._kept.clear()

    def feed_iteration(self) -> None:
        for feeder in self.feeders:
            if not feeder.per_user:
                self.context.variables.update(feeder.take_for_iteration())


def take_rows_or_stop(user: User, rows: UserRows) -> None:
    try:
        rows.take_for_user()
    except DataSetExhausted as error:
        logger.error("%s", error)
        report_failure(user, "DATA", "data sets", StepFailure(str(error)))
        raise StopUser() from None


class HttpSteps:
    """Sends HTTP steps through one user's FastHttpSession; each step is a row in Locust's statistics."""

    def __init__(
        self, user: User, client: FastHttpSession, context: RenderContext, network_timeout: float, secrets: Secrets
    ) -> None:
        self.user = user
        self.client = client
        self.context = context
        self.network_timeout = network_timeout
        self.secrets = secrets
        # The plan decides which statuses fail (STATUS asserts); Locust's client must hand every response back.
        client.client.valid_response_codes = _EVERY_STATUS

    def run_all(self, steps: list[CompiledStep]) -> bool:
        return all(self.run(step) for step in steps)

    def run(self, step: CompiledStep) -> bool:
        try:
            request = step.prepare(self.context)
        except StepFailure as failure:
            report_failure(self.user, step.method, step.name, self._masked(failure))
            return False
        pacer.wait()
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


class PlanHttpUser(FastHttpUser):
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
        super().__init__(environment)
        if self.compiled is None:
            raise RuntimeError("PlanHttpUser has no plan: pass --fleet-plan PATH or deploy a plan to this worker")
        self.plan = self.compiled
        self.render_context = RenderContext(dict(self.plan.variables), next_user_id(environment))
        if not self.plan.session:
            self.client.client.cookiejar = None
        self.steps = HttpSteps(self, self.client, self.render_context, self.network_timeout, self.plan.secrets)
        self.rows = UserRows(self.plan.feeders, self.render_context)
        self._setup_done = not self.plan.setup

    def on_start(self) -> None:
        take_rows_or_stop(self, self.rows)

    def on_stop(self) -> None:
        self.rows.give_back()

    @task
    def run_iteration(self) -> None:
        self.rows.feed_iteration()
        if not self._setup_done:
            self._setup_done = self.steps.run_all(self.plan.setup)
            if not self._setup_done:
                gevent.sleep(SETUP_RETRY_S)
                return
        chain = self.plan.pick_task()
        started = time.monotonic()
        self.steps.run_all(chain.steps)
        pause = chain.pause_after(time.monotonic() - started)
        if pause:
            gevent.sleep(pause)


def _describe_error(error: BaseException, timeout_s: float) -> str:
    error = getattr(error, "original", None) or error  # geventhttpclient wraps the cause in RetriesExceeded
    if isinstance(error, gevent.Timeout | TimeoutError):
        return f"no response within {timeout_s:g} s (timeoutS)"
    return f"request failed: {error!r}"
