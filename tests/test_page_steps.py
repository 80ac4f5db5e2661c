"""Moving a step in the fleet page moves what the page shows of it (its open tab) along with it, and the plan
saved afterwards has the steps in the new order and nothing the page keeps to tell them apart. A step's variables
assigned before the request, its "fail on 4xx/5xx" option and its assertions' names and JSON types are shown and
edited, and the saved step changes only where the user edited it."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

import pytest
from playwright.async_api import Locator, Page, expect

from tests.fleet_fixtures import EtcdServer, FleetMaster, running_master
from tests.page_driver import PageBrowser, at, choose, helper_text, open_browser, open_tab, step_card

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

pytest_plugins = ("tests.fleet_fixtures",)

NAME = "page-steps"
LOGIN = {
    "name": "login",
    "method": "POST",
    "url": "/login",
    "json": {"username": "user1"},
    "save": [{"name": "token", "from": "JSONPATH", "expr": "$.token"}],
    "assert": [{"on": "STATUS", "op": "EQ", "value": "200"}],
}
ITEMS = {"name": "items", "url": "/api/items", "headers": {"Authorization": "Bearer ${token}"}}
PLAN = {"name": NAME, "host": "http://127.0.0.1:9", "tasks": [{"name": "main", "steps": [LOGIN, ITEMS]}]}
FIRST, SECOND = "tasks[0].steps[0]", "tasks[0].steps[1]"
# Waits on the master (the page's script, schema and plan; a save): seconds on a busy 2-core machine.
LOADED_MS = 30_000


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory, etcd_server: EtcdServer) -> Iterator[FleetMaster]:
    yield from running_master(tmp_path_factory.mktemp("page-steps-master"), etcd_server, "page-steps")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageBrowser]:
    yield from open_browser(tmp_path_factory.mktemp("page-steps-failures"))


def selected_tab(page: Page, step: str) -> Locator:
    return step_card(page, step).get_by_role("tab", selected=True)


def test_a_moved_step_keeps_its_open_tab_and_the_saved_plan_has_only_the_new_order(
    browser: PageBrowser, master: FleetMaster
) -> None:
    assert master.api("PUT", f"/plans/{NAME}", PLAN)[0] == 200

    async def scenario(page: Page) -> None:
        await page.goto(f"{master.url}/fleet/?plan={NAME}")
        await expect(at(page, f"{FIRST}.url")).to_have_value("/login", timeout=LOADED_MS)
        await open_tab(step_card(page, FIRST), "Assert")
        await expect(at(page, f"{FIRST}.assert[0].value")).to_have_value("200")
        await expect(selected_tab(page, SECOND)).to_have_text(re.compile(r"^Params"))

        await step_card(page, FIRST).get_by_role("button", name="Move Step 1 down").click()

        # The login step, now second, still shows its assertions; the items step, now first, its parameters.
        await expect(at(page, f"{SECOND}.url")).to_have_value("/login")
        await expect(selected_tab(page, SECOND)).to_have_text(re.compile(r"^Assert"))
        await expect(at(page, f"{SECOND}.assert[0].value")).to_have_value("200")
        await expect(at(page, f"{FIRST}.url")).to_have_value("/api/items")
        await expect(selected_tab(page, FIRST)).to_have_text(re.compile(r"^Params"))
        await expect(step_card(page, FIRST).get_by_role("button", name="Add parameter")).to_be_visible()

        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.get_by_text(f"Saved {NAME}")).to_be_visible(timeout=LOADED_MS)
        # Saving shows the plan the API stored, and the steps keep what they showed.
        await expect(selected_tab(page, SECOND)).to_have_text(re.compile(r"^Assert"))
        await expect(selected_tab(page, FIRST)).to_have_text(re.compile(r"^Params"))

    browser.run(scenario)
    status, saved = master.api("GET", f"/plans/{NAME}")
    assert status == 200
    expected = copy.deepcopy(PLAN)
    expected["tasks"][0]["steps"] = [ITEMS, LOGIN]
    # Equal: the page added nothing of its own (no key to tell the steps apart) to any object of the plan.
    assert saved == expected


IMPORTED = "page-steps-imported"
# A step as a Postman import writes it: a pre-request variable, status left to the tests, a named type check;
# and keys the edits below do not touch, which the saved step must keep as they were.
CREATE = {
    "name": "create",
    "method": "POST",
    "url": "/items",
    "headers": {"X-Request-Time": "${ts}"},
    "json": {"label": "item-${ts}"},
    "timeoutS": 5,
    "assign": {"ts": "${__timestamp}"},
    "failOnErrorStatus": False,
    "save": [{"name": "itemId", "from": "JSONPATH", "expr": "$.id", "default": "none"}],
    "assert": [{"on": "JSONPATH", "expr": "$.id", "op": "TYPE", "value": "number", "name": "id is a number"}],
}
IMPORTED_PLAN = {"name": IMPORTED, "host": "http://127.0.0.1:9", "tasks": [{"name": "main", "steps": [CREATE]}]}
ERROR_STATUS = "Fail on 4xx/5xx when no status is asserted"


async def save(page: Page) -> None:
    await page.get_by_role("button", name="Save", exact=True).click()


def test_a_step_shows_and_edits_its_assignments_error_status_option_and_named_type_check(
    browser: PageBrowser, master: FleetMaster
) -> None:
    assert master.api("PUT", f"/plans/{IMPORTED}", IMPORTED_PLAN)[0] == 200

    async def scenario(page: Page) -> None:
        await page.goto(f"{master.url}/fleet/?plan={IMPORTED}")
        await expect(at(page, f"{FIRST}.url")).to_have_value("/items", timeout=LOADED_MS)
        card = step_card(page, FIRST)

        await open_tab(card, "Before request")
        await expect(card.get_by_text("values are templates like ${__timestamp}, ${__uuid}")).to_be_visible()
        await expect(card.get_by_label("Variable", exact=True)).to_have_value("ts")
        await expect(card.get_by_label("Template", exact=True)).to_have_value("${__timestamp}")
        await card.get_by_role("button", name="Add variable").click()
        await card.get_by_label("Variable", exact=True).last.fill("id")
        await card.get_by_label("Template", exact=True).last.fill("${__uuid}")
        await expect(card.get_by_role("tab", selected=True)).to_have_text(re.compile(r"^Before request\s*2$"))

        await open_tab(card, "Options")
        error_status = card.get_by_role("checkbox", name=ERROR_STATUS)
        await expect(error_status).not_to_be_checked()
        await expect(card.get_by_text("Only the assertions can fail this step")).to_be_visible()
        await error_status.check()
        await expect(error_status).to_be_checked()

        await open_tab(card, "Assert")
        await expect(card.get_by_label("Test name", exact=True)).to_have_value("id is a number")
        await expect(at(page, f"{FIRST}.assert[0].op")).to_have_text("TYPE")
        value = at(page, f"{FIRST}.assert[0].value")
        await expect(value).to_have_text("number")
        await value.click()
        # JSON's type names, as the TYPE check takes them.
        json_types = ["string", "number", "boolean", "object", "array", "null"]
        await expect(page.get_by_role("option")).to_have_text(json_types)
        await page.keyboard.press("Escape")
        await card.get_by_label("Test name", exact=True).fill("id is numeric")

        await save(page)
        await expect(page.get_by_text(f"Saved {IMPORTED}")).to_be_visible(timeout=LOADED_MS)

    browser.run(scenario)
    status, saved = master.api("GET", f"/plans/{IMPORTED}")
    assert status == 200
    expected = copy.deepcopy(IMPORTED_PLAN)
    step = expected["tasks"][0]["steps"][0]
    step["assign"]["id"] = "${__uuid}"
    del step["failOnErrorStatus"]  # checked is the default, written as no key
    step["assert"][0]["name"] = "id is numeric"
    assert saved == expected


def test_a_type_check_on_the_status_shows_the_apis_error_at_the_check(
    browser: PageBrowser, master: FleetMaster
) -> None:
    assert master.api("PUT", f"/plans/{IMPORTED}", IMPORTED_PLAN)[0] == 200

    async def scenario(page: Page) -> None:
        await page.goto(f"{master.url}/fleet/?plan={IMPORTED}")
        await expect(at(page, f"{FIRST}.url")).to_have_value("/items", timeout=LOADED_MS)
        await open_tab(step_card(page, FIRST), "Assert")
        await choose(page, f"{FIRST}.assert[0].on", "STATUS")
        await save(page)
        await expect(helper_text(page, f"{FIRST}.assert[0].op")).to_have_text(
            "TYPE applies to JSONPATH and BODY, not STATUS", timeout=LOADED_MS
        )

    browser.run(scenario)
    # Refused: the stored plan is still the one put.
    assert master.api("GET", f"/plans/{IMPORTED}") == (200, IMPORTED_PLAN)


WS_NAME = "page-steps-ws"
CONNECT = {
    "name": "open feed",
    "ws": {
        "action": "CONNECT",
        "url": "/ws/feed?token=abc",
        "headers": {"X-Client": "page"},
        "subprotocols": ["chat"],
        "timeoutS": 5,
    },
}
# A JSON message's keys as the store keeps them (a protobuf Struct: sorted), so the page shows them in this order.
SEND = {"ws": {"action": "SEND", "json": {"symbol": "ACME", "type": "subscribe"}}}
EXPECT = {
    "name": "quote",
    "ws": {
        "action": "EXPECT",
        "timeoutS": 2,
        "match": [{"on": "JSONPATH", "expr": "$.type", "op": "EQ", "value": "quote"}],
        "save": [{"name": "price", "from": "JSONPATH", "expr": "$.price"}],
        "assert": [{"on": "JSONPATH", "expr": "$.symbol", "op": "EQ", "value": "ACME"}],
    },
}
WS_PLAN = {"name": WS_NAME, "host": "http://127.0.0.1:9", "tasks": [{"name": "feed", "steps": [CONNECT, SEND, EXPECT]}]}
THIRD, FOURTH = "tasks[0].steps[2]", "tasks[0].steps[3]"


async def open_plan(page: Page, master: FleetMaster, name: str, first_field: str, value: str) -> None:
    await page.goto(f"{master.url}/fleet/?plan={name}")
    await expect(at(page, first_field)).to_have_value(value, timeout=LOADED_MS)


async def add_web_socket_step(page: Page, action: str, path: str) -> None:
    """The task's "Add WebSocket step" button, then `action` chosen for the new step at `path`."""
    await page.get_by_role("region", name="Tasks").get_by_role("button", name="Add WebSocket step", exact=True).click()
    await expect(at(page, f"{path}.ws.action")).to_have_text("CONNECT")
    await choose(page, f"{path}.ws.action", action)
    await expect(at(page, f"{path}.ws.action")).to_have_text(action)


