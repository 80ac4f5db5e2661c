"""Data sets: CSV parsing with the line that is wrong, and how each mode hands rows to users."""

from __future__ import annotations

import collections

import pytest

from locust_ext.plan.datasets import DataSetExhausted, DataSetFeeder, parse_csv
from locust_ext.proto import fleet_pb2

pytestmark = pytest.mark.unit

USERS = "username,password\nalice,pw1\nbob,pw2\ncarol,pw3\n"


def feeder(mode: str, csv: str = USERS, name: str = "users") -> DataSetFeeder:
    return DataSetFeeder(fleet_pb2.DataSet(name=name, csv=csv, mode=mode))


def usernames(rows: list[dict[str, str]]) -> list[str]:
    return [row["users.username"] for row in rows]


def test_rows_are_keyed_by_set_and_column() -> None:
    assert feeder("ROUND_ROBIN").rows[0] == {"users.username": "alice", "users.password": "pw1"}


def test_quoted_values_keep_commas_quotes_and_newlines() -> None:
    header, rows = parse_csv('name,note\n"Smith, J","said ""hi""\nthen left"\n')
    assert header == ["name", "note"]
    assert rows == [["Smith, J", 'said "hi"\nthen left']]


def test_header_names_are_trimmed_and_values_kept_as_written() -> None:
    header, rows = parse_csv(" id , name \n1, Ann \n")
    assert header == ["id", "name"]
    assert rows == [["1", " Ann "]]


def test_blank_lines_are_skipped() -> None:
    assert parse_csv("a\n\n1\n\n2\n")[1] == [["1"], ["2"]]


def test_windows_line_endings_are_read() -> None:
    assert parse_csv("a,b\r\n1,2\r\n") == (["a", "b"], [["1", "2"]])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a header row and at least one data row, got nothing"),
        ("\n\n", "expected a header row and at least one data row, got nothing"),
        ("a,b\n", "expected at least one data row after the header"),
        ("a,,c\n1,2,3\n", "the header row has an empty column name: ['a', '', 'c']"),
        ("a,b,a\n1,2,3\n", "the header row names a column twice: ['a', 'b', 'a']"),
        ("a,b\n1,2\n3\n", "row 3 has 1 values, the header has 2"),
        ("a\n1\n2,3\n", "row 3 has 2 values, the header has 1"),
    ],
)
def test_bad_csv_says_what_is_wrong_and_where(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_csv(text)
    assert str(caught.value) == message


def test_a_value_beyond_the_csv_field_limit_names_its_line() -> None:
    with pytest.raises(ValueError, match=r"^line 2: field larger than field limit"):
        parse_csv("a\n" + "x" * 200_000 + "\n")


def test_round_robin_hands_rows_in_order_and_starts_again() -> None:
    feed = feeder("ROUND_ROBIN")
    assert usernames([feed.take_for_iteration() for _ in range(7)]) == [
        "alice",
        "bob",
        "carol",
        "alice",
        "bob",
        "carol",
        "alice",
    ]


def test_random_draws_every_row_over_many_iterations() -> None:
    feed = feeder("RANDOM")
    counts = collections.Counter(usernames([feed.take_for_iteration() for _ in range(600)]))
    assert set(counts) == {"alice", "bob", "carol"}
    assert all(count > 100 for count in counts.values())


def test_unique_per_user_gives_each_user_its_own_row() -> None:
    feed = feeder("UNIQUE_PER_USER")
    assert feed.per_user
    assert usernames([feed.take_for_user() for _ in range(3)]) == ["alice", "bob", "carol"]


def test_unique_per_user_rows_run_out_with_a_message_naming_the_data_set() -> None:
    feed = feeder("UNIQUE_PER_USER", name="accounts", csv="id\n1\n2\n")
    feed.take_for_user()
    feed.take_for_user()
    with pytest.raises(DataSetExhausted) as caught:
        feed.take_for_user()
    assert str(caught.value) == (
        "data set accounts: no row left for another user (2 rows, mode UNIQUE_PER_USER); add rows or run fewer users"
    )


def test_a_row_given_back_goes_to_the_next_user() -> None:
    feed = feeder("UNIQUE_PER_USER", csv="username\nalice\nbob\n")
    alice, bob = feed.take_for_user(), feed.take_for_user()
    feed.give_back(alice)
    assert feed.take_for_user() == alice
    feed.give_back(bob)
    feed.give_back(alice)
    assert usernames([feed.take_for_user(), feed.take_for_user()]) == ["bob", "alice"]


@pytest.mark.parametrize("mode", ["ROUND_ROBIN", "RANDOM"])
def test_per_iteration_modes_are_not_kept_per_user(mode: str) -> None:
    assert not feeder(mode).per_user
