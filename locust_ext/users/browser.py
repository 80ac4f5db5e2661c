"""PlanBrowserUser: a Locust User that replays the plan's journeys in a real Chromium (through `locust_ext.browser`).

Each virtual user has one BrowserContext and page for its life. Each step is a row in Locust's statistics
(type BROWSER, name = step name or `ACTION selector/url`); each page a step loads also reports its web
vitals as rows of type TTFB, FCP, LCP and CLS named `<journey>: <step>` (see vitals.py). A failed step is a
failure row whose message says what was expected and what came, and it ends that iteration; the first
failure of each step keeps a screenshot in the process's screenshots (see process.py). The plan's `setup` HTTP
steps run first, through Locust's FastHttpSession: what they save is in the user's variables, their cookies in
its context.
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import gevent
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

from locust_ext.browser.actions import RenderedStep, describe_error
from locust_ext.browser.guard import user_guard
from locust_ext.browser.runtime import HANG_GRACE_S, LAUNCH_TIMEOUT_S, BrowserUnavailable, first_line
from locust_ext.browser.screenshots import FAILURE, STEP
from locust_ext.browser.session import BrowserSession, PageError, playwright_cookies
from locust_ext.plan.assertions import preview
from locust_ext.plan.compiled import DEFAULT_TIMEOUT_S, CompiledChain, CompiledPlan, WeightedChains
from locust_ext.plan.rows import browser_row, page_row
from locust_ext.plan.step_parts import StepFailure
from locust_ext.plan.templating import RenderContext, UndefinedVariable, compile_template
from locust_ext.proto import fleet_pb2
from locust_ext.users.base import PlanUser, wait_for_set_up
from locust_ext.users.http import HttpSteps, plan_network_timeout
from locust_ext.users.process import process_state
from locust_ext.users.vitals import FINAL_READ_SCRIPT, INIT_SCRIPT, READ_SCRIPT, VitalsReport, VitalsTracker

if TYPE_CHECKING:
    from locust_ext.browser.session import BrowserCookie

logger = logging.getLogger(__name__)
Action = fleet_pb2.BrowserStep.Action

REQUEST_TYPE = "BROWSER"

# Browser calls that are not plan steps: reading vitals, screenshots of failures, closing a context.
SIDE_CALL_TIMEOUT_S = 10.0


class CompiledBrowserStep:
    """One browser step, with its templates compiled."""

    def __init__(self, journey: fleet_pb2.Journey, step: fleet_pb2.BrowserStep) -> None:
        self.action = Action.Name(step.action)
        self.label = browser_row(step)
        self.page = page_row(journey, step)
        self.selector = compile_template(step.selector)
        self.value = compile_template(step.value)
        self.url = compile_template(step.url)
        self.save_as = step.save_as
        self.timeout_s = step.timeout_s if step.HasField("timeout_s") else DEFAULT_TIMEOUT_S

    def render(self, context: RenderContext) -> RenderedStep:
        """Raises StepFailure when a template names an undefined variable."""
        try:
            return RenderedStep(
                self.action,
                self.label,
                self.selector.render(context),
                self.value.render(context),
                self.url.render(context),
                self.save_as,
                self.timeout_s * 1000,
            )
        except UndefinedVariable as error:
            raise StepFailure(str(error)) from None


class CompiledJourneys:
    """The plan's journeys, compiled once per process, beside the compiled HTTP plan they share data with."""

    def __init__(self, plan: fleet_pb2.Plan, http: CompiledPlan) -> None:
        self.http = http
        self.journeys = [
            CompiledChain.of(journey, [CompiledBrowserStep(journey, step) for step in journey.steps])
            for journey in plan.journeys
        ]
        self._weighted = WeightedChains(self.journeys)

    def pick(self) -> CompiledChain[CompiledBrowserStep]:
        return self._weighted.pick()


