"""The eject generator: the generated file's templates and checks behave as the plan's, each save source and
assertion becomes readable Python, WebSocket steps become websocket-client code failing with the plan's messages,
journeys become a Playwright user whose failures, vitals and cookies are the plan's, and what a plain locustfile
cannot express is said, in the file and as warnings."""

from __future__ import annotations

import operator
import re
from http.cookiejar import Cookie, CookieJar
from types import SimpleNamespace
from typing import Any

import pytest
from google.protobuf import json_format
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from locust_ext.browser.actions import LOST_MESSAGES, RenderedStep, describe_error
from locust_ext.browser.session import playwright_cookies
from locust_ext.plan.assertions import compile_assertion
from locust_ext.plan.eject import eject
from locust_ext.plan.extractors import ResponseView
from locust_ext.plan.templating import RenderContext
from locust_ext.plan.validation import parse_plan
from locust_ext.plan.ws_steps import CompiledWsStep, closed_failure, ws_url
from locust_ext.proto import fleet_pb2
from locust_ext.users.vitals import VitalsTracker

pytestmark = pytest.mark.unit


def plan_with(step: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "unit", "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": [step]}], **extra}


def ejected(plan: dict[str, Any]) -> tuple[str, list[str]]:
    return eject(parse_plan(plan))


def module(plan: dict[str, Any]) -> dict[str, Any]:
    """The generated file, run as a module (Locust is imported unpatched by the unit tests' conftest)."""
    namespace: dict[str, Any] = {"__name__": "ejected"}
    exec(compile(ejected(plan)[0], "ejected.py", "exec"), namespace)
    return namespace


ALL_CHECKS = plan_with(
    {
        "url": "/",
        "assert": [
            {"on": "BODY", "op": op, "value": "1"}
            for op in ("EQ", "NE", "LT", "LE", "GT", "GE", "CONTAINS", "NOT_CONTAINS", "MATCHES")
        ]
        + [{"on": "HEADER", "expr": "X", "op": "EXISTS"}, {"on": "HEADER", "expr": "X", "op": "NOT_EXISTS"}],
    }
)


def test_templates_render_variables_builtins_and_literals() -> None:
    render = module(ALL_CHECKS)["render"]
    assert render("a ${x} $${y} ${set.col} ${__userId}", {"x": "1", "set.col": "c"}, 7) == "a 1 ${y} c 7"
    assert 3 <= int(render("${__randomInt(3, 5)}", {}, 1)) <= 5
    assert re.fullmatch(r"[0-9a-f-]{36}", render("${__uuid}", {}, 1))
    assert render("${__timestamp}", {}, 1).isdigit()
    with pytest.raises(Exception, match=re.escape("undefined variable ${token}")):
        render("Bearer ${token}", {}, 1)


@pytest.mark.parametrize(
    ("op", "actual", "expected"),
    [
        ("EQ", "200.0", "200"),
        ("EQ", "503", "200"),
        ("NE", "500", "500"),
        ("LT", "2103", "2000"),
        ("LE", "abc", "3"),
        ("GT", "1", "200"),
        ("GE", "45", "45"),
        ("CONTAINS", "Demo shop", "Another"),
        ("NOT_CONTAINS", "email is required", "required"),
        ("MATCHES", "/other", "^/api/"),
        ("EXISTS", None, ""),
        ("NOT_EXISTS", "x", ""),
    ],
)
def test_each_check_fails_with_the_plans_message(op: str, actual: str | None, expected: str) -> None:
    checks = module(ALL_CHECKS)
    assertion = fleet_pb2.Assertion(on=fleet_pb2.Assertion.HEADER, expr="X", op=op, value=expected)
    headers = {} if actual is None else {"X": actual}
    ours = compile_assertion(assertion)(ResponseView(200, headers, b"", 0, lambda _name: None), RenderContext())
    label = f"assert HEADER X {op}"
    call: dict[str, Any] = {
        "EQ": lambda: checks["check_equal"](label, actual, expected),
        "NE": lambda: checks["check_equal"](label, actual, expected, equal=False),
        "CONTAINS": lambda: checks["check_contains"](label, actual, expected),
        "NOT_CONTAINS": lambda: checks["check_contains"](label, actual, expected, contained=False),
        "MATCHES": lambda: checks["check_matches"](label, actual, expected),
        "EXISTS": lambda: checks["check_exists"](label, actual),
        "NOT_EXISTS": lambda: checks["check_exists"](label, actual, exists=False),
    }
    for name, holds in (("LT", "lt"), ("LE", "le"), ("GT", "gt"), ("GE", "ge")):
        call[name] = lambda holds=holds: checks["check_order"](label, actual, expected, getattr(operator, holds))
    try:
        call[op]()
        theirs = None
    except checks["StepFailed"] as failure:
        theirs = str(failure)
    assert theirs == ours


