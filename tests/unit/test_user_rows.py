"""A user's data set rows: kept for its life (UNIQUE_PER_USER) or fresh each iteration, given back when it stops."""

from __future__ import annotations

import pytest

from locust_ext.plan.datasets import DataSetExhausted, DataSetFeeder
from locust_ext.plan.templating import RenderContext, compile_template
from locust_ext.proto import fleet_pb2
from locust_ext.users.base import UserRows

pytestmark = pytest.mark.unit


def feeders() -> list[DataSetFeeder]:
    accounts = fleet_pb2.DataSet(name="accounts", csv="login\nann\nbob\n", mode=fleet_pb2.DataSet.UNIQUE_PER_USER)
    items = fleet_pb2.DataSet(name="items", csv="sku\nA1\nB2\nC3\n", mode=fleet_pb2.DataSet.ROUND_ROBIN)
    return [DataSetFeeder(accounts), DataSetFeeder(items)]


def new_user(shared: list[DataSetFeeder], **variables: str) -> tuple[UserRows, RenderContext]:
    context = RenderContext(dict(variables))
    return UserRows(shared, context), context


def test_a_user_keeps_its_row_and_draws_a_fresh_one_each_iteration() -> None:
    rows, context = new_user(feeders(), currency="EUR")
    rows.take_for_user()
    assert context.variables == {"currency": "EUR", "accounts.login": "ann"}
    template = compile_template("${accounts.login} buys ${items.sku}")
    seen = []
    for _ in range(4):
        rows.feed_iteration()
        seen.append(template.render(context))
    assert seen == ["ann buys A1", "ann buys B2", "ann buys C3", "ann buys A1"]


def test_users_sharing_the_feeders_get_different_rows_until_they_run_out() -> None:
    shared = feeders()
    (first, first_context), (second, second_context), (third, _) = (new_user(shared) for _ in range(3))
    first.take_for_user()
    second.take_for_user()
    assert (first_context.variables["accounts.login"], second_context.variables["accounts.login"]) == ("ann", "bob")
    with pytest.raises(DataSetExhausted, match="data set accounts: no row left for another user"):
        third.take_for_user()


def test_a_stopped_users_row_goes_to_the_next_user() -> None:
    shared = feeders()
    (first, _), (second, _), (third, third_context) = (new_user(shared) for _ in range(3))
    first.take_for_user()
    second.take_for_user()
    first.give_back()
    third.take_for_user()
    assert third_context.variables["accounts.login"] == "ann"


def test_giving_back_twice_hands_the_row_out_once() -> None:
    shared = feeders()
    (first, _), (second, second_context), (third, third_context) = (new_user(shared) for _ in range(3))
    first.take_for_user()
    first.give_back()
    first.give_back()
    second.take_for_user()
    third.take_for_user()
    assert {second_context.variables["accounts.login"], third_context.variables["accounts.login"]} == {"ann", "bob"}
    with pytest.raises(DataSetExhausted):
        new_user(shared)[0].take_for_user()
