"""What each browser step does in the page, run on the browser runtime's asyncio loop.

`perform` runs one rendered step with its timeout and reads the page's vitals before it (outside its timing); its
`StepOutcome` says what the step returned or why it failed, and what the failure cost (the page, the browser).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from locust_ext.browser.runtime import first_line
from locust_ext.plan.assertions import preview, shorten
from locust_ext.plan.step_parts import StepFailure

# Reading a page's vitals before a step; a page too busy to answer is simply not read this time.
VITALS_READ_TIMEOUT_S = 2.0

# How long past its own timeout an action may take before it is given up.
ACTION_GRACE_S = 2.0
# After an action times out: how long the browser and the page get to answer a trivial call.
HEALTH_TIMEOUT_S = 5.0

# What a step's failure says when the browser or the page is lost, by what was lost (see StepOutcome.lost).
LOST_MESSAGES = {
    "closed": "the page or browser crashed or was closed during the step; a new one is opened for the next iteration",
    "browser": "the browser stopped answering; it is replaced for the next iteration",
    "page": "the page stopped answering; a new one is opened for the next iteration",
}


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


async def perform(page: Page, step: RenderedStep, vitals_script: str) -> StepOutcome:
    """Run `step` in `page`, after reading the page's vitals with `vitals_script`."""
    vitals_before = await read_vitals(page, vitals_script)
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


async def check_health(page: Page) -> str | None:
    """After a timeout: None when the browser and the page still answer, else what stopped answering."""
    try:
        await asyncio.wait_for(page.context.cookies(), HEALTH_TIMEOUT_S)
    except (PlaywrightError, TimeoutError):
        return "browser"
    try:
        await asyncio.wait_for(page.evaluate("1"), HEALTH_TIMEOUT_S)
    except (PlaywrightError, TimeoutError):
        return "page"
    return None


async def read_vitals(page: Page, script: str) -> dict[str, Any] | None:
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
