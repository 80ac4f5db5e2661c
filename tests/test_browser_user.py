"""Browser journeys in a real Chromium (Debian's, never skipped), run by real Locust against real servers.

Most runs use tests/probe_locustfile.py, which is locust-fleet's locustfile plus a record of every request
event and of the screenshots the process kept, written to probe.json when it quits; its browser steps and web
vitals also go to probe-live.jsonl as they happen, so a run lasts until it has shown what a test looks at
(`run_until`), not a fixed time that a busy machine may not fill.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import math
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import psutil
import pytest

from locust_ext.browser import chromium, guard, probe, screenshots
from locust_ext.users.vitals import VitalsTracker
from tests.fleet_fixtures import wait_until
from tests.helpers import BIN, ROOT, FleetRun, run_fleet
from tests.reliability import record

pytestmark = pytest.mark.browser

CHROMIUM = Path(chromium.chromium_path())
PROBE = Path(__file__).with_name("probe_locustfile.py")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VITALS = ("TTFB", "FCP", "LCP", "CLS")
# How long a run may take to show what a test waits for: seconds on a quiet machine, many more on a busy one
# (Chromium starts slowly there). Only a failure runs this long.
RUN_AT_MOST_S = 120
CSV_SETTLE_S = 2.5


@pytest.fixture(autouse=True)
def _chromium_is_installed() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run ./scripts/install.sh (Debian's chromium-headless-shell and chromium)")


def journey(name: str, *steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": name, "steps": list(steps), **fields}


def browser_plan(host: str, *journeys: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": "browser", "host": host, "journeys": list(journeys), **fields}


def read_probe(work: Path) -> dict[str, Any]:
    return json.loads((work / "probe.json").read_text())


def step_rows(plan: dict[str, Any]) -> set[str]:
    """The BROWSER row name of every step of the plan's journeys."""
    names = set()
    for chain in plan["journeys"]:
        for step in chain["steps"]:
            target = step.get("selector") or step.get("url") or (step["value"] if step["action"] == "SLEEP" else "")
            names.add(step.get("name") or f"{step['action']} {target}".strip())
    return names


def live_events(work: Path) -> list[dict[str, Any]]:
    """The browser steps and web vitals the probe has recorded so far, in order."""
    path = work / "probe-live.jsonl"
    events = []
    for line in path.read_text().splitlines() if path.exists() else []:
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:  # the line being written
            break
    return events


def steps_seen(events: list[dict[str, Any]], ok: bool | None = None, since: float = 0) -> Counter[str]:
    """How many times each browser step ran (`ok`: only those that passed, or failed), after `since` (time.time)."""
    return Counter(
        event["name"]
        for event in events
        if event["type"] == "BROWSER" and event["at"] > since and (ok is None or (event["error"] is None) == ok)
    )


def stop_locust(work: Path) -> None:
    """Ask the probe in the Locust process running in `work` to end the run as -t does."""
    (work / "probe-stop").touch()


def run_until(
    work: Path,
    plan: dict[str, Any] | Path,
    done: Callable[[list[dict[str, Any]]], object],
    what: str,
    users: int,
    extra: tuple[str, ...] = (),
    during: Callable[[], None] | None = None,
) -> FleetRun:
    """Run the plan through the probe until `done(events so far)` holds, then stop it as -t would. `during` runs
    meanwhile (in this thread), before the wait for `done`."""
    outcome: list[FleetRun] = []

    def run() -> None:
        outcome.append(
            run_fleet(work, plan, users=users, seconds=RUN_AT_MOST_S, extra=extra, locustfile=PROBE, timeout=300)
        )

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    try:
        if during is not None:
            during()
        wait_until(
            lambda: done(live_events(work)) or not runner.is_alive(),
            RUN_AT_MOST_S + 60,
            what,
            lambda: f"last events: {live_events(work)[-5:]}",
        )
        # Not a wait for something: Locust rewrites its CSV statistics every second and not at shutdown, so the
        # run goes on a little for them to count what the probe has just seen.
        time.sleep(CSV_SETTLE_S)
    finally:
        stop_locust(work)
        runner.join(timeout=120)
    assert outcome, "the run did not end"
    assert done(live_events(work)), f"the run ended before {what}:\n{outcome[0].explain()}"
    return outcome[0]


