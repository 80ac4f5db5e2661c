"""PlanHttpUser: a Locust FastHttpUser that replays the plan's HTTP chains.

Each step is its own row in Locust's statistics (type = method, name = step name); a failed step is
a Locust failure whose message says what was expected and what came, and it ends that iteration.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import ClassVar
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, task
from locust.contrib.fasthttp import ResponseContextManager
from locust.exception import StopUser
from locust.runners import WorkerRunner

from locust_ext.datasets import DataSetExhausted, DataSetFeeder
from locust_ext.extractors import ResponseView, cookie_in_set_cookie
from locust_ext.proto import fleet_pb2
from locust_ext.runtime import DEFAULT_TIMEOUT_S, CompiledPlan, CompiledStep, StepFailure
from locust_ext.templating import RenderContext

logger = logging.getLogger(__name__)
_EVERY_STATUS = frozenset(range(100, 600))
# After a failed setup, wait this long before the user tries it again, so a broken login is not hammered.
_SETUP_RETRY_S = 1.0
# User ids on a worker start at worker_index * this, so ids are unique across the whole distributed test.
_USER_IDS_PER_WORKER = 1_000_000


class PlanHttpUser(FastHttpUser):
    """Replays the HTTP chains of the plan given to `configure`."""

    network_timeout = DEFAULT_TIMEOUT_S
    connection_timeout = DEFAULT_TIMEOUT_S
    compiled: ClassVar[CompiledPlan | None] = None
    _user_ids: ClassVar[itertools.count] = itertools.count(1)

    @classmethod
    def configure(cls, plan: fleet_pb2.Plan) -> None:
        """Make this class run `plan`: compile it once for every user of this process."""
        cls.compiled = CompiledPlan(plan)
        cls.host = plan.host or None
        # The client's socket timeout covers the slowest step; shorter step timeouts are enforced per request.
        steps = cls.compiled.setup + [step for chain in cls.compiled.tasks for step in chain.steps]
        cls.network_timeout = cls.connection_timeout = max(step.timeout_s for step in steps)
        cls.weight = plan.users.http_weight if plan.users.HasField("http_weight") else 1
        if plan.proxy:
            proxy = urlsplit(plan.proxy)
            cls.proxy_host, cls.proxy_port = proxy.hostname, proxy.port
        else:
            cls.proxy_host = cls.proxy_port = None

    def __init__(self, environment) -> None:
        super().__init__(environment)
        if self.compiled is None:
            raise RuntimeError("PlanHttpUser has no plan: pass --fleet-plan PATH or deploy a plan to this worker")
        self.plan = self.compiled
        runner = environment.runner
        offset = runner.worker_index * _USER_IDS_PER_WORKER if isinstance(runner, WorkerRunner) else 0
        self.render_context = RenderContext(dict(self.plan.variables), offset + next(self._user_ids))
        # The plan decides which statuses fail (STATUS asserts); Locust's client must hand every response back.
        self.client.client.valid_response_codes = _EVERY_STATUS
        if not self.plan.session:
            self.client.client.cookiejar = None
        self._kept_rows: list[tuple[DataSetFeeder, dict[str, str]]] = []
        self._setup_done = not self.plan.setup

    def on_start(self) -> None:
        try:
            for feeder in self.plan.feeders:
                if feeder.per_user:
                    row = feeder.take_for_user()
                    self._kept_rows.append((feeder, row))
                    self.render_context.variables.update(row)
        except DataSetExhausted as error:
            logger.error("%s", error)
            self._report_failure("DATA", "data sets", StepFailure(str(error)))
            raise StopUser() from None

    def on_stop(self) -> None:
        for feeder, row in self._kept_rows:
            feeder.give_back(row)
        self._kept_rows.clear()

    @task
    def run_iteration(self) -> None:
        self._feed_iteration_rows()
        if not self._setup_done:
            self._setup_done = self._run_steps(self.plan.setup)
            if not self._setup_done:
                gevent.sleep(_SETUP_RETRY_S)
                return
        chain = self.plan.pick_task()
        self._run_steps(chain.steps)
        pause = chain.think_time()
        if pause:
            gevent.sleep(pause)

    def _feed_iteration_rows(self) -> None:
        for feeder in self.plan.feeders:
            if not feeder.per_user:
                self.render_context.variables.update(feeder.take_for_iteration())

    def _run_steps(self, steps: list[CompiledStep]) -> bool:
        return all(self._run_step(step) for step in steps)

    def _run_step(self, step: CompiledStep) -> bool:
        try:
            request = step.prepare(self.render_context)
        except StepFailure as failure:
            self._report_failure(step.method, step.name, failure)
            return False
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
                step.verify(view, self.render_context)
            except StepFailure as failure:
                response.failure(failure)
                return False
            response.success()
            return True

    def _send(self, step: CompiledStep, request) -> ResponseContextManager:
        kwargs = {
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

    def _report_failure(self, request_type: str, name: str, failure: StepFailure) -> None:
        self.environment.events.request.fire(
            request_type=request_type,
            name=name,
            response_time=0,
            response_length=0,
            exception=failure,
            context=self.context(),
            response=None,
            start_time=time.time(),
            url=None,
        )


def _describe_error(error: BaseException, timeout_s: float) -> str:
    error = getattr(error, "original", None) or error  # geventhttpclient wraps the cause in RetriesExceeded
    if isinstance(error, gevent.Timeout | TimeoutError):
        return f"no response within {timeout_s:g} s (timeoutS)"
    return f"request failed: {error!r}"
