"""Try once, like Postman's Send: every step of a plan run once from the master, with everything shown.

Outside Locust's statistics on purpose: a plain httpx client (one cookie jar, as one virtual user has),
the same compiled steps as the load, and for each step the request as sent, the response, its time, the
values saved and every assertion's outcome (not only the first failure, as under load). Secrets (credential
headers, the plan's `secrets`) are masked unless the caller asks to reveal them.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from locust_ext.master.ws_tryout import WsTryout
from locust_ext.plan.compiled import CompiledPlan, CompiledStep, PreparedRequest
from locust_ext.plan.extractors import ResponseView
from locust_ext.plan.secrets import Secrets
from locust_ext.plan.step_parts import StepFailure
from locust_ext.plan.templating import RenderContext
from locust_ext.plan.validation import Plan
from locust_ext.plan.ws_steps import CompiledWsStep

BODY_PREVIEW_CHARS = 64 * 1024


def try_plan(plan: Plan, reveal: bool = False) -> dict[str, Any]:
    """Run the setup steps, then every task's steps in order, once; later steps see what earlier ones saved."""
    compiled = CompiledPlan(plan)
    context = RenderContext(dict(compiled.variables), user_id=1)
    for feeder in compiled.feeders:
        context.variables.update(feeder.rows[0])
    located = [(f"setup[{index}]", step) for index, step in enumerate(compiled.setup)]
    for task_index, chain in enumerate(compiled.tasks):
        located += [(f"tasks[{task_index}].steps[{index}]", step) for index, step in enumerate(chain.steps)]
    ws = WsTryout(plan.host or None, plan.proxy or None, context)
    with httpx.Client(base_url=plan.host, proxy=plan.proxy or None, verify=False) as client:
        steps = [
            ws.run(step, path)
            if isinstance(step, CompiledWsStep)
            else _try_step(client, step, context, path, compiled.session)
            for path, step in located
        ]
    ws.close()
    result = {"ok": all(step["ok"] for step in steps), "steps": steps, "variables": dict(context.variables)}
    if reveal:
        return result | {"revealed": True}
    return _masked(result, Secrets(plan.secrets), context.variables)


def _masked(result: dict[str, Any], secrets: Secrets, variables: dict[str, str]) -> dict[str, Any]:
    exchanged = [step.get(side, {}).get("headers", {}) for step in result["steps"] for side in ("request", "response")]
    values = secrets.values(variables, exchanged)
    return secrets.mask_tree(result, values) | {"revealed": False}


def _try_step(
    client: httpx.Client, step: CompiledStep, context: RenderContext, path: str, keep_cookies: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {"name": step.name, "path": path, "ok": False}
    try:
        request = step.prepare(context)
    except StepFailure as failure:
        return result | {"error": str(failure)}
    unsendable = _unsendable_header(request)
    if unsendable:
        return result | {"request": _sent(request), "error": f"cannot send the request: {unsendable}"}
    started = time.perf_counter()
    try:
        response = _send(client, step, request)
    except httpx.TimeoutException:
        return result | {"request": _sent(request), "error": f"no response within {step.timeout_s:g} s (timeoutS)"}
    except httpx.HTTPError as error:
        return result | {"request": _sent(request), "error": f"request failed: {error}"}
    except httpx.InvalidURL as error:  # what the URL's templates rendered: a control character, say
        return result | {"request": _sent(request), "error": f"cannot send the request: url: {error}"}
    elapsed_ms = (time.perf_counter() - started) * 1000
    if not keep_cookies:
        client.cookies.clear()
    view = ResponseView(
        response.status_code,
        response.headers,
        response.content,
        elapsed_ms,
        lambda name: response.cookies.get(name) or client.cookies.get(name),
    )
    checks = step.inspect(view, context)
    return result | {
        "ok": all(check["ok"] for check in checks),
        "request": _sent(request, response.request),
        "response": {
            "status": response.status_code,
            "headers": dict(response.headers),
            "body": _preview(view.text),
            "bodyBytes": len(response.content),
            "timeMs": round(elapsed_ms, 1),
        },
        "checks": checks,
    }


def _unsendable_header(request: PreparedRequest) -> str:
    """The header whose rendered value has characters beyond Latin-1, which no request head can carry, or ""."""
    for name, value in request.headers.items():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError as error:
            return f"header {name}: {value[error.start]!r} at character {error.start + 1} is not Latin-1"
    return ""


def _send(client: httpx.Client, step: CompiledStep, request: PreparedRequest) -> httpx.Response:
    # Header values go as Latin-1 bytes, as the load's client sends them (httpx would take ASCII only); names are
    # encoded as httpx encodes them, as ASCII.
    return client.request(
        request.method,
        request.url,
        params=request.params,
        headers={name.encode("ascii"): value.encode("latin-1") for name, value in request.headers.items()},
        content=request.body,
        timeout=step.timeout_s,
        follow_redirects=step.follow_redirects,
    )


def _sent(request: PreparedRequest, sent: httpx.Request | None = None) -> dict[str, Any]:
    body = (request.body or b"").decode(errors="replace")
    return {
        "method": request.method,
        "url": str(sent.url) if sent is not None else request.url,
        "headers": dict(sent.headers) if sent is not None else request.headers,
        "body": _preview(body),
    }


def _preview(text: str) -> str:
    return text if len(text) <= BODY_PREVIEW_CHARS else text[:BODY_PREVIEW_CHARS] + "\n… (truncated)"
