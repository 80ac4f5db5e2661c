"""The names of the statistics rows a plan's steps report under, which thresholds and the history refer to."""

from __future__ import annotations

from locust_ext.proto import fleet_pb2

_Method = fleet_pb2.HttpStep.Method
_WsAction = fleet_pb2.WebSocketStep.Action
_Target = fleet_pb2.Assertion.Target
_Op = fleet_pb2.Assertion.Op
_Action = fleet_pb2.BrowserStep.Action


def http_row(step: fleet_pb2.HttpStep) -> str:
    """An HTTP step's row: its name, else `METHOD url` (the URL as written, templates unrendered).

    A WebSocket step's row (type WS) is its name, else `ACTION` and what it acts on: `CONNECT /ws/feed`,
    `EXPECT JSONPATH $.type EQ quote`."""
    if step.HasField("ws"):
        return step.name or ws_row(step.ws)
    return step.name or f"{_Method.Name(step.method)} {step.url}"


def ws_row(ws: fleet_pb2.WebSocketStep) -> str:
    action = _WsAction.Name(ws.action)
    if ws.action == _WsAction.CONNECT:
        return f"{action} {ws.url}"
    if ws.action == _WsAction.EXPECT:
        checks = " and ".join(check_text(check) for check in ws.match)
        return f"{action} {checks or 'any message'}"
    return action


def check_text(check: fleet_pb2.Assertion) -> str:
    """A check as rows and messages spell it, with its value: `JSONPATH $.type EQ quote`."""
    words = (_Target.Name(check.on), check.expr, _Op.Name(check.op), check.value)
    return " ".join(word for word in words if word)


def browser_row(step: fleet_pb2.BrowserStep) -> str:
    """A browser step's row (type BROWSER): its name, else `ACTION selector` (or its URL, or a SLEEP's seconds)."""
    target = step.selector or step.url or (step.value if step.action == _Action.SLEEP else "")
    return step.name or f"{_Action.Name(step.action)} {target}".strip()


def page_row(journey: fleet_pb2.Journey, step: fleet_pb2.BrowserStep) -> str:
    """The web-vitals rows of the page a journey's step loaded: `<journey>: <step>`."""
    return f"{journey.name}: {browser_row(step)}"


def step_rows(plan: fleet_pb2.Plan) -> set[str]:
    """Every row the plan's steps report under: HTTP steps (set-up included) and browser steps."""
    rows = {http_row(step) for step in plan.setup}
    rows |= {http_row(step) for task in plan.tasks for step in task.steps}
    return rows | {browser_row(step) for journey in plan.journeys for step in journey.steps}


def page_rows(plan: fleet_pb2.Plan) -> set[str]:
    return {page_row(journey, step) for journey in plan.journeys for step in journey.steps}