def test_each_save_source_and_target_is_plain_python() -> None:
    saves = [
        {"name": "a", "from": "JSONPATH", "expr": "$.items[0].id"},
        {"name": "b", "from": "JSONPATH", "expr": "$.items[?(@.price > 0)].name"},
        {"name": "c", "from": "XPATH", "expr": "//h1"},
        {"name": "d", "from": "REGEX", "expr": "id=(\\d+)"},
        {"name": "e", "from": "HEADER", "expr": "Location"},
        {"name": "f", "from": "COOKIE", "expr": "session"},
        {"name": "g", "from": "STATUS"},
        {"name": "h", "from": "CONST", "expr": "${a}-x"},
        {"name": "i", "from": "RANDOM_INT", "expr": "36-46"},
        {"name": "j", "from": "RANDOM_CHOICE", "expr": "|red|green", "default": "red"},
    ]
    text, warnings = ejected(plan_with({"name": "s", "url": "/", "save": saves}))
    for code in (
        'self.save("a", text_of(json_at(response, "items", 0, "id")), "JSONPATH $.items[0].id")',
        'text_of(json_find(response, "$.items[?(@.price > 0)].name"))',
        'self.save("c", xpath_text(response, "//h1"), "XPATH //h1")',
        'self.save("d", regex_first(r"id=(\\d+)", response.text), "REGEX id=(\\\\d+)")',
        'self.save("e", header(response, "Location"), "HEADER Location")',
        'self.save("f", self.cookie(response, "session"), "COOKIE session")',
        'self.save("g", str(response.status_code), "STATUS")',
        'self.save("h", self.render("${a}-x"), "CONST ${a}-x")',
        'self.save("i", str(random.randint(36, 46)), "RANDOM_INT 36-46")',
        'self.save("j", random.choice(["red", "green"]), "RANDOM_CHOICE |red|green", default="red")',
    ):
        assert code in text
    assert warnings == []
    assert "from lxml import etree, html" in text and "from jsonpath_ng.ext import parse as jsonpath_parse" in text


def test_a_status_assertion_is_an_if_and_turns_off_the_error_status_rule() -> None:
    text, _ = ejected(plan_with({"name": "s", "url": "/", "assert": [{"on": "STATUS", "op": "EQ", "value": "404"}]}))
    assert "fail_on_error_status=False" in text
    assert 'if response.status_code != 404:\n                raise StepFailed(f"assert STATUS EQ 404: got' in text
    plain, _ = ejected(plan_with({"name": "s", "url": "/"}))
    assert "fail_on_error_status" not in plain.split("def request(")[0]


def test_what_cannot_be_expressed_is_warned_about_in_the_file_too() -> None:
    journey = {"name": "j", "steps": [{"action": "GOTO", "url": "/"}]}
    threshold = {"metric": "P95_MS", "max": 500}
    calibrate = {"usersPerStep": 1, "stepDurationS": 10, "maxUsers": 3, "thresholds": [threshold]}
    plan = plan_with(
        {"name": "s", "url": "/"},
        journeys=[journey],
        thresholds=[threshold],
        secrets=["token"],
        load={"calibrate": calibrate},
    )
    text, warnings = ejected(plan)
    assert [warning.split(":")[0] for warning in warnings] == ["journeys", "load.calibrate", "thresholds", "secrets"]
    assert "# Not ejected: journeys: locust-fleet's memory guard" in text
    assert "class StepLoad(LoadTestShape):" in text
    docstring = text.split('"""')[1]
    assert all(warning.split(":")[0] in docstring for warning in warnings)
    compile(text, "ejected.py", "exec")


