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
