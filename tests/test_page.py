"""The fleet page end to end: real Chromium driving the real page of a real master, with etcd, an agent,
Locust workers and the demo app as the target."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from locust_ext.plan.importers import import_plan
from locust_ext.plan.validation import load_plan, plan_to_json
from locust_ext.proto.fleet_pb2 import ImportWarning
from tests.fleet_fixtures import AgentProcess, EtcdServer, FleetMaster, demo_plan, running_master, wait_until
from tests.page_driver import PageBrowser, at, choose, helper_text, open_browser, open_tab, shoot, step_card
from tests.test_importers import CHROME_CURL, HAR, HAZARD, POSTMAN

pytestmark = pytest.mark.browser

pytest_plugins = ("tests.fleet_fixtures",)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plans"
AGENT_ID = "page-agent"


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory, etcd_server: EtcdServer) -> Iterator[FleetMaster]:
    yield from running_master(tmp_path_factory.mktemp("page-master"), etcd_server, "page")


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory, master: FleetMaster) -> Iterator[AgentProcess]:
    directory = tmp_path_factory.mktemp("page-agent")
    process = AgentProcess(master.etcd, master.prefix, directory / "agent.log", AGENT_ID)
    try:
        process.wait_registered()
        yield process
    finally:
        process.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageBrowser]:
    yield from open_browser(tmp_path_factory.mktemp("page-failures"))


def fleet_url(master: FleetMaster, plan: str = "") -> str:
    return f"{master.url}/fleet/" + (f"?plan={plan}" if plan else "")


def stored(master: FleetMaster, name: str) -> dict[str, Any] | None:
    status, body = master.api("GET", f"/plans/{name}")
    return body if status == 200 else None


def stored_plan(master: FleetMaster, name: str) -> dict[str, Any]:
    """The stored plan `name`; the test fails when there is none."""
    plan = stored(master, name)
    assert plan is not None, f"no plan {name} in the plan store"
    return plan


async def shown_plan(page: Page) -> dict[str, Any]:
    """The plan as the page holds it (its JSON tab)."""
    await open_tab(page, "JSON")
    text = await page.get_by_label("Plan JSON").inner_text()
    await open_tab(page, "Builder")
    return json.loads(text)


async def add_header(page: Page, step: str, name: str, value: str) -> None:
    await open_tab(step_card(page, step), "Headers")
    await step_card(page, step).get_by_role("button", name="Add header").click()
    await at(page, f'{step}.headers[""]:key').fill(name)
    await at(page, f'{step}.headers["{name}"]').fill(value)


async def add_save(page: Page, step: str, index: int, name: str, source: str, expr: str) -> None:
    await open_tab(step_card(page, step), "Save")
    await step_card(page, step).get_by_role("button", name="Add save").click()
    await at(page, f"{step}.save[{index}].name").fill(name)
    await choose(page, f"{step}.save[{index}].from", source)
    await at(page, f"{step}.save[{index}].expr").fill(expr)


async def add_assert(page: Page, step: str, index: int, target: str, op: str, value: str, expr: str = "") -> None:
    await open_tab(step_card(page, step), "Assert")
    await step_card(page, step).get_by_role("button", name="Add assertion").click()
    await choose(page, f"{step}.assert[{index}].on", target)
    if expr:
        await at(page, f"{step}.assert[{index}].expr").fill(expr)
    await choose(page, f"{step}.assert[{index}].op", op)
    await at(page, f"{step}.assert[{index}].value").fill(value)


async def build_three_step_chain(page: Page, name: str, host: str) -> None:
    """From an empty page: New, then login (JSON body, save token, assert 200), list items, one item."""
    await page.get_by_role("button", name="New", exact=True).click()
    await at(page, "name").fill(name)
    await at(page, "host").fill(host)
    login = "tasks[0].steps[0]"
    await choose(page, f"{login}.method", "POST")
    await at(page, f"{login}.url").fill("/login")
    await at(page, f"{login}.name").fill("login")
    await open_tab(step_card(page, login), "Body")
    await step_card(page, login).get_by_role("button", name="JSON").click()
    await at(page, f"{login}.json").fill('{"username": "user1", "password": "pw1"}')
    await add_save(page, login, 0, "token", "JSONPATH", "$.token")
    await add_assert(page, login, 0, "STATUS", "EQ", "200")

    await page.get_by_role("button", name="Add step").click()
    items = "tasks[0].steps[1]"
    await at(page, f"{items}.url").fill("/api/items")
    await at(page, f"{items}.name").fill("list items")
    await add_header(page, items, "Authorization", "Bearer ${token}")
    await add_save(page, items, 0, "itemId", "JSONPATH", "$.items[0].id")
    await add_assert(page, items, 0, "JSONPATH", "EQ", "25", expr="$.total")

    # The third step starts as a duplicate of the second: its header comes along.
    await step_card(page, items).get_by_role("button", name="Duplicate Step 2").click()
    item = "tasks[0].steps[2]"
    await at(page, f"{item}.url").fill("/api/items/${itemId}")
    await at(page, f"{item}.name").fill("item")
    await open_tab(step_card(page, item), "Save")
    await step_card(page, item).get_by_role("button", name="Remove save 1").click()
    await open_tab(step_card(page, item), "Assert")
    await at(page, f"{item}.assert[0].expr").fill("$.id")
    await at(page, f"{item}.assert[0].value").fill("${itemId}")


async def deploy_to_the_agent(page: Page, name: str, processes: int = 1) -> Locator:
    """Deploy the open plan to the test's agent from the page and wait for its workers; its row."""
    row = page.locator(f'tr[data-agent="{AGENT_ID}"]')
    await row.get_by_label(f"Select {AGENT_ID}").check()
    await page.get_by_label("Processes per agent").fill(str(processes))
    await page.get_by_role("button", name=f"Deploy {name} to 1 agent").click()
    await expect(row).to_contain_text(f"{processes} (ready)", timeout=60_000)
    return row


