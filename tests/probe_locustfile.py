"""A locustfile for tests: locust-fleet's own, plus a record of what happened inside the process.

At quit it writes `probe.json` in the working directory: every request event (type, name, when, time,
error) and the screenshots the process kept (with their PNGs in base64), which only exist in its memory.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

from locust import events

from locust_ext.locustfile import PlanBrowserUser, PlanHttpUser
from locust_ext.users.process import process_state

__all__ = ["PlanBrowserUser", "PlanHttpUser"]
PROBE_FILE = "probe.json"
_requests: list[dict[str, Any]] = []


@events.request.add_listener
def record_request(request_type: str, name: str, response_time: float, exception: Any, **_kwargs: Any) -> None:
    _requests.append(
        {
            "type": request_type,
            "name": name,
            "at": time.time(),
            "ms": response_time,
            "error": exception and str(exception),
        }
    )


@events.quitting.add_listener
def write_probe(environment: Any, **_kwargs: Any) -> None:
    screenshots = process_state(environment).screenshots
    shots = [
        summary | {"png": base64.b64encode(screenshots.get(summary["id"]).png).decode()}
        for summary in screenshots.list()
    ]
    Path(PROBE_FILE).write_text(json.dumps({"requests": _requests, "screenshots": shots}))
