"""The browser runtime an ejected locustfile carries when its plan has journeys: Playwright's async API driven from
Locust's greenlets, one Chromium per process, the steps' failure messages and the pages' web vitals as locust-fleet
reports them (`locust_ext/browser/`, `locust_ext/users/browser.py` and `vitals.py`), in as little code as a reader
can follow. `eject.py` writes each journey as a method of the browser user and places this code around it.
"""

from __future__ import annotations

from locust_ext.browser.chromium import CHROMIUM_ARGS, FULL_CHROMIUM, HEADLESS_SHELL
from locust_ext.users.vitals import FINAL_READ_SCRIPT, INIT_SCRIPT, READ_SCRIPT

# What the runtime and the browser user's methods import, as eject.py spells imports.
IMPORTS = (
    "asyncio",
    "os",
    "re",
    "time",
    "gevent",
    "contextlib.contextmanager",
    "contextlib.suppress",
    "collections.abc.Coroutine",
    "collections.abc.Iterator",
    "http.cookiejar.CookieJar",
    "pathlib.Path",
    "typing.Any",
    "gevent.event.AsyncResult",
    "locust.events",
    "locust.exception.RescheduleTask",
    "playwright.async_api.Browser",
    "playwright.async_api.Page",
    "playwright.async_api.Playwright",
    "playwright.async_api.async_playwright",
    "playwright.async_api.expect",
    "playwright.async_api.Error as PlaywrightError",
    "playwright.async_api.TimeoutError as PlaywrightTimeoutError",
)

# The helpers of eject.py the runtime uses: StepFailed, and `preview` and `shorten` (in "number").
HELPERS = ("StepFailed", "number")


def runtime_code(call_limit_s: float) -> str:
    """The module-level code: Chromium's settings, the vitals scripts, the Playwright loop and the page actions.

    `call_limit_s`: how long a browser call may run before the browser counts as hung (the plan's longest step
    timeout, plus a grace)."""
    return (
        _chromium_code()
        + "# A browser call still running this long (the plan's longest step timeout + 10 s) means a hung browser.\n"
        + f"BROWSER_CALL_LIMIT_S = {call_limit_s!r}\n"
        + "# Screenshots: the latest of each SCREENSHOT step, and the first failure of each step in each process.\n"
        + 'SCREENSHOTS = Path("screenshots")\n'
        + "FAILURES_SHOWN: set[str] = set()\n"
        + "\n"
        + "# Web vitals (TTFB, FCP, LCP, CLS) of each top-level document, kept in the page under a random id.\n"
        + f'VITALS_INIT_SCRIPT = """{INIT_SCRIPT}"""\n'
        + f'VITALS_READ = "{READ_SCRIPT}"\n'
        + "# At the journey's end a page that has not painted yet gets up to 500 ms to do so.\n"
        + f'VITALS_FINAL_READ = """{FINAL_READ_SCRIPT}"""\n'
        + _RUNTIME
    )


def _chromium_code() -> str:
    """Which Chromium the file launches and with which flags: ours (locust_ext/browser/chromium.py)."""
    candidates = ", ".join(f'"{path}"' for path in (HEADLESS_SHELL, FULL_CHROMIUM))
    flags = "".join(f'    "{flag}",\n' for flag in CHROMIUM_ARGS)
    return (
        "\n\n# ---- the browser: Playwright's async API, driven from Locust's greenlets ----\n\n"
        "# Debian's headless shell (the lightest per user), else Debian's Chromium, else the one `playwright install "
        "chromium`\n# downloads; CHROMIUM in the environment names another.\n"
        'CHROMIUM = os.environ.get("CHROMIUM") or next(\n'
        f"    (path for path in ({candidates}) if os.access(path, os.X_OK)),\n"
        "    None,\n"
        ")\n"
        f"CHROMIUM_ARGS = [\n{flags}]\n"
        "# Each step's own timeout (timeoutS) unless the plan gives another, as Playwright takes it.\n"
        "TIMEOUT_MS = 30_000\n"
    )


