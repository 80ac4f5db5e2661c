"""The Postman import judged by Postman's own runner: each collection under tests/data/postman run by newman and by
our import + try once against the same local servers must agree request for request and test for test, and the
imported plan under real load must fail none of the requests whose Postman tests pass.

Every expectation is Postman's (newman is the oracle); where the converter disagrees, the report names the request,
what differs, and the import's warnings. newman comes from `bash scripts/install.sh`; without it these tests fail.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, FleetRun, run_fleet
from tests.postman_parity import Parity, compare

COLLECTIONS = ROOT / "tests" / "data" / "postman"
EXAMPLE = ROOT / "examples" / "postman" / "demo-shop.postman_collection.json"
DELIBERATE_FAILURE = "wrong author (fails in Postman too)"
LOAD_USERS = 6  # several users, so that a chain that depends on the order tasks are picked in shows
LOAD_SECONDS = 4
THINK_TIME_S = 0.1

# Tests that no converter can carry over (a loop, lodash, a function of the script's own): not converted is right
# for them, as long as the import warns (test_unconvertible_scripts_are_warned_about_exactly).
UNCONVERTIBLE_TESTS = frozenset(
    {
        "every slide has a title",
        "slides have a type",
        "slide Wake up to WonderWidgets!",
        "slide Overview",
        "author via helper",
        "found or gone",
    }
)
_STATUS_NOTE = (
    "a test was not converted and none that was checks the status, so the step does not fail on 4xx or 5xx "
    "(failOnErrorStatus false), as Postman does not"
)
# What a user should read: the item, the script and its line as Postman numbers it, what was not converted (named as
# JavaScript names it), and the statement on one line, cut at 80 characters; then, once per item, what the import did
# about the status. A function the script declares is warned about where it is used (line 4), not where declared.
EXPECTED_UNCONVERTIBLE_WARNINGS = [
    "item 'Loop over slides': test script line 3: a for...of loop not converted: "
    "for (const slide of slides) { pm.expect(slide.title).to.be.a('string'); }",
    f"item 'Loop over slides': {_STATUS_NOTE}",
    "item 'forEach over slides': test script line 2: a forEach loop not converted: "
    "pm.response.json().slideshow.slides.forEach(s => pm.expect(s.type).to.eql('all'\u2026",
    f"item 'forEach over slides': {_STATUS_NOTE}",
    "item 'Lodash each': test script line 1: _.each not converted: "
    "_.each(pm.response.json().slideshow.slides, function (slide) { pm.test('slide '\u2026",
    f"item 'Lodash each': {_STATUS_NOTE}",
    "item 'Send request': test script line 1: pm.sendRequest not converted: "
    "pm.sendRequest(pm.variables.get('baseUrl') + '/uuid', function (err, res) { pm.\u2026",
    "item 'Set next request': test script line 2: postman.setNextRequest not converted: "
    "postman.setNextRequest('Custom function');",
    "item 'Custom function': test script line 4: an expectation on a value computed by code not converted: "
    "pm.test('author via helper', () => pm.expect(authorOf(pm.response.json())).to.e\u2026",
    f"item 'Custom function': {_STATUS_NOTE}",
    "item 'Found or gone': test script line 3: an if statement not converted: "
    "if (code !== 200 && code !== 404) { throw new Error('unexpected status ' + code\u2026",
    f"item 'Found or gone': {_STATUS_NOTE}",
    "item 'Pre-request side call': prerequest script line 1: pm.sendRequest not converted: "
    "pm.sendRequest(pm.variables.get('baseUrl') + '/get', () => {});",
]


@pytest.fixture(scope="module")
def every_pattern(httpbin: str, tmp_path_factory: pytest.TempPathFactory) -> Parity:
    return compare(COLLECTIONS / "every_pattern.json", tmp_path_factory.mktemp("every"), {"baseUrl": httpbin})


@pytest.fixture(scope="module")
def folders_auth_variables(httpbin: str, demo_app: str, tmp_path_factory: pytest.TempPathFactory) -> Parity:
    return compare(
        COLLECTIONS / "folders_auth_variables.json",
        tmp_path_factory.mktemp("folders"),
        {"baseUrl": httpbin, "shopUrl": demo_app},
        COLLECTIONS / "folders_auth_variables.env.json",
    )


@pytest.fixture(scope="module")
def unconvertible(httpbin: str, tmp_path_factory: pytest.TempPathFactory) -> Parity:
    return compare(COLLECTIONS / "unconvertible.json", tmp_path_factory.mktemp("unconvertible"), {"baseUrl": httpbin})


@pytest.fixture(scope="module")
def example(demo_app: str, tmp_path_factory: pytest.TempPathFactory) -> Parity:
    return compare(EXAMPLE, tmp_path_factory.mktemp("example"), {"baseUrl": demo_app})


def test_the_shipped_example_agrees_with_newman(example: Parity) -> None:
    """examples/postman: a login whose token later requests carry, saves through variables, a 404 expected."""
    assert all(all(e.tests.values()) and not e.problems for e in example.newman)
    assert sum(len(e.tests) for e in example.newman) == 10
    assert example.mismatches() == [], example.report()
    assert example.messages == []


def test_newman_runs_every_pattern_as_written(every_pattern: Parity) -> None:
    """The oracle itself: every test of the collection passes in newman but the one meant to fail."""
    failed = [(e.name, test) for e in every_pattern.newman for test, passed in e.tests.items() if not passed]
    assert failed == [("deliberately failing", DELIBERATE_FAILURE)]
    assert [e.problems for e in every_pattern.newman if e.problems] == []
    assert sum(len(e.tests) for e in every_pattern.newman) == 30


def test_every_pattern_agrees_with_newman(every_pattern: Parity) -> None:
    assert every_pattern.mismatches() == [], every_pattern.report()


def test_folders_auth_variables_agree_with_newman(folders_auth_variables: Parity) -> None:
    assert all(all(e.tests.values()) and not e.problems for e in folders_auth_variables.newman)
    assert folders_auth_variables.mismatches() == [], folders_auth_variables.report()


def test_unconvertible_scripts_are_warned_about_exactly(unconvertible: Parity) -> None:
    assert unconvertible.messages == EXPECTED_UNCONVERTIBLE_WARNINGS, unconvertible.report(UNCONVERTIBLE_TESTS)


def test_unconvertible_scripts_keep_postman_meaning(unconvertible: Parity) -> None:
    """Requests as newman sends them, every convertible test agreeing, and no step failing what Postman accepts
    (the 404 of 'Found or gone' above all)."""
    assert all(all(e.tests.values()) and not e.problems for e in unconvertible.newman)
    assert unconvertible.mismatches(UNCONVERTIBLE_TESTS) == [], unconvertible.report(UNCONVERTIBLE_TESTS)


def test_parity_report_names_the_request_and_what_differs(every_pattern: Parity) -> None:
    """The harness's own check: a request sent elsewhere and a test that came out otherwise are reported plainly."""
    teapot, sent = every_pattern.ours[0], every_pattern.newman[0].request
    assert teapot.request is not None and sent is not None
    moved = dataclasses.replace(teapot.request, url=teapot.request.url.replace("418", "419"))
    flipped = dataclasses.replace(teapot, request=moved, checks=[("teapot: assert STATUS EQ", False)])
    tampered = dataclasses.replace(every_pattern, ours=[flipped, *every_pattern.ours[1:]])

    differences = [line for line in tampered.mismatches() if line.startswith("request 1 ")]

    assert differences == [
        f"request 1 'teapot' (tasks[0].steps[0]): url: newman {sent.url!r}, ours {moved.url!r}",
        "request 1 'teapot' (tasks[0].steps[0]): test 'teapot': newman passed, ours failed",
    ]
    assert "request 1 'teapot'" in tampered.report()


