"""The fleet as the master sees it: discovered agents, their Locust workers, deploying a plan and releasing it.

The web API and the headless flow both act through `Fleet`; it raises FleetError (message, path, HTTP
status) for anything a person asked wrongly, so every entry point answers the same way.

An elastic run (a deploy with `elastic` and a selector) also takes in every idle agent that registers later and
matches the selector: it is deployed to at once, its workers join the swarm, and Locust's own rebalancing (on while
the run lasts) hands them users; the target rate is re-split among the workers as whenever they come or go.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gevent
from locust.runners import MasterRunner

from locust_ext.browser.screenshots import ScreenshotStore
from locust_ext.master.agent_selection import AgentSelection, SelectionError, parse_selection
from locust_ext.master.discovery import AgentDirectory
from locust_ext.master.dispatch import Dispatcher
from locust_ext.master.plan_store import PlanNotFound, PlanStore, StoredPlan
from locust_ext.master.run_store import RunStore
from locust_ext.plan.validation import Plan
from locust_ext.proto import fleet_pb2
from locust_ext.users.pacing import TargetRate
from locust_ext.users.process import process_state
from locust_ext.wire.etcd import EtcdUnavailable
from locust_ext.wire.protocol import MAX_PROCESSES
from locust_ext.wire.records import record_json

logger = logging.getLogger(__name__)
# Screenshots the master keeps for the page: the first failure of each journey step, fleet-wide.
MASTER_SCREENSHOTS = 100


class FleetError(Exception):
    def __init__(self, message: str, path: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.status = status


@dataclass
class ElasticRun:
    selection: AgentSelection
    request: fleet_pb2.InitBoomerRequest
    # Agents deployed to or released while the run lasts: none is taken in twice (one that leaves can come back).
    taken: dict[str, None] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        request = self.request
        run = fleet_pb2.ElasticRun(
            selector=self.selection.text, plan=request.plan.name, run_id=request.run_id, taken=list(self.taken)
        )
        return record_json(run)


class Fleet:
    def __init__(
        self,
        runner: MasterRunner,
        directory: AgentDirectory,
        store: PlanStore,
        dispatcher: Dispatcher,
        master_address: tuple[str, int],
        on_deploy: Callable[[Plan], None],
        target_rate: TargetRate,
        runs: RunStore,
    ) -> None:
        self.runner = runner
        self.directory = directory
        self.store = store
        self.dispatcher = dispatcher
        self.master_host, self.master_port = master_address
        self.on_deploy = on_deploy
        self.target_rate = target_rate
        self.runs = runs
        self.run: dict[str, str] | None = None
        self.worker_owners: dict[str, dict[str, Any]] = {}
        self.screenshots = ScreenshotStore(MASTER_SCREENSHOTS)
        self.elastic: ElasticRun | None = None
        options = runner.environment.parsed_options
        self._rebalancing_by_default = bool(getattr(options, "enable_rebalancing", False))
        directory.agent_changed.add_listener(self._take_in_if_elastic)

    def on_worker_announce(self, environment: Any, msg: Any, **_kwargs: Any) -> None:
        """A Locust worker started by an agent says which agent it belongs to (custom message `fleet_worker`)."""
        owner = msg.data
        if not isinstance(owner, dict) or not isinstance(owner.get("agent"), str):
            return
        if all(isinstance(owner.get(key), int) and owner[key] >= 0 for key in ("index", "pid")):
            self.worker_owners[msg.node_id] = owner

    def on_screenshot(self, environment: Any, msg: Any, **_kwargs: Any) -> None:
        """A worker kept a browser screenshot: keep the fleet's first failure of each step, and the latest of each
        SCREENSHOT step, saying which agent and worker took it."""
        shot = msg.data
        agent = self.worker_owners.get(msg.node_id, {}).get("agent", "")
        source = f"{agent}/{msg.node_id}" if agent else msg.node_id
        where = (shot["kind"], shot["journey"], shot["stepIndex"], shot["step"])
        self.screenshots.keep(*where, shot["message"], shot["url"], shot["png"], source)

    def keep_calibration(self, result: dict[str, Any], **_kwargs: Any) -> None:
        """Save a calibration's progress and result beside its plan, for the page and the next session."""
        try:
            self.store.put_calibration(result["plan"], result)
        except EtcdUnavailable as error:
            logger.warning("calibration of %s not saved to etcd: %s", result["plan"], error)

    def agents(self) -> list[dict[str, Any]]:
        """Every discovered agent with the Locust workers it runs, as the master sees them."""
        workers: dict[str, list[dict[str, Any]]] = {}
        for node_id, owner in self.worker_owners.items():
            node = self.runner.clients.get(node_id)
            if node is not None:
                worker = fleet_pb2.LocustWorker(id=node_id, index=owner["index"], pid=owner["pid"], state=node.state)
                workers.setdefault(owner["agent"], []).append(record_json(worker))
        return [{**agent, "locustWorkers": workers.get(agent["id"], [])} for agent in self.directory.list()]

    def run_agents(self) -> list[str]:
        """The agents whose workers this master counts now."""
        return [owner["agent"] for node_id, owner in self.worker_owners.items() if node_id in self.runner.clients]

    def selection(self, value: Any, path: str = "agents") -> AgentSelection:
        """The agents a request names (ids, `all`, or labels); FleetError at `path` when it names them wrongly."""
        try:
            return parse_selection(value)
        except SelectionError as error:
            raise FleetError(str(error), path) from None

    def resolve_agents(self, value: Any, path: str = "agents") -> list[dict[str, Any]]:
        return self.agents_of(self.selection(value, path), path)

    def agents_of(self, selection: AgentSelection, path: str = "agents") -> list[dict[str, Any]]:
        """The registered agents `selection` names: every id must be known; a selector may match none."""
        if selection.is_selector:
            return [agent for agent in self.directory.list() if selection.matches(agent)]
        known = self.directory.agents
        for index, agent_id in enumerate(selection.ids):
            if agent_id not in known:
                choices = ", ".join(sorted(known)) or "none are registered"
                raise FleetError(f"unknown agent '{agent_id}'; known agents: {choices}", f"{path}[{index}]")
        return [known[agent_id] for agent_id in selection.ids]

    def load_plan(self, name: Any) -> StoredPlan:
        if not isinstance(name, str) or not name:
            raise FleetError("expected the name of a saved plan", "plan")
        try:
            return self.store.get(name)
        except PlanNotFound:
            raise FleetError(f"no plan named '{name}'; save it first", "plan", 404) from None

    def deploy(
        self,
        plan: Plan,
        agents: list[dict[str, Any]],
        processes: Any = 0,
        revision: int = 0,
        elastic: AgentSelection | None = None,
    ) -> dict[str, Any]:
        """Ask each agent to start Locust workers for `plan` connected to this master; a result per agent.
        `revision`: the plan's in the store (0: a plan file), which the runs' records keep. `elastic`: the selector
        of an elastic run, which also takes in the matching agents that register later."""
        if isinstance(processes, bool) or not isinstance(processes, int) or not 0 <= processes <= MAX_PROCESSES:
            expected = f"expected a whole number of processes, 0 (the agent decides) to {MAX_PROCESSES}"
            raise FleetError(expected, "processes")
        run_id = (
            self.run["runId"] if self.run and self.run["plan"] == plan.name else f"{plan.name}-{uuid.uuid4().hex[:8]}"
        )
        request = fleet_pb2.InitBoomerRequest(
            plan=plan, master_host=self.master_host, master_port=self.master_port, processes=processes, run_id=run_id
        )
        self._end_elastic()
        if elastic is not None:
            agents = [agent for agent in agents if agent.get("state") == "idle"]
            self._begin_elastic(ElasticRun(elastic, request, dict.fromkeys(agent["id"] for agent in agents)))
        unable = {agent["id"]: reason for agent in agents if plan.journeys and (reason := _browser_missing(agent))}
        results = self.dispatcher.init_boomer([agent for agent in agents if agent["id"] not in unable], request)
        results |= {agent_id: {"ok": False, "message": reason} for agent_id, reason in unable.items()}
        if elastic is not None or any(result["ok"] for result in results.values()):
            self.run = {"runId": run_id, "plan": plan.name}
            self.on_deploy(plan)
            process_state(self.runner.environment).plan_revision = revision
        for agent_id, result in results.items():
            log = logger.info if result["ok"] else logger.error
            log("deploy %s to %s: %s", plan.name, agent_id, result["message"])
        answer = {"runId": run_id, "plan": plan.name, "results": results}
        return answer | ({"elastic": self.elastic.record()} if self.elastic is not None else {})

    def release(self, agents: list[dict[str, Any]], selection: AgentSelection | None = None) -> dict[str, Any]:
        """Ask each agent to stop its workers, whatever run they belong to. Releasing `all` ends an elastic run;
        agents released by name or label stay out of it."""
        if selection is not None and selection.text == "all":
            self._end_elastic()
        elif self.elastic is not None:
            self.elastic.taken |= dict.fromkeys(agent["id"] for agent in agents)
        results = self.dispatcher.end_boomer(agents, "")
        for agent_id, result in results.items():
            (logger.info if result["ok"] else logger.error)("release %s: %s", agent_id, result["message"])
        return {"results": results}

    def _begin_elastic(self, run: ElasticRun) -> None:
        self.elastic = run
        self._set_rebalancing(True)
        logger.info("elastic run %s: agents matching %s join as they register", run.request.run_id, run.selection.text)

    def _end_elastic(self) -> None:
        if self.elastic is not None:
            logger.info("elastic run %s ended", self.elastic.request.run_id)
            self.elastic = None
            self._set_rebalancing(self._rebalancing_by_default)

    def _set_rebalancing(self, enabled: bool) -> None:
        """Locust hands users to workers that join a running swarm only with --enable-rebalancing."""
        options = self.runner.environment.parsed_options
        if options is not None:
            options.enable_rebalancing = enabled

    def _take_in_if_elastic(self, agent_id: str, agent: dict[str, Any] | None, **_kwargs: Any) -> None:
        run = self.elastic
        if run is None:
            return
        if agent is None:
            run.taken.pop(agent_id, None)
            return
        if agent_id in run.taken or agent.get("state") != "idle" or not run.selection.matches(agent):
            return
        if run.request.plan.journeys and _browser_missing(agent):
            return
        run.taken[agent_id] = None
        gevent.spawn(self._take_in, run, agent)

    def _take_in(self, run: ElasticRun, agent: dict[str, Any]) -> None:
        result = self.dispatcher.init_boomer([agent], run.request)[agent["id"]]
        log = logger.info if result["ok"] else logger.error
        log("elastic run %s took in %s: %s", run.request.run_id, agent["id"], result["message"])


def _browser_missing(agent: dict[str, Any]) -> str:
    """Why `agent` cannot run browser journeys ("" when it can): it did not offer the browser capability."""
    capabilities = agent.get("capabilities") or []
    if "browser" in capabilities:
        return ""
    offered = ", ".join(capabilities) or "none"
    return f"no browser on this agent (capabilities: {offered}), and the plan has journeys; not deployed there"
