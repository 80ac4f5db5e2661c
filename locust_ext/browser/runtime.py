"""The one wrapper around Playwright: one Chromium per process, driven from gevent greenlets.

Playwright's sync API fails under gevent, so its async API runs on one asyncio event loop per process. The
loop runs in a greenlet of its own: Locust's monkey-patching gives asyncio gevent's selector, so the loop's
waits (the Playwright driver's pipe, timers) are cooperative and the hub keeps serving Locust's heartbeats
and HTTP users. A greenlet hands a coroutine to the loop with `BrowserRuntime.run` and waits on a gevent
AsyncResult that the task's done-callback sets; `call_soon_threadsafe` wakes the loop if it sits in select.
(A real OS thread does not work here: asyncio would start the driver with gevent's patched Popen, whose child
watchers exist only on the main thread's loop.)

Chromium is launched at first use. When it crashes or is killed, its `disconnected` event drops it and the
next context launches a new one. When it hangs (a call outlives its own timeout by HANG_GRACE_S, or does
not answer the health check that follows an action's timeout), the driver and the browser are replaced:
the next context gets new ones, the old ones are closed, or killed if they will not stop. A page that no
longer answers is dropped by its user. The users' iterations fail with a message; the process goes on.

Importing this module does not import gevent (the probe shares its constants with the agent, which must stay free
of gevent): the parts that only run in Locust processes import it in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar, cast

import psutil
from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from locust_ext.browser.chromium import CHROMIUM_ARGS, CHROMIUM_ENV

if TYPE_CHECKING:
    from gevent import Greenlet
    from gevent.event import AsyncResult

logger = logging.getLogger(__name__)


T = TypeVar("T")

LAUNCH_TIMEOUT_S = 60.0

CLOSE_TIMEOUT_S = 10.0

# How long past an action's own timeout Playwright may stay silent before the browser is deemed hung.
HANG_GRACE_S = 10.0


class BrowserUnavailable(RuntimeError):
    """Chromium is missing, did not launch, crashed or hung; the message says which, for a failure row."""


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class BrowserRuntime:
    """The asyncio loop, the Playwright driver and the one Chromium of this process."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        # Bumped at each launch: a context from an older generation belongs to a browser that is gone.
        self.generation = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_greenlet: Greenlet | None = None
        self._playwright: Playwright | None = None
        self._driver_pids: set[int] = set()
        self._browser: Browser | None = None
        self._launch_lock: asyncio.Lock | None = None
        # Tasks nobody awaits; asyncio keeps only weak references to tasks.
        self._background: set[asyncio.Task] = set()

    def run(self, make_coroutine: Callable[[], Coroutine[Any, Any, T]], timeout_s: float) -> T:
        """Run a coroutine on the loop and wait for it without blocking gevent's hub.

        Raises BrowserUnavailable when the coroutine is not done within `timeout_s` (the browser is then
        replaced, as hung), else whatever the coroutine raised.
        """
        from gevent.event import AsyncResult

        loop = self._started_loop()
        result = AsyncResult()
        tasks: list[asyncio.Task] = []

        def start() -> None:
            task = loop.create_task(make_coroutine())
            task.add_done_callback(functools.partial(_settle, result))
            tasks.append(task)

        def cancel() -> None:
            for task in tasks:
                task.cancel()

        loop.call_soon_threadsafe(start)
        try:
            result.wait(timeout_s)
        finally:
            if not result.ready():  # timed out, or this greenlet was killed: the task must not go on alone
                loop.call_soon_threadsafe(cancel)
        if not result.ready():
            self.discard_browser(f"did not answer within {timeout_s:g} s")
            raise BrowserUnavailable(
                f"the browser did not answer within {timeout_s:g} s; it is replaced for the next iteration"
            )
        return cast(T, result.get())  # what _settle set: the coroutine's result (gevent types it loosely)

    def is_current(self, generation: int) -> bool:
        """Whether a context opened at `generation` still belongs to the running browser."""
        browser = self._browser
        return browser is not None and generation == self.generation and browser.is_connected()

    async def new_context(self, **options: Any) -> tuple[BrowserContext, int]:
        """A new context of the running browser (launched first if needed), with the browser's generation."""
        browser = await self._connected_browser()
        return await browser.new_context(**options), self.generation

    def discard_browser(self, reason: str) -> None:
        """Replace a hung browser: from now on contexts get a new driver and Chromium; the old ones are closed."""
        detached = self._detach()
        if self._loop is not None and any(detached):
            logger.error("chromium %s; a new driver and browser are launched at next use", reason)
            self._loop.call_soon_threadsafe(self._start_background, self._close(*detached))

    def shutdown(self) -> None:
        """Close the browser and the driver, and stop the loop (at quit)."""
        if self._loop is None or self._loop_greenlet is None:  # never started (_started_loop sets both)
            return
        try:
            self.run(lambda: self._close(*self._detach()), CLOSE_TIMEOUT_S * 3)
        except Exception as error:
            logger.warning("browser shutdown: %s", first_line(error))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop_greenlet.join(timeout=CLOSE_TIMEOUT_S)
        if not self._loop.is_running():
            self._loop.close()
        self._loop = None

    def _started_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            import gevent

            self._loop = asyncio.new_event_loop()
            self._launch_lock = asyncio.Lock()
            self._loop_greenlet = gevent.spawn(self._loop.run_forever)
        return self._loop

    def _start_background(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _connected_browser(self) -> Browser:
        if self._launch_lock is None:
            raise RuntimeError("the browser loop is not started: browser calls go through run()")
        async with self._launch_lock:
            if self._browser is None or not self._browser.is_connected():
                self._browser = await self._launch()
                self.generation += 1
            return self._browser

    async def _launch(self) -> Browser:
        if not os.access(self.executable, os.X_OK):
            raise BrowserUnavailable(f"chromium not found at {self.executable} (set {CHROMIUM_ENV})")
        try:
            return await self._launch_once()
        except PlaywrightError:
            # A driver that died with its browser fails the first launch: replace it and try once more.
            await self._close(*self._detach())
        try:
            return await self._launch_once()
        except PlaywrightError as error:
            await self._close(*self._detach())
            raise BrowserUnavailable(f"chromium did not launch: {first_line(error)}") from None

    async def _launch_once(self) -> Browser:
        playwright = self._playwright
        if playwright is None:
            playwright = await self._start_driver()
        browser = await playwright.chromium.launch(
            executable_path=self.executable, args=list(CHROMIUM_ARGS), timeout=LAUNCH_TIMEOUT_S * 1000
        )
        browser.on("disconnected", self._on_disconnected)
        logger.info("chromium %s launched (launch %d of this process)", browser.version, self.generation + 1)
        return browser

    async def _start_driver(self) -> Playwright:
        # The driver's pid is not public; it is the new `run-driver` child, kept to kill it if it ever hangs.
        before = _driver_pids()
        self._playwright = playwright = await async_playwright().start()
        self._driver_pids = _driver_pids() - before
        return playwright

    def _on_disconnected(self, browser: Browser) -> None:
        if browser is self._browser:
            self._browser = None
            logger.warning("chromium disconnected (crashed or killed); a new one is launched at next use")

    def _detach(self) -> tuple[Browser | None, Playwright | None, set[int]]:
        """Forget the browser and the driver at once, so that the next launch starts afresh."""
        detached = (self._browser, self._playwright, self._driver_pids)
        self._browser, self._playwright, self._driver_pids = None, None, set()
        return detached

    @staticmethod
    async def _close(browser: Browser | None, playwright: Playwright | None, driver_pids: set[int]) -> None:
        if browser is not None:
            try:
                await asyncio.wait_for(browser.close(), CLOSE_TIMEOUT_S)
            except (PlaywrightError, TimeoutError) as error:
                logger.warning("chromium close: %s", first_line(error))
        if playwright is not None:
            try:
                await asyncio.wait_for(playwright.stop(), CLOSE_TIMEOUT_S)
            except (PlaywrightError, TimeoutError, OSError) as error:
                logger.warning("playwright driver stop: %s; killing it and its browser", first_line(error))
                _kill_trees(driver_pids)


def _driver_pids() -> set[int]:
    pids = set()
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if "run-driver" in child.cmdline():
                pids.add(child.pid)
    return pids


def _kill_trees(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            for process in [*root.children(recursive=True), root]:
                with contextlib.suppress(psutil.Error):
                    process.kill()


def _settle(result: AsyncResult, task: asyncio.Task) -> None:
    if task.cancelled():
        result.set_exception(BrowserUnavailable("the browser call was cancelled"))
    elif (error := task.exception()) is not None:
        result.set_exception(error)
    else:
        result.set(task.result())
