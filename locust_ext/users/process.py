"""What one Locust process keeps for its plan users, kept with the process's Locust Environment.

Locust's Environment has no place for a plugin's state, so it is kept here, by Environment: the pacer every HTTP
step waits on, the screenshots browser users keep, the run's thresholds (on a master or standalone), and the
process's one browser runtime (started at first use). An Environment made in a test has its own, apart from any
other.
"""

from __future__ import annotations

import datetime
import secrets
from weakref import WeakKeyDictionary

from gevent.event import Event
from locust.env import Environment

from locust_ext.browser.chromium import chromium_path
from locust_ext.browser.runtime import BrowserRuntime
from locust_ext.browser.screenshots import ScreenshotStore
from locust_ext.plan.validation import Plan
from locust_ext.users.pacing import Pacer
from locust_ext.users.thresholds import RunThresholds


class ProcessState:
    def __init__(self) -> None:
        # The plan this process runs (None until one is loaded or deployed), its revision in the plan store (0: not
        # from the store), and the current run's id: one per start of a swarm, on a master or standalone.
        self.plan: Plan | None = None
        self.plan_revision = 0
        self.run_id = ""
        # Who asked for the next run, when the web UI knows (the --web-login user); else it was "web UI" or "headless".
        self.started_by = ""
        self.pacer = Pacer()
        # Set once the plugin has set this process up (its init event). A worker that joins a running swarm is sent
        # users as soon as it connects, which Locust does before that event: their constructors wait for it.
        self.set_up = Event()
        self.screenshots = ScreenshotStore()
        self.thresholds = RunThresholds()
        self._browser: BrowserRuntime | None = None

    @property
    def browser(self) -> BrowserRuntime:
        """The browser runtime; nothing starts until its first `run`."""
        if self._browser is None:
            self._browser = BrowserRuntime(chromium_path())
        return self._browser

    def start_run(self) -> None:
        """A new run id: the plan, the start in UTC, and 4 hex digits for starts within the same second."""
        started = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.run_id = f"{self.plan.name if self.plan else 'run'}-{started}-{secrets.token_hex(2)}"

    def shut_down_browser(self) -> None:
        """Close the browser, if one was ever started (at quit)."""
        if self._browser is not None:
            self._browser.shutdown()


_states: WeakKeyDictionary[Environment, ProcessState] = WeakKeyDictionary()


def process_state(environment: Environment) -> ProcessState:
    state = _states.get(environment)
    if state is None:
        state = _states[environment] = ProcessState()
    return state
