"""The compiled plan: requests rendered from a step, responses verified and values saved, chains picked and paced."""

from __future__ import annotations

import collections
import json
import re
from typing import Any
from urllib.parse import parse_qs

import pytest
from httpx import Headers

from locust_ext.plan.compiled import CompiledChain, CompiledPlan, CompiledStep, WeightedChains
from locust_ext.plan.extractors import ResponseView
from locust_ext.plan.step_parts import StepFailure
from locust_ext.plan.templating import RenderContext
from locust_ext.plan.validation import parse_plan

pytestmark = pytest.mark.unit


def plan_of(*steps: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"name": "p", "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": list(steps)}], **changes}


def compile_plan(data: dict[str, Any]) -> CompiledPlan:
    return CompiledPlan(parse_plan(data))


def compile_step(**step: Any) -> CompiledStep:
    compiled = compile_plan(plan_of({"url": "/", **step})).tasks[0].steps[0]
    assert isinstance(compiled, CompiledStep)
    return compiled


def response(status: int = 200, body: Any = None, content_type: str = "application/json") -> ResponseView:
    content = body if isinstance(body, bytes) else json.dumps(body if body is not None else {}).encode()
    return ResponseView(status, Headers({"Content-Type": content_type}), content, 10.0, {}.get)


def failure(step: CompiledStep, seen: ResponseView, context: RenderContext | None = None) -> str:
    with pytest.raises(StepFailure) as caught:
        step.verify(seen, context or RenderContext())
    return str(caught.value)


def test_a_request_is_rendered_from_the_users_variables() -> None:
    step = compile_step(
        method="PUT",
        url="/items/${itemId}",
        params={"page": "${page}", "q": "socks"},
        headers={"Authorization": "Bearer ${token}"},
    )
    request = step.prepare(RenderContext({"itemId": "7", "page": "2", "token": "t-1"}))
    assert (request.method, request.url) == ("PUT", "/items/7")
    assert request.params == {"page": "2", "q": "socks"}
    assert request.headers == {"Authorization": "Bearer t-1"}
    assert request.body is None


def test_a_step_without_params_sends_none() -> None:
    assert compile_step().prepare(RenderContext()).params is None


def test_a_json_body_keeps_whole_numbers_as_integers_and_renders_templates() -> None:
    step = compile_step(
        method="POST",
        json={"user": "${name}", "count": 2, "price": 2.5, "tags": ["a", "${tag}"], "none": None, "yes": True},
    )
    request = step.prepare(RenderContext({"name": "ann", "tag": "b"}))
    assert request.body is not None
    assert json.loads(request.body) == {
        "user": "ann",
        "count": 2,
        "price": 2.5,
        "tags": ["a", "b"],
        "none": None,
        "yes": True,
    }
    assert re.search(rb'"count":2[,}]', request.body)
    assert request.headers == {"Content-Type": "application/json"}


def test_a_template_string_in_json_stays_a_string_even_when_it_renders_a_number() -> None:
    request = compile_step(method="POST", json={"id": "${id}"}).prepare(RenderContext({"id": "7"}))
    assert request.body is not None
    assert json.loads(request.body) == {"id": "7"}


def test_a_constant_json_body_is_the_same_for_every_user() -> None:
    step = compile_step(method="POST", json=[1, {"a": "b"}])
    assert (
        step.prepare(RenderContext(user_id=1)).body == step.prepare(RenderContext(user_id=2)).body == b'[1,{"a":"b"}]'
    )


