"""One virtual user's BrowserContext and page, and the cookies an HTTP login hands over to it."""

from __future__ import annotations

from contextlib import suppress
from http.cookiejar import Cookie, CookieJar
from typing import TYPE_CHECKING, Any, Literal

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from locust_ext.browser.actions import RenderedStep, StepOutcome, perform, read_vitals
from locust_ext.browser.runtime import BrowserRuntime, first_line

if TYPE_CHECKING:
    # A cookie as BrowserContext.add_cookies takes it; Playwright's API uses this type but exports no name for it.
    from playwright._impl._api_structures import SetCookieParam as BrowserCookie

_SAME_SITE_VALUES: dict[str, Literal["Strict", "Lax", "None"]] = {"strict": "Strict", "lax": "Lax", "none": "None"}


# A failure's screenshot must not hold up the user for long.
SCREENSHOT_TIMEOUT_MS = 5000


class PageError(RuntimeError):
    """A call into the browser or the page failed; the message is Playwright's first line, for a failure row."""


class BrowserSession:
    """One virtual user's BrowserContext and page, kept for the user's life or until its browser is gone.

    Its coroutines run on `runtime`'s loop (through `runtime.run`); a Playwright error comes out as PageError.
    """

    def __init__(self, runtime: BrowserRuntime, init_script: str) -> None:
        self.runtime = runtime
        self.init_script = init_script
        self.context: BrowserContext | None = None
        self.page: Page | None = None
        self.generation = 0
        self.broken = False
        self.closed = False

    @property
    def url(self) -> str | None:
        return self.page.url if self.page is not None else None

    async def open(self, options: dict[str, Any], cookies: list[BrowserCookie]) -> None:
        try:
            self.context, self.generation = await self.runtime.new_context(**options)
            if self.closed:  # the user stopped while its context was being made
                await self.close()
                return
            await self.context.add_init_script(self.init_script)
            if cookies:
                await self.context.add_cookies(cookies)
            self.page = await self.context.new_page()
        except PlaywrightError as error:
            raise PageError(first_line(error)) from None

    async def close(self) -> None:
        self.closed = True
        context, self.context = self.context, None
        if context is not None:
            with suppress(PlaywrightError):
                await context.close()

    async def clear_cookies(self) -> None:
        if self.context is None:
            raise PageError("the browser context is closed (or was never opened)")
        try:
            await self.context.clear_cookies()
        except PlaywrightError as error:
            raise PageError(first_line(error)) from None

    async def perform(self, step: RenderedStep, vitals_script: str) -> StepOutcome:
        return await perform(self._opened_page(), step, vitals_script)

    async def read_vitals(self, script: str) -> dict[str, Any] | None:
        return await read_vitals(self._opened_page(), script)

    async def screenshot(self) -> bytes:
        page = self._opened_page()
        try:
            return await page.screenshot(type="png", timeout=SCREENSHOT_TIMEOUT_MS)
        except PlaywrightError as error:
            raise PageError(first_line(error)) from None

    def _opened_page(self) -> Page:
        if self.page is None:
            raise PageError("the session has no page: it was closed before its page opened")
        return self.page


def playwright_cookies(jar: CookieJar) -> list[BrowserCookie]:
    """The cookies of an HTTP client's jar, as a BrowserContext takes them."""
    return [_playwright_cookie(cookie, cookie.value) for cookie in jar if cookie.value is not None]


def _playwright_cookie(cookie: Cookie, value: str) -> BrowserCookie:
    converted: BrowserCookie = {
        "name": cookie.name,
        "value": value,
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