def test_a_target_rate_paces_each_process_and_says_the_split_is_lost() -> None:
    text, warnings = ejected(plan_with({"name": "s", "url": "/"}, load={"targetRps": 50}))
    assert "PACER = Pacer(50.0)" in text and "PACER.wait()" in text
    assert warnings[0].startswith("load.targetRps: each Locust process paces at 50 req/s")


def test_stages_think_times_and_weights_are_kept() -> None:
    plan = {
        "name": "shape",
        "tasks": [
            {"name": "fast", "weight": 3, "thinkTime": {"minS": 0.1, "maxS": 0.2}, "steps": [{"url": "/a"}]},
            {"name": "paced", "iterationsPerS": 2, "steps": [{"url": "/b"}]},
        ],
        "load": {"stages": [{"durationS": 10, "users": 5}, {"durationS": 5, "users": 0}]},
        "session": False,
    }
    text, warnings = ejected(plan)
    assert "@task(3)\n    def fast(self) -> None:" in text
    assert "self.next_wait = between(0.1, 0.2)" in text and "self.next_wait = constant_throughput(2.0)" in text
    assert "stages = [(10.0, 5), (5.0, 0)]" in text
    assert "self.client.client.cookiejar = None" in text
    assert "# The plan has no host" in text
    assert warnings == []


WS_STEPS = [
    {"name": "open", "ws": {"action": "CONNECT", "url": "/ws/feed?token=${token}", "headers": {"X-Id": "${__userId}"}}},
    {"ws": {"action": "SEND", "json": {"type": "subscribe", "symbol": "${symbol}"}}},
    {"ws": {"action": "SEND", "text": "plain"}},
    {
        "name": "quote",
        "ws": {
            "action": "EXPECT",
            "timeoutS": 2,
            "match": [{"on": "JSONPATH", "expr": "$.type", "op": "EQ", "value": "quote"}],
            "assert": [{"on": "BODY", "op": "CONTAINS", "value": "ACME"}],
            "save": [{"name": "price", "from": "JSONPATH", "expr": "$.price"}],
        },
    },
    {"ws": {"action": "EXPECT", "timeoutS": 0.5}},
    {"ws": {"action": "PING"}},
    {"ws": {"action": "CLOSE", "closeCode": 4000, "reason": "done"}},
]
WS_PLAN = {
    "name": "ws",
    "host": "http://127.0.0.1:9",
    "variables": {"symbol": "ACME", "token": "t"},
    "tasks": [{"name": "t", "steps": WS_STEPS}],
}


def test_websocket_steps_are_plain_websocket_client_code_with_the_plans_rows() -> None:
    text, warnings = ejected(WS_PLAN)
    for code in (
        'self.ws_connect("open", "/ws/feed?token=${token}", headers={"X-Id": "${__userId}"})',
        'with self.ws_step("SEND", "SEND"):',
        'self.ws_send(json.dumps(render_json(body, self.variables, self.user_id), separators=(",", ":")))',
        'self.ws_send("plain")',
        'message = self.ws_expect("JSONPATH $.type EQ quote", 2.0, matches)',
        'check_contains("assert BODY CONTAINS", message.text, "ACME")',
        'self.save("price", text_of(json_at(message, "price")), "JSONPATH $.price")',
        'self.ws_row("quote", message.round_trip_ms)',
        'message = self.ws_expect("any message", 0.5)',
        'self.ws_ping("PING", 10.0)',
        'self.ws_close(4000, reason="done")',
        "import websocket",
    ):
        assert code in text
    assert "pip install locust" in text and " websocket-client\n" in text
    assert warnings == [] and "Nothing in the plan was left out." in text
    plain, _ = ejected(plan_with({"url": "/"}))
    assert "websocket" not in plain


