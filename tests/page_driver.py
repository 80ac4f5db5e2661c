"""Drive the fleet page in Debian's Chromium with Playwright, from tests.

Playwright's sync API cannot run in a gevent-patched process (pytest imports Locust, which patches), so
tests use the async API on an event loop of their own: `browser.run(scenario)` opens a fresh 1280x800 page,
awaits `scenario(page)`, and fails the test on any uncaught error in the page.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Locator, Page, ViewportSize, async_playwright

from locust_ext.browser.chromium import CHROMIUM_ARGS

CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
# FLEET_SCREENSHOTS=docs/screenshots makes the page tests write the README's screenshots there.
SCREENSHOTS = os.environ.get("FLEET_SCREENSHOTS", "")
# Playwright's deadline for each action and expectation: they take well under a second, but a busy shared machine
# can be several times slower. Only a failure waits this long.
TIMEOUT_MS = 30_000


class PageBrowser:
    """One Chromium for a test module, on an asyncio loop owned by this object."""

    def __init__(self, failures_dir: Path) -> None:
        if not CHROMIUM.exists():
            raise RuntimeError(f"{CHROMIUM} is missing: run ./scripts/install.sh (it installs Debian's chromium)")
        self.failures_dir = failures_dir
        self.loop = asyncio.new_event_loop()
        self.playwright = self.loop.run_until_complete(async_playwright().start())
        self.browser: Browser = self.loop.run_until_complete(
            self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        )

    def run(self, scenario: Callable[[Page], Awaitable[Any]], theme: str = "light") -> Any:
        return self.loop.run_until_complete(self._run(scenario, theme))

    async def _run(self, scenario: Callable[[Page], Awaitable[Any]], theme: str) -> Any:
        context = await self.browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        await context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            result = await scenario(page)
        except BaseException:
            self.failures_dir.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(self.failures_dir / "failure.png"), full_page=True)
            raise
        finally:
            await context.close()
        assert not errors, f"the page threw: {errors}"
        return result

    def close(self) -> None:
        self.loop.run_until_complete(self.browser.close())
        self.loop.run_until_complete(self.playwright.stop())
        self.loop.close()


def at(page: Page | Locator, path: str) -> Locator:
    """The input (or select) bound to `path` in the plan, e.g. `tasks[0].steps[1].url`."""
    return page.locator(f'[data-path="{_css(path)}"]').first


def helper_text(page: Page, path: str) -> Locator:
    """The message under the field bound to `path` (the API's error, or the schema's hint)."""
    return page.locator(f'.MuiFormControl-root:has([data-path="{_css(path)}"]) .MuiFormHelperText-root').first


def step_card(page: Page, path: str) -> Locator:
    return page.locator(f'.MuiPaper-root[data-path="{_css(path)}"]')


async def choose(page: Page, path: str, option: str) -> None:
    """Pick `option` in the select bound to `path`."""
    await at(page, path).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def open_tab(scope: Page | Locator, name: str) -> None:
    await scope.get_by_role("tab", name=re.compile(rf"^{re.escape(name)}")).click()


async def shoot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


def _css(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def open_browser(directory: Path) -> Iterator[PageBrowser]:
    """A Chromium for a module's page tests, closed when the caller is done."""
    page_browser = PageBrowser(directory)
    try:
        yield page_browser
    finally:
        page_browser.close()
