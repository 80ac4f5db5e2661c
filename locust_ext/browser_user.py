"""PlanBrowserUser: a Locust User that replays the plan's journeys in a real Chromium (see browser.py).

Each virtual user has one BrowserContext and page for its life. Each step is a row in Locust's statistics
(type BROWSER, name = step name or `ACTION selector/url`); each page a step loads also reports its web
vitals as rows of type TTFB, FCP, LCP and CLS named `<journey>: <step>` (see vitals.py). A failed step is a
failure row whose message says what was expected and what came, and it ends that iteration; the first
failure of each step keeps a screenshot in `browser.screenshots`. The plan's `setup` HTTP steps run first,
through Locust's FastHttpSession: what they save is in the user's variables, their cookies in its context.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from http.cookiejar import Cookie, CookieJar
from typing import Any, ClassVar
from urllib.parse import urlsplit

import gevent
from locust import User, task
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment
from playwright.async_api import BrowserContext, Page, expect
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from locust_ext.assertions import preview, shorten
from locust_ext.browser import (
    HANG_GRACE_S,
    LAUNCH_TIMEOUT_S,
    BrowserUnavailable,
    check_health,
    first_line,
    runtime,
    screenshots,
    user_guard,
)
from locust_ext.http_user import (
    SETUP_RETRY_S,
    HttpSteps,
    UserRows,
    next_user_id,
    plan_network_timeout,
    report_failure,
    take_rows_or_stop,
)
from locust_ext.proto import fleet_pb2
from locust_ext.runtime import DEFAULT_TIMEOUT_S, CompiledChain, CompiledPlan, StepFailure, WeightedChains
from locust_ext.templating import RenderContext, UndefinedVariable, compile_template
from locust_ext.vitals import FINAL_READ_SCRIPT, INIT_SCRIPT, READ_SCRIPT, VitalsReport, VitalsTracker

logger = logging.getLogger(__name__)
Action = fleet_pb2.BrowserStep.Action
REQUEST_TYPE = "BROWSER"
# Browser calls that are not plan steps: reading vitals, screenshots of failures, closing a context.
SIDE_CALL_TIMEOUT_S = 10.0
# Reading a page's vitals before a step; a page too busy to answer is simply not read this time.
VITALS_READ_TIMEOUT_S = 2.0
# How long past its own timeout an action may take before it is given up.
ACTION_GRACE_S = 2.0
# What a step's failure says when the browser or the page is lost, by what was lost (see StepOutcome.lost).
LOST_MESSAGES = {
    "closed": "the page or browser crashed or was closed during the step; a new one is opened for the next iteration",
    "browser": "the browser stopped answering; it is replaced for the next iteration",
    "page": "the page stopped answering; a new one is opened for the next iteration",
}
_SAME_SITE_VALUES = {"strict": "Strict", "lax": "Lax", "none": "None"}


@dataclass(frozen=True, slots=True)
class RenderedStep:
    """A browser step with its templates rendered for one user, as the page-side code needs it."""

    action: str
    label: str
    selector: str
    value: str
    url: str
    save_as: str
    timeout_ms: float


class CompiledBrowserStep:
    """One browser step, with its templates compiled."""

    def __init__(self, step: fleet_pb2.BrowserStep) -> None:
        self.action = Action.Name(step.action)
        target = step.selector or step.url or (step.value if step.action == Action.SLEEP else "")
        self.label = step.name or f"{self.action} {target}".strip()
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
            CompiledChain.of(journey, [CompiledBrowserStep(step) for step in journey.steps])
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


# --- what each action does in the page (runs on the browser runtime's asyncio loop) ---


async def _goto(page: Page, step: RenderedStep) -> None:
    response = await page.goto(step.url, timeout=step.timeout_ms)
    if response is not None and response.status >= 400:
        raise StepFailure(f"status {response.status}: a GOTO fails on 4xx and 5xx")


async def _click(page: Page, step: RenderedStep) -> None:
    await page.click(step.selector, timeout=step.timeout_ms)


async def _check(page: Page, step: RenderedStep) -> None:
    await page.check(step.selector, timeout=step.timeout_ms)


async def _wait_for(page: Page, step: RenderedStep) -> None:
    await page.wait_for_selector(step.selector, state="visible", timeout=step.timeout_ms)


async def _assert_visible(page: Page, step: RenderedStep) -> None:
    try:
        await page.wait_for_selector(step.selector, state="visible", timeout=step.timeout_ms)
    except PlaywrightTimeoutError:
        seconds = step.timeout_ms / 1000
        raise StepFailure(f"assert VISIBLE {step.selector}: not visible within {seconds:g} s (timeoutS)") from None


async def _fill(page: Page, step: RenderedStep) -> None:
    await page.fill(step.selector, step.value, timeout=step.timeout_ms)


async def _select(page: Page, step: RenderedStep) -> None:
    await page.select_option(step.selector, step.value, timeout=step.timeout_ms)


async def _press(page: Page, step: RenderedStep) -> None:
    await page.press(step.selector, step.value, timeout=step.timeout_ms)


async def _assert_text(page: Page, step: RenderedStep) -> None:
    element = page.locator(step.selector).first
    try:
        await expect(element).to_contain_text(step.value, timeout=step.timeout_ms)
    except AssertionError:
        try:
            actual = await element.text_content(timeout=min(step.timeout_ms, 1000))
        except PlaywrightTimeoutError:
            actual = None
        got = "matched nothing" if actual is None else f"got {preview(actual.strip())}"
        raise StepFailure(f"assert TEXT {step.selector} CONTAINS {shorten(step.value)}: {got}") from None


async def _wait_for_url(page: Page, step: RenderedStep) -> None:
    # `^…` is a regular expression (searched in the URL); anything else a glob, relative to the host.
    pattern: str | re.Pattern[str] = re.compile(step.url) if step.url.startswith("^") else step.url
    await page.wait_for_url(pattern, timeout=step.timeout_ms)


async def _save_text(page: Page, step: RenderedStep) -> str:
    text = await page.locator(step.selector).first.text_content(timeout=step.timeout_ms)
    return (text or "").strip()


async def _save_attribute(page: Page, step: RenderedStep) -> str:
    value = await page.locator(step.selector).first.get_attribute(step.value, timeout=step.timeout_ms)
    if value is None:
        raise StepFailure(f"save {step.save_as}: {step.selector} has no attribute '{step.value}'")
    return value


async def _screenshot(page: Page, step: RenderedStep) -> bytes:
    return await page.screenshot(type="png", timeout=step.timeout_ms)


PageAction = Callable[[Page, RenderedStep], Awaitable[Any]]
ACTIONS: dict[str, PageAction] = {
    "GOTO": _goto,
    "CLICK": _click,
    "CHECK": _check,
    "WAIT_FOR": _wait_for,
    "ASSERT_VISIBLE": _assert_visible,
    "FILL": _fill,
    "SELECT": _select,
    "PRESS": _press,
    "ASSERT_TEXT": _assert_text,
    "WAIT_FOR_URL": _wait_for_url,
    "SAVE_TEXT": _save_text,
    "SAVE_ATTRIBUTE": _save_attribute,
    "SCREENSHOT": _screenshot,
}


@dataclass(slots=True)
class StepOutcome:
    """What a step did in the page: its time, what it returned, its error, and the vitals read before it.

    `lost` says what the step's failure cost: "closed" (the page or browser crashed or was closed),
    "browser" or "page" (it stopped answering), or None (nothing: the user goes on with its page).
    """

    elapsed_ms: float
    result: Any
    error: BaseException | None
    vitals_before: dict[str, Any] | None
    lost: str | None


async def _perform(page: Page, step: RenderedStep) -> StepOutcome:
    vitals_before = await _read_vitals(page, READ_SCRIPT)
    started = time.perf_counter()
    result, error = None, None
    try:
        # Playwright enforces the step's timeout itself, except in calls that wait on a browser that stopped
        # answering (an `expect` does): those end here, and the health check tells which it was.
        result = await asyncio.wait_for(ACTIONS[step.action](page, step), step.timeout_ms / 1000 + ACTION_GRACE_S)
    except (StepFailure, PlaywrightError) as failure:
        error = failure
    except TimeoutError:
        error = PlaywrightTimeoutError(f"{step.action} did not return")
    elapsed_ms = (time.perf_counter() - started) * 1000
    return StepOutcome(elapsed_ms, result, error, vitals_before, await _what_was_lost(page, error))


async def _what_was_lost(page: Page, error: BaseException | None) -> str | None:
    if error is None:
        return None
    if page.is_closed() or not _browser_connected(page):
        return "closed"
    if isinstance(error, PlaywrightTimeoutError):  # a slow site, or a hung page or browser?
        return await check_health(page)
    return None


async def _read_vitals(page: Page, script: str) -> dict[str, Any] | None:
    try:
        snapshot = await asyncio.wait_for(page.evaluate(script), VITALS_READ_TIMEOUT_S)
    except (PlaywrightError, TimeoutError):  # the page is navigating, gone or busy: no read this time
        return None
    return snapshot if isinstance(snapshot, dict) else None


def _browser_connected(page: Page) -> bool:
    browser = page.context.browser
    return browser is not None and browser.is_connected()


def describe_error(error: BaseException, step: RenderedStep, lost: str | None) -> str:
    """A failure message that groups well in Locust's failures table (no call logs, no addresses)."""
    if isinstance(error, StepFailure):
        return str(error)
    if lost is not None:
        return LOST_MESSAGES[lost]
    if isinstance(error, PlaywrightTimeoutError):
        return f"not done within {step.timeout_ms / 1000:g} s (timeoutS)"
    return re.sub(r"^[A-Za-z]+\.[A-Za-z_]+: ", "", first_line(error))