def test_build_try_save_reload_deploy_swarm_release(
    browser: PageBrowser, master: FleetMaster, agent: AgentProcess, demo_app: str
) -> None:
    name = "page-chain"

    async def scenario(page: Page) -> dict[str, Any]:
        # Locust's own page links to the fleet page.
        await page.goto(master.url + "/")
        await page.get_by_role("link", name="Fleet").click()
        await expect(page.get_by_role("button", name="New", exact=True)).to_be_visible()

        await build_three_step_chain(page, name, demo_app)
        built = await shown_plan(page)
        await page.get_by_role("region", name="Tasks").evaluate("element => element.scrollIntoView()")
        await open_tab(step_card(page, "tasks[0].steps[1]"), "Headers")
        await shoot(page, "builder")

        await page.get_by_role("button", name="Try once", exact=True).click()
        result = page.get_by_label("Try once result")
        await expect(result.get_by_text("All 3 steps passed")).to_be_visible()
        await expect(result.locator("[data-check=failed]")).to_have_count(0)
        await result.get_by_role("button", name=re.compile(r"^login POST")).click()
        await expect(result.get_by_text("save token: JSONPATH $.token")).to_be_visible()
        await result.get_by_role("button", name=re.compile(r"^item GET")).click()
        await expect(result.get_by_text('"description": "A fine')).to_be_visible()
        await shoot(page, "try-once")

        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.locator("[data-revision]")).to_have_text(re.compile(r"^revision \d+$"))
        assert stored(master, name) == built
        await page.reload()
        await expect(page.locator(f'[data-plan-name="{name}"]')).to_be_visible()
        assert await shown_plan(page) == built
        await expect(at(page, "tasks[0].steps[2].url")).to_have_value("/api/items/${itemId}")

        await open_tab(page, "Agents & run")
        row = await deploy_to_the_agent(page, name)
        await expect(page.get_by_role("status")).to_contain_text(f"{AGENT_ID}: started 1 worker")

        await page.get_by_label("Users", exact=True).fill("4")
        await page.get_by_label("Spawn rate (/s)").fill("4")
        await page.get_by_role("button", name="Start", exact=True).click()
        # Generous deadlines: seconds at most, several times that on a busy shared machine.
        await expect(page.locator("[data-run-state=running]")).to_be_visible(timeout=30_000)
        wait_until(lambda: master.request_count() >= 30, 60, "requests in Locust's statistics", master.log)
        await expect(page.locator('[data-figure="Requests"]')).not_to_have_text("0", timeout=30_000)
        await shoot(page, "agents-and-run")
        await page.get_by_role("button", name="Stop", exact=True).click()
        await expect(page.locator("[data-run-state=stopped]")).to_be_visible(timeout=30_000)
        await page.get_by_role("button", name=f"Release {AGENT_ID}").click()
        await expect(row).to_contain_text("idle", timeout=30_000)
        return built

    built = browser.run(scenario)
    assert [step["name"] for step in built["tasks"][0]["steps"]] == ["login", "list items", "item"]
    rows = locust_rows(master)
    for step_name in ("login", "list items", "item"):
        assert rows[step_name]["num_requests"] > 0 and rows[step_name]["num_failures"] == 0, rows
    assert master.agents()[AGENT_ID]["state"] == "idle"


def locust_rows(master: FleetMaster) -> dict[str, dict[str, Any]]:
    with urllib.request.urlopen(f"{master.url}/stats/requests", timeout=5) as response:
        return {row["name"]: row for row in json.load(response)["stats"]}


IMPORTS = {
    "postman": json.dumps(POSTMAN),
    "har": json.dumps(HAR),
    "curl": CHROME_CURL,
    "hazard": json.dumps(HAZARD),
    "plan": json.dumps(plan_to_json(load_plan(EXAMPLES / "demo-failing.json"))),
}


async def expect_warnings_on_their_steps(page: Page, warnings: list[ImportWarning]) -> None:
    """Each warning shown where it belongs in the opened plan: on its step's card, or above the plan."""
    for warning in warnings:
        if warning.step:
            mark = step_card(page, warning.step).get_by_label("Import warnings", exact=True)
        else:
            mark = page.get_by_label("Import warnings for the plan")
        await expect(mark).to_contain_text(warning.message)


