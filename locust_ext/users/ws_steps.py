"""A virtual user's WebSocket steps under Locust: one connection per user, rows of type WS, failures that say why.

CONNECT is a row (the time to the open handshake) and keeps an open connection as it is, so a task that starts with
it holds one connection across iterations; EXPECT is a row (the time from the SEND before it to the matching
message: a round trip); PING is a row (the pong's round trip). SEND and CLOSE are rows only when they fail. A server
that closes or drops the connection fails the step in flight with the close code and reason; the next CONNECT
opens a new one. Messages sent and received are counted on rows `messages sent` and `messages received` (type WS),
whose rates are the messages per second.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from locust_ext.plan.secrets import Secrets
from locust_ext.plan.step_parts import StepFailure
from locust_ext.plan.templating import RenderContext
from locust_ext.plan.ws_steps import CompiledWsStep, closed_failure
from locust_ext.proto import fleet_pb2
from locust_ext.users.ws_connection import WsClosed, WsConnection, WsOpenFailed

if TYPE_CHECKING:
    from locust_ext.users.base import PlanUser

# The actions as plain ints: a protobuf enum's attribute lookup is a Python call, and these are read every step.
_CONNECT, _SEND, _EXPECT, _PING = (
    fleet_pb2.WebSocketStep.Action.Value(name) for name in ("CONNECT", "SEND", "EXPECT", "PING")
)
ROW_TYPE = "WS"
SENT_ROW = "messages sent"
RECEIVED_ROW = "messages received"


class WsSteps:
    """Runs one user's WebSocket steps on its connection and reports each as Locust's statistics expect."""

    def __init__(
        self, user: PlanUser, context: RenderContext, host: str | None, proxy: str | None, secrets: Secrets
    ) -> None:
        self.user = user
        self.context = context
        self.host = host
        self.proxy = proxy
        self.secrets = secrets
        self.connection: WsConnection | None = None
        # When the last message went out: an EXPECT's time runs from there (a round trip).
        self.sent_at = time.perf_counter()

    def run(self, step: CompiledWsStep) -> bool:
        if step.action == _CONNECT and not step.has_assign and self._open():
            return True  # the connection is kept as it is: nothing to do, nothing to report
        started_at, started = time.time(), time.perf_counter()
        try:
            if step.action == _CONNECT:
                self._connect(step, started_at)
            else:
                self._on_connection(step, started_at)
        except StepFailure as failure:
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.user.fire_request(ROW_TYPE, step.name, elapsed_ms, started_at, self._masked(failure))
            return False
        return True

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _on_connection(self, step: CompiledWsStep, started_at: float) -> None:
        connection = self.connection
        if connection is None or connection.closed:
            raise StepFailure(f"{step.action_name}: no open connection (a CONNECT before it failed or was closed)")
        try:
            if step.action == _SEND:
                self._send(step, connection)
            elif step.action == _EXPECT:
                self._expect(step, connection, started_at)
            elif step.action == _PING:
                self._ping(step, connection, started_at)
            else:
                step.prepare(self.context)
                connection.close(step.close_code, step.reason)
                self.connection = None
        except WsClosed as closed:
            self.connection = None
            raise closed_failure(closed.code, closed.reason, step.action_name) from None

    def _open(self) -> bool:
        return self.connection is not None and not self.connection.closed

    def _connect(self, step: CompiledWsStep, started_at: float) -> None:
        if self._open():
            step.prepare(self.context)  # kept as it is: only its assignments happen
            return
        target = step.prepare_connect(self.context, self.host)
        started = time.perf_counter()
        try:
            self.connection = WsConnection.open(
                target.url, target.headers, target.subprotocols, target.timeout_s, self.proxy
            )
        except WsOpenFailed as error:
            raise StepFailure(f"CONNECT {target.url}: {error}") from None
        self.user.fire_request(ROW_TYPE, step.name, (time.perf_counter() - started) * 1000, started_at, url=target.url)

    def _send(self, step: CompiledWsStep, connection: WsConnection) -> None:
        message = step.prepare_message(self.context)
        connection.send(message)
        self.sent_at = time.perf_counter()
        self.user.fire_request(ROW_TYPE, SENT_ROW, 0, time.time())

    def _expect(self, step: CompiledWsStep, connection: WsConnection, started_at: float) -> None:
        if step.has_assign:
            step.prepare(self.context)
        view = step.await_match(connection.receive, self.sent_at, self.context, self._count_received)
        if step.verifies:
            step.verify(view, self.context)
        self.user.fire_request(ROW_TYPE, step.name, view.elapsed_ms, started_at)

    def _count_received(self, _message: str | bytes) -> None:
        self.user.fire_request(ROW_TYPE, RECEIVED_ROW, 0, time.time())

    def _ping(self, step: CompiledWsStep, connection: WsConnection, started_at: float) -> None:
        step.prepare(self.context)
        started = time.perf_counter()
        if not connection.ping(step.timeout_s):
            raise StepFailure(f"PING: no pong within {step.timeout_s:g} s (timeoutS)")
        self.user.fire_request(ROW_TYPE, step.name, (time.perf_counter() - started) * 1000, started_at)

    def _masked(self, failure: StepFailure) -> StepFailure:
        values = self.secrets.values(self.context.variables, ())
        masked = self.secrets.mask_text(str(failure), values)
        return failure if masked == str(failure) else StepFailure(masked)
