"""Wiring on a Locust worker: it tells the master which agent started it, quits with that agent, and forwards its
screenshots to the master."""

from __future__ import annotations

import logging
import os
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import WorkerRunner

from locust_ext.browser.screenshots import Screenshot
from locust_ext.plugin.plan_setup import set_up_plan
from locust_ext.users.process import process_state
from locust_ext.wire.protocol import AGENT_ID_ENV, SCREENSHOT_MESSAGE, WORKER_INDEX_ENV, WORKER_MESSAGE

logger = logging.getLogger(__name__)
AGENT_CHECK_INTERVAL_S = 1.0


def set_up(environment: Environment, runner: WorkerRunner) -> None:
    if os.environ.get(AGENT_ID_ENV):
        announce_worker(runner)
    forward_screenshots(runner, environment)
    set_up_plan(environment)


def announce_worker(runner: WorkerRunner) -> None:
    """Tell the master which agent started this worker, and quit when that agent is gone."""
    owner = {"agent": os.environ[AGENT_ID_ENV], "index": int(os.environ.get(WORKER_INDEX_ENV, 0)), "pid": os.getpid()}
    runner.send_message(WORKER_MESSAGE, owner)
    gevent.spawn(quit_with_agent, runner, os.getppid())


def quit_with_agent(runner: WorkerRunner, agent_pid: int) -> None:
    # A worker must not outlive its agent (killed with -9, say): nothing would stop it, and the master would
    # keep counting it. The agent is this process's parent; when it dies the worker is re-parented.
    while os.getppid() == agent_pid:
        gevent.sleep(AGENT_CHECK_INTERVAL_S)
    logger.warning("the agent that started this worker (pid %d) is gone; quitting", agent_pid)
    runner.quit()


def forward_screenshots(runner: WorkerRunner, environment: Environment) -> None:
    """Each screenshot this worker keeps goes to the master, which shows the fleet's in the page."""
    process_state(environment).screenshots.on_kept.append(
        lambda shot: runner.send_message(SCREENSHOT_MESSAGE, screenshot_message(shot))
    )


def screenshot_message(shot: Screenshot) -> dict[str, Any]:
    """A kept screenshot as the master receives it (Locust's messages carry bytes as they are)."""
    return {**shot.summary(), "png": shot.png}