@pytest.mark.parametrize("format", sorted(IMPORTS))
def test_import_shows_the_plan_and_its_warnings(browser: PageBrowser, master: FleetMaster, format: str) -> None:
    text = IMPORTS[format]
    expected = import_plan(text)
    expected.plan["name"] = f"imported-{format}"

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master))
        await page.get_by_role("button", name="Import", exact=True).click()
        dialog = page.get_by_role("dialog")
        if format == "har":  # by upload, as a browser's "Save all as HAR" file
            await dialog.locator("input[type=file]").set_input_files(
                files=[{"name": "recording.har", "mimeType": "application/json", "buffer": text.encode()}]
            )
        else:
            await dialog.get_by_label("Text to import").fill(text)
        await dialog.get_by_label("Plan name").fill(f"imported-{format}")
        await dialog.get_by_role("button", name="Import", exact=True).click()
        if expected.warnings:  # the conversion is reviewed before it opens
            await expect(dialog.get_by_role("heading", name="Review the import")).to_be_visible()
            for message in expected.messages:
                await expect(dialog.get_by_label("Import result")).to_contain_text(message)
            await dialog.get_by_role("button", name="Open plan").click()
        await expect(dialog).to_be_hidden()
        assert await shown_plan(page) == expected.plan
        if expected.warnings:
            await expect_warnings_on_their_steps(page, expected.warnings)
        else:
            await expect(page.get_by_label("Import warnings")).to_have_count(0)
        if format == "har":
            await shoot(page, "import")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.locator("[data-revision]")).to_have_text(re.compile(r"^revision \d+$"))

    browser.run(scenario)
    assert stored(master, f"imported-{format}") == expected.plan


# Three requests, the second with an auth type the import does not convert; an empty folder, which it skips.
DIGEST_COLLECTION = {
    "info": {"name": "Digest shop", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
    "item": [
        {"name": "Drafts", "item": []},
        {"name": "Health", "request": {"method": "GET", "url": "http://127.0.0.1:9/health"}},
        {
            "name": "Orders",
            "request": {
                "method": "GET",
                "url": "http://127.0.0.1:9/orders",
                "auth": {"type": "digest", "digest": [{"key": "username", "value": "alice", "type": "string"}]},
            },
        },
        {"name": "Logout", "request": {"method": "POST", "url": "http://127.0.0.1:9/logout"}},
    ],
}


def test_import_warnings_sit_on_their_steps_in_the_dialog_and_in_the_builder(
    browser: PageBrowser, master: FleetMaster
) -> None:
    text = json.dumps(DIGEST_COLLECTION)
    warnings = import_plan(text).warnings
    on_orders = [warning.message for warning in warnings if warning.step == "tasks[0].steps[1]"]
    about_plan = [warning.message for warning in warnings if not warning.step]
    assert len(on_orders) == 1 and "digest" in on_orders[0], warnings
    assert about_plan and all(warning.step in ("", "tasks[0].steps[1]") for warning in warnings), warnings
    digest = on_orders[0]

    def mark(page: Page, step: str) -> Locator:
        return step_card(page, step).get_by_label("Import warnings", exact=True)

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master))
        await page.get_by_role("button", name="Import", exact=True).click()
        dialog = page.get_by_role("dialog")
        await dialog.get_by_label("Text to import").fill(text)
        await dialog.get_by_role("button", name="Import", exact=True).click()

        # The dialog names the step as the builder does, its warning under it; the plan's own warnings apart.
        orders = dialog.get_by_role("group", name="Task Digest shop, step 2: Orders")
        await expect(orders).to_contain_text("Step 2: Orders")
        await expect(orders).to_contain_text(digest)
        await expect(dialog.get_by_role("group")).to_have_count(1)
        for message in about_plan:
            await expect(dialog.get_by_label("Warnings about the whole plan")).to_contain_text(message)
            await expect(orders).not_to_contain_text(message)
        await shoot(page, "import-review")
        await dialog.get_by_role("button", name="Open plan").click()
        await expect(dialog).to_be_hidden()

        # The step is marked with its warning, the others are not; the plan's warnings are above it.
        await expect(at(page, "tasks[0].steps[1].name")).to_have_value("Orders")
        await expect(mark(page, "tasks[0].steps[1]")).to_contain_text(digest)
        await expect(mark(page, "tasks[0].steps[0]")).to_have_count(0)
        await expect(mark(page, "tasks[0].steps[2]")).to_have_count(0)
        plan_warnings = page.get_by_label("Import warnings for the plan")
        for message in about_plan:
            await expect(plan_warnings).to_contain_text(message)
        await expect(plan_warnings).to_contain_text("One step has import warnings")
        await expect(plan_warnings).not_to_contain_text(digest)

        # The mark goes with its step when a step before it is deleted, and when it moves.
        await step_card(page, "tasks[0].steps[0]").get_by_role("button", name="Delete Step 1").click()
        await expect(at(page, "tasks[0].steps[0].name")).to_have_value("Orders")
        await expect(mark(page, "tasks[0].steps[0]")).to_contain_text(digest)
        await expect(mark(page, "tasks[0].steps[1]")).to_have_count(0)
        await step_card(page, "tasks[0].steps[0]").get_by_role("button", name="Move Step 1 down").click()
        await expect(at(page, "tasks[0].steps[1].name")).to_have_value("Orders")
        await expect(at(page, "tasks[0].steps[0].name")).to_have_value("Logout")
        await expect(mark(page, "tasks[0].steps[1]")).to_contain_text(digest)
        await expect(mark(page, "tasks[0].steps[0]")).to_have_count(0)
        # Edited, it is still the same step.
        await at(page, "tasks[0].steps[1].name").fill("Orders (digest)")
        await expect(mark(page, "tasks[0].steps[1]")).to_contain_text(digest)
        await shoot(page, "import-marks")

        # Dismissed, the mark is gone; dismissing the plan's warnings ends them all.
        await step_card(page, "tasks[0].steps[1]").get_by_role("button", name="Dismiss import warnings").click()
        await expect(mark(page, "tasks[0].steps[1]")).to_have_count(0)
        await expect(plan_warnings).not_to_contain_text("import warnings")
        await plan_warnings.get_by_role("button", name="Dismiss all import warnings").click()
        await expect(page.get_by_label("Import warnings")).to_have_count(0)

    browser.run(scenario)