_RUNTIME = '''

class BrowserHung(Exception):
    """A browser call that did not come back: the browser is replaced for the next page."""


class PlaywrightLoop:
    """One Chromium per process, driven through Playwright's async API on an asyncio loop in a greenlet of its own.

    Playwright's sync API fails under gevent. Locust's monkey-patching makes asyncio's waits cooperative, so the loop
    runs beside the users in the same thread: a user hands it a coroutine and waits on a gevent AsyncResult while the
    other users go on.
    """

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.playwright: Playwright | None = None
        self.browser: Browser | None = None
        self.launching = asyncio.Lock()  # one launch at a time: the users waiting for it share it

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """What the coroutine returns or raises; BrowserHung when it is still running after BROWSER_CALL_LIMIT_S."""
        if self.loop is None:
            self.loop = asyncio.new_event_loop()
            gevent.spawn(self.loop.run_forever)
        loop, outcome, tasks = self.loop, AsyncResult(), []

        def start() -> None:
            task = loop.create_task(coroutine)
            task.add_done_callback(lambda done: settle(outcome, done))
            tasks.append(task)

        # call_soon_threadsafe wakes the loop if it waits in select().
        loop.call_soon_threadsafe(start)
        outcome.wait(BROWSER_CALL_LIMIT_S)
        if not outcome.ready():
            loop.call_soon_threadsafe(lambda: [task.cancel() for task in tasks])
            self.browser = None  # the next page gets a new Chromium; the hung one is left to the end of the run
            raise BrowserHung(f"the browser did not answer within {BROWSER_CALL_LIMIT_S:g} s")
        return outcome.get()

    async def new_page(self, options: dict[str, Any], cookies: list[dict[str, Any]]) -> Page:
        """A page in a new context (cookies, storage) of this process's Chromium, launched first if need be."""
        async with self.launching:
            browser = self.browser
            if browser is None or not browser.is_connected():  # not launched yet, crashed, killed or hung
                if self.playwright is None:
                    self.playwright = await async_playwright().start()
                browser = self.browser = await self.playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000
                )
        context = await browser.new_context(**options)
        await context.add_init_script(VITALS_INIT_SCRIPT)
        if cookies:
            await context.add_cookies(cookies)
        return await context.new_page()

    def close(self) -> None:
        """Stop Playwright's driver, and Chromium with it, so that they do not outlive the run."""
        if self.playwright is not None:
            with suppress(PlaywrightError, BrowserHung, OSError):
                self.run(self.playwright.stop())


def settle(outcome: AsyncResult, task: asyncio.Task) -> None:
    if task.cancelled():
        outcome.set_exception(BrowserHung("the browser call was cancelled"))
    elif task.exception() is not None:
        outcome.set_exception(task.exception())
    else:
        outcome.set(task.result())


BROWSER = PlaywrightLoop()


@events.quit.add_listener
def close_browser(**_kwargs: Any) -> None:
    BROWSER.close()


async def goto(page: Page, url: str, timeout_ms: float) -> None:
    response = await page.goto(url, timeout=timeout_ms)
    if response is not None and response.status >= 400:
        raise StepFailed(f"status {response.status}: a GOTO fails on 4xx and 5xx")


async def assert_visible(page: Page, selector: str, timeout_ms: float) -> None:
    try:
        await page.wait_for_selector(selector, state="visible", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        raise StepFailed(f"assert VISIBLE {selector}: not visible within {timeout_ms / 1000:g} s (timeoutS)") from None


async def assert_text(page: Page, selector: str, text: str, timeout_ms: float) -> None:
    """The first element `selector` matches contains `text`, within the timeout."""
    element = page.locator(selector).first
    try:
        await expect(element).to_contain_text(text, timeout=timeout_ms)
    except AssertionError:
        try:
            actual = await element.text_content(timeout=min(timeout_ms, 1000))
        except PlaywrightTimeoutError:
            actual = None
        got = "matched nothing" if actual is None else f"got {preview(actual.strip())}"
        raise StepFailed(f"assert TEXT {selector} CONTAINS {shorten(text)}: {got}") from None


async def text_in(page: Page, selector: str, timeout_ms: float) -> str:
    text = await page.locator(selector).first.text_content(timeout=timeout_ms)
    return (text or "").strip()


async def attribute_of(page: Page, selector: str, attribute: str, saved_as: str, timeout_ms: float) -> str:
    value = await page.locator(selector).first.get_attribute(attribute, timeout=timeout_ms)
    if value is None:
        raise StepFailed(f"save {saved_as}: {selector} has no attribute '{attribute}'")
    return value


async def read_vitals(page: Page, script: str) -> dict[str, Any] | None:
    """The current document's vitals so far, or None when the page is navigating, gone or too busy to answer."""
    try:
        read = await asyncio.wait_for(page.evaluate(script), 2.0)
    except (PlaywrightError, TimeoutError):
        return None
    return read if isinstance(read, dict) else None


def lost(page: Page) -> bool:
    """Whether the page or its browser crashed or was closed."""
    browser = page.context.browser
    return page.is_closed() or browser is None or not browser.is_connected()


def browser_failure(error: Exception, page: Page, timeout_s: float) -> str:
    """A step's failure message, short enough to group well in Locust's failures table (no call logs)."""
    if isinstance(error, StepFailed | BrowserHung):
        return str(error)
    if lost(page):
        return "the page or browser crashed or was closed during the step; a new one is opened for the next iteration"
    if isinstance(error, PlaywrightTimeoutError):
        return f"not done within {timeout_s:g} s (timeoutS)"
    return re.sub(r"^[A-Za-z]+\\.[A-Za-z_]+: ", "", first_line(error))  # without Playwright's "Page.click: "


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def browser_cookies(jar: CookieJar) -> list[dict[str, Any]]:
    """The cookies the setup's HTTP steps received, as a browser context takes them."""
    return [
        {
            "name": cookie.name,
            "value": cookie.value,
            # http.cookiejar files a host-only cookie of a dotless host (localhost) under "<host>.local".
            "domain": cookie.domain if cookie.domain_specified else cookie.domain.removesuffix(".local"),
            "path": cookie.path or "/",
            "secure": cookie.secure,
            "httpOnly": cookie.has_nonstandard_attr("HttpOnly"),
            "expires": float(cookie.expires) if cookie.expires else -1,
        }
        for cookie in jar
        if cookie.value is not None
    ]


def screenshot_file(name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / (re.sub(r"[^\\w.-]+", "_", name).strip("_") + ".png")


class PageVitals:
    """The documents one browser user's page shows, each reported once: when a step finds a new one there (the
    step before it loaded it) and at the journey's end. Rows are named `<journey>: <step that loaded it>`."""

    def __init__(self) -> None:
        self.document: dict[str, Any] | None = None  # the latest read of the current document
        self.loaded_by = ""
        self.reported = False
        self.last_step = ""

    def before_step(self, read: dict[str, Any] | None, step: str) -> list[tuple[str, dict[str, Any]]]:
        """A read just before `step` runs; the document left since the last read, if any."""
        left = self.see(read)
        self.last_step = step
        return left

    def journey_ended(self, read: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
        left = self.see(read)
        if self.document is not None and not self.reported:
            self.reported = True
            left.append((self.loaded_by, self.document))
        return left

    def see(self, read: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
        if not read or not isinstance(read.get("id"), str):
            return []
        if self.document is not None and self.document["id"] == read["id"]:
            self.document = read
            return []
        left = [] if self.document is None or self.reported else [(self.loaded_by, self.document)]
        self.document, self.loaded_by, self.reported = read, self.last_step, False
        return left


def vitals_of(document: dict[str, Any]) -> dict[str, float]:
    """TTFB, FCP and LCP in ms, and CLS x 1000 (readable as a "response time"), of a web page's document."""
    if not str(document.get("url", "")).startswith(("http://", "https://")):
        return {}  # the blank page a context starts with, and Chromium's error pages
    cls = document.get("cls")
    measured = {
        "TTFB": document.get("ttfb"),
        "FCP": document.get("fcp"),
        "LCP": document.get("lcp"),
        "CLS": cls * 1000 if isinstance(cls, int | float) else None,
    }
    return {name: float(value) for name, value in measured.items() if isinstance(value, int | float)}
'''


