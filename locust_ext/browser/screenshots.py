"""Screenshots a process keeps: the first failure of each journey step and the latest of each SCREENSHOT step.

A worker forwards each one it keeps to the master (`on_kept`), which keeps the fleet's for the page."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from locust_ext.plan.schema import enum_json, enum_number
from locust_ext.proto import fleet_pb2
from locust_ext.wire.records import record_json

MAX_SCREENSHOTS = 50
_KINDS = fleet_pb2.Screenshot.Kind.DESCRIPTOR
# As records spell them: "failure", "step".
FAILURE = enum_json(_KINDS, fleet_pb2.Screenshot.FAILURE)
STEP = enum_json(_KINDS, fleet_pb2.Screenshot.STEP)


@dataclass(frozen=True, slots=True)
class Screenshot:
    """A PNG of the page, with where it was and why it was taken."""

    id: int
    kind: str  # FAILURE: the first failure of a step; STEP: the latest SCREENSHOT step
    journey: str
    step: str
    step_index: int
    message: str
    url: str
    png: bytes
    taken_at: float
    source: str = ""  # on the master: the agent and Locust worker that took it

    def summary(self) -> dict[str, Any]:
        """Everything but the image, for listings: the Screenshot record of protos/fleet.proto."""
        return record_json(
            fleet_pb2.Screenshot(
                id=self.id,
                # An enum field takes the number at run time; protoc's stub names the enum class.
                kind=cast("fleet_pb2.Screenshot.Kind", enum_number(_KINDS, self.kind)),
                journey=self.journey,
                step=self.step,
                step_index=self.step_index,
                message=self.message,
                url=self.url,
                bytes=len(self.png),
                taken_at=self.taken_at,
                source=self.source,
            )
        )


class ScreenshotStore:
    """This process's screenshots, at most `limit`: the first failure of each step, the latest of SCREENSHOT steps."""

    def __init__(self, limit: int = MAX_SCREENSHOTS) -> None:
        self.limit = limit
        self._shots: dict[tuple[str, str, int], Screenshot] = {}
        self._ids = itertools.count(1)
        self.on_kept: list[Callable[[Screenshot], None]] = []

    def has_failure(self, journey: str, step_index: int) -> bool:
        return (FAILURE, journey, step_index) in self._shots

    def keep(
        self, kind: str, journey: str, step_index: int, step: str, message: str, url: str, png: bytes, source: str = ""
    ) -> Screenshot | None:
        """Keep a failure unless that step has one; replace a step's screenshot; drop new ones when full.

        Returns what was kept, after telling the `on_kept` listeners (a worker forwards it to the master)."""
        key = (kind, journey, step_index)
        if (kind == FAILURE and key in self._shots) or (key not in self._shots and len(self._shots) >= self.limit):
            return None
        shot = Screenshot(next(self._ids), kind, journey, step, step_index, message, url, png, time.time(), source)
        self._shots[key] = shot
        for listener in self.on_kept:
            listener(shot)
        return shot

    def list(self) -> list[dict[str, Any]]:
        return [shot.summary() for shot in sorted(self._shots.values(), key=lambda shot: shot.id)]

    def get(self, shot_id: int) -> Screenshot | None:
        return next((shot for shot in self._shots.values() if shot.id == shot_id), None)

    def clear(self) -> None:
        self._shots.clear()