def test_import_of_garbage_says_why_and_changes_nothing(browser: PageBrowser, master: FleetMaster) -> None:
    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master))
        await page.get_by_role("button", name="Import", exact=True).click()
        dialog = page.get_by_role("dialog")
        await dialog.get_by_label("Text to import").fill("hello world")
        await dialog.get_by_role("button", name="Import", exact=True).click()
        await expect(dialog.get_by_role("alert")).to_contain_text("cannot tell the format; expected a Postman")
        await expect(dialog).to_be_visible()

    before = master.api("GET", "/plans")[1]
    browser.run(scenario)
    assert master.api("GET", "/plans")[1] == before


def test_api_errors_appear_at_the_fields_they_name(browser: PageBrowser, master: FleetMaster) -> None:
    name = "page-errors"
    good = demo_plan("http://127.0.0.1:9") | {"name": name}
    assert master.api("PUT", f"/plans/{name}", good)[0] == 200
    step = "tasks[0].steps[0]"

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master, name))
        await at(page, "host").fill("localhost:8080")
        await add_save(page, step, 0, "1token", "REGEX", "token=(")
        await open_tab(step_card(page, step), "Assert")
        await choose(page, f"{step}.assert[0].op", "MATCHES")
        await at(page, f"{step}.assert[0].value").fill("[unclosed")
        # Collapsed, the step opens itself to show the errors inside it.
        await step_card(page, step).get_by_role("button", name="Collapse step 1").click()
        await page.get_by_role("button", name="Save", exact=True).click()

        await expect(page.get_by_label("Plan problems")).to_contain_text("The plan has 4 problems")
        host_error = 'expected an http:// or https:// URL, got "localhost:8080"'
        await expect(helper_text(page, "host")).to_have_text(host_error)
        # The step opened the tab of its first error, the assertion's.
        await expect(helper_text(page, f"{step}.assert[0].value")).to_contain_text("not a valid regular expression")
        await open_tab(step_card(page, step), "Save")
        await expect(helper_text(page, f"{step}.save[0].name")).to_contain_text('got "1token"')
        await expect(helper_text(page, f"{step}.save[0].expr")).to_contain_text("unterminated subpattern")
        await shoot(page, "field-errors")

        # Fixed at the fields, the plan saves.
        await at(page, "host").fill("http://127.0.0.1:9")
        await at(page, f"{step}.save[0].name").fill("token")
        await at(page, f"{step}.save[0].expr").fill("token=(\\w+)")
        await open_tab(step_card(page, step), "Assert")
        await at(page, f"{step}.assert[0].value").fill("^ok")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.get_by_label("Plan problems")).to_have_count(0)
        await expect(page.locator("[data-revision]")).to_have_text(re.compile(r"^revision \d+$"))

    before = stored(master, name)
    assert before == good
    browser.run(scenario)
    after = stored_plan(master, name)
    assert after["host"] == "http://127.0.0.1:9" and after["tasks"][0]["steps"][0]["save"][0]["name"] == "token"


def test_a_save_never_overwrites_someone_elses_silently(browser: PageBrowser, master: FleetMaster) -> None:
    name = "page-conflict"
    assert master.api("PUT", f"/plans/{name}", demo_plan("http://127.0.0.1:9") | {"name": name})[0] == 200

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master, name))
        await at(page, "host").fill("http://127.0.0.1:10")
        theirs = demo_plan("http://127.0.0.1:11") | {"name": name}
        assert master.api("PUT", f"/plans/{name}", theirs)[0] == 200
        await page.get_by_role("button", name="Save", exact=True).click()
        dialog = page.get_by_role("dialog")
        await expect(dialog).to_contain_text("was saved by someone else")
        assert stored_plan(master, name)["host"] == "http://127.0.0.1:11"
        await dialog.get_by_role("button", name="Reload theirs").click()
        await expect(at(page, "host")).to_have_value("http://127.0.0.1:11")

    browser.run(scenario)


