"""The agent: runs of Locust workers for a master, and the one state that etcd and `Status` both show.

Two locks, for two reasons. `_calls` makes InitBoomer, EndBoomer and shutdown whole transitions that never
interleave (checking the master, starting or stopping workers takes seconds). `_lock` guards the state and
is held only briefly, so `Status` and the supervisor's reports never wait behind a stop. Every change goes
through `_set`, which publishes the new state to etcd and logs one line.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from locust_ext.plan.validation import Plan, plan_to_json
from locust_ext.wire.etcd import Etcd
from locust_ext.wire.protocol import agents_prefix
from worker_agent.registry import Registry
from worker_agent.state import ERROR, IDLE, RUNNING, AgentIdentity, AgentState, registry_value
from worker_agent.supervisor import (
    FAILED,
    FINISHED,
    GRACE_S,
    GroupEvent,
    MasterUnreachable,
    MasterWatch,
    WorkerGroup,
    WorkerSpec,
    WorkerStartError,
)

logger = logging.getLogger(__name__)
BROWSER = "browser"
BrowserProbe = Callable[[], tuple[bool, str]]


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A validated InitBoomer request."""

    plan: Plan
    master_host: str
    master_port: int
    processes: int
    run_id: str


@dataclass(frozen=True, slots=True)
class Reply:
    ok: bool
    message: str


class Agent:
    def __init__(
        self,
        identity: AgentIdentity,
        etcd: Etcd,
        prefix: str,
        ttl: int,
        workdir: Path,
        default_processes: int,
        grace_s: float = GRACE_S,
        browser_probe: BrowserProbe | None = None,
    ) -> None:
        self.identity = identity
        self.browser_probe = browser_probe
        self.no_browser_reason = "started with --no-browser" if browser_probe is None else "still checking Chromium"

        self.workdir = workdir
        self.default_processes = default_processes
        self.grace_s = grace_s
        self._state = AgentState(message="waiting for a plan")
        self.registry = Registry(
            etcd, f"{agents_prefix(prefix)}{identity.id}", ttl, registry_value(identity, self._state)
        )
        self._group: WorkerGroup | None = None
        self._closed = False
        self._calls = threading.Lock()
        self._lock = threading.Lock()

    def start(self) -> None:
        self.registry.start()
        if self.browser_probe is not None:
            # Launching Chromium takes seconds: the agent registers at once and offers browsers when it knows.
            threading.Thread(
                target=self._probe_browser, args=(self.browser_probe,), name="browser-probe", daemon=True
            ).start()

    def _probe_browser(self, probe: BrowserProbe) -> None:
        available, detail = probe()
        with self._lock:
            if available:
                capabilities = (*self.identity.capabilities, BROWSER)
                self.identity = dataclasses.replace(self.identity, capabilities=capabilities)
                self.registry.update(registry_value(self.identity, self._state))
            else:
                self.no_browser_reason = detail
        logger.log(logging.INFO if available else logging.WARNING, "browser users: %s", detail)

    def snapshot(self) -> AgentState:
        with self._lock:
            return self._state

    def init_boomer(self, run: RunRequest) -> Reply:
        """Start the run's workers, unless another run is active; the same run again changes nothing."""
        with self._calls:
            if self._closed:
                return Reply(False, "the agent is shutting down")
            current = self.snapshot()
            if run.plan.journeys and BROWSER not in self.identity.capabilities:
                return Reply(False, f"this agent cannot run the plan's browser journeys: {self.no_browser_reason}")
            if current.state != RUNNING:
                return self._start_run(run)
            if current.run_id == run.run_id:
                workers = len(current.workers)
                return Reply(True, f"already running run {run.run_id} (plan {current.plan}) with {workers} workers")
            return Reply(False, f"busy with run {current.run_id} (plan {current.plan}); send EndBoomer first")

    def end_boomer(self, run_id: str) -> Reply:
        """Stop the active run's workers (`run_id` empty: whatever runs); an error state is cleared too."""
        with self._calls:
            current = self.snapshot()
            if current.state != RUNNING:
                with self._lock:
                    if self._state.state == ERROR:
                        self._set(AgentState(IDLE, message="released after the error"))
                return Reply(True, "idle")
            if run_id and run_id != current.run_id:
                return Reply(False, f"not running run {run_id}: this agent runs {current.run_id} (plan {current.plan})")
            self._stop_group()
            message = f"stopped the workers of run {current.run_id} (plan {current.plan})"
            with self._lock:
                self._set(AgentState(IDLE, message=message))
            return Reply(True, message)

    def close(self) -> None:
        """Shut down: refuse new runs, stop the workers, revoke the lease (which deletes the etcd key)."""
        with self._calls:
            self._closed = True
            if self._stop_group():
                with self._lock:
                    self._set(AgentState(IDLE, message="shutting down"))
        self.registry.close()

    def _start_run(self, run: RunRequest) -> Reply:
        # Held open for the whole run: the agent learns at once when the master ends, and stops its workers.
        master = MasterWatch(run.master_host, run.master_port)
        try:
            master.connect()
        except MasterUnreachable as error:
            return self._fail(run, str(error))
        plan_file = self.workdir / "plan.json"
        plan_file.write_text(json.dumps(plan_to_json(run.plan)), encoding="utf-8")
        count = run.processes or self.default_processes
        spec = WorkerSpec(run.master_host, run.master_port, plan_file, count, self.identity.id, self.workdir)
        group = WorkerGroup(spec, master, self._on_group_event, self.grace_s)
        with self._lock:  # held while starting, so the group's first report waits until the state says running
            try:
                workers = group.start()
            except WorkerStartError as error:
                self._set(AgentState(ERROR, run.plan.name, run.run_id, str(error)), logging.ERROR)
                return Reply(False, str(error))
            self._group = group
            message = f"started {count} worker{'s' if count != 1 else ''} for plan {run.plan.name}"
            self._set(AgentState(RUNNING, run.plan.name, run.run_id, message, workers))
        return Reply(True, message)

    def _fail(self, run: RunRequest, message: str) -> Reply:
        with self._lock:
            self._set(AgentState(ERROR, run.plan.name, run.run_id, message), logging.ERROR)
        return Reply(False, message)

    def _stop_group(self) -> bool:
        """Stop the current group's workers, if any; after this no report of that group arrives any more."""
        with self._lock:
            group, self._group = self._group, None
        if group is None:
            return False
        group.stop()
        return True

    def _on_group_event(self, group: WorkerGroup, event: GroupEvent) -> None:
        with self._lock:
            if group is not self._group or self._state.state != RUNNING:
                return
            if event.outcome == FINISHED:
                self._group = None
                self._set(AgentState(IDLE, message=f"{event.message}; idle"))
            elif event.outcome == FAILED:
                self._group = None
                failed = dataclasses.replace(self._state, state=ERROR, message=event.message, workers=event.workers)
                self._set(failed, logging.ERROR)
            else:
                changed = dataclasses.replace(self._state, message=event.message, workers=event.workers)
                self._set(changed, logging.WARNING)

    def _set(self, state: AgentState, level: int = logging.INFO) -> None:
        """Make `state` the agent's state (call with `_lock` held): publish it to etcd, log it."""
        self._state = state
        self.registry.update(registry_value(self.identity, state))
        logger.log(level, "%s", state.describe())
