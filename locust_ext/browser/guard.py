"""The cap on browser users running at once in one process, derived from the memory available."""

from __future__ import annotations

import functools
import logging
import os

import psutil

logger = logging.getLogger(__name__)

MAX_USERS_ENV = "LOCUST_FLEET_MAX_BROWSER_USERS"

# The guard's estimates: the full browser as measured here (one Chromium ~360 MB, each further context with a page
# ~63 MB), which also leaves room for pages heavier than the benchmark's on the headless shell (~17 MB each).
BROWSER_MB = 360

CONTEXT_MB = 63

# Left for the system and the worker itself when the limit is derived from available memory.
RESERVE_MB = 512


class BrowserUserGuard:
    """Caps the browser users running at once in this process; above the cap a new one waits for a slot."""

    def __init__(self, limit: int, reason: str) -> None:
        self.limit = limit
        self.reason = reason
        from gevent.lock import Semaphore

        self._slots = Semaphore(limit)

    @property
    def running(self) -> int:
        return self.limit - self._slots.counter

    def acquire(self) -> None:
        if self._slots.acquire(blocking=False):
            return
        logger.warning(
            "browser users: %d running in this process, the limit is %d (%s); a new browser user waits for a slot",
            self.running,
            self.limit,
            self.reason,
        )
        self._slots.acquire()

    def release(self) -> None:
        self._slots.release()


def browser_user_limit() -> tuple[int, str]:
    """The cap on browser users per process, and why: the environment variable, else the memory available."""
    configured = os.environ.get(MAX_USERS_ENV, "").strip()
    if configured:
        try:
            return max(1, int(configured)), f"set by {MAX_USERS_ENV}"
        except ValueError:
            logger.warning("%s=%r is not a whole number; deriving the limit from memory", MAX_USERS_ENV, configured)
    available_mb = psutil.virtual_memory().available // 2**20
    limit = max(1, (available_mb - RESERVE_MB - BROWSER_MB) // CONTEXT_MB)
    return limit, f"{available_mb} MB available at ~{CONTEXT_MB} MB per browser user + {BROWSER_MB} MB for Chromium"


@functools.cache
def user_guard() -> BrowserUserGuard:
    """This process's guard, sized at first use."""
    return BrowserUserGuard(*browser_user_limit())