def test_duplicate_rename_export_and_delete(browser: PageBrowser, master: FleetMaster) -> None:
    name = "page-lifecycle"
    plan = demo_plan("http://127.0.0.1:9") | {"name": name}
    assert master.api("PUT", f"/plans/{name}", plan)[0] == 200

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master))
        plans = page.get_by_role("navigation", name="Plans")
        await plans.get_by_label(f"Actions for {name}").click()
        await page.get_by_role("menuitem", name="Duplicate").click()
        await expect(page.get_by_label("Plan name")).to_have_value(f"{name}-copy")
        await page.get_by_role("dialog").get_by_role("button", name="Duplicate").click()
        await expect(page.locator(f'[data-plan-name="{name}-copy"]')).to_be_visible()

        await plans.get_by_label(f"Actions for {name}-copy").click()
        await page.get_by_role("menuitem", name="Rename").click()
        await page.get_by_label("Plan name").fill(f"{name}-renamed")
        await page.get_by_role("dialog").get_by_role("button", name="Rename").click()
        await expect(page.locator(f'[data-plan-name="{name}-renamed"]')).to_be_visible()

        await plans.get_by_label(f"Actions for {name}-renamed").click()
        async with page.expect_download() as download:
            await page.get_by_role("menuitem", name="Export JSON").click()
        exported = json.loads(Path(await (await download.value).path()).read_text())
        assert exported == plan | {"name": f"{name}-renamed"}

        await plans.get_by_label(f"Actions for {name}-renamed").click()
        await page.get_by_role("menuitem", name="Delete").click()
        await page.get_by_role("dialog").get_by_role("button", name="Delete").click()
        await expect(plans.get_by_text(f"{name}-renamed")).to_have_count(0)

    browser.run(scenario)
    assert stored(master, name) == plan
    assert stored(master, f"{name}-copy") is None and stored(master, f"{name}-renamed") is None


def test_busy_agents_cannot_be_selected_and_say_why(
    browser: PageBrowser, master: FleetMaster, agent: AgentProcess
) -> None:
    name = "page-busy"
    assert master.api("PUT", f"/plans/{name}", demo_plan("http://127.0.0.1:9") | {"name": name})[0] == 200
    status, body = master.api("POST", "/deploy", {"plan": name, "agents": [AGENT_ID], "processes": 1})
    assert status == 200 and body["results"][AGENT_ID]["ok"], body

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master, name))
        await open_tab(page, "Agents & run")
        row = page.locator(f'tr[data-agent="{AGENT_ID}"]')
        await expect(row.get_by_label(f"Select {AGENT_ID}")).to_be_disabled()
        await expect(row.locator("[data-reason]")).to_have_text(f"busy: running {name}; release it first")
        await page.get_by_role("button", name="Release all", exact=True).click()
        await expect(row.get_by_label(f"Select {AGENT_ID}")).to_be_enabled(timeout=30_000)

    try:
        browser.run(scenario)
    finally:
        master.api("POST", "/release", {"agents": "all"})


def test_an_elastic_deploy_from_the_page_takes_in_an_agent_that_registers_later(
    browser: PageBrowser, master: FleetMaster, agent: AgentProcess, tmp_path: Path
) -> None:
    name = "page-elastic"
    assert master.api("PUT", f"/plans/{name}", demo_plan("http://127.0.0.1:9") | {"name": name})[0] == 200
    late: list[AgentProcess] = []

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master, name))
        await open_tab(page, "Agents & run")
        await page.get_by_label("Elastic", exact=True).check()
        await at(page, "agents").fill("zone=late")
        await page.get_by_label("Processes per agent").fill("1")
        await page.get_by_role("button", name=f"Deploy {name} to agents matching zone=late").click()
        banner = page.get_by_role("status", name="Elastic run")
        await expect(banner).to_contain_text("agents matching zone=late join as they register (0 taken so far)")
        labels = ("--labels", "zone=late")
        late.append(AgentProcess(master.etcd, master.prefix, tmp_path / "late.log", "page-late", labels))
        row = page.locator('tr[data-agent="page-late"]')
        await expect(row).to_contain_text("1 (ready)", timeout=60_000)
        await expect(row.locator("[data-label]")).to_have_text("zone=late")
        await expect(banner).to_contain_text("(1 taken so far)")
        await expect(page.locator(f'tr[data-agent="{AGENT_ID}"]')).to_contain_text("idle")
        await page.get_by_role("button", name="Release all", exact=True).click()
        await expect(banner).to_be_hidden(timeout=30_000)

    try:
        browser.run(scenario)
    finally:
        master.api("POST", "/release", {"agents": "all"})
        for process in late:
            process.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_follows_locusts_theme_and_fits_1280x800(browser: PageBrowser, master: FleetMaster, theme: str) -> None:
    async def scenario(page: Page) -> tuple[str, int, str]:
        await page.goto(fleet_url(master))
        await expect(page.get_by_role("button", name="New", exact=True)).to_be_visible()
        background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        await page.get_by_role("button", name="Switch theme").click()
        return background, overflow, await page.evaluate("localStorage.getItem('theme')")

    background, overflow, switched = browser.run(scenario, theme=theme)
    assert background == ("rgb(255, 255, 255)" if theme == "light" else "rgb(18, 18, 18)")
    assert overflow <= 0, "the page scrolls sideways at 1280x800"
    assert switched == ("dark" if theme == "light" else "light")


