"""WebSocket steps compiled: the connection and messages rendered from templates, messages matched, checked and saved.

Nothing here touches a socket: the load's user (locust_ext/users/websocket.py) and the master's try-once open the
connection and hand each message received to `CompiledWsStep.matches` and `.verify`, as HTTP steps hand responses.
A message is seen as a body: BODY, BODY_LENGTH, JSONPATH and XPATH checks and saves read it as they read a response.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from google.protobuf import json_format

from locust_ext.plan.assertions import Check, assertion_label, compile_assertion, preview
from locust_ext.plan.extractors import ResponseView
from locust_ext.plan.rows import check_text, http_row
from locust_ext.plan.step_parts import JsonTemplate, StepFailure, check_outcomes, compile_saves
from locust_ext.plan.templating import RenderContext, TemplateMap, UndefinedVariable, compile_template
from locust_ext.plan.validation import whole_numbers
from locust_ext.proto import fleet_pb2

Action = fleet_pb2.WebSocketStep.Action
DEFAULT_CONNECT_TIMEOUT_S = 30.0
DEFAULT_PING_TIMEOUT_S = 10.0
NORMAL_CLOSURE = 1000
_NO_HEADERS: dict[str, str] = {}
# Messages are shown as failures show bodies: cut short.
_LAST_MESSAGE_CHARS = 200


@dataclass(slots=True)
class WsConnect:
    url: str
    headers: dict[str, str]
    subprotocols: list[str]
    timeout_s: float


def message_view(message: str | bytes, elapsed_ms: float) -> ResponseView:
    """A message as checks and saves read a response body; text is UTF-8, as the protocol requires."""
    if isinstance(message, str):
        return ResponseView(101, _NO_HEADERS, message.encode(), elapsed_ms, _no_cookie, message)
    return ResponseView(101, _NO_HEADERS, message, elapsed_ms, _no_cookie)


def _no_cookie(_name: str) -> None:
    return None


def ws_url(url: str, host: str | None) -> str:
    """`url` as a ws:// or wss:// URL: absolute as written, else relative to the host (http → ws, https → wss)."""
    if url.lower().startswith(("ws://", "wss://")) or not host:
        return url
    base = urlsplit(host)
    scheme = "wss" if base.scheme.lower() == "https" else "ws"
    path, _, query = url.partition("?")
    return urlunsplit((scheme, base.netloc, base.path.rstrip("/") + "/" + path.lstrip("/"), query, ""))