def pages(requests: list[dict[str, Any]]) -> list[dict[str, float]]:
    """The vitals of each page, in the order reported (each page's rows are fired together, TTFB first)."""
    reported: list[dict[str, float]] = []
    for request in requests:
        if request["type"] == "TTFB":
            reported.append({})
        if request["type"] in VITALS:
            reported[-1][request["type"]] = request["ms"]
    return reported


def test_demo_plan_runs_http_users_and_journeys_with_web_vitals(tmp_path: Path, demo_app: str) -> None:
    path = ROOT / "examples" / "plans" / "demo-browser.json"
    plan = json.loads(path.read_text())
    vital_pages = ("read and write: article", "search: GOTO /shop", "search: search by Enter")

    def shown(events: list[dict[str, Any]]) -> bool:
        reported = {(event["type"], event["name"]) for event in events}
        every_vital = all((vital, page) in reported for vital in VITALS for page in vital_pages)
        pages_measured = sum(event["type"] == "TTFB" for event in events)
        return steps_seen(events).keys() >= step_rows(plan) and every_vital and pages_measured >= 10

    what = "every browser step run, and the vitals of 10 pages"
    run = run_until(tmp_path, path, shown, what, users=4, extra=("-H", demo_app))
    assert run.returncode == 0, run.explain()
    assert run.failures == [], run.explain()
    browser_rows = {name for kind, name in run.typed_stats if kind == "BROWSER"}
    assert browser_rows == step_rows(plan), run.explain()
    assert {name for kind, name in run.typed_stats if kind in ("GET", "POST")} == {"login", "list items", "item"}
    # The browser users logged in through the setup's HTTP login: its session cookie reached their context.
    assert run.requests("me (login cookie from setup)") > 0
    for page in vital_pages:
        assert all((vital, page) in run.typed_stats for vital in VITALS), run.explain()

    probe = read_probe(tmp_path)
    measured = pages(probe["requests"])
    assert len(measured) >= 10
    for page in measured:
        assert 0 <= page["TTFB"] < 10_000 and 0 <= page["CLS"] < 10_000, page
        # A page left before Chromium reported its first paint has no FCP nor LCP: the script moved on first.
        assert ("FCP" in page) == ("LCP" in page), page
        assert "FCP" not in page or 0 < page["FCP"] <= page["LCP"] < 10_000, page
    assert sum("FCP" in page for page in measured) >= 0.75 * len(measured), measured
    # The article's image arrives 150 ms late (the demo app's delay) and, having no size, pushes the text down:
    # its largest paint comes no sooner than that, nor before the first paint, however busy the machine. The text
    # moves wherever it was painted before the image came (a busy machine can delay the first paint of some).
    article = [request for request in probe["requests"] if request["name"] == "read and write: article"]
    article_pages = pages(article)
    assert all(page["LCP"] >= max(150, page["FCP"]) for page in article_pages), article_pages
    assert any(page["CLS"] > 0 for page in article_pages), article_pages
    kept = [shot for shot in probe["screenshots"] if shot["kind"] == "step"]
    assert [shot["step"] for shot in kept] == ["thanks page"]
    assert base64.b64decode(kept[0]["png"]).startswith(PNG_SIGNATURE)


def test_journey_fills_and_submits_httpbin_form(tmp_path: Path, httpbin: str) -> None:
    plan = browser_plan(
        httpbin,
        journey(
            "pizza",
            {"action": "GOTO", "url": "/forms/post"},
            {"action": "FILL", "selector": "input[name=custname]", "value": "Alice ${__userId}"},
            {"action": "FILL", "selector": "input[name=custtel]", "value": "555-0100"},
            {"action": "FILL", "selector": "input[name=custemail]", "value": "alice@example.test"},
            {"action": "CHECK", "selector": "input[value=medium]"},
            {"action": "CHECK", "selector": "input[value=cheese]"},
            {"action": "FILL", "selector": "textarea[name=comments]", "value": "ring twice"},
            {"action": "CLICK", "selector": "button", "name": "submit order"},
            {"action": "WAIT_FOR_URL", "url": "^.*/post$"},
            {"action": "ASSERT_TEXT", "selector": "body", "value": '"custname": "Alice 1"'},
            {"action": "ASSERT_TEXT", "selector": "body", "value": '"topping": "cheese"', "name": "topping sent"},
            {"action": "SAVE_TEXT", "selector": "body", "saveAs": "echo"},
            {"action": "ASSERT_VISIBLE", "selector": "text=ring twice"},
        ),
    )

    def submitted(events: list[dict[str, Any]]) -> bool:
        reported = {(event["type"], event["name"]) for event in events}
        return steps_seen(events)["ASSERT_VISIBLE text=ring twice"] > 0 and ("FCP", "pizza: submit order") in reported

    run = run_until(tmp_path, plan, submitted, "a whole journey, and the vitals of its last page", users=1)
    assert run.returncode == 0, run.explain()
    assert {name for kind, name in run.typed_stats if kind == "BROWSER"} == step_rows(plan), run.explain()
    assert all(row["Failure Count"] == "0" for row in run.stats.values()), run.explain()
    assert run.requests("submit order") > 0
    assert ("FCP", "pizza: submit order") in run.typed_stats
    # A plan without tasks runs no HTTP user.
    assert '"PlanBrowserUser": 1' in run.stderr and "PlanHttpUser" not in run.stderr