def test_choices_come_from_the_schema_and_journeys_are_edited_like_steps(
    browser: PageBrowser, master: FleetMaster
) -> None:
    schema = master.api("GET", "/schema")[1]
    choices = {name: [choice["name"] for choice in values] for name, values in schema["enums"].items()}
    journey = "journeys[0].steps[0]"

    async def scenario(page: Page) -> dict[str, Any]:
        await page.goto(fleet_url(master))
        await page.get_by_role("button", name="New", exact=True).click()
        await at(page, "name").fill("page-journey")
        shown: dict[str, list[str]] = {}
        for enum, path in (("HttpStep.Method", "tasks[0].steps[0].method"), ("BrowserStep.Action", None)):
            if path is None:
                await page.get_by_role("button", name="Add journey").click()
                await page.get_by_role("button", name="Add browser step").click()
                path = f"{journey}.action"
            await at(page, path).click()
            shown[enum] = await page.get_by_role("option").all_inner_texts()
            await page.keyboard.press("Escape")
        # Each action shows the fields it needs, and no others.
        await choose(page, f"{journey}.action", "FILL")
        await at(page, f"{journey}.selector").fill("#email")
        await at(page, f"{journey}.value").fill("${users.username}@example.test")
        await expect(at(page, f"{journey}.saveAs")).to_have_count(0)
        await page.get_by_role("button", name="Add browser step").click()
        await choose(page, "journeys[0].steps[1].action", "SAVE_TEXT")
        await expect(at(page, "journeys[0].steps[1].url")).to_have_count(0)
        await at(page, "journeys[0].steps[1].selector").fill("h1")
        await at(page, "journeys[0].steps[1].saveAs").fill("heading")
        await page.get_by_role("button", name="Move Browser step 2 up").click()
        await expect(at(page, f"{journey}.saveAs")).to_have_value("heading")
        return shown | {"plan": await shown_plan(page)}

    shown = browser.run(scenario)
    assert shown["HttpStep.Method"] == choices["HttpStep.Method"]
    assert shown["BrowserStep.Action"] == choices["BrowserStep.Action"]
    assert shown["plan"]["journeys"][0]["steps"] == [
        {"action": "SAVE_TEXT", "selector": "h1", "saveAs": "heading"},
        {"action": "FILL", "selector": "#email", "value": "${users.username}@example.test"},
    ]


def test_browser_failure_screenshots_reach_the_page(
    browser: PageBrowser, master: FleetMaster, agent: AgentProcess, demo_app: str
) -> None:
    name = "page-journey-failing"
    heading = {"name": "heading", "action": "ASSERT_TEXT", "selector": "h1", "value": "Another shop", "timeoutS": 1}
    plan = {
        "name": name,
        "host": demo_app,
        "journeys": [{"name": "home", "steps": [{"action": "GOTO", "url": "/"}, heading]}],
    }
    assert master.api("PUT", f"/plans/{name}", plan)[0] == 200
    agent.wait_value(lambda value: "browser" in value["capabilities"], 30, "the agent offered browser users")

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master, name))
        await open_tab(page, "Agents & run")
        await deploy_to_the_agent(page, name)
        await page.get_by_label("Users", exact=True).fill("1")
        await page.get_by_role("button", name="Start", exact=True).click()
        card = page.get_by_role("button", name="Screenshot of home: heading")
        await expect(card).to_be_visible(timeout=60_000)  # Chromium starts in the worker first: slow when busy
        await expect(page.get_by_label("Browser screenshots")).to_contain_text("Another shop")
        await card.click()
        image = page.get_by_role("dialog").get_by_role("img")
        await expect(image).to_be_visible()
        assert await image.evaluate("image => image.naturalWidth") > 0
        await page.keyboard.press("Escape")
        await page.get_by_role("button", name="Stop", exact=True).click()

    try:
        browser.run(scenario)
    finally:
        master.api("POST", "/release", {"agents": "all"})


def test_load_section_is_edited_in_the_page_and_checked_by_the_api(browser: PageBrowser, master: FleetMaster) -> None:
    name = "page-load"
    assert master.api("PUT", f"/plans/{name}", demo_plan("http://127.0.0.1:9") | {"name": name})[0] == 200

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master, name))
        await at(page, "load.targetRps").fill("300")
        await page.get_by_role("button", name="Step load").click()
        await at(page, "load.step.maxUsers").fill("5")
        await at(page, "tasks[0].iterationsPerS").fill("2")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(helper_text(page, "load.step.maxUsers")).to_have_text("expected at least usersPerStep (10), got 5")
        await at(page, "load.step.maxUsers").fill("50")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.get_by_label("Plan problems")).to_have_count(0)
        await expect(page.locator("[data-revision]")).to_have_text(re.compile(r"^revision \d+$"))

    browser.run(scenario)
    saved = stored_plan(master, name)
    assert saved["load"] == {"targetRps": 300, "step": {"usersPerStep": 10, "stepDurationS": 60, "maxUsers": 50}}
    assert saved["tasks"][0]["iterationsPerS"] == 2