def test_a_websocket_step_in_the_setup_runs_with_it() -> None:
    plan = {**WS_PLAN, "setup": [WS_STEPS[0]], "tasks": [{"name": "t", "steps": WS_STEPS[1:3]}]}
    text, _ = ejected(plan)
    assert "return self.run_steps(self.open)" in text and "self.setup_done = self.run_steps(self.open)" in text


def test_websocket_failures_read_as_the_plans() -> None:
    generated = module(WS_PLAN)
    closed = generated["WsClosed"]
    for code, reason in ((1008, "expected JSON with a type"), (1000, ""), (None, "")):
        assert str(closed(code, reason).failure("EXPECT")) == str(closed_failure(code, reason, "EXPECT"))
    step = fleet_pb2.HttpStep()
    json_format.ParseDict(WS_STEPS[3], step)
    for last in ('{"type": "trade", "price": 1}', "hello", "x" * 300, b"\x00\x01"):
        ours = str(CompiledWsStep(step).no_match(3, last))
        assert ours == "expect JSONPATH $.type EQ quote: no match in 3 messages within 2 s; last: " + (
            generated["WsMessage"](last, 0).shown()
        )


def test_a_message_is_read_by_the_checks_and_saves_as_a_body() -> None:
    generated = module(WS_PLAN)
    message = generated["WsMessage"]('{"type": "quote", "price": 12.5}', 3.0)
    assert generated["text_of"](generated["json_at"](message, "price")) == "12.5"
    assert message.text.startswith('{"type"') and message.round_trip_ms == 3.0
    with pytest.raises(generated["StepFailed"], match="got 'quote'"):
        generated["check_equal"](
            "assert JSONPATH $.type EQ", generated["text_of"](generated["json_at"](message, "type")), "trade"
        )


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("/ws/echo", "http://127.0.0.1:8080"),
        ("ws/feed?token=a", "https://example.test/base/"),
        ("wss://other.test/ws", "http://127.0.0.1:8080"),
        ("/ws/echo", ""),
    ],
)
def test_websocket_urls_are_the_plans(url: str, host: str) -> None:
    assert module(WS_PLAN)["ws_url"](url, host or None) == ws_url(url, host or None)


JOURNEYS = [
    {
        "name": "buy",
        "weight": 3,
        "thinkTime": {"minS": 0.2, "maxS": 0.4},
        "steps": [
            {"action": "GOTO", "url": "/shop"},
            {"action": "SAVE_ATTRIBUTE", "selector": "meta[name=csrf]", "value": "content", "saveAs": "csrf"},
            {"action": "FILL", "selector": "#q", "value": "${term}"},
            {"action": "PRESS", "selector": "#q", "value": "Enter", "name": "search"},
            {"action": "WAIT_FOR_URL", "url": "^.*/search"},
            {"action": "WAIT_FOR_URL", "url": "**/${term}"},
            {"action": "ASSERT_TEXT", "selector": "#query", "value": "${term}", "timeoutS": 0.5},
            {"action": "SAVE_TEXT", "selector": ".price", "saveAs": "price"},
            {"action": "ASSERT_VISIBLE", "selector": "text=${price}"},
            {"action": "SELECT", "selector": "#topic", "value": "returns"},
            {"action": "CHECK", "selector": "#subscribe"},
            {"action": "CLICK", "selector": "button[type=submit]", "name": "send"},
            {"action": "WAIT_FOR", "selector": "#echo"},
            {"action": "SLEEP", "value": "0.1"},
            {"action": "SCREENSHOT", "name": "thanks"},
        ],
    },
    {"name": "look", "steps": [{"action": "GOTO", "url": "/"}]},
]
BROWSER_PLAN = {
    "name": "shop",
    "host": "http://127.0.0.1:9",
    "proxy": "http://127.0.0.1:3128",
    "variables": {"term": "socks"},
    "tasks": [{"name": "t", "steps": [{"name": "home", "url": "/"}]}],
    "journeys": JOURNEYS,
    "users": {"httpWeight": 5, "browserCount": 3},
}