def test_web_socket_steps_show_the_fields_of_their_action_and_save_only_what_was_edited(
    browser: PageBrowser, master: FleetMaster
) -> None:
    assert master.api("PUT", f"/plans/{WS_NAME}", WS_PLAN)[0] == 200

    async def scenario(page: Page) -> None:
        await open_plan(page, master, WS_NAME, f"{FIRST}.ws.url", "/ws/feed?token=abc")
        for path, action in ((FIRST, "CONNECT"), (SECOND, "SEND"), (THIRD, "EXPECT")):
            card = step_card(page, path)
            await expect(card.get_by_text("WS", exact=True)).to_be_visible()
            await expect(at(page, f"{path}.ws.action")).to_have_text(action)
            # The HTTP editor's tabs and fields are not there.
            await expect(card.get_by_role("tab")).to_have_count(0)
            await expect(at(page, f"{path}.method")).to_have_count(0)
        await expect(at(page, f"{FIRST}.name")).to_have_value("open feed")

        connect = step_card(page, FIRST)
        await expect(at(page, f'{FIRST}.ws.headers["X-Client"]:key')).to_have_value("X-Client")
        await expect(at(page, f'{FIRST}.ws.headers["X-Client"]')).to_have_value("page")
        await expect(connect.get_by_label("Subprotocols")).to_have_value("chat")
        await expect(connect.get_by_label("Timeout (s)")).to_have_value("5")
        await expect(at(page, f"{FIRST}.ws.text")).to_have_count(0)

        send = step_card(page, SECOND)
        await expect(send.get_by_role("button", name="JSON", exact=True)).to_have_attribute("aria-pressed", "true")
        await expect(send.get_by_label("JSON message")).to_have_value(
            '{\n  "symbol": "ACME",\n  "type": "subscribe"\n}'
        )
        await expect(send.get_by_label("URL")).to_have_count(0)
        await expect(send.get_by_label("Timeout (s)")).to_have_count(0)

        expect_step = step_card(page, THIRD)
        await expect(expect_step.get_by_label("Timeout (s)")).to_have_value("2")
        match = expect_step.get_by_role("group", name="Match")
        await expect(match.get_by_role("textbox", name="JSONPath")).to_have_value("$.type")
        await expect(at(page, f"{THIRD}.ws.match[0].op")).to_have_text("EQ")
        await expect(at(page, f"{THIRD}.ws.match[0].value")).to_have_value("quote")
        await expect(expect_step.get_by_role("group", name="Save").get_by_label("Save as")).to_have_value("price")
        await expect(at(page, f"{THIRD}.ws.assert[0].expr")).to_have_value("$.symbol")
        await expect(at(page, f"{THIRD}.ws.assert[0].value")).to_have_value("ACME")
        await expect(expect_step.get_by_label("URL")).to_have_count(0)

        await add_web_socket_step(page, "PING", FOURTH)
        ping = step_card(page, FOURTH)
        await expect(ping.get_by_text("WS", exact=True)).to_be_visible()
        await expect(ping.get_by_label("Timeout (s)")).to_have_attribute("placeholder", "10")
        await expect(ping.get_by_label("URL")).to_have_count(0)
        await expect_step.get_by_label("Timeout (s)").fill("4.5")

        await save(page)
        await expect(page.get_by_text(f"Saved {WS_NAME}")).to_be_visible(timeout=LOADED_MS)

    browser.run(scenario)
    status, saved = master.api("GET", f"/plans/{WS_NAME}")
    assert status == 200
    expected = copy.deepcopy(WS_PLAN)
    expected["tasks"][0]["steps"][2]["ws"]["timeoutS"] = 4.5
    expected["tasks"][0]["steps"].append({"ws": {"action": "PING"}})
    assert saved == expected