def test_a_calibration_is_set_up_run_and_shown_in_the_page(
    browser: PageBrowser, master: FleetMaster, agent: AgentProcess, demo_app: str
) -> None:
    name = "page-knee"
    # 20 ms up to 10 requests in flight, then 20 + (n - 10)² / 2 ms: 30 users wait ~220 ms, 60 users ~1270 ms. A
    # busy machine only adds to these (a heavily shared one, some 400 ms at p95): 30 users hold the 800 ms threshold
    # with room for that, and the server's own delay breaks it at 60 (as tests/test_load.py's calibration).
    task = {"name": "busy", "steps": [{"name": "busy", "url": "/busy?ms=20&knee=10"}]}
    assert master.api("PUT", f"/plans/{name}", {"name": name, "host": demo_app, "tasks": [task]})[0] == 200

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master, name))
        await page.get_by_role("button", name="Find the knee").click()
        await expect(at(page, "load.targetRps")).to_be_disabled()
        await at(page, "load.calibrate.usersPerStep").fill("30")
        await at(page, "load.calibrate.stepDurationS").fill("4")
        await at(page, "load.calibrate.maxUsers").fill("60")
        await at(page, "load.calibrate.thresholds[0].max").fill("800")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(helper_text(page, "load.calibrate.stepDurationS")).to_contain_text("expected at least 10 s")
        await at(page, "load.calibrate.stepDurationS").fill("10")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.get_by_label("Plan problems")).to_have_count(0)
        await open_tab(page, "Agents & run")
        panel = page.get_by_label("Calibration", exact=True)
        await expect(panel).to_contain_text("Start a run")
        # Two workers: the master finds the knee in the figures it gathers from both.
        await deploy_to_the_agent(page, name, processes=2)
        await page.get_by_role("button", name="Start", exact=True).click()
        await expect(panel.locator("[data-calibration-state]")).to_have_text("running", timeout=30_000)
        # Two steps of 10 s (wall-clock: a busy machine does not make them longer); the rest is slack.
        await expect(panel.locator("[data-calibration-state]")).to_have_text("knee found", timeout=90_000)
        await expect(panel.locator("[data-knee-users]")).to_have_attribute("data-knee-users", "30")
        await expect(panel.locator("tr[data-calibration-step]")).to_have_count(2)
        await expect(panel.locator('tr[data-calibration-step="30"]')).to_contain_text("held")
        await expect(panel.locator('tr[data-calibration-step="60"]')).to_contain_text("broke: p95 of every step")
        await expect(page.locator("[data-run-state]")).to_have_text("stopped", timeout=30_000)
        await panel.scroll_into_view_if_needed()
        await shoot(page, "calibration")

    try:
        browser.run(scenario)
    finally:
        master.api("POST", "/release", {"agents": "all"})
    saved = stored_plan(master, name)
    assert saved["load"]["calibrate"] == {
        "usersPerStep": 30,
        "stepDurationS": 10,
        "maxUsers": 60,
        "thresholds": [{"metric": "P95_MS", "max": 800}, {"metric": "ERROR_RATIO", "max": 0.01}],
    }
    status, result = master.api("GET", f"/plans/{name}/calibration")
    assert status == 200 and result["state"] == "knee" and result["knee"]["users"] == 30, result


def test_thresholds_are_edited_in_the_page_and_judged_live_during_the_run(
    browser: PageBrowser, master: FleetMaster, agent: AgentProcess, demo_app: str
) -> None:
    name = "page-thresholds"
    task = {"name": "check", "steps": [{"name": "health", "url": "/health"}]}
    assert master.api("PUT", f"/plans/{name}", {"name": name, "host": demo_app, "tasks": [task]})[0] == 200

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master, name))
        thresholds = page.get_by_label("Thresholds", exact=True)
        await thresholds.get_by_role("button", name="Add threshold").click()
        await at(page, "thresholds[0].step").fill("helth")
        await thresholds.get_by_role("button", name="Add threshold").click()
        await choose(page, "thresholds[1].metric", "RPS")
        await at(page, "thresholds[1].max").fill("")
        await at(page, "thresholds[1].min").fill("1000000000")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(helper_text(page, "thresholds[0].step")).to_contain_text("no step is named 'helth'")
        await at(page, "thresholds[0].step").fill("health")
        await at(page, "thresholds[0].max").fill("60000")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.get_by_label("Plan problems")).to_have_count(0)
        await open_tab(page, "Agents & run")
        await deploy_to_the_agent(page, name)
        await page.get_by_role("button", name="Start", exact=True).click()
        verdicts = page.get_by_label("Thresholds", exact=True).locator("[data-threshold]")
        await expect(verdicts).to_have_count(2, timeout=30_000)
        held = page.locator("[data-threshold=\"P95_MS of 'health' <= 60000\"]")
        await expect(held).to_have_attribute("data-held", "true", timeout=30_000)
        broken = page.locator('[data-threshold="RPS >= 1e+09"]')
        await expect(broken).to_have_attribute("data-held", "false", timeout=30_000)
        await expect(broken).to_contain_text("req/s < 1e+09 req/s")
        await expect(page.locator("[data-thresholds-broken]")).to_have_text("1 broken")
        await page.get_by_label("Thresholds", exact=True).scroll_into_view_if_needed()
        await shoot(page, "thresholds")
        await page.get_by_role("button", name="Stop").click()
        await expect(page.locator("[data-run-state]")).to_have_text("stopped", timeout=30_000)

    try:
        browser.run(scenario)
    finally:
        master.api("POST", "/release", {"agents": "all"})
    assert stored_plan(master, name)["thresholds"] == [
        {"metric": "P95_MS", "step": "health", "max": 60000},
        {"metric": "RPS", "min": 1e9},
    ]