def user_methods(session: bool) -> str:
    """The browser user's methods after its journeys: the journey and step blocks, the page, the rows.

    `session`: the plan's; without one, the page's cookies are cleared before each iteration."""
    if session:
        return _USER_METHODS
    opened = "        page = self.open_page()\n"
    return _USER_METHODS.replace(
        opened, opened + "        BROWSER.run(page.context.clear_cookies())  # session: false, no cookies kept\n", 1
    )


_USER_METHODS = '''
    # ---- what every journey shares ----

    @contextmanager
    def journey(self, name: str) -> Iterator[Page]:
        """One iteration of a journey: the steps in the block until one fails, then the vitals of the last page."""
        if not self.begin_iteration():
            raise RescheduleTask()
        page = self.open_page()
        self.journey_name = name
        with suppress(StepFailed):  # its step's failure row says why; the rest of the journey is skipped
            yield page
        if self.page is not None:
            self.report_vitals(self.vitals.journey_ended(BROWSER.run(read_vitals(self.page, VITALS_FINAL_READ))))

    @contextmanager
    def browser_step(self, name: str, timeout_s: float = TIMEOUT_MS / 1000) -> Iterator[None]:
        """One step: its row (type BROWSER) times the block, after the vitals read; a failure ends the journey."""
        page = self.open_page()
        read = BROWSER.run(read_vitals(page, VITALS_READ))
        self.report_vitals(self.vitals.before_step(read, f"{self.journey_name}: {name}"))
        started = time.perf_counter()
        try:
            yield
        except (StepFailed, PlaywrightError, BrowserHung) as error:
            failure = StepFailed(browser_failure(error, page, timeout_s))
            self.browser_row(name, started, page.url, failure)
            if isinstance(error, BrowserHung) or lost(page):
                self.page = None  # a new one for the next iteration
            else:
                self.keep_failure_screenshot(page, name)
            raise failure from None
        self.browser_row(name, started, page.url)

    def sleep_step(self, name: str, seconds: float) -> None:
        started = time.perf_counter()
        time.sleep(seconds)
        self.browser_row(name, started, self.page.url if self.page else None)

    def open_page(self) -> Page:
        """This user's page, kept across iterations; a new one (and context) when there is none or it was lost."""
        if self.page is not None and lost(self.page):
            self.page = None
        if self.page is None:
            try:
                cookies = browser_cookies(self.client.cookiejar)  # the setup's: a setup login logs the browser in
                self.page = BROWSER.run(BROWSER.new_page(self.context_options(), cookies))
            except (PlaywrightError, BrowserHung) as error:
                self.browser_row("open browser", time.perf_counter(), None, StepFailed(first_line(error)))
                time.sleep(1)
                raise RescheduleTask() from None
            self.vitals = PageVitals()
        return self.page

    def keep_screenshot(self, name: str, png: bytes) -> None:
        screenshot_file(f"{self.journey_name} {name}").write_bytes(png)

    def keep_failure_screenshot(self, page: Page, name: str) -> None:
        shown = f"failure {self.journey_name} {name}"
        if shown not in FAILURES_SHOWN:
            FAILURES_SHOWN.add(shown)
            with suppress(PlaywrightError, BrowserHung):
                screenshot_file(shown).write_bytes(BROWSER.run(page.screenshot(type="png", timeout=5000)))

    def report_vitals(self, documents: list[tuple[str, dict[str, Any]]]) -> None:
        for loaded_by, document in documents:
            for vital, value in vitals_of(document).items():
                if loaded_by:
                    self.row(vital, loaded_by, value, document["url"])

    def browser_row(self, name: str, started: float, url: str | None, failure: StepFailed | None = None) -> None:
        self.row("BROWSER", name, (time.perf_counter() - started) * 1000, url, failure)

    def row(
        self, request_type: str, name: str, value: float, url: str | None, failure: StepFailed | None = None
    ) -> None:
        self.environment.events.request.fire(
            request_type=request_type,
            name=name,
            response_time=value,
            response_length=0,
            exception=failure,
            context={},
            url=url,
        )

    def on_stop(self) -> None:
        if self.page is not None:
            with suppress(PlaywrightError, BrowserHung):
                BROWSER.run(self.page.context.close())
        super().on_stop()
'''
