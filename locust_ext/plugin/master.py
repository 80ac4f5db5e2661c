"""Wiring on a Locust master with a fleet: discovery, the plan store, dispatch, the web API and page, and, headless,
the deploy at start and the release at quit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import MasterRunner

from locust_ext.master.agent_selection import AgentSelection, SelectionError, parse_flag
from locust_ext.master.discovery import AgentDirectory
from locust_ext.master.dispatch import Dispatcher, use_gevent
from locust_ext.master.fleet import Fleet, FleetError
from locust_ext.master.plan_store import PlanStore, RevisionConflict
from locust_ext.master.run_store import RunStore
from locust_ext.master.web.hooks import add_web_ui
from locust_ext.plan.validation import Plan, plan_to_json
from locust_ext.plugin.plan_setup import (
    exit_bad_input,
    parsed_options,
    report_calibrations,
    set_up_plan,
)
from locust_ext.plugin.runs import watch_runs
from locust_ext.users import calibration
from locust_ext.users.history import RunRecorder
from locust_ext.users.pacing import TargetRate
from locust_ext.wire.etcd import Etcd, EtcdAccess, EtcdUnavailable
from locust_ext.wire.grpc_security import GrpcSecurity, SecurityConfigError
from locust_ext.wire.protocol import SCREENSHOT_MESSAGE, WORKER_MESSAGE

logger = logging.getLogger(__name__)
# How long a headless master with --fleet-agents waits for those agents to be discovered.
AGENTS_WAIT_S = 10.0


def set_up(environment: Environment, runner: MasterRunner) -> None:
    setup = set_up_plan(environment)
    report_calibrations(environment)
    recorder = watch_runs(environment)
    if parsed_options(environment).fleet_etcd != "none":
        start_fleet(environment, runner, setup.plan, setup.configure, setup.target_rate, recorder)


def start_fleet(
    environment: Environment,
    runner: MasterRunner,
    plan: Plan | None,
    configure: Callable[[Plan], None],
    target_rate: TargetRate,
    recorder: RunRecorder,
) -> None:
    options = parsed_options(environment)
    use_gevent()
    flags = {name: f"--fleet-etcd-{name}" for name in ("user", "password", "ca", "cert", "key")}
    try:
        access = EtcdAccess.from_options(
            flags,
            user=options.fleet_etcd_user,
            password=options.fleet_etcd_password,
            ca=options.fleet_etcd_ca,
            cert=options.fleet_etcd_cert,
            key=options.fleet_etcd_key,
        )
        etcd = Etcd(options.fleet_etcd, access=access)
    except ValueError as error:
        exit_bad_input([str(error)])
    security = grpc_security(options)
    directory = AgentDirectory(etcd, options.fleet_prefix)
    directory.start()
    fleet = Fleet(
        runner,
        directory,
        PlanStore(etcd, options.fleet_prefix),
        Dispatcher(security),
        (options.fleet_advertise_host, options.master_bind_port),
        configure,
        target_rate,
        RunStore(etcd, options.fleet_prefix, options.fleet_keep_runs),
    )
    recorder.sinks.append(fleet.runs.write)
    recorder.agents = fleet.run_agents
    runner.register_message(WORKER_MESSAGE, fleet.on_worker_announce)
    runner.register_message(SCREENSHOT_MESSAGE, fleet.on_screenshot)
    environment.events.test_start.add_listener(lambda **_kwargs: fleet.screenshots.clear())
    calibration.calibration_updated.add_listener(fleet.keep_calibration)
    if plan is not None:
        keep_in_store(fleet.store, plan)
    if environment.web_ui:
        add_web_ui(environment, fleet)
    if options.fleet_agents:
        deploy_at_start(environment, fleet, plan, options.fleet_agents, options.fleet_elastic)


def grpc_security(options: Any) -> GrpcSecurity:
    flags = {"cert": "--fleet-tls-cert", "key": "--fleet-tls-key", "ca": "--fleet-tls-ca", "token": "--fleet-token"}
    try:
        return GrpcSecurity.from_options(
            options.fleet_tls_cert, options.fleet_tls_key, options.fleet_tls_ca, options.fleet_token, flags
        )
    except SecurityConfigError as error:
        exit_bad_input([str(error)])


def keep_in_store(store: PlanStore, plan: Plan) -> None:
    """Save the --fleet-plan plan for the page, unless a plan of that name is stored: that one may hold newer edits."""
    try:
        store.put(plan.name, plan_to_json(plan), 0)
        logger.info("plan %s saved to the plan store", plan.name)
    except RevisionConflict:
        logger.info("plan %s is already in the plan store; the stored one is kept", plan.name)
    except EtcdUnavailable as error:
        logger.warning("plan %s not saved to the plan store: %s", plan.name, error)


def deploy_at_start(environment: Environment, fleet: Fleet, plan: Plan | None, spec: str, elastic: bool) -> None:
    """Headless: deploy the plan before Locust waits for --expect-workers; release the agents when it quits.
    Elastic: the run also takes in the matching agents that register later, and releases them too."""
    if plan is None:
        exit_bad_input(["--fleet-agents: needs --fleet-plan, the plan to deploy"])
    try:
        selection = parse_flag(spec)
    except SelectionError as error:
        exit_bad_input([f"--fleet-agents: {error}"])
    if elastic and not selection.is_selector:
        exit_bad_input(["--fleet-elastic: takes --fleet-agents all or labels such as zone=eu, not agent ids"])
    agents = wait_for_agents(fleet, selection)
    result = fleet.deploy(plan, agents, elastic=selection if elastic else None)
    deployed = [agent for agent in agents if result["results"].get(agent["id"], {}).get("ok")]
    if not deployed:
        exit_bad_input([f"--fleet-agents: {agent_id}: {r['message']}" for agent_id, r in result["results"].items()])

    @environment.events.quitting.add_listener
    def release_at_quit(**_kwargs: Any) -> None:
        ids = {agent["id"] for agent in deployed} | set(fleet.elastic.taken if fleet.elastic is not None else ())
        fleet.release([agent for agent in fleet.directory.list() if agent["id"] in ids])


def wait_for_agents(fleet: Fleet, selection: AgentSelection) -> list[dict[str, Any]]:
    deadline = gevent.get_hub().loop.now() + AGENTS_WAIT_S
    while True:
        try:
            if fleet.directory.available:
                agents = fleet.agents_of(selection, "--fleet-agents")
                if agents:
                    return agents
                error = FleetError(f"no registered agent matches '{selection.text}'", "--fleet-agents")
            else:
                error = FleetError(fleet.directory.error or "discovery unavailable", "--fleet-agents")
        except FleetError as failure:
            error = failure
        if gevent.get_hub().loop.now() >= deadline:
            exit_bad_input([f"{error.path}: {error.message}"])
        gevent.sleep(0.2)
