"""The Locust plugin: the `--fleet-*` options and the wiring of each kind of Locust process.

Registered when `locust_ext` is imported inside a Locust process (see locust_ext/__init__.py). Every process loads
the plan and makes its user classes run it (`plan_setup`); then by its role: a worker started by an agent
announces itself to the master (`worker`), a master with a fleet starts discovery, the plan store, dispatch and
the web API (`master`), and a standalone process just runs the plan (`standalone`).
"""

from __future__ import annotations

from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from locust_ext.master.web.hooks import answer_without_delay
from locust_ext.plugin import master, options, standalone, worker

__all__ = ["options"]


@events.init.add_listener
def on_init(environment: Environment, **_kwargs: Any) -> None:
    if environment.parsed_options is None:
        return
    if environment.web_ui:
        gevent.spawn(answer_without_delay, environment.web_ui)
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        worker.set_up(environment, runner)
    elif isinstance(runner, MasterRunner):
        master.set_up(environment)
    else:
        standalone.set_up(environment)
