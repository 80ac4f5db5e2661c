"""What both plan users share: one user set-up, one iteration loop, and one place that fires Locust's request event.

A plan user has a user id and variables (`${__userId}`, saved values), data set rows (kept for its life or fresh
each iteration), the plan's `setup` steps (run once, retried after a pause while they fail), then one chain per
iteration (a task of HTTP steps, a journey of browser steps) followed by its think time or pacing.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any

import gevent
from locust import User, task
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import WorkerRunner

from locust_ext.plan.compiled import CompiledChain
from locust_ext.plan.datasets import DataSetExhausted, DataSetFeeder
from locust_ext.plan.step_parts import StepFailure
from locust_ext.plan.templating import RenderContext
from locust_ext.users.process import process_state

logger = logging.getLogger(__name__)
# After a failed setup, wait this long before the user tries it again, so a broken login is not hammered.
SETUP_RETRY_S = 1.0
# User ids on a worker start at worker_index * this, so ids are unique across the whole distributed test.
_USER_IDS_PER_WORKER = 1_000_000
# One counter for every user class of the process, so HTTP and browser users never share an id.
_user_ids = itertools.count(1)
# How long a user made before the plugin set its process up waits for it (the plan loads in well under a second).
SET_UP_WAIT_S = 30.0


def wait_for_set_up(environment: Environment) -> None:
    """A worker that joins a running swarm is sent users as soon as it connects, before Locust's init event has let
    the plugin load the plan: such a user waits for it."""
    process_state(environment).set_up.wait(SET_UP_WAIT_S)


def next_user_id(environment: Environment) -> int:
    """The `${__userId}` of a new virtual user."""
    runner = environment.runner
    offset = runner.worker_index * _USER_IDS_PER_WORKER if isinstance(runner, WorkerRunner) else 0
    return offset + next(_user_ids)


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


class PlanUser(User):
    """The base of both plan users; a subclass runs its setup (`run_setup`) and one chain (`run_chain`)."""

    abstract = True

    def __init__(self, environment: Environment, variables: dict[str, str], feeders: list[DataSetFeeder]) -> None:
        super().__init__(environment)
        self.render_context = RenderContext(dict(variables), next_user_id(environment))
        self.rows = UserRows(feeders, self.render_context)
        self._setup_done = False

    def run_setup(self) -> bool:
        """Run the plan's setup steps; False when they failed (the next iteration tries again)."""
        return True

    def run_chain(self) -> CompiledChain[Any] | None:
        """Run one chain and return it, or None when it could not start (the user pauses, then tries again)."""
        raise NotImplementedError

    def on_start(self) -> None:
        try:
            self.rows.take_for_user()
        except DataSetExhausted as error:
            logger.error("%s", error)
            self.report_failure("DATA", "data sets", StepFailure(str(error)))
            raise StopUser() from None

    def on_stop(self) -> None:
        self.rows.give_back()

    @task
    def run_iteration(self) -> None:
        self.rows.feed_iteration()
        if not self._setup_done:
            self._setup_done = self.run_setup()
            if not self._setup_done:
                gevent.sleep(SETUP_RETRY_S)
                return
        started = time.monotonic()
        chain = self.run_chain()
        if chain is None:
            gevent.sleep(SETUP_RETRY_S)
            return
        pause = chain.pause_after(time.monotonic() - started)
        if pause:
            gevent.sleep(pause)

    def fire_request(
        self,
        request_type: str,
        name: str,
        response_time: float,
        started_at: float,
        failure: StepFailure | None = None,
        url: str | None = None,
    ) -> None:
        """A row in Locust's statistics for something Locust's HTTP client did not send itself."""
        self.environment.events.request.fire(
            request_type=request_type,
            name=name,
            response_time=response_time,
            response_length=0,
            exception=failure,
            context=self.context(),
            response=None,
            start_time=started_at,
            url=url,
        )

    def report_failure(self, request_type: str, name: str, failure: StepFailure) -> None:
        """A failure row for something that never became a request (a template, a data set, a browser action)."""
        self.fire_request(request_type, name, 0, time.time(), failure)
