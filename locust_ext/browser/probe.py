"""Whether Chromium launches on this machine: probed once per process, in a child process.

The agent asks before it announces the `browser` capability; the child leaves no driver behind and works the same
from the agent's threads and from a gevent-patched Locust process."""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import sys

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright

from locust_ext.browser.chromium import CHROMIUM_ARGS, chromium_path
from locust_ext.browser.runtime import LAUNCH_TIMEOUT_S, first_line

PROBE_TIMEOUT_S = 60.0


@functools.cache
def browser_available() -> tuple[bool, str]:
    """Whether Chromium is present and launches here, with the version or the reason; probed once per process.

    The probe runs in a child process, so it works the same from a gevent-patched Locust process and from
    the agent's threads, and leaves no driver behind.
    """
    executable = chromium_path()
    if not os.access(executable, os.X_OK):
        return False, f"chromium not found at {executable}"
    try:
        probe = subprocess.run(
            [sys.executable, "-m", "locust_ext.browser.probe"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return False, f"chromium did not launch within {PROBE_TIMEOUT_S:g} s"
    if probe.returncode != 0:
        lines = probe.stderr.strip().splitlines()
        return False, lines[-1] if lines else f"the browser probe exited with {probe.returncode}"
    return True, probe.stdout.strip()


async def _probe(executable: str) -> str:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS), timeout=LAUNCH_TIMEOUT_S * 1000
        )
        version = browser.version
        await browser.close()
    return f"chromium {version}"


if __name__ == "__main__":
    try:
        print(asyncio.run(_probe(chromium_path())))
    except PlaywrightError as launch_error:
        print(f"chromium did not launch: {first_line(launch_error)}", file=sys.stderr)
        sys.exit(1)
