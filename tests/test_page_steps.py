"""Moving a step in the fleet page moves what the page shows of it (its open tab) along with it, and the plan
saved afterwards has the steps in the new order and nothing the page keeps to tell them apart."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

import pytest
from playwright.async_api import Locator, Page, expect

from tests.fleet_fixtures import EtcdServer, FleetMaster, running_master
from tests.page_driver import PageBrowser, at, open_browser, open_tab, step_card

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