def test_failing_steps_give_failure_rows_and_keep_a_screenshot_of_the_first(tmp_path: Path, demo_app: str) -> None:
    plan = browser_plan(
        demo_app,
        journey(
            "wrong title",
            {"action": "GOTO", "url": "/shop"},
            {"action": "ASSERT_TEXT", "selector": "h1", "value": "Checkout", "timeoutS": 0.3},
        ),
        journey("missing page", {"action": "GOTO", "url": "/status/404"}),
        journey("missing button", {"action": "CLICK", "selector": "#nowhere", "timeoutS": 0.3}),
        journey("undefined variable", {"action": "FILL", "selector": "#q", "value": "${nothing}"}),
        users={"browserCount": 2},
    )

    def failed_each(events: list[dict[str, Any]]) -> bool:
        failed = steps_seen(events, ok=False)
        return len(failed) == 4 and failed["ASSERT_TEXT h1"] > 1

    run = run_until(tmp_path, plan, failed_each, "each journey's step failed, the first one twice", users=2)
    assert run.returncode == 1, run.explain()
    assert {(row["Name"], row["Error"]) for row in run.failures} == {
        ("ASSERT_TEXT h1", "assert TEXT h1 CONTAINS Checkout: got 'Shop'"),
        ("GOTO /status/404", "status 404: a GOTO fails on 4xx and 5xx"),
        ("CLICK #nowhere", "not done within 0.3 s (timeoutS)"),
        ("FILL #q", "undefined variable ${nothing}"),
    }, run.explain()
    assert run.failed("ASSERT_TEXT h1") > 1

    shots = {shot["step"]: shot for shot in read_probe(tmp_path)["screenshots"]}
    assert set(shots) == {"ASSERT_TEXT h1", "GOTO /status/404", "CLICK #nowhere"}
    wrong_title = shots["ASSERT_TEXT h1"]
    assert wrong_title["kind"] == "failure"
    assert wrong_title["message"] == "assert TEXT h1 CONTAINS Checkout: got 'Shop'"
    assert wrong_title["url"] == f"{demo_app}/shop"
    assert base64.b64decode(wrong_title["png"]).startswith(PNG_SIGNATURE)


def chromium_browsers() -> list[psutil.Process]:
    """The Chromium browser processes under this test process (renderers and helpers have a --type)."""
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            helper = any(arg.startswith("--type=") for arg in process.cmdline())
            if process.name().startswith("chromium") and not helper:
                found.append(process)
        except psutil.NoSuchProcess:
            continue
    return found


def wait_for_browser(other_than: set[int], timeout: float = RUN_AT_MOST_S) -> psutil.Process:
    browsers = wait_until(
        lambda: [process for process in chromium_browsers() if process.pid not in other_than],
        timeout,
        "a new Chromium browser process",
    )
    return browsers[0]


def first_pass(steps: list[dict[str, Any]], after: float) -> float:
    """When the first step that passed after `after` ended (inf when none has yet)."""
    return next((step["at"] for step in steps if step["at"] > after and step["error"] is None), float("inf"))


