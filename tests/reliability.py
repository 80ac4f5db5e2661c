"""Figures the fault and bad-input tests report for docs/RELIABILITY.md.

A test calls `record(...)` with what it did and what was lost; when FLEET_RELIABILITY_OUT names a file, each record
is appended to it as a JSON line, and `scripts/reliability_report.py` turns the file into docs/RELIABILITY.md.
Without the variable nothing is written: the assertions of the test are what make it pass or fail.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

OUT_ENV = "FLEET_RELIABILITY_OUT"


def record(
    kind: str,
    name: str,
    *,
    tried: int,
    survived: int,
    lost_requests: int = 0,
    lost_plans: int = 0,
    detail: str = "",
    **figures: Any,
) -> None:
    """One line of the report.

    kind: "fault" (something was broken on purpose) or "input" (bad input was sent);
    tried: how many faults caused or inputs sent; survived: how many the fleet came through (answered with a
    clear error, kept running, recovered); lost_requests / lost_plans: what went missing (the goal is zero);
    detail: one sentence on what was done and seen; figures: any other measured values (seconds to recover...).
    """
    path = os.environ.get(OUT_ENV)
    if not path:
        return
    line = {
        "kind": kind,
        "name": name,
        "tried": tried,
        "survived": survived,
        "lostRequests": lost_requests,
        "lostPlans": lost_plans,
        "detail": detail,
        "figures": figures,
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(line) + "\n")