def browser_count(plan: fleet_pb2.Plan) -> int:
    """Browser users across the whole test: `users.browserCount`, else 1 when the plan has journeys."""
    if not plan.journeys:
        return 0
    return plan.users.browser_count if plan.users.HasField("browser_count") else 1


class PlanBrowserUser(PlanUser):
    """Replays the journeys of the plan given to `configure` in Chromium."""

    compiled: ClassVar[CompiledJourneys | None] = None
    fixed_count = 0

    @classmethod
    def configure(cls, plan: fleet_pb2.Plan, compiled: CompiledPlan | None = None) -> None:
        """Make this class run `plan`'s journeys; `compiled` shares data sets with the HTTP users of the process."""
        cls.compiled = CompiledJourneys(plan, compiled or CompiledPlan(plan))
        cls.host = plan.host or None
        # Browsers are expensive: a fixed number across the whole test (users.browserCount), never by weight.
        cls.fixed_count = browser_count(plan)
        cls.weight = 0

    def __init__(self, environment: Environment) -> None:
        if self.compiled is None:
            wait_for_set_up(environment)
        if self.compiled is None:
            raise RuntimeError("PlanBrowserUser has no plan: pass --fleet-plan PATH or deploy a plan to this worker")
        self.plan = self.compiled
        http = self.plan.http
        super().__init__(environment, http.variables, http.feeders)
        self.setup = self._setup_steps() if http.setup else None
        self._setup_cookies: list[BrowserCookie] = []
        self.session: BrowserSession | None = None
        self.tracker = VitalsTracker()
        self._has_slot = False
        state = process_state(environment)
        self.browser, self.screenshots = state.browser, state.screenshots

    def _setup_steps(self) -> HttpSteps:
        timeout = plan_network_timeout(self.plan.http)
        proxy = urlsplit(self.plan.http.plan.proxy) if self.plan.http.plan.proxy else None
        client = FastHttpSession(
            base_url=self.host,
            request_event=self.environment.events.request,
            user=self,
            network_timeout=timeout,
            connection_timeout=timeout,
            proxy_host=proxy.hostname if proxy else None,
            proxy_port=proxy.port if proxy else None,
        )
        return HttpSteps(self, client, self.render_context, timeout, self.plan.http)

    def on_start(self) -> None:
        super().on_start()
        user_guard().acquire()
        self._has_slot = True

    def on_stop(self) -> None:
        super().on_stop()
        self._close_session()
        if self._has_slot:
            self._has_slot = False
            user_guard().release()

    def run_setup(self) -> bool:
        if self.setup is None:
            return True
        if not self.setup.run_all(self.plan.http.setup):
            return False
        if self.plan.http.session:
            self._setup_cookies = playwright_cookies(self.setup.client.cookiejar)
        return True

    def run_chain(self) -> CompiledChain[CompiledBrowserStep] | None:
        session = self._open_session()
        if session is None:
            return None
        journey = self.plan.pick()
        self._run_journey(session, journey)
        return journey

    def _open_session(self) -> BrowserSession | None:
        """This user's session, opened (or reopened, when its browser is gone); None when that failed."""
        session = self.session
        if session is not None and (session.broken or not self.browser.is_current(session.generation)):
            self._close_session()
            session = None
        try:
            if session is None:
                session = self.session = BrowserSession(self.browser, INIT_SCRIPT)
                self.tracker = VitalsTracker()
                options = self._context_options()
                self.browser.run(lambda: session.open(options, self._setup_cookies), LAUNCH_TIMEOUT_S + HANG_GRACE_S)
            elif not self.plan.http.session:
                self.browser.run(session.clear_cookies, SIDE_CALL_TIMEOUT_S)
        except (BrowserUnavailable, PageError) as error:
            if session is not None:  # always: only the browser calls above raise these, and session is set by then
                session.broken = True
            self.report_failure(REQUEST_TYPE, "open browser", StepFailure(first_line(error)))
            return None
        return session

    def _context_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"ignore_https_errors": True}
        if self.host:
            options["base_url"] = self.host
        if self.plan.http.plan.proxy:
            options["proxy"] = {"server": self.plan.http.plan.proxy}
        return options

    def _close_session(self) -> None:
        session, self.session = self.session, None
        if session is None:
            return
        session.closed = True
        # A context of a browser that crashed or was replaced went with it (and a hung one would not answer);
        # one still being opened is closed by `open`, which sees `closed`.
        if self.browser.is_current(session.generation):
            with suppress(BrowserUnavailable):
                self.browser.run(session.close, SIDE_CALL_TIMEOUT_S)

    def _run_journey(self, session: BrowserSession, journey: CompiledChain[CompiledBrowserStep]) -> None:
        for index, step in enumerate(journey.steps):
            if not self._run_step(session, journey.name, index, step):
                break
        if not session.broken:
            try:
                final = self.browser.run(lambda: session.read_vitals(FINAL_READ_SCRIPT), SIDE_CALL_TIMEOUT_S)
            except BrowserUnavailable:
                final = None
            self._report_vitals(self.tracker.journey_ended(final))

    def _run_step(self, session: BrowserSession, journey: str, index: int, step: CompiledBrowserStep) -> bool:
        started_at = time.time()
        try:
            rendered = step.render(self.render_context)
            if step.action == "SLEEP":
                return self._sleep(rendered, started_at)
            outcome = self.browser.run(lambda: session.perform(rendered, READ_SCRIPT), step.timeout_s + HANG_GRACE_S)
        except StepFailure as failure:
            self.report_failure(REQUEST_TYPE, step.label, failure)
            return False
        except BrowserUnavailable as error:
            session.broken = True
            self.report_failure(REQUEST_TYPE, step.label, StepFailure(str(error)))
            return False
        self._report_vitals(self.tracker.before_step(outcome.vitals_before, step.page))
        if outcome.error is not None:
            session.broken = outcome.lost is not None
            if outcome.lost == "browser":
                self.browser.discard_browser("stopped answering")
            failure = StepFailure(describe_error(outcome.error, rendered, outcome.lost))
            self.fire_request(REQUEST_TYPE, step.label, outcome.elapsed_ms, started_at, failure, session.url)
            self._keep_failure_screenshot(session, journey, index, step.label, str(failure))
            return False
        self._keep_result(session, journey, index, rendered, outcome.result)
        self.fire_request(REQUEST_TYPE, step.label, outcome.elapsed_ms, started_at, None, session.url)
        return True

    def _sleep(self, step: RenderedStep, started_at: float) -> bool:
        try:
            seconds = float(step.value)
        except ValueError:
            raise StepFailure(f"SLEEP: expected a number of seconds, got {preview(step.value)}") from None
        gevent.sleep(max(0.0, seconds))
        self.fire_request(REQUEST_TYPE, step.label, (time.time() - started_at) * 1000, started_at)
        return True

    def _keep_result(self, session: BrowserSession, journey: str, index: int, step: RenderedStep, result: Any) -> None:
        if step.action == "SCREENSHOT":
            self.screenshots.keep(STEP, journey, index, step.label, "", session.url or "", result)
        elif step.save_as:
            self.render_context.variables[step.save_as] = result

    def _keep_failure_screenshot(
        self, session: BrowserSession, journey: str, index: int, label: str, message: str
    ) -> None:
        if session.broken or self.screenshots.has_failure(journey, index):
            return
        url = session.url or ""
        try:
            png = self.browser.run(session.screenshot, SIDE_CALL_TIMEOUT_S)
        except (BrowserUnavailable, PageError) as error:
            logger.info("no screenshot of the failure of %s: %s", label, first_line(error))
            return
        self.screenshots.keep(FAILURE, journey, index, label, message, url, png)

    def _report_vitals(self, reports: list[VitalsReport]) -> None:
        for report in reports:
            for vital, value in report.values.items():
                self.fire_request(vital, report.row_name, value, time.time(), None, report.url)