class CompiledWsStep:
    """One WebSocket step, every template and check compiled; the runtime does what `action` says."""

    def __init__(self, step: fleet_pb2.HttpStep) -> None:
        ws = step.ws
        self.action = ws.action
        self.name = http_row(step)
        self.assign = TemplateMap(dict(step.assign))
        # Read on every step of every iteration: plain attributes spare the runtime a call each.
        self.has_assign = bool(step.assign)
        self.url = compile_template(ws.url)
        self.headers = TemplateMap(dict(ws.headers))
        self.subprotocols = list(ws.subprotocols)
        self.timeout_s = ws.timeout_s if ws.HasField("timeout_s") else _default_timeout(ws.action)
        # A message without templates is sent as it is, rendering nothing.
        self.message, self.constant_message = _compile_message(ws)
        self.match: list[Check] = [compile_assertion(check) for check in ws.match]
        self.match_label = " and ".join(check_text(check) for check in ws.match)
        self.checks: list[Check] = [compile_assertion(check) for check in ws.asserts]
        self.check_labels = [assertion_label(check) for check in ws.asserts]
        self.saves = compile_saves(ws.save)
        self.verifies = bool(self.checks or self.saves)
        self.close_code = ws.close_code if ws.HasField("close_code") else NORMAL_CLOSURE
        self.reason = ws.reason

    @property
    def action_name(self) -> str:
        return Action.Name(self.action)

    def prepare_connect(self, context: RenderContext, host: str | None) -> WsConnect:
        """The connection to open; raises StepFailure when a template names an undefined variable."""
        with _rendering():
            self._assign(context)
            url = ws_url(self.url.render(context), host)
            return WsConnect(url, self.headers.render(context), self.subprotocols, self.timeout_s)

    def prepare_message(self, context: RenderContext) -> str | bytes:
        """The message a SEND sends: text (text or JSON) or bytes (binary)."""
        if self.constant_message is not None and not self.has_assign:
            return self.constant_message
        with _rendering():
            self._assign(context)
            return self.message(context)

    def prepare(self, context: RenderContext) -> None:
        """The step's assignments, for the actions that render nothing else."""
        if self.has_assign:
            with _rendering():
                self._assign(context)

    def matches(self, view: ResponseView, context: RenderContext) -> bool:
        """Whether every `match` check holds for the message (a check naming an unsaved variable does not)."""
        for check in self.match:  # noqa: SIM110 - a loop: all() over a generator costs a call per message
            if check(view, context) is not None:
                return False
        return True

    def await_match(
        self,
        receive: Callable[[float], str | bytes | None],
        sent_at: float,
        context: RenderContext,
        on_message: Callable[[str | bytes], None],
    ) -> ResponseView:
        """An EXPECT's wait: the first message within `timeout_s` that matches, as a view timed from `sent_at` (the
        SEND before it). Each message received goes to `on_message` first; none matching raises the step's
        failure. `receive(seconds)` returns the next message, or None when none came."""
        deadline = time.perf_counter() + self.timeout_s
        seen, last = 0, None
        while (left := deadline - time.perf_counter()) > 0:
            message = receive(left)
            if message is None:
                break
            received = time.perf_counter()
            seen, last = seen + 1, message
            on_message(message)
            view = message_view(message, (received - sent_at) * 1000)
            if self.matches(view, context):
                return view
        raise self.no_match(seen, last)

    def verify(self, view: ResponseView, context: RenderContext) -> None:
        """Check the matching message and save values from it; raises StepFailure at the first problem."""
        for check in self.checks:
            problem = check(view, context)
            if problem is not None:
                raise StepFailure(problem)
        for save in self.saves:
            problem = save.apply(view, context)
            if problem is not None:
                raise StepFailure(problem)

    def inspect(self, view: ResponseView, context: RenderContext) -> list[dict[str, Any]]:
        """Every check and save on the matching message with its outcome (try once shows them all)."""
        return check_outcomes(zip(self.check_labels, self.checks, strict=True), self.saves, view, context)

    def no_match(self, seen: int, last: str | bytes | None) -> StepFailure:
        """`expect JSONPATH $.type EQ quote: no match in 3 messages within 2 s; last: {...}`."""
        what = self.match_label or "any message"
        tail = f"; last: {_shown(last)}" if last is not None else ""
        return StepFailure(f"expect {what}: no match in {seen} messages within {self.timeout_s:g} s{tail}")

    def _assign(self, context: RenderContext) -> None:
        if self.has_assign:
            context.variables.update(self.assign.render(context))


def closed_failure(code: int | None, reason: str, action: str) -> StepFailure:
    """What a user reads when the server closed (with a code) or dropped (without one) the connection."""
    if code is None:
        return StepFailure(f"{action}: the connection was dropped (no close frame)")
    return StepFailure(f"{action}: the server closed the connection: {code} {reason}".rstrip())


class _rendering:
    """Turns a template naming an undefined variable into the step's failure."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _trace: object) -> None:
        if isinstance(error, UndefinedVariable):
            raise StepFailure(str(error)) from None


MessageRenderer = Callable[[RenderContext], "str | bytes"]


def _compile_message(ws: fleet_pb2.WebSocketStep) -> tuple[MessageRenderer, str | bytes | None]:
    """How a SEND renders its message, and the message itself when it has no template."""
    if ws.HasField("text"):
        template = compile_template(ws.text)
        return template.render, template.constant
    if ws.HasField("json"):
        return JsonTemplate(whole_numbers(json_format.MessageToDict(ws.json))).render, None
    binary = base64.b64decode(ws.binary) if ws.binary else b""
    return lambda _context: binary, binary


def _default_timeout(action: int) -> float:
    return DEFAULT_PING_TIMEOUT_S if action == Action.PING else DEFAULT_CONNECT_TIMEOUT_S


def _shown(message: str | bytes) -> str:
    if isinstance(message, bytes):
        return f"{len(message)} bytes of binary"
    text = message if len(message) <= _LAST_MESSAGE_CHARS else message[:_LAST_MESSAGE_CHARS] + "…"
    return preview(text) if not text.startswith(("{", "[")) else text
