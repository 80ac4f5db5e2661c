"""Which Chromium the browser users launch and with which flags: plain constants, imported without Playwright by the
runtime, the agent's probe and the eject writer (whose locustfiles launch the same browser the same way)."""

from __future__ import annotations

import os

CHROMIUM_ENV = "LOCUST_FLEET_CHROMIUM"

# Debian's headless shell has no browser UI: each user's context costs ~17 MB PSS instead of ~67 MB with the full
# browser, whose new headless mode gives every context a window and a WebUI renderer (benchmarks/browser_capacity).
HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"  # the binary: /usr/bin has a wrapper script

FULL_CHROMIUM = "/usr/bin/chromium"

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_path() -> str:
    """The Chromium to launch: LOCUST_FLEET_CHROMIUM, else the headless shell, else the full browser."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured
    return HEADLESS_SHELL if os.access(HEADLESS_SHELL, os.X_OK) else FULL_CHROMIUM