def test_journeys_become_a_playwright_user_with_one_method_each_and_one_block_per_step() -> None:
    text, warnings = ejected(BROWSER_PLAN)
    for code in (
        "pip install locust==",
        "class ShopPlan(FastHttpUser):",
        "    abstract = True",
        "class ShopUser(ShopPlan):\n",
        "    weight = 5",
        "class ShopBrowserUser(ShopPlan):",
        "    fixed_count = 3",
        '        return {"base_url": self.host, "ignore_https_errors": True, "proxy": {"server": "http://127.0.0.1:3128"',
        "    @task(3)\n    def buy(self) -> None:",
        "        self.next_wait = between(0.2, 0.4)",
        '        with self.journey("buy") as page:',
        '            with self.browser_step("GOTO /shop"):\n'
        '                BROWSER.run(goto(page, "/shop", TIMEOUT_MS))',
        # Too long for one line: the call alone on the next, as ruff formats it.
        '                self.variables["csrf"] = BROWSER.run(\n'
        '                    attribute_of(page, "meta[name=csrf]", "content", "csrf", TIMEOUT_MS),\n'
        "                )\n",
        'BROWSER.run(page.fill("#q", self.render("${term}"), timeout=TIMEOUT_MS))',
        '            with self.browser_step("search"):\n                BROWSER.run(page.press("#q", "Enter", timeout',
        'BROWSER.run(page.wait_for_url(re.compile("^.*/search"), timeout=TIMEOUT_MS))',
        '                url = self.render("**/${term}")\n',
        'BROWSER.run(page.wait_for_url(re.compile(url) if url.startswith("^") else url, timeout=TIMEOUT_MS))',
        '            with self.browser_step("ASSERT_TEXT #query", timeout_s=0.5):\n'
        '                BROWSER.run(assert_text(page, "#query", self.render("${term}"), 500))',
        'self.variables["price"] = BROWSER.run(text_in(page, ".price", TIMEOUT_MS))',
        'BROWSER.run(assert_visible(page, self.render("text=${price}"), TIMEOUT_MS))',
        'BROWSER.run(page.select_option("#topic", "returns", timeout=TIMEOUT_MS))',
        'BROWSER.run(page.check("#subscribe", timeout=TIMEOUT_MS))',
        '            with self.browser_step("send"):\n                BROWSER.run(page.click("button[type=submit]"',
        'BROWSER.run(page.wait_for_selector("#echo", state="visible", timeout=TIMEOUT_MS))',
        '            self.sleep_step("SLEEP 0.1", 0.1)',
        'png = BROWSER.run(page.screenshot(type="png", timeout=TIMEOUT_MS))\n'
        '                self.keep_screenshot("thanks", png)',
        # A journey of one step: one `with` for the journey and its step.
        '        with self.journey("look") as page, self.browser_step("GOTO /"):\n'
        '            BROWSER.run(goto(page, "/", TIMEOUT_MS))',
        "BROWSER_CALL_LIMIT_S = 40.0",
        '"--no-sandbox",',
    ):
        assert code in text, code
    assert re.search(r"pip install locust==\S+ playwright==\S+\n", text)
    assert [warning.split(":")[0] for warning in warnings] == ["journeys"]
    assert "clear_cookies" not in text  # the plan keeps its session
    compile(text, "ejected.py", "exec")


def test_a_plan_of_journeys_alone_has_no_http_user_and_a_browser_count_of_0_none_either() -> None:
    journeys_only = {"name": "shop", "session": False, "journeys": JOURNEYS[1:], "users": {"browserCount": 0}}
    text, _ = ejected(journeys_only)
    assert "class ShopUser" not in text and "class ShopPlan(FastHttpUser):" in text
    assert "class ShopBrowserUser(ShopPlan):" in text and "abstract = True  # users.browserCount is 0" in text
    assert "BROWSER.run(page.context.clear_cookies())  # session: false" in text
    assert "    wait_time = constant(0)" in text
    plain, _ = ejected(plan_with({"url": "/"}))
    assert "playwright" not in plain and "class UnitUser(FastHttpUser):" in plain