def test_killed_or_hung_chromium_is_replaced_and_the_next_iterations_succeed(tmp_path: Path, demo_app: str) -> None:
    # 5 s per step: long enough that a slow but answering Chromium on a busy machine never times out.
    plan = browser_plan(
        demo_app,
        journey(
            "shop",
            {"action": "GOTO", "url": "/shop", "timeoutS": 5},
            {"action": "ASSERT_TEXT", "selector": "h1", "value": "Shop", "timeoutS": 5},
        ),
    )
    at: dict[str, float] = {}
    browsers: list[psutil.Process] = []

    def passed_in_a_row(since: float) -> bool:
        """4 steps have passed since the first one that passed after `since` (time.time)."""
        steps = [event for event in live_events(tmp_path) if event["type"] == "BROWSER"]
        return sum(step["error"] is None for step in steps if step["at"] >= first_pass(steps, since)) >= 4

    def kill_then_hang() -> None:
        # Each browser is picked once steps have passed in it: the one running then (not, say, a Chromium that
        # was started only to check that one can start, and is gone by the time the run is under way).
        wait_until(lambda: passed_in_a_row(0), RUN_AT_MOST_S, "4 steps passed in the first browser")
        browsers.append(wait_for_browser(other_than=set()))
        browsers[0].kill()
        at["killed"] = time.time()
        wait_until(lambda: passed_in_a_row(at["killed"]), RUN_AT_MOST_S, "4 steps passed in the second browser")
        browsers.append(wait_for_browser(other_than={browsers[0].pid}))
        browsers[1].suspend()  # SIGSTOP: a browser that hangs
        at["stopped"] = time.time()
        browsers.append(wait_for_browser(other_than={browsers[0].pid, browsers[1].pid}))
        at["relaunched"] = time.time()

    run = run_until(
        tmp_path,
        plan,
        lambda _events: "relaunched" in at and passed_in_a_row(at["relaunched"]),
        "4 steps passed in the third browser",
        users=1,
        during=kill_then_hang,
    )
    first, second, third = browsers

    assert "chromium disconnected (crashed or killed)" in run.stderr, run.explain()
    assert "chromium stopped answering; a new driver and browser are launched at next use" in run.stderr
    assert third.pid not in (first.pid, second.pid)
    steps = [request for request in read_probe(tmp_path)["requests"] if request["type"] == "BROWSER"]
    assert {step["error"] for step in steps if step["error"]} <= {
        "the page or browser crashed or was closed during the step; a new one is opened for the next iteration",
        "the browser stopped answering; it is replaced for the next iteration",
    }
    # Each browser, from its first passing step to the fault: every step passed (only steps in flight at a fault,
    # or started before the next browser was up, may fail, with one of the messages above).
    for start, end in ((0, at["killed"]), (at["killed"], at["stopped"]), (at["relaunched"], float("inf"))):
        between = [step for step in steps if first_pass(steps, start) <= step["at"] < end]
        assert len(between) >= 4 and all(step["error"] is None for step in between), (start, end, run.explain())
    # The hung browser was killed with its driver, not left behind stopped.
    assert gone(second), f"the hung browser (pid {second.pid}) is still there"
    failed = sum(1 for step in steps if step["error"])
    record(
        "fault",
        "kill -9 of Chromium, then a Chromium that hangs (SIGSTOP), during a run",
        tried=2,
        survived=2,
        lost_requests=failed,
        detail=f"both replaced; {failed} browser step(s) in flight failed with a clear message, "
        f"{len(steps) - failed} succeeded",
    )


def test_a_sigterm_mid_journey_stops_the_users_then_their_browser(tmp_path: Path, demo_app: str) -> None:
    """What `kill` and a cancelled CI job send: the users stop first, so no step fails in a browser closing under
    it, and Chromium and its driver end with the process."""
    plan = ROOT / "examples" / "plans" / "demo-browser.json"
    command = [str(BIN / "locust"), "-f", str(PROBE), "--headless", "--fleet-plan", str(plan), "-H", demo_app]
    command += ["-u", "4", "-r", "4", "-t", f"{RUN_AT_MOST_S}s"]
    with (tmp_path / "locust.log").open("w") as log:
        locust = subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(
            lambda: sum(steps_seen(live_events(tmp_path), ok=True).values()) >= 20 or locust.poll() is not None,
            RUN_AT_MOST_S,
            "20 browser steps passed",
        )
        descendants = psutil.Process(locust.pid).children(recursive=True)
        assert any("chrom" in name_of(process) for process in descendants), "no Chromium under the run"
        locust.send_signal(signal.SIGTERM)
        returncode = locust.wait(timeout=60)
    finally:
        locust.kill()
    output = (tmp_path / "locust.log").read_text()
    assert returncode == 0, output
    assert [event for event in live_events(tmp_path) if event["error"]] == [], output
    # They end as the run shuts down; one may still be on its way out, or not yet reaped.
    psutil.wait_procs(descendants, timeout=10)
    left = [process for process in descendants if not gone(process)]
    assert left == [], f"still running after the run ended: {left}"