@pytest.mark.parametrize(
    ("collection", "deliberate_failures"),
    [
        ("every_pattern", {"deliberately failing"}),
        ("folders_auth_variables", set()),
        ("unconvertible", set()),
        ("example", set()),
    ],
)
def test_imported_plan_under_load_fails_nothing_newman_passes(
    collection: str, deliberate_failures: set[str], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """`deliberately failing` fails in newman too, by design; it is the last step of its chain, so its failure
    ends no other step's iteration and is the only one excluded."""
    parity: Parity = request.getfixturevalue(collection)
    run = run_fleet(tmp_path, _paced(parity.plan), users=LOAD_USERS, seconds=LOAD_SECONDS)
    steps = [name for name in parity.passing_steps() if name not in deliberate_failures]

    assert run.stats, run.explain()
    assert _load_failures(run, steps) == {}, run.explain()


def _paced(plan: dict[str, Any]) -> dict[str, Any]:
    # A think time after each iteration bounds how many iterations the few seconds hold; it changes no request.
    think = {"minS": THINK_TIME_S, "maxS": THINK_TIME_S}
    return plan | {"tasks": [task | {"thinkTime": think} for task in plan["tasks"]]}


def _load_failures(run: FleetRun, steps: list[str]) -> dict[str, str]:
    """Each step newman passes that failed under load or never ran, with what Locust said."""
    problems: dict[str, str] = {}
    for name in steps:
        if run.requests(name) == 0:
            problems[name] = "never ran"
        elif run.failed(name):
            problems[name] = f"{run.failed(name)} of {run.requests(name)} failed: {run.messages(name)[:3]}"
    return problems
