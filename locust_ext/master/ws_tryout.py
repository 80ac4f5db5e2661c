"""Try once for WebSocket steps: the plan's connection opened from the master, every frame shown with its time.

The same compiled steps as the load; one connection for the whole try, as one virtual user has. Each step's result
lists the frames it sent and received (`direction`, the message, milliseconds since the step began) and, for an
EXPECT, every check and save of the matching message.
"""

from __future__ import annotations

import time
from typing import Any

from locust_ext.plan.step_parts import StepFailure
from locust_ext.plan.templating import RenderContext
from locust_ext.plan.ws_steps import CompiledWsStep, closed_failure
from locust_ext.proto import fleet_pb2
from locust_ext.users.ws_connection import WsClosed, WsConnection, WsOpenFailed

Action = fleet_pb2.WebSocketStep.Action
FRAME_PREVIEW_CHARS = 4096


class WsTryout:
    """The try's connection and the steps run on it."""

    def __init__(self, host: str | None, proxy: str | None, context: RenderContext) -> None:
        self.host = host
        self.proxy = proxy
        self.context = context
        self.connection: WsConnection | None = None
        self.sent_at = time.perf_counter()

    def run(self, step: CompiledWsStep, path: str) -> dict[str, Any]:
        frames: list[dict[str, Any]] = []
        started = time.perf_counter()
        result: dict[str, Any] = {"name": step.name, "path": path, "ok": False}
        try:
            checks = self._run(step, frames, started)
        except StepFailure as failure:
            return result | {"error": str(failure), "ws": self._shown(step, frames, started)}
        except WsClosed as closed:
            self.connection = None
            error = str(closed_failure(closed.code, closed.reason, step.action_name))
            return result | {"error": error, "ws": self._shown(step, frames, started)}
        ok = all(check["ok"] for check in checks)
        return result | {"ok": ok, "ws": self._shown(step, frames, started), "checks": checks}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _run(self, step: CompiledWsStep, frames: list[dict[str, Any]], started: float) -> list[dict[str, Any]]:
        if step.action == Action.CONNECT:
            self._connect(step)
            return []
        connection = self.connection
        if connection is None or connection.closed:
            raise StepFailure(f"{step.action_name}: no open connection (a CONNECT before it failed or was closed)")
        if step.action == Action.SEND:
            message = step.prepare_message(self.context)
            connection.send(message)
            self.sent_at = time.perf_counter()
            frames.append(_frame("sent", message, started))
            return []
        if step.action == Action.EXPECT:
            return self._expect(step, connection, frames, started)
        step.prepare(self.context)
        if step.action == Action.PING:
            if not connection.ping(step.timeout_s):
                raise StepFailure(f"PING: no pong within {step.timeout_s:g} s (timeoutS)")
            return []
        connection.close(step.close_code, step.reason)
        self.connection = None
        return []

    def _connect(self, step: CompiledWsStep) -> None:
        if self.connection is not None and not self.connection.closed:
            step.prepare(self.context)  # kept as it is: only its assignments happen
            return
        target = step.prepare_connect(self.context, self.host)
        try:
            self.connection = WsConnection.open(
                target.url, target.headers, target.subprotocols, target.timeout_s, self.proxy
            )
        except WsOpenFailed as error:
            raise StepFailure(f"CONNECT {target.url}: {error}") from None

    def _expect(
        self, step: CompiledWsStep, connection: WsConnection, frames: list[dict[str, Any]], started: float
    ) -> list[dict[str, Any]]:
        step.prepare(self.context)
        view = step.await_match(
            connection.receive,
            self.sent_at,
            self.context,
            lambda message: frames.append(_frame("received", message, started)),
        )
        return step.inspect(view, self.context)

    def _shown(self, step: CompiledWsStep, frames: list[dict[str, Any]], started: float) -> dict[str, Any]:
        return {
            "action": step.action_name,
            "frames": frames,
            "timeMs": round((time.perf_counter() - started) * 1000, 1),
        }


def _frame(direction: str, message: str | bytes, started: float) -> dict[str, Any]:
    if isinstance(message, bytes):
        shown = f"{len(message)} bytes of binary: {message[:64].hex()}"
    else:
        shown = message if len(message) <= FRAME_PREVIEW_CHARS else message[:FRAME_PREVIEW_CHARS] + "… (truncated)"
    return {"direction": direction, "data": shown, "atMs": round((time.perf_counter() - started) * 1000, 1)}