def test_a_form_body_is_url_encoded_with_its_content_type() -> None:
    request = compile_step(method="POST", form={"user": "${name}", "note": "a&b=c"}).prepare(
        RenderContext({"name": "Ann Lee"})
    )
    assert request.body is not None
    assert parse_qs(request.body.decode()) == {"user": ["Ann Lee"], "note": ["a&b=c"]}
    assert request.headers == {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_raw_body_is_sent_as_rendered_without_a_content_type() -> None:
    request = compile_step(method="POST", body="<q>${q}</q>").prepare(RenderContext({"q": "é"}))
    assert request.body == "<q>é</q>".encode()
    assert request.headers == {}


def test_an_empty_raw_body_is_sent_empty() -> None:
    assert compile_step(method="POST", body="").prepare(RenderContext()).body == b""


def test_a_content_type_the_step_sets_is_kept_whatever_its_case() -> None:
    step = compile_step(method="POST", json={"a": 1}, headers={"content-type": "application/vnd.api+json"})
    assert step.prepare(RenderContext()).headers == {"content-type": "application/vnd.api+json"}


def test_a_template_naming_an_undefined_variable_fails_the_step_before_sending() -> None:
    step = compile_step(url="/items/${itemId}")
    with pytest.raises(StepFailure, match=r"^undefined variable \$\{itemId\}$"):
        step.prepare(RenderContext())


@pytest.mark.parametrize(
    ("step", "name"),
    [
        ({"url": "/items/${id}"}, "GET /items/${id}"),
        ({"method": "DELETE", "url": "http://a.test/x"}, "DELETE http://a.test/x"),
        ({"name": "list", "url": "/items"}, "list"),
    ],
)
def test_a_step_is_named_by_its_name_or_its_method_and_url_as_written(step: dict[str, Any], name: str) -> None:
    assert compile_step(**step).name == name


def test_timeout_and_redirects_have_defaults() -> None:
    step = compile_step()
    assert (step.timeout_s, step.follow_redirects) == (30.0, True)
    step = compile_step(timeoutS=0.5, followRedirects=False)
    assert (step.timeout_s, step.follow_redirects) == (0.5, False)


@pytest.mark.parametrize("status", [400, 404, 503])
def test_a_step_without_a_status_assert_fails_on_4xx_and_5xx(status: int) -> None:
    message = failure(compile_step(), response(status))
    assert message == f"status {status}: a step without a STATUS assert fails on 4xx and 5xx"


def test_a_step_asserting_its_status_succeeds_on_that_status() -> None:
    step = compile_step(**{"assert": [{"on": "STATUS", "op": "EQ", "value": "404"}]})
    step.verify(response(404), RenderContext())
    assert failure(step, response(200)) == "assert STATUS EQ 404: got 200"


def test_the_status_is_checked_before_saves_so_an_error_page_reads_as_such() -> None:
    step = compile_step(save=[{"name": "token", "from": "JSONPATH", "expr": "$.token"}])
    assert failure(step, response(503, b"<html>busy</html>", "text/html")).startswith("status 503:")


def test_the_first_failing_assertion_fails_the_step() -> None:
    step = compile_step(
        **{
            "assert": [
                {"on": "JSONPATH", "expr": "$.a", "op": "EQ", "value": "1"},
                {"on": "JSONPATH", "expr": "$.b", "op": "EQ", "value": "2"},
                {"on": "JSONPATH", "expr": "$.c", "op": "EQ", "value": "3"},
            ]
        }
    )
    assert failure(step, response(body={"a": 1, "b": 0, "c": 0})) == "assert JSONPATH $.b EQ 2: got 0"


def test_assertions_run_before_saves() -> None:
    step = compile_step(
        save=[{"name": "missing", "from": "JSONPATH", "expr": "$.nothing"}],
        **{"assert": [{"on": "BODY", "op": "CONTAINS", "value": "ok"}]},
    )
    assert failure(step, response(body={"status": "down"})) == 'assert BODY CONTAINS ok: got \'{"status": "down"}\''


def test_saves_run_in_order_and_later_ones_see_earlier_values() -> None:
    step = compile_step(
        save=[
            {"name": "id", "from": "JSONPATH", "expr": "$.id"},
            {"name": "path", "from": "CONST", "expr": "/items/${id}"},
            {"name": "status", "from": "STATUS"},
        ]
    )
    context = RenderContext({"kept": "yes"})
    step.verify(response(body={"id": 42}), context)
    assert context.variables == {"kept": "yes", "id": "42", "path": "/items/42", "status": "200"}


def test_a_save_that_matches_nothing_uses_its_default() -> None:
    step = compile_step(save=[{"name": "token", "from": "JSONPATH", "expr": "$.token", "default": "none"}])
    context = RenderContext()
    step.verify(response(body={}), context)
    assert context.variables == {"token": "none"}


@pytest.mark.parametrize(
    ("save", "body", "message"),
    [
        ({"from": "JSONPATH", "expr": "$.token"}, {}, "save token: JSONPATH $.token matched nothing"),
        (
            {"from": "JSONPATH", "expr": "$.token"},
            b"<html>login</html>",
            "save token: JSONPATH $.token matched nothing (the body is not JSON)",
        ),
        ({"from": "REGEX", "expr": "t=(\\w+)"}, {}, "save token: REGEX t=(\\w+) matched nothing"),
        ({"from": "HEADER", "expr": "X-Token"}, {}, "save token: HEADER X-Token matched nothing"),
        ({"from": "COOKIE", "expr": "sid"}, {}, "save token: COOKIE sid matched nothing"),
        ({"from": "CONST", "expr": "${other}"}, {}, "save token: undefined variable ${other}"),
    ],
)
def test_a_save_that_matches_nothing_fails_the_step_naming_it(save: dict[str, str], body: Any, message: str) -> None:
    step = compile_step(save=[{"name": "token", **save}])
    assert failure(step, response(body=body)) == message


def test_inspect_reports_every_check_and_save_not_only_the_first_failure() -> None:
    step = compile_step(
        save=[{"name": "id", "from": "JSONPATH", "expr": "$.id"}, {"name": "x", "from": "JSONPATH", "expr": "$.x"}],
        **{
            "assert": [
                {"on": "BODY", "op": "CONTAINS", "value": "nope"},
                {"on": "BODY_LENGTH", "op": "GT", "value": "1"},
            ]
        },
    )
    outcomes = step.inspect(response(503, {"id": 5}), RenderContext())
    assert [(o["kind"], o["label"], o["ok"]) for o in outcomes] == [
        ("status", "status < 400", False),
        ("assert", "assert BODY CONTAINS", False),
        ("assert", "assert BODY_LENGTH GT", True),
        ("save", "save id: JSONPATH $.id", True),
        ("save", "save x: JSONPATH $.x", False),
    ]
    assert outcomes[3]["value"] == "5"
    assert outcomes[4] == {
        "kind": "save",
        "label": "save x: JSONPATH $.x",
        "ok": False,
        "message": "save x: JSONPATH $.x matched nothing",
        "value": None,
    }


def test_a_step_failure_reads_as_its_message_in_locusts_tables() -> None:
    assert repr(StepFailure("assert STATUS EQ 200: got 503")) == "assert STATUS EQ 200: got 503"


def test_tasks_are_picked_by_weight() -> None:
    plan = compile_plan(
        {
            "name": "p",
            "tasks": [
                {"name": "heavy", "weight": 3, "steps": [{"url": "/h"}]},
                {"name": "light", "steps": [{"url": "/l"}]},
                {"name": "off", "weight": 0, "steps": [{"url": "/o"}]},
            ],
        }
    )
    counts = collections.Counter(plan.pick_task().name for _ in range(4000))
    assert set(counts) == {"heavy", "light"}
    assert 0.70 < counts["heavy"] / 4000 < 0.80


def test_a_single_chain_is_always_picked() -> None:
    chain = CompiledChain("only", 0, 0.0, 0.0, [])
    assert all(WeightedChains([chain]).pick() is chain for _ in range(10))


def test_think_time_is_drawn_within_its_bounds() -> None:
    data = plan_of({"url": "/"})
    data["tasks"][0]["thinkTime"] = {"minS": 0.5, "maxS": 1.5}
    chain = compile_plan(data).tasks[0]
    pauses = [chain.pause_after(0.1) for _ in range(500)]
    assert all(0.5 <= pause <= 1.5 for pause in pauses)
    assert max(pauses) - min(pauses) > 0.5


def test_only_a_maximum_think_time_draws_from_zero() -> None:
    data = plan_of({"url": "/"})
    data["tasks"][0]["thinkTime"] = {"maxS": 0.2}
    chain = compile_plan(data).tasks[0]
    assert all(0 <= chain.pause_after(0) <= 0.2 for _ in range(100))


def test_no_think_time_means_no_pause() -> None:
    assert compile_plan(plan_of({"url": "/"})).tasks[0].pause_after(0.0) == 0.0


@pytest.mark.parametrize(("elapsed", "pause"), [(0.0, 0.5), (0.2, 0.3), (0.5, 0.0), (3.0, 0.0)])
def test_iterations_per_second_pads_each_iteration_and_replaces_think_time(elapsed: float, pause: float) -> None:
    data = plan_of({"url": "/"})
    data["tasks"][0].update(iterationsPerS=2, thinkTime={"minS": 5, "maxS": 9})
    assert compile_plan(data).tasks[0].pause_after(elapsed) == pytest.approx(pause)


def test_a_journey_chain_has_its_weight_and_think_time() -> None:
    data = {
        "name": "p",
        "journeys": [
            {"name": "buy", "weight": 2, "thinkTime": {"minS": 1, "maxS": 1}, "steps": [{"action": "SCREENSHOT"}]}
        ],
    }
    journey = parse_plan(data).journeys[0]
    chain = CompiledChain.of(journey, list(journey.steps))
    assert (chain.name, chain.weight, chain.pause_after(0.0), len(chain.steps)) == ("buy", 2, 1.0, 1)


def test_a_plan_keeps_sessions_by_default_and_carries_its_variables_data_sets_and_setup() -> None:
    data = plan_of(
        {"url": "/"},
        variables={"currency": "EUR"},
        dataSets=[{"name": "users", "csv": "id\n1\n2\n"}],
        setup=[{"name": "login", "method": "POST", "url": "/login"}],
    )
    plan = compile_plan(data)
    assert plan.session is True
    assert plan.variables == {"currency": "EUR"}
    assert [feeder.name for feeder in plan.feeders] == ["users"]
    assert [step.name for step in plan.setup] == ["login"]
    assert compile_plan(data | {"session": False}).session is False


@pytest.mark.parametrize("status", [404, 500])
def test_a_step_that_does_not_fail_on_error_status_passes_unless_an_assertion_fails(status: int) -> None:
    step = compile_step(failOnErrorStatus=False, **{"assert": [{"on": "BODY", "op": "CONTAINS", "value": "ok"}]})
    step.verify(response(status, b"ok"), RenderContext())
    assert failure(step, response(status, b"no")) == "assert BODY CONTAINS ok: got 'no'"
    assert [check["kind"] for check in step.inspect(response(status, b"ok"), RenderContext())] == ["assert"]


def test_assignments_are_set_before_the_request_and_seen_by_later_steps() -> None:
    step = compile_step(
        url="/t/${ts}", assign={"ts": "${__timestamp}", "id": "${__uuid}", "copy": "${ts}"}, headers={"X-Id": "${id}"}
    )
    context = RenderContext({"ts": "old"})
    request = step.prepare(context)
    assert re.fullmatch(r"/t/\d{13}", request.url)
    assert request.url == "/t/" + context.variables["ts"]
    assert request.headers["X-Id"] == context.variables["id"]
    assert context.variables["copy"] == "old"  # every value rendered before any is set


def test_an_assignment_naming_an_undefined_variable_fails_the_step_before_sending() -> None:
    step = compile_step(assign={"a": "${nope}"})
    with pytest.raises(StepFailure, match="nope"):
        step.prepare(RenderContext())
