"""The Locust plugin: the `--fleet-*` options and the wiring of each kind of Locust process.

Registered when `locust_ext` is imported inside a Locust process (see locust_ext/__init__.py). Every process loads
the plan and makes its user classes run it (`plan_setup`); then by its role: a worker started by an agent
announces itself to the master (`worker`), a master with a fleet starts discovery, the plan store, dispatch and
the web API (`master`), and a standalone process just runs the plan (`standalone`).
"""

from __future__ import annotations

import gc
from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from locust_ext.master.web.hooks import answer_without_delay
from locust_ext.plugin import master, options, standalone, worker
from locust_ext.users.process import process_state

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
        master.set_up(environment, runner)
    else:
        standalone.set_up(environment)
    process_state(environment).set_up.set()
    # What exists now (modules, the compiled plan, the web app) lives as long as the process: frozen, the collector
    # no longer walks it, neither in each full collection during the run nor at exit, where that took a master
    # ~2.5 s of its Ctrl-C (measured: 4.0 s to exit, 1.3 s frozen).
    gc.freeze()
    # gevent's loop caches its clock, and nothing ran the loop while Locust, the plan and this set-up were loaded:
    # on a busy machine the clock lagged by seconds, so the `-t` timer Locust sets next fired at once (a 3 s run
    # ended after 0.1 s). Bring the clock up to date, last.
    gevent.get_hub().loop.update_now()