class BrowserSession:
    """One virtual user's BrowserContext and page, kept for the user's life or until its browser is gone."""

    def __init__(self) -> None:
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.generation = 0
        self.broken = False
        self.closed = False
        self.tracker = VitalsTracker()

    async def open(self, options: dict[str, Any], cookies: list[dict[str, Any]]) -> None:
        self.context, self.generation = await runtime().new_context(**options)
        if self.closed:  # the user stopped while its context was being made
            await self.close()
            return
        await self.context.add_init_script(INIT_SCRIPT)
        if cookies:
            await self.context.add_cookies(cookies)
        self.page = await self.context.new_page()

    async def close(self) -> None:
        self.closed = True
        context, self.context = self.context, None
        if context is not None:
            with suppress(PlaywrightError):
                await context.close()

    async def clear_cookies(self) -> None:
        await self.context.clear_cookies()


class PlanBrowserUser(User):
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
        super().__init__(environment)
        if self.compiled is None:
            raise RuntimeError("PlanBrowserUser has no plan: pass --fleet-plan PATH or deploy a plan to this worker")
        self.plan = self.compiled
        http = self.plan.http
        self.render_context = RenderContext(dict(http.variables), next_user_id(environment))
        self.rows = UserRows(http.feeders, self.render_context)
        self.setup = self._setup_steps() if http.setup else None
        self._setup_done = self.setup is None
        self._setup_cookies: list[dict[str, Any]] = []
        self.session: BrowserSession | None = None
        self._has_slot = False

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
        return HttpSteps(self, client, self.render_context, timeout, self.plan.http.secrets)

    def on_start(self) -> None:
        take_rows_or_stop(self, self.rows)
        user_guard().acquire()
        self._has_slot = True

    def on_stop(self) -> None:
        self.rows.give_back()
        self._close_session()
        if self._has_slot:
            self._has_slot = False
            user_guard().release()

    @task
    def run_iteration(self) -> None:
        self.rows.feed_iteration()
        if not self._setup_done:
            self._setup_done = self._run_setup()
            if not self._setup_done:
                gevent.sleep(SETUP_RETRY_S)
                return
        session = self._open_session()
        if session is None:
            gevent.sleep(SETUP_RETRY_S)
            return
        journey = self.plan.pick()
        self._run_journey(session, journey)
        pause = journey.think_time()
        if pause:
            gevent.sleep(pause)

    def _run_setup(self) -> bool:
        if not self.setup.run_all(self.plan.http.setup):
            return False
        if self.plan.http.session:
            self._setup_cookies = playwright_cookies(self.setup.client.cookiejar)
        return True

    def _open_session(self) -> BrowserSession | None:
        """This user's session, opened (or reopened, when its browser is gone); None when that failed."""
        session = self.session
        if session is not None and (session.broken or not runtime().is_current(session.generation)):
            self._close_session()
            session = None
        try:
            if session is None:
                session = self.session = BrowserSession()
                options = self._context_options()
                runtime().run(lambda: session.open(options, self._setup_cookies), LAUNCH_TIMEOUT_S + HANG_GRACE_S)
            elif not self.plan.http.session:
                runtime().run(session.clear_cookies, SIDE_CALL_TIMEOUT_S)
        except (BrowserUnavailable, PlaywrightError) as error:
            session.broken = True
            report_failure(self, REQUEST_TYPE, "open browser", StepFailure(first_line(error)))
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
        if runtime().is_current(session.generation):
            with suppress(BrowserUnavailable, PlaywrightError):
                runtime().run(session.close, SIDE_CALL_TIMEOUT_S)

    def _run_journey(self, session: BrowserSession, journey: CompiledChain[CompiledBrowserStep]) -> None:
        for index, step in enumerate(journey.steps):
            if not self._run_step(session, journey.name, index, step):
                break
        if not session.broken:
            try:
                final = runtime().run(lambda: _read_vitals(session.page, FINAL_READ_SCRIPT), SIDE_CALL_TIMEOUT_S)
            except BrowserUnavailable:
                final = None
            self._report_vitals(session.tracker.journey_ended(final))

    def _run_step(self, session: BrowserSession, journey: str, index: int, step: CompiledBrowserStep) -> bool:
        started_at = time.time()
        try:
            rendered = step.render(self.render_context)
            if step.action == "SLEEP":
                return self._sleep(rendered, started_at)
            outcome = runtime().run(lambda: _perform(session.page, rendered), step.timeout_s + HANG_GRACE_S)
        except StepFailure as failure:
            report_failure(self, REQUEST_TYPE, step.label, failure)
            return False
        except BrowserUnavailable as error:
            session.broken = True
            report_failure(self, REQUEST_TYPE, step.label, StepFailure(str(error)))
            return False
        self._report_vitals(session.tracker.before_step(outcome.vitals_before, f"{journey}: {step.label}"))
        if outcome.error is not None:
            session.broken = outcome.lost is not None
            if outcome.lost == "browser":
                runtime().discard_browser("stopped answering")
            failure = StepFailure(describe_error(outcome.error, rendered, outcome.lost))
            self._fire(step.label, outcome.elapsed_ms, started_at, session, failure)
            self._keep_failure_screenshot(session, journey, index, step.label, str(failure))
            return False
        self._keep_result(session, journey, index, rendered, outcome.result)
        self._fire(step.label, outcome.elapsed_ms, started_at, session)
        return True

    def _sleep(self, step: RenderedStep, started_at: float) -> bool:
        try:
            seconds = float(step.value)
        except ValueError:
            raise StepFailure(f"SLEEP: expected a number of seconds, got {preview(step.value)}") from None
        gevent.sleep(max(0.0, seconds))
        self._fire(step.label, (time.time() - started_at) * 1000, started_at, None)
        return True

    def _keep_result(self, session: BrowserSession, journey: str, index: int, step: RenderedStep, result: Any) -> None:
        if step.action == "SCREENSHOT":
            screenshots.keep("step", journey, index, step.label, "", session.page.url, result)
        elif step.save_as:
            self.render_context.variables[step.save_as] = result

    def _keep_failure_screenshot(
        self, session: BrowserSession, journey: str, index: int, label: str, message: str
    ) -> None:
        if session.broken or screenshots.has_failure(journey, index):
            return
        page = session.page
        try:
            png = runtime().run(lambda: page.screenshot(type="png", timeout=5000), SIDE_CALL_TIMEOUT_S)
        except (BrowserUnavailable, PlaywrightError) as error:
            logger.info("no screenshot of the failure of %s: %s", label, first_line(error))
            return
        screenshots.keep("failure", journey, index, label, message, page.url, png)

    def _fire(
        self,
        name: str,
        elapsed_ms: float,
        started_at: float,
        session: BrowserSession | None,
        failure: StepFailure | None = None,
    ) -> None:
        page = session.page if session is not None else None
        self.environment.events.request.fire(
            request_type=REQUEST_TYPE,
            name=name,
            response_time=elapsed_ms,
            response_length=0,
            exception=failure,
            context=self.context(),
            response=None,
            start_time=started_at,
            url=page.url if page is not None else None,
        )

    def _report_vitals(self, reports: list[VitalsReport]) -> None:
        for report in reports:
            for vital, value in report.values.items():
                self.environment.events.request.fire(
                    request_type=vital,
                    name=report.row_name,
                    response_time=value,
                    response_length=0,
                    exception=None,
                    context=self.context(),
                    response=None,
                    start_time=time.time(),
                    url=report.url,
                )


def playwright_cookies(jar: CookieJar) -> list[dict[str, Any]]:
    """The cookies of an HTTP client's jar, as a BrowserContext takes them."""
    return [_playwright_cookie(cookie) for cookie in jar if cookie.value is not None]


def _playwright_cookie(cookie: Cookie) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "name": cookie.name,
        "value": cookie.value,
        "domain": _cookie_domain(cookie),
        "path": cookie.path or "/",
        "secure": cookie.secure,
        "httpOnly": cookie.has_nonstandard_attr("HttpOnly"),
        "expires": float(cookie.expires) if cookie.expires else -1,
    }
    same_site = _SAME_SITE_VALUES.get(str(cookie.get_nonstandard_attr("SameSite", "")).lower())
    if same_site:
        converted["sameSite"] = same_site
    return converted


def _cookie_domain(cookie: Cookie) -> str:
    # http.cookiejar files a host-only cookie of a dotless host (localhost) under "<host>.local".
    host = cookie.domain.removesuffix(".local")
    if not cookie.domain_specified and host != cookie.domain and "." not in host:
        return host
    return cookie.domain
