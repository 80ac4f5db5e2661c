"""Agent selections: ids, `all`, labels; what each matches and what a wrong one is told."""

from __future__ import annotations

from typing import Any

import pytest

from locust_ext.master.agent_selection import SelectionError, parse_flag, parse_selection

pytestmark = pytest.mark.unit

EU_LARGE = {"id": "eu-1", "labels": {"zone": "eu", "tier": "large"}}
EU_SMALL = {"id": "eu-2", "labels": {"zone": "eu", "tier": "small"}}
US = {"id": "us-1", "labels": {"zone": "us"}}
UNLABELLED = {"id": "bare", "labels": {}}
AGENTS = [EU_LARGE, EU_SMALL, US, UNLABELLED]


def matched(selection: Any) -> list[str]:
    return [agent["id"] for agent in AGENTS if parse_selection(selection).matches(agent)]


def test_all_matches_every_agent() -> None:
    assert matched("all") == ["eu-1", "eu-2", "us-1", "bare"]
    assert matched(" all ") == ["eu-1", "eu-2", "us-1", "bare"]


def test_labels_match_agents_that_carry_every_one() -> None:
    assert matched("zone=eu") == ["eu-1", "eu-2"]
    assert matched("zone=eu,tier=large") == ["eu-1"]
    assert matched(" zone = eu , tier = small ") == ["eu-2"]
    assert matched("zone=asia") == []


def test_ids_match_those_agents_once_each() -> None:
    selection = parse_selection(["us-1", "eu-1", "us-1"])
    assert selection.ids == ("us-1", "eu-1")
    assert not selection.is_selector
    assert matched(["us-1", "eu-1"]) == ["eu-1", "us-1"]


def test_only_selectors_can_be_elastic() -> None:
    assert parse_selection("all").is_selector
    assert parse_selection("zone=eu").is_selector
    assert not parse_selection(["eu-1"]).is_selector


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("zone", "'zone' is not a selector: expected"),
        ("zone=", "'zone=' in 'zone=': expected key=value"),
        ("=eu", "'=eu' in '=eu': expected key=value"),
        ("zone=eu,,tier=large", "'' in 'zone=eu,,tier=large': expected key=value"),
        ("zone=eu,zone=us", "'zone=eu,zone=us' asks for zone=eu and zone=us: no agent has both"),
        ([], 'expected "all", labels'),
        (["a", 3], 'expected "all", labels'),
        (7, 'expected "all", labels'),
    ],
)
def test_a_wrong_selection_says_what_was_expected(value: Any, message: str) -> None:
    with pytest.raises(SelectionError) as caught:
        parse_selection(value)
    assert str(caught.value).startswith(message)


def test_the_flag_reads_ids_all_or_labels() -> None:
    assert parse_flag("a1, a2").ids == ("a1", "a2")
    assert parse_flag("all").is_selector
    assert parse_flag("zone=eu").labels == {"zone": "eu"}
    with pytest.raises(SelectionError):
        parse_flag(" , ")
