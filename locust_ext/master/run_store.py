"""The run history in etcd: each run's record under `<prefix>runs/<plan>/<run>`, the last `keep` per plan, and
one baseline per plan under `<prefix>baselines/<plan>`. Beside each record, under `<prefix>runindex/`, the few
fields a list shows: listing runs (the page polls it) reads those, not every record with its samples.

A record is written whole at each version (every few seconds while its run runs), so a reader never sees half
of one. While etcd is away the run goes on; its latest version waits here and is written once etcd is back, so
the history never loses a finished run.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any, cast

import gevent
from google.protobuf.descriptor import EnumDescriptor

from locust_ext.plan.schema import enum_number
from locust_ext.proto import fleet_pb2
from locust_ext.users.history import SAMPLE_EVERY_S
from locust_ext.wire.etcd import Etcd, EtcdUnavailable
from locust_ext.wire.protocol import baselines_prefix, run_index_prefix, runs_prefix
from locust_ext.wire.records import record_json

logger = logging.getLogger(__name__)

DEFAULT_KEEP_RUNS = 200
RETRY_S = 5.0
# A running record not written for this long was left by a master that is gone.
_INTERRUPTED_AFTER_S = 3 * SAMPLE_EVERY_S
# A message's DESCRIPTOR is a descriptor.Descriptor at run time; protobuf's stubs also allow the upb class.
_STATES = cast(EnumDescriptor, fleet_pb2.RunRecord.State.DESCRIPTOR)


# What the index keeps of a record: what a list shows, and what tells an interrupted run.
_INDEXED = ("id", "plan", "revision", "startedBy", "startedAt", "endedAt", "updatedAt", "state")


class RunNotFound(LookupError):
    pass


def plan_of(run_id: str) -> str:
    """The plan a run id names: `<plan>-<UTC start>-<4 hex>`."""
    plan, _, _ = run_id.rsplit("-", 2) if run_id.count("-") >= 2 else ("", "", "")
    return plan


class RunStore:
    def __init__(self, etcd: Etcd, prefix: str, keep: int = DEFAULT_KEEP_RUNS) -> None:
        self.etcd = etcd
        self.runs_prefix = runs_prefix(prefix)
        self.index_prefix = run_index_prefix(prefix)
        self.baselines_prefix = baselines_prefix(prefix)
        self.keep = keep
        self._pending: dict[str, dict[str, Any]] = {}
        self._retry: gevent.Greenlet | None = None

    def write(self, record: dict[str, Any]) -> None:
        """Keep this version of a run's record; when etcd is away, keep it until etcd is back."""
        self._pending[record["id"]] = record
        self._flush()

    def _flush(self) -> None:
        for run_id, record in list(self._pending.items()):
            try:
                self._put(record)
            except EtcdUnavailable as error:
                if self._retry is None:
                    logger.warning("run %s not written to etcd (%s); written once etcd is back", run_id, error)
                    self._retry = gevent.spawn(self._retry_until_written)
                return
            if self._pending.get(run_id) is record:
                del self._pending[run_id]

    def _retry_until_written(self) -> None:
        while self._pending:
            gevent.sleep(RETRY_S)
            self._flush()
        logger.info("the run history is written again")
        self._retry = None

    def _put(self, record: dict[str, Any]) -> None:
        path = f"{record['plan']}/{record['id']}"
        self.etcd.put(self.runs_prefix + path, json.dumps(record, separators=(",", ":")))
        indexed = {field: record[field] for field in _INDEXED}
        self.etcd.put(self.index_prefix + path, json.dumps(indexed, separators=(",", ":")))
        if record["state"] != "running":
            self._prune(record["plan"])

    def _prune(self, plan: str) -> None:
        entries, _ = self.etcd.get_prefix(f"{self.index_prefix}{plan}/")
        baseline = self.baseline(plan)
        # Run ids start with the plan and their UTC start: by key is oldest first.
        older = [
            entry.key[len(self.index_prefix) :]
            for entry in sorted(entries, key=lambda entry: entry.key)
            if not entry.key.endswith(f"/{baseline}")
        ]
        for path in older[: max(0, len(entries) - self.keep)]:
            self.etcd.delete(self.runs_prefix + path)
            self.etcd.delete(self.index_prefix + path)

    def list(self, plan: str = "") -> list[dict[str, Any]]:
        """Summaries of the kept runs (of one plan, or of all), newest first."""
        entries, _ = self.etcd.get_prefix(f"{self.index_prefix}{plan}/" if plan else self.index_prefix)
        baselines = {
            entry.key[len(self.baselines_prefix) :]: entry.value
            for entry in self.etcd.get_prefix(self.baselines_prefix)[0]
        }
        summaries = []
        for entry in sorted(entries, key=lambda entry: entry.key.rsplit("/", 1)[-1], reverse=True):
            indexed = _as_read(json.loads(entry.value))
            summary = fleet_pb2.RunSummary(
                id=indexed["id"],
                plan=indexed["plan"],
                revision=indexed["revision"],
                started_by=indexed["startedBy"],
                started_at=indexed["startedAt"],
                ended_at=indexed["endedAt"],
                state=cast(fleet_pb2.RunRecord.State, enum_number(_STATES, indexed["state"])),
                baseline=baselines.get(indexed["plan"]) == indexed["id"],
            )
            summaries.append(record_json(summary))
        return summaries

    def get(self, run_id: str) -> dict[str, Any]:
        entry = self.etcd.get(f"{self.runs_prefix}{plan_of(run_id)}/{run_id}")
        if entry is None:
            raise RunNotFound(run_id)
        return _as_read(json.loads(entry.value))

    def delete(self, run_id: str) -> None:
        plan = plan_of(run_id)
        if not self.etcd.delete(f"{self.runs_prefix}{plan}/{run_id}"):
            raise RunNotFound(run_id)
        self.etcd.delete(f"{self.index_prefix}{plan}/{run_id}")
        if self.baseline(plan) == run_id:
            self.etcd.delete(self.baselines_prefix + plan)

    def set_baseline(self, run_id: str) -> str:
        """Make a kept run its plan's baseline (one per plan); returns the plan."""
        record = self.get(run_id)
        self.etcd.put(self.baselines_prefix + record["plan"], run_id)
        return record["plan"]

    def baseline(self, plan: str) -> str:
        entry = self.etcd.get(self.baselines_prefix + plan)
        return entry.value if entry is not None else ""


def _as_read(record: dict[str, Any]) -> dict[str, Any]:
    """A running record whose writer stopped writing is shown as interrupted."""
    if record["state"] == "running" and _age_s(record["updatedAt"]) > _INTERRUPTED_AFTER_S:
        return {**record, "state": "interrupted"}
    return record


def _age_s(written_at: str) -> float:
    written = datetime.datetime.fromisoformat(written_at)
    return (datetime.datetime.now(datetime.UTC) - written).total_seconds()