def test_runs_are_kept_drawn_again_and_compared_in_the_page(
    browser: PageBrowser, master: FleetMaster, agent: AgentProcess, demo_app: str
) -> None:
    name = "page-runs"
    task = {"name": "check", "steps": [{"name": "health", "url": "/health"}, {"name": "slow", "url": "/slow?ms=20"}]}
    assert master.api("PUT", f"/plans/{name}", {"name": name, "host": demo_app, "tasks": [task]})[0] == 200

    async def one_run(page: Page, samples: int) -> None:
        await open_tab(page, "Agents & run")
        await page.get_by_label("Users", exact=True).fill("2")
        await page.get_by_role("button", name="Start", exact=True).click()
        await expect(page.locator("[data-run-state]")).to_have_text("running", timeout=30_000)
        await expect(page.locator('[data-figure="Requests"]')).not_to_have_text("0", timeout=30_000)
        # The record is written every 5 s while the run runs: let it hold `samples` samples (charts need three).
        for _ in range(120):
            running = [run for run in master.api("GET", f"/runs?plan={name}")[1]["runs"] if run["state"] == "running"]
            if running and len(master.api("GET", f"/runs/{running[0]['id']}")[1]["series"]) >= samples:
                break
            await page.wait_for_timeout(500)
        await page.get_by_role("button", name="Stop").click()
        await expect(page.locator("[data-run-state]")).to_have_text("stopped", timeout=30_000)

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master, name))
        await open_tab(page, "Agents & run")
        await deploy_to_the_agent(page, name)
        await one_run(page, samples=1)  # the baseline: compared by its figures, not drawn
        await open_tab(page, "Runs")
        runs = page.locator("tr[data-run]")
        await expect(runs).to_have_count(1, timeout=30_000)
        first = await runs.first.get_attribute("data-run")
        await page.get_by_label(f"Baseline {first}").click()
        await expect(page.get_by_label(f"Baseline {first}")).to_have_attribute("data-baseline", "true")
        await one_run(page, samples=3)
        await open_tab(page, "Runs")
        await expect(runs).to_have_count(2, timeout=30_000)
        record = page.get_by_label("Run record")
        await expect(record.locator('[data-step="health"]')).to_be_visible()
        await expect(record.locator("[data-chart] polyline")).to_have_count(3)
        comparison = page.get_by_label("Figures compared")
        await expect(comparison.locator("tr", has_text="GET slow")).to_have_count(5)
        await expect(page.locator("[data-regressed]")).to_have_count(1)
        await shoot(page, "runs")

    try:
        browser.run(scenario)
    finally:
        master.api("POST", "/release", {"agents": "all"})
    status, body = master.api("GET", f"/runs?plan={name}")
    assert status == 200 and [run["baseline"] for run in body["runs"]] == [False, True], body


def test_secrets_are_named_in_the_page_and_masked_in_try_once_until_revealed(
    browser: PageBrowser, master: FleetMaster, demo_app: str
) -> None:
    name = "page-secrets"
    step = {"name": "health", "url": "/health?key=${apiKey}", "headers": {"Authorization": "Bearer tok-page-0123456"}}
    plan = {
        "name": name,
        "host": demo_app,
        "variables": {"apiKey": "key-page-0123456"},
        "tasks": [{"name": "t", "steps": [step]}],
    }
    assert master.api("PUT", f"/plans/{name}", plan)[0] == 200

    async def scenario(page: Page) -> None:
        await page.goto(fleet_url(master, name))
        await at(page, "secrets").fill("apiKey, bad name")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.get_by_text('bad name: expected a variable or header name, got "bad name"')).to_be_visible()
        await at(page, "secrets").fill("apiKey")
        await page.get_by_role("button", name="Save", exact=True).click()
        await expect(page.get_by_label("Plan problems")).to_have_count(0)
        await page.get_by_role("button", name="Try once").click()
        result = page.get_by_label("Try once result")
        await expect(result).to_contain_text("All 1 steps passed")
        await expect(page.get_by_label("Secrets masked")).to_be_visible()
        await result.get_by_role("button", name=re.compile("health")).click()
        await expect(result).to_contain_text("••••••")
        assert "tok-page-0123456" not in await result.inner_text()
        assert "key-page-0123456" not in await result.inner_text()
        await page.get_by_role("button", name="Run again showing them").click()
        await expect(page.get_by_label("Secrets masked")).to_have_count(0)
        await result.get_by_role("button", name=re.compile("health")).click()
        await expect(result).to_contain_text("tok-page-0123456")

    browser.run(scenario)
    assert stored_plan(master, name)["secrets"] == ["apiKey"]
