"""A locustfile for tests: locust-fleet's own, plus a record of what happened inside the process.

At quit it writes `probe.json` in the working directory: every request event (type, name, when, time,
error) and the screenshots the process kept (with their PNGs in base64), which only exist in its memory.
While it runs, it appends each event that is not an HTTP request (browser steps and web vitals: a few a second)
to `probe-live.jsonl`, one JSON object a line, so a test can wait for what it needs to see; and once a file
`probe-stop` appears in the working directory it ends the run as -t does (the runner stops, then the process quits).
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import gevent
from locust import events

from locust_ext.locustfile import PlanBrowserUser, PlanHttpUser
from locust_ext.users.process import process_state

__all__ = ["PlanBrowserUser", "PlanHttpUser"]
PROBE_FILE = "probe.json"
LIVE_FILE = "probe-live.jsonl"
STOP_FILE = "probe-stop"
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
_requests: list[dict[str, Any]] = []


@events.request.add_listener
def record_request(request_type: str, name: str, response_time: float, exception: Any, **_kwargs: Any) -> None:
    event = {
        "type": request_type,
        "name": name,
        "at": time.time(),
        "ms": response_time,
        "error": exception and str(exception),
    }
    _requests.append(event)
    if request_type not in HTTP_METHODS:
        with Path(LIVE_FILE).open("a") as live:  # closed at once: the line is in the file for the test to read
            live.write(json.dumps(event) + "\n")


@events.init.add_listener
def stop_on_request(environment: Any, **_kwargs: Any) -> None:
    def watch() -> None:
        while not Path(STOP_FILE).exists():
            gevent.sleep(0.2)
        environment.runner.quit()  # what -t does when its time is up

    if environment.runner is not None:
        gevent.spawn(watch)


@events.quitting.add_listener
def write_probe(environment: Any, **_kwargs: Any) -> None:
    screenshots = process_state(environment).screenshots
    shots: list[dict[str, Any]] = []
    for summary in screenshots.list():
        shot = screenshots.get(summary["id"])
        if shot is None:  # listed a moment ago: nothing else runs at quit
            raise LookupError(f"screenshot {summary['id']} is listed but not kept")
        shots.append(summary | {"png": base64.b64encode(shot.png).decode()})
    Path(PROBE_FILE).write_text(json.dumps({"requests": _requests, "screenshots": shots}))
