"""The plan store on a real etcd: validated plans with revisions, If-Match conflicts, and calibrations beside plans."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from locust_ext.master.plan_store import PlanNotFound, PlanStore, RevisionConflict
from locust_ext.plan.validation import PlanError
from tests.fleet_fixtures import EtcdServer

pytestmark = pytest.mark.unit


def plan(name: str = "shop", url: str = "/items") -> dict[str, Any]:
    return {"name": name, "host": "http://127.0.0.1:9", "tasks": [{"name": "t", "steps": [{"url": url}]}]}


@pytest.fixture
def store(etcd: EtcdServer, prefix: str) -> PlanStore:
    return PlanStore(etcd.client(), prefix)


def test_a_saved_plan_is_read_back_with_its_revision(store: PlanStore) -> None:
    saved = store.put("shop", plan())
    read = store.get("shop")
    assert (read.name, read.plan, read.revision) == ("shop", plan(), saved.revision)
    assert saved.revision > 0
    assert read.message().tasks[0].steps[0].url == "/items"


def test_a_plan_is_stored_in_its_canonical_form_under_the_prefix(
    store: PlanStore, etcd: EtcdServer, prefix: str
) -> None:
    data = plan() | {"tasks": [{"name": "t", "steps": [{"url": "/", "timeoutS": 5.0, "json": {"n": 2.0}}]}]}
    store.put("shop", data)
    assert etcd.value(f"{prefix}plans/shop") == plan() | {
        "tasks": [{"name": "t", "steps": [{"url": "/", "timeoutS": 5, "json": {"n": 2}}]}]
    }


def test_every_save_gets_a_new_revision(store: PlanStore) -> None:
    first = store.put("shop", plan())
    second = store.put("shop", plan(url="/other"))
    assert second.revision > first.revision
    assert store.get("shop").plan["tasks"][0]["steps"][0]["url"] == "/other"


def test_a_save_with_the_revision_last_read_succeeds(store: PlanStore) -> None:
    first = store.put("shop", plan())
    second = store.put("shop", plan(url="/v2"), if_match=first.revision)
    assert second.revision > first.revision


def test_a_save_after_someone_else_saved_is_a_conflict_and_keeps_their_plan(store: PlanStore) -> None:
    first = store.put("shop", plan())
    store.put("shop", plan(url="/theirs"), if_match=first.revision)
    with pytest.raises(RevisionConflict):
        store.put("shop", plan(url="/mine"), if_match=first.revision)
    assert store.get("shop").plan["tasks"][0]["steps"][0]["url"] == "/theirs"


def test_if_match_zero_creates_a_plan_only_when_none_exists(store: PlanStore) -> None:
    store.put("shop", plan(), if_match=0)
    with pytest.raises(RevisionConflict):
        store.put("shop", plan(url="/again"), if_match=0)


def test_an_invalid_plan_is_not_saved(store: PlanStore) -> None:
    bad = copy.deepcopy(plan())
    bad["tasks"][0]["steps"][0]["method"] = "FETCH"
    with pytest.raises(PlanError) as caught:
        store.put("shop", bad)
    assert caught.value.issues[0].path == "tasks[0].steps[0].method"
    with pytest.raises(PlanNotFound):
        store.get("shop")


def test_the_name_in_the_plan_must_be_the_name_it_is_saved_under(store: PlanStore) -> None:
    with pytest.raises(PlanError) as caught:
        store.put("shop", plan(name="other"))
    assert [str(issue) for issue in caught.value.issues] == ["name: expected 'shop' (the name in the URL), got 'other'"]


def test_plans_are_listed_by_name_with_their_revisions(store: PlanStore) -> None:
    assert store.list() == []
    beta = store.put("beta", plan("beta"))
    alpha = store.put("alpha", plan("alpha"))
    assert store.list() == [{"name": "alpha", "revision": alpha.revision}, {"name": "beta", "revision": beta.revision}]


def test_a_missing_plan_is_not_found(store: PlanStore) -> None:
    with pytest.raises(PlanNotFound):
        store.get("nothing")
    with pytest.raises(PlanNotFound):
        store.delete("nothing")


def test_a_calibration_is_kept_beside_its_plan_without_changing_its_revision(store: PlanStore) -> None:
    saved = store.put("shop", plan())
    result = {"plan": "shop", "state": "knee", "steps": [{"users": 5, "held": True}], "knee": {"users": 5, "rps": 9.5}}
    store.put_calibration("shop", result)
    assert store.calibration("shop") == result
    assert store.get("shop").revision == saved.revision
    assert store.list() == [{"name": "shop", "revision": saved.revision}]


def test_a_later_calibration_replaces_the_earlier(store: PlanStore) -> None:
    store.put_calibration("shop", {"state": "running", "steps": []})
    store.put_calibration("shop", {"state": "no-knee", "steps": [{"users": 5}]})
    assert store.calibration("shop") == {"state": "no-knee", "steps": [{"users": 5}]}


def test_a_plan_never_calibrated_has_no_calibration(store: PlanStore) -> None:
    store.put("shop", plan())
    with pytest.raises(PlanNotFound):
        store.calibration("shop")


def test_deleting_a_plan_deletes_its_calibration(store: PlanStore, etcd: EtcdServer, prefix: str) -> None:
    store.put("shop", plan())
    store.put_calibration("shop", {"state": "knee"})
    store.delete("shop")
    with pytest.raises(PlanNotFound):
        store.get("shop")
    assert etcd.value(f"{prefix}calibrations/shop") is None


def test_a_stored_value_is_compact_json(store: PlanStore, etcd: EtcdServer, prefix: str) -> None:
    store.put("shop", plan())
    entry = etcd.client().get(f"{prefix}plans/shop")
    assert entry is not None and entry.value == json.dumps(plan(), separators=(",", ":"))