def requests_per_second(run: FleetRun, name: str) -> float:
    return float(run.stats[name]["Requests/s"])


def name_of(process: psutil.Process) -> str:
    try:
        return process.name()
    except psutil.NoSuchProcess:
        return ""


def gone(process: psutil.Process) -> bool:
    """Exited, or exited and not yet reaped; a process can end between any two questions asked of it."""
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_http_users_keep_running_while_browsers_run(tmp_path: Path, demo_app: str) -> None:
    http_only = {"name": "mixed", "host": demo_app, "tasks": [{"name": "ping", "steps": [{"url": "/health"}]}]}
    mixed = http_only | {
        "journeys": [
            journey(
                "read",
                {"action": "GOTO", "url": "/article"},
                {"action": "WAIT_FOR", "selector": "#hero"},
                {"action": "GOTO", "url": "/contact"},
                {"action": "FILL", "selector": "#email", "value": "a@example.test"},
                {"action": "CLICK", "selector": "button[type=submit]"},
            )
        ],
        "users": {"browserCount": 2},
    }
    (tmp_path / "baseline").mkdir()
    baseline = run_fleet(tmp_path / "baseline", http_only, users=2, seconds=5)
    assert baseline.returncode == 0, baseline.explain()
    assert not any(kind == "BROWSER" for kind, _ in baseline.typed_stats) and "chromium" not in baseline.stderr

    def journeys_done(events: list[dict[str, Any]]) -> bool:
        seen = steps_seen(events, ok=True)
        return seen["GOTO /article"] >= 2 and seen["CLICK button[type=submit]"] >= 1

    run = run_until(tmp_path, mixed, journeys_done, "two articles read and a form sent", users=4)
    assert run.returncode == 0, run.explain()

    alone, beside_browsers = requests_per_second(baseline, "GET /health"), requests_per_second(run, "GET /health")
    requests = read_probe(tmp_path)["requests"]
    browsers_up = min(request["at"] for request in requests if request["type"] == "BROWSER")
    http_times = [request["at"] for request in requests if request["type"] == "GET" and request["at"] > browsers_up]
    longest_gap = max(later - earlier for earlier, later in itertools.pairwise(http_times))
    logging.getLogger(__name__).warning(
        "HTTP users: %.0f req/s alone, %.0f req/s beside 2 browser users (%.0f %%); longest pause %.0f ms",
        alone,
        beside_browsers,
        100 * beside_browsers / alone,
        longest_gap * 1000,
    )
    assert run.requests("GOTO /article") >= 2 and run.requests("CLICK button[type=submit]") >= 1, run.explain()
    # Chromium and the target share this machine's cores, so HTTP throughput drops (how much depends on what else
    # runs: the two figures come from runs at different moments, hence the wide band); what must not happen is
    # the gevent hub stalling behind the browser: HTTP requests keep completing without a long pause (a busy
    # machine delays this process by a few hundred ms at times; a hub waiting on a browser call, by seconds).
    assert beside_browsers > 0.05 * alone, (alone, beside_browsers)
    assert longest_gap < 1.5, longest_gap


def test_journey_weights_pick_journeys_in_proportion(tmp_path: Path, demo_app: str) -> None:
    plan = browser_plan(
        demo_app,
        journey("often", {"action": "SLEEP", "value": "0", "name": "often"}, weight=3),
        journey("rarely", {"action": "SLEEP", "value": "0", "name": "rarely"}, weight=1),
    )
    run = run_until(tmp_path, plan, lambda events: sum(steps_seen(events).values()) >= 100, "100 journeys", users=1)
    assert run.returncode == 0, run.explain()
    often, picked = run.requests("often"), run.requests("often") + run.requests("rarely")
    assert picked >= 100, run.explain()
    # 3:1 is 75 % "often"; the band is 4.5 standard deviations of a share of `picked` draws.
    assert abs(often / picked - 0.75) <= 4.5 * math.sqrt(0.75 * 0.25 / picked), (often, picked)


def test_plan_with_journeys_but_no_browser_users_and_no_tasks_is_refused(tmp_path: Path) -> None:
    plan = browser_plan("http://127.0.0.1:9", journey("j", {"action": "GOTO", "url": "/"}), users={"browserCount": 0})
    run = run_fleet(tmp_path, plan, users=1, seconds=1)
    assert run.returncode == 2
    assert "users.browserCount: 0 and the plan has no tasks, so nothing would run" in run.stderr


