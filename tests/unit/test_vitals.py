"""Web vitals: each document reported once, in rows named `<journey>: <step>` after the step that loaded it."""

from __future__ import annotations

from typing import Any

import pytest

from locust_ext.users.vitals import VITALS, VitalsReport, VitalsTracker

pytestmark = pytest.mark.unit

BLANK = {"id": "blank", "url": "about:blank", "ttfb": None, "fcp": None, "lcp": None, "cls": 0}


def page(doc: str, url: str = "http://127.0.0.1:8080/shop", **values: Any) -> dict[str, Any]:
    return {"id": doc, "url": url, "ttfb": 12, "fcp": 80, "lcp": 120, "cls": 0.0, **values}


def journey(tracker: VitalsTracker, reads: list[tuple[dict[str, Any] | None, str]]) -> list[VitalsReport]:
    reports: list[VitalsReport] = []
    for snapshot, step in reads:
        reports += tracker.before_step(snapshot, step)
    return reports


def test_the_vitals_are_the_four_row_types() -> None:
    assert VITALS == ("TTFB", "FCP", "LCP", "CLS")


def test_a_page_is_reported_under_the_step_that_loaded_it_when_the_next_page_comes() -> None:
    tracker = VitalsTracker()
    reports = journey(
        tracker,
        [
            (BLANK, "buy: GOTO /shop"),
            (page("1"), "buy: CLICK button[type=submit]"),
            (page("2", "http://127.0.0.1:8080/results", ttfb=30, fcp=200, lcp=450, cls=0.12), "buy: ASSERT_TEXT h1"),
        ],
    )
    assert reports == [
        VitalsReport(
            "buy: GOTO /shop", "http://127.0.0.1:8080/shop", {"TTFB": 12.0, "FCP": 80.0, "LCP": 120.0, "CLS": 0.0}
        )
    ]
    [last] = tracker.journey_ended(page("2", "http://127.0.0.1:8080/results", ttfb=30, fcp=200, lcp=450, cls=0.12))
    assert last.row_name == "buy: CLICK button[type=submit]"
    assert last.values == {"TTFB": 30.0, "FCP": 200.0, "LCP": 450.0, "CLS": 120.0}


def test_a_page_left_before_its_first_paint_has_no_fcp_or_lcp() -> None:
    tracker = VitalsTracker()
    journey(tracker, [(BLANK, "j: GOTO /a"), (page("a", fcp=None, lcp=None), "j: GOTO /b")])
    [left] = tracker.before_step(page("b"), "j: SCREENSHOT")
    assert left.values == {"TTFB": 12.0, "CLS": 0.0}


def test_the_last_values_read_before_leaving_are_reported() -> None:
    tracker = VitalsTracker()
    journey(
        tracker, [(BLANK, "j: GOTO /a"), (page("a", lcp=100), "j: CLICK #more"), (page("a", lcp=900), "j: GOTO /b")]
    )
    [left] = tracker.before_step(page("b"), "j: SCREENSHOT")
    assert left.values["LCP"] == 900.0


@pytest.mark.parametrize(
    "url", ["about:blank", "chrome-error://chromewebdata/", "data:text/html,<p>x</p>", "file:///tmp/x.html"]
)
def test_blank_and_error_pages_report_nothing(url: str) -> None:
    tracker = VitalsTracker()
    journey(tracker, [(BLANK, "j: GOTO /x"), (page("x", url=url), "j: CLICK a")])
    assert tracker.before_step(page("y"), "j: SCREENSHOT") == []


@pytest.mark.parametrize("snapshot", [None, {}, {"url": "http://x/"}, {"id": 5, "url": "http://x/"}])
def test_a_read_without_a_document_id_changes_nothing(snapshot: dict[str, Any] | None) -> None:
    tracker = VitalsTracker()
    journey(tracker, [(BLANK, "j: GOTO /a"), (page("a"), "j: CLICK b")])
    assert tracker.before_step(snapshot, "j: CLICK c") == []
    [report] = tracker.journey_ended(None)
    assert report.row_name == "j: GOTO /a"


def test_a_page_without_any_measured_value_reports_nothing() -> None:
    tracker = VitalsTracker()
    journey(tracker, [(BLANK, "j: GOTO /a")])
    assert tracker.journey_ended({"id": "a", "url": "http://x/a", "ttfb": None, "fcp": None, "lcp": None}) == []


def test_a_page_is_reported_once_across_iterations() -> None:
    tracker = VitalsTracker()
    journey(tracker, [(BLANK, "j: GOTO /a"), (page("a"), "j: CLICK b")])
    assert len(tracker.journey_ended(page("a"))) == 1
    assert tracker.journey_ended(page("a")) == []
    assert tracker.before_step(page("next"), "j: GOTO /a") == []


def test_the_first_step_of_a_journey_reports_nothing_for_the_blank_start() -> None:
    assert VitalsTracker().before_step(BLANK, "j: GOTO /a") == []
