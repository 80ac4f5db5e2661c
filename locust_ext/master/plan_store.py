"""Plans saved in etcd under `<prefix>plans/<name>`, with revisions for safe concurrent edits.

A plan is validated before it is stored and written in one etcd put, so a saved plan is never invalid
or half-written; `If-Match` (the revision a client last read) turns a lost race into a conflict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from locust_ext.plan.validation import Plan, PlanError, PlanIssue, parse_plan, plan_to_json
from locust_ext.wire.etcd import Etcd
from locust_ext.wire.protocol import calibrations_prefix, plans_prefix


class PlanNotFound(LookupError):
    pass


class RevisionConflict(RuntimeError):
    """The plan changed since the revision the client named."""


@dataclass(frozen=True, slots=True)
class StoredPlan:
    name: str
    plan: dict[str, Any]
    revision: int

    def message(self) -> Plan:
        return parse_plan(self.plan)


class PlanStore:
    def __init__(self, etcd: Etcd, prefix: str) -> None:
        self.etcd = etcd
        self.key_prefix = plans_prefix(prefix)
        self.calibration_prefix = calibrations_prefix(prefix)

    def list(self) -> list[dict[str, Any]]:
        entries, _ = self.etcd.get_prefix(self.key_prefix)
        return [
            {"name": entry.key[len(self.key_prefix) :], "revision": entry.mod_revision}
            for entry in sorted(entries, key=lambda entry: entry.key)
        ]

    def get(self, name: str) -> StoredPlan:
        entry = self.etcd.get(self.key_prefix + name)
        if entry is None:
            raise PlanNotFound(name)
        return StoredPlan(name, json.loads(entry.value), entry.mod_revision)

    def put(self, name: str, data: Any, if_match: int | None = None) -> StoredPlan:
        """Validate and save; with `if_match`, only if the stored revision is still that one (0: a new plan)."""
        plan = parse_plan(data)
        if plan.name != name:
            raise PlanError([PlanIssue("name", f"expected '{name}' (the name in the URL), got '{plan.name}'")])
        canonical = plan_to_json(plan)
        value = json.dumps(canonical, separators=(",", ":"))
        key = self.key_prefix + name
        if if_match is None:
            self.etcd.put(key, value)
        elif not self.etcd.put_if_revision(key, value, if_match):
            raise RevisionConflict(name)
        entry = self.etcd.get(key)
        return StoredPlan(name, canonical, entry.mod_revision if entry else 0)

    def delete(self, name: str) -> None:
        if not self.etcd.delete(self.key_prefix + name):
            raise PlanNotFound(name)
        self.etcd.delete(self.calibration_prefix + name)

    def put_calibration(self, name: str, result: dict[str, Any]) -> None:
        """The plan's latest calibration, kept beside it (a plan's revision only changes when it is edited)."""
        self.etcd.put(self.calibration_prefix + name, json.dumps(result, separators=(",", ":")))

    def calibration(self, name: str) -> dict[str, Any]:
        entry = self.etcd.get(self.calibration_prefix + name)
        if entry is None:
            raise PlanNotFound(name)
        return json.loads(entry.value)