def test_browser_available_launches_chromium_once_and_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    probe.browser_available.cache_clear()
    available, detail = probe.browser_available()
    assert available, detail
    assert detail.startswith("chromium ")
    assert probe.browser_available() == (available, detail)
    monkeypatch.setenv(chromium.CHROMIUM_ENV, "/nonexistent/chromium")
    probe.browser_available.cache_clear()
    try:
        assert probe.browser_available() == (False, "chromium not found at /nonexistent/chromium")
    finally:
        probe.browser_available.cache_clear()


def test_guard_makes_a_browser_user_above_the_limit_wait(caplog: pytest.LogCaptureFixture) -> None:
    user_guard = guard.BrowserUserGuard(1, "set by a test")
    user_guard.acquire()
    second = gevent.spawn(user_guard.acquire)
    gevent.sleep(0.05)  # not a wait for something: time for the second user to try (it must still be waiting)
    assert not second.dead and user_guard.running == 1
    assert "browser users: 1 running in this process, the limit is 1 (set by a test)" in caplog.text
    user_guard.release()
    second.join(timeout=10)  # it goes on as soon as the first is released; generous for a busy machine
    assert second.dead and user_guard.running == 1


def test_guard_limit_comes_from_the_environment_or_from_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(guard.MAX_USERS_ENV, "3")
    assert guard.browser_user_limit() == (3, f"set by {guard.MAX_USERS_ENV}")
    monkeypatch.delenv(guard.MAX_USERS_ENV)
    limit, reason = guard.browser_user_limit()
    available_mb = psutil.virtual_memory().available // 2**20
    expected = (available_mb - guard.RESERVE_MB - guard.BROWSER_MB) // guard.CONTEXT_MB
    assert limit >= 1 and abs(limit - expected) <= 2 and "MB available" in reason


def test_vitals_of_a_page_are_reported_once_when_it_is_left_or_the_journey_ends() -> None:
    tracker = VitalsTracker()
    blank = {"id": "0", "url": "about:blank", "ttfb": 0, "fcp": None, "lcp": None, "cls": 0}
    shop = {"id": "1", "url": "http://127.0.0.1/shop", "ttfb": 5, "fcp": 40, "lcp": 40, "cls": 0}
    assert tracker.before_step(blank, "j: GOTO /shop") == []
    assert tracker.before_step(shop, "j: CLICK button") == []
    assert tracker.before_step(shop | {"lcp": 90, "cls": 0.05}, "j: GOTO /next") == []
    [left] = tracker.before_step({"id": "2", "url": "http://127.0.0.1/next", "ttfb": 3}, "j: ASSERT_TEXT h1")
    assert left.row_name == "j: GOTO /shop"
    assert left.values == {"TTFB": 5.0, "FCP": 40.0, "LCP": 90.0, "CLS": 50.0}
    [last] = tracker.journey_ended({"id": "2", "url": "http://127.0.0.1/next", "ttfb": 3, "fcp": 20, "cls": 0})
    assert last.row_name == "j: GOTO /next" and last.values == {"TTFB": 3.0, "FCP": 20.0, "CLS": 0.0}
    assert tracker.journey_ended({"id": "2", "url": "http://127.0.0.1/next"}) == []
    assert tracker.before_step({"id": "3", "url": "http://127.0.0.1/x"}, "j: GOTO /shop") == []


def test_screenshot_store_keeps_the_first_failure_of_each_step_within_its_limit() -> None:
    store = screenshots.ScreenshotStore(limit=2)
    store.keep("failure", "j", 1, "ASSERT_TEXT h1", "first", "http://x/a", b"png-1")
    store.keep("failure", "j", 1, "ASSERT_TEXT h1", "second", "http://x/b", b"png-2")
    store.keep("step", "j", 2, "SCREENSHOT", "", "http://x/c", b"png-3")
    store.keep("failure", "j", 3, "GOTO /x", "over the limit", "http://x/d", b"png-4")
    assert [(shot["step"], shot["message"]) for shot in store.list()] == [
        ("ASSERT_TEXT h1", "first"),
        ("SCREENSHOT", ""),
    ]
    first_id = store.list()[0]["id"]
    first = store.get(first_id)
    assert first is not None and first.png == b"png-1" and store.get(999) is None
    store.keep("step", "j", 2, "SCREENSHOT", "", "http://x/e", b"png-5")
    assert Counter(shot["kind"] for shot in store.list()) == {"failure": 1, "step": 1}
    assert store.list()[1]["url"] == "http://x/e"
    store.clear()
    assert store.list() == []