def test_a_web_socket_send_without_a_message_shows_the_apis_error_under_the_step(
    browser: PageBrowser, master: FleetMaster
) -> None:
    name = "page-steps-ws-send"
    plan = {"name": name, "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": [CONNECT]}]}
    assert master.api("PUT", f"/plans/{name}", plan)[0] == 200

    async def scenario(page: Page) -> None:
        await open_plan(page, master, name, f"{FIRST}.ws.url", "/ws/feed?token=abc")
        await add_web_socket_step(page, "SEND", SECOND)
        send = step_card(page, SECOND)
        await expect(send.get_by_role("group", name="Message type")).to_be_visible()
        # Collapsed, the step opens itself on the error.
        await send.get_by_role("button", name="Collapse step 2").click()
        await expect(send.get_by_role("group", name="Message type")).to_have_count(0)

        await save(page)
        await expect(send.get_by_role("alert")).to_have_text(
            "a SEND sends one of text, json and binary; got none", timeout=LOADED_MS
        )
        await expect(send.get_by_role("group", name="Message type")).to_be_visible()
        await expect(step_card(page, FIRST).get_by_role("alert")).to_have_count(0)

    browser.run(scenario)
    # Refused: the stored plan is still the one put.
    assert master.api("GET", f"/plans/{name}") == (200, plan)