class FakePage:
    """What `browser_failure` and `lost` read of a page."""

    def __init__(self, closed: bool = False, connected: bool = True) -> None:
        self.closed = closed
        self.context = SimpleNamespace(browser=SimpleNamespace(is_connected=lambda: connected))

    def is_closed(self) -> bool:
        return self.closed


@pytest.mark.parametrize(
    "error",
    [
        PlaywrightTimeoutError("Timeout 500ms exceeded.\nCall log:\n  - waiting for locator('#missing')"),
        PlaywrightError('Page.click: Unexpected token "!" while parsing css selector "!!!".\nCall log: ...'),
        PlaywrightError("net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/"),
    ],
)
def test_browser_failures_read_as_the_plans(error: Exception) -> None:
    generated = module(BROWSER_PLAN)
    step = RenderedStep("CLICK", "CLICK #missing", "#missing", "", "", "", 500)
    assert generated["browser_failure"](error, FakePage(), 0.5) == describe_error(error, step, None)
    lost = generated["browser_failure"](error, FakePage(connected=False), 0.5)
    assert lost == LOST_MESSAGES["closed"] == generated["browser_failure"](error, FakePage(closed=True), 0.5)
    failed = generated["StepFailed"]("assert TEXT h1 CONTAINS Nope: got 'Shop'")
    assert generated["browser_failure"](failed, FakePage(), 0.5) == str(failed)


def test_the_vitals_of_each_page_are_reported_as_the_plans() -> None:
    generated = module(BROWSER_PLAN)
    ours, theirs = VitalsTracker(), generated["PageVitals"]()

    def document(doc: str, url: str = "http://127.0.0.1:9/shop", **values: Any) -> dict[str, Any]:
        return {"id": doc, "url": url, "ttfb": 12, "fcp": 80, "lcp": 120, "cls": 0.05, **values}

    reads = [
        (document("blank", "about:blank", ttfb=None, fcp=None, lcp=None, cls=0), "j: GOTO /shop"),
        (document("1", fcp=None, lcp=None), "j: FILL #q"),
        (document("1"), "j: search"),
        (None, "j: SAVE_TEXT .price"),
        (document("2", "http://127.0.0.1:9/search"), "j: SCREENSHOT"),
    ]
    expected, got = [], []
    for read, step in reads:
        expected += [(report.row_name, report.values) for report in ours.before_step(read, step)]
        got += [(row, generated["vitals_of"](values)) for row, values in theirs.before_step(read, step)]
    final = document("2", "http://127.0.0.1:9/search", lcp=300, cls=0)
    expected += [(report.row_name, report.values) for report in ours.journey_ended(final)]
    got += [(row, generated["vitals_of"](values)) for row, values in theirs.journey_ended(final)]
    got = [(row, values) for row, values in got if values]  # the blank page has no vitals: no rows
    assert got == expected
    assert [row for row, _ in got] == ["j: GOTO /shop", "j: SAVE_TEXT .price"]  # a read that failed counts as a step


def test_the_setups_cookies_reach_the_browser_as_the_plans() -> None:
    jar = CookieJar()
    for name, domain, specified in (("session", "localhost.local", False), ("id", ".example.test", True)):
        jar.set_cookie(
            Cookie(
                version=0,
                name=name,
                value="v",
                port=None,
                port_specified=False,
                domain=domain,
                domain_specified=specified,
                domain_initial_dot=domain.startswith("."),
                path="/",
                path_specified=True,
                secure=False,
                expires=None,
                discard=True,
                comment=None,
                comment_url=None,
                rest={"HttpOnly": ""},
            )
        )
    assert module(BROWSER_PLAN)["browser_cookies"](jar) == playwright_cookies(jar)