def test_try_once_shows_the_frames_a_web_socket_step_sent_and_received(
    browser: PageBrowser, master: FleetMaster, demo_app: str
) -> None:
    name = "page-steps-ws-echo"
    steps = [
        {"name": "connect", "ws": {"action": "CONNECT", "url": "/ws/echo"}},
        {"name": "say hello", "ws": {"action": "SEND", "text": "hello"}},
        {
            "name": "echo",
            "ws": {"action": "EXPECT", "timeoutS": 5, "match": [{"on": "BODY", "op": "EQ", "value": "hello"}]},
        },
    ]
    plan = {"name": name, "host": demo_app, "tasks": [{"name": "echo", "steps": steps}]}
    assert master.api("PUT", f"/plans/{name}", plan)[0] == 200

    async def scenario(page: Page) -> None:
        await open_plan(page, master, name, f"{FIRST}.ws.url", "/ws/echo")
        await page.get_by_role("button", name="Try once", exact=True).click()
        result = page.get_by_label("Try once result")
        await expect(result.get_by_text("All 3 steps passed")).to_be_visible(timeout=LOADED_MS)
        await expect(result.locator("[data-check=failed]")).to_have_count(0)

        await result.get_by_role("button", name=re.compile(r"^say hello WS SEND \d+(\.\d+)? ms")).click()
        sent = result.get_by_label("Result of say hello")
        await expect(sent.get_by_test_id("CheckCircleIcon").first).to_be_visible()
        await expect(sent.locator("[data-frame=sent]")).to_have_count(1)
        await expect(sent.locator("[data-frame=sent]")).to_be_visible()
        await expect(sent.locator("[data-frame=sent] [data-frame-data]")).to_have_text("hello")
        await expect(sent.locator("[data-frame=sent] [data-frame-time]")).to_have_text(re.compile(r"^\d+(\.\d+)? ms$"))
        await expect(sent.locator("[data-frame=received]")).to_have_count(0)

        await result.get_by_role("button", name=re.compile(r"^echo WS EXPECT")).click()
        echo = result.get_by_label("Result of echo")
        await expect(echo.get_by_test_id("CheckCircleIcon").first).to_be_visible()
        await expect(echo.get_by_test_id("CancelIcon")).to_have_count(0)
        await expect(echo.locator("[data-frame=received]")).to_have_count(1)
        await expect(echo.locator("[data-frame=received]")).to_be_visible()
        await expect(echo.locator("[data-frame=received] [data-frame-data]")).to_have_text("hello")
        await expect(echo.locator("[data-frame=received]")).to_contain_text("received")

    browser.run(scenario)
