"""The Locust plugin: the `--fleet-*` command-line options and the listeners that wire the plan and the fleet.

Registered when `locust_ext` is imported inside a Locust process (see locust_ext/__init__.py).
On the master it starts discovery, the plan store, dispatch and the web API; on a worker started by an
agent it tells the master which agent it belongs to; standalone it just runs the plan.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

import gevent
from flask import request
from flask_login import current_user
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from locust_ext import browser, calibration
from locust_ext.browser_user import PlanBrowserUser, browser_count
from locust_ext.calibration import CalibrationShape
from locust_ext.discovery import AgentDirectory
from locust_ext.dispatch import Dispatcher
from locust_ext.etcd_client import Etcd, EtcdAccess, EtcdUnavailable
from locust_ext.fleet import Fleet, FleetError
from locust_ext.grpc_security import TOKEN_ENV, GrpcSecurity, SecurityConfigError
from locust_ext.http_user import PlanHttpUser
from locust_ext.pacing import TargetRate
from locust_ext.plan import Plan, PlanError, load_plan, plan_to_json
from locust_ext.plan_store import PlanStore, RevisionConflict
from locust_ext.runtime import CompiledPlan
from locust_ext.shapes import plan_shape
from locust_ext.web_api import AGENT_COLUMNS, agents_tab_rows, create_blueprint, refuse_other_sites
from locust_ext.web_page import create_page_blueprint, link_from_locust_page
from locust_ext.worker_env import AGENT_ID_ENV, WORKER_INDEX_ENV

logger = logging.getLogger(__name__)
EXIT_BAD_INPUT = 2
WORKER_MESSAGE = "fleet_worker"
SCREENSHOT_MESSAGE = "fleet_screenshot"
AGENT_CHECK_INTERVAL_S = 1.0
# How long a headless master with --fleet-agents waits for those agents to be discovered.
AGENTS_WAIT_S = 10.0


@events.init_command_line_parser.add_listener
def add_arguments(parser) -> None:
    group = parser.add_argument_group("locust-fleet", "Run a locust-fleet plan (see docs/PLAN_FORMAT.md)")
    group.add_argument(
        "--fleet-plan",
        metavar="PATH",
        default="",
        env_var="LOCUST_FLEET_PLAN",
        help="Plan JSON file to run; validated at start, a bad plan exits with code 2 before any load",
    )
    group.add_argument(
        "--fleet-etcd",
        metavar="HOST:PORT[,HOST:PORT...]",
        default="127.0.0.1:2379",
        env_var="LOCUST_FLEET_ETCD",
        help="etcd endpoints where agents announce themselves (master only); 'none' disables discovery",
    )
    group.add_argument(
        "--fleet-prefix", default="/locust-fleet/", env_var="LOCUST_FLEET_PREFIX", help="etcd key prefix"
    )
    group.add_argument(
        "--fleet-agents",
        metavar="all|ID,ID...",
        default="",
        env_var="LOCUST_FLEET_AGENTS",
        help="Deploy --fleet-plan to these agents at start and release them at quit (master only)",
    )
    group.add_argument(
        "--fleet-calibration-json",
        metavar="PATH",
        default="",
        env_var="LOCUST_FLEET_CALIBRATION_JSON",
        help="Write the result of the plan's calibration (load.calibrate) to this JSON file when it ends",
    )
    group.add_argument(
        "--fleet-tls-ca",
        metavar="PEM",
        default="",
        env_var="LOCUST_FLEET_TLS_CA",
        help="Call agents over TLS, trusting certificates signed by this CA (the agents' --tls-ca side)",
    )
    group.add_argument(
        "--fleet-tls-cert",
        metavar="PEM",
        default="",
        env_var="LOCUST_FLEET_TLS_CERT",
        help="Mutual TLS: the certificate this master shows agents started with --tls-ca",
    )
    group.add_argument(
        "--fleet-tls-key", metavar="PEM", default="", env_var="LOCUST_FLEET_TLS_KEY", help="The key of --fleet-tls-cert"
    )
    group.add_argument("--fleet-etcd-user", default="", env_var="LOCUST_FLEET_ETCD_USER", help="etcd user")
    group.add_argument("--fleet-etcd-ca", metavar="PEM", default="", help="Talk TLS to etcd, trusting this CA")
    group.add_argument("--fleet-etcd-cert", metavar="PEM", default="", help="Client certificate for etcd")
    group.add_argument("--fleet-etcd-key", metavar="PEM", default="", help="The key of --fleet-etcd-cert")
    # On the parser itself, not the group: only Locust's own add_argument can keep a secret out of its web UI.
    parser.add_argument(
        "--fleet-etcd-password",
        default="",
        env_var="LOCUST_FLEET_ETCD_PASSWORD",
        help="locust-fleet: the password of --fleet-etcd-user (prefer the environment)",
        include_in_web_ui=False,
    )
    parser.add_argument(
        "--fleet-token",
        default="",
        env_var=TOKEN_ENV,
        help="locust-fleet: the token agents started with --token require on every call (prefer the environment)",
        include_in_web_ui=False,
    )
    group.add_argument(
        "--fleet-advertise-host",
        default="127.0.0.1",
        env_var="LOCUST_FLEET_ADVERTISE_HOST",
        help="The address agents' workers use to reach this master (its --master-bind-port is used)",
    )


@events.init.add_listener
def on_init(environment: Environment, **_kwargs: Any) -> None:
    options = environment.parsed_options
    if options is None:
        return
    runner = environment.runner
    if environment.web_ui:
        gevent.spawn(answer_without_delay, environment.web_ui)
    if isinstance(runner, WorkerRunner) and os.environ.get(AGENT_ID_ENV):
        announce_worker(runner)
    if isinstance(runner, WorkerRunner):
        forward_screenshots(runner)
    plan = load_plan_option(options)
    target_rate = TargetRate(environment)
    configure = functools.partial(configure_users, environment, target_rate)
    if plan is not None:
        configure(plan)
    environment.events.test_start.add_listener(lambda **_kwargs: browser.screenshots.clear())
    if not isinstance(runner, WorkerRunner):
        report_calibrations(environment)
    environment.events.quitting.add_listener(lambda **_kwargs: browser.shutdown())
    if isinstance(runner, MasterRunner) and options.fleet_etcd != "none":
        start_fleet(environment, plan, configure, target_rate)


def report_calibrations(environment: Environment) -> None:
    """A calibration that ends prints its table (and writes --fleet-calibration-json); one stopped early says so."""
    path = environment.parsed_options.fleet_calibration_json

    def on_update(result: dict[str, Any], **_kwargs: Any) -> None:
        if result["state"] == calibration.RUNNING:
            return
        for line in calibration.report_lines(result):
            logger.info("%s", line)
        if path:
            write_json_file(path, result)

    def on_test_stop(**_kwargs: Any) -> None:
        if isinstance(environment.shape_class, CalibrationShape):
            environment.shape_class.stopped()

    calibration.calibration_updated.add_listener(on_update)
    environment.events.test_stop.add_listener(on_test_stop)


def write_json_file(path: str, data: Any) -> None:
    # Written aside, then renamed: a reader never sees half a file.
    partial = f"{path}.partial"
    try:
        with open(partial, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2)
        os.replace(partial, path)
    except OSError as error:
        logger.error("could not write %s: %s; check that its directory exists and is writable", path, error)


def forward_screenshots(runner: WorkerRunner) -> None:
    """Each screenshot this worker keeps goes to the master, which shows the fleet's in the page."""
    browser.screenshots.on_kept.append(lambda shot: runner.send_message(SCREENSHOT_MESSAGE, screenshot_message(shot)))


def screenshot_message(shot: browser.Screenshot) -> dict[str, Any]:
    """A kept screenshot as the master receives it (Locust's messages carry bytes as they are)."""
    return {
        "kind": shot.kind,
        "journey": shot.journey,
        "stepIndex": shot.step_index,
        "step": shot.step,
        "message": shot.message,
        "url": shot.url,
        "png": shot.png,
    }


def load_plan_option(options: Any) -> Plan | None:
    path = options.fleet_plan
    if not path:
        if options.headless and not options.worker:
            exit_bad_input(["--fleet-plan: required for a headless run; give the plan JSON file to run"])
        return None
    try:
        plan = load_plan(path)
    except PlanError as error:
        exit_bad_input([f"{path}: {issue}" for issue in error.issues])
    if not plan.tasks and not browser_count(plan):
        exit_bad_input([f"{path}: users.browserCount: 0 and the plan has no tasks, so nothing would run"])
    logger.info(
        "plan %s loaded: %d task(s), %d journey(s) for %d browser user(s), %d setup step(s)",
        plan.name,
        len(plan.tasks),
        len(plan.journeys),
        browser_count(plan),
        len(plan.setup),
    )
    return plan


def configure_users(environment: Environment, target_rate: TargetRate, plan: Plan) -> None:
    """Make the user classes run `plan` (compiled once, so HTTP and browser users share its data sets).

    Only the classes the plan has work for stay in Locust's list: no tasks, no HTTP users; no journeys (or
    browserCount 0), no browser users. A class dropped for one plan comes back for a plan that needs it.
    """
    compiled = CompiledPlan(plan)
    PlanHttpUser.configure(plan, compiled)
    PlanBrowserUser.configure(plan, compiled)
    needed = {PlanHttpUser: bool(plan.tasks), PlanBrowserUser: browser_count(plan) > 0}
    classes = [user_class for user_class in environment.user_classes if needed.get(user_class, True)]
    available = (environment.available_user_classes or {}).values()
    classes += [
        user_class
        for user_class, wanted in needed.items()
        if wanted and user_class not in classes and user_class in available
    ]
    environment.user_classes[:] = classes
    target_rate.set_target(plan.load.target_rps)
    if not isinstance(environment.runner, WorkerRunner):
        shape = plan_shape(plan, environment)
        if shape is not None:
            shape.runner = environment.runner
        environment.shape_class = shape


def answer_without_delay(web_ui: Any) -> None:
    """TCP_NODELAY on the web UI's listening socket (accepted sockets inherit it on Linux).

    Locust's gevent server writes a response in two parts; on a kept-alive connection (every browser's)
    the second part waited for the client's delayed ACK: 40 ms added to every API call, measured by
    benchmarks/control_plane.
    """
    # The init event fires just before Locust starts the server: poll briefly, so that hardly any connection
    # is accepted before the option is set.
    for _ in range(1000):
        server = getattr(web_ui, "server", None)
        if server is not None and getattr(server, "socket", None) is not None:
            server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return
        gevent.sleep(0.005)
    logger.warning("web UI socket not found; responses on kept-alive connections may wait ~40 ms")


def announce_worker(runner: WorkerRunner) -> None:
    """Tell the master which agent started this worker, and quit when that agent is gone."""
    owner = {"agent": os.environ[AGENT_ID_ENV], "index": int(os.environ.get(WORKER_INDEX_ENV, 0)), "pid": os.getpid()}
    runner.send_message(WORKER_MESSAGE, owner)
    gevent.spawn(quit_with_agent, runner, os.getppid())


def quit_with_agent(runner: WorkerRunner, agent_pid: int) -> None:
    # A worker must not outlive its agent (killed with -9, say): nothing would stop it, and the master would
    # keep counting it. The agent is this process's parent; when it dies the worker is re-parented.
    while os.getppid() == agent_pid:
        gevent.sleep(AGENT_CHECK_INTERVAL_S)
    logger.warning("the agent that started this worker (pid %d) is gone; quitting", agent_pid)
    runner.quit()


def start_fleet(
    environment: Environment, plan: Plan | None, configure: Callable[[Plan], None], target_rate: TargetRate
) -> None:
    import grpc.experimental.gevent as grpc_gevent

    options = environment.parsed_options
    grpc_gevent.init_gevent()
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
        environment.runner,
        directory,
        PlanStore(etcd, options.fleet_prefix),
        Dispatcher(security),
        (options.fleet_advertise_host, options.master_bind_port),
        configure,
        target_rate,
    )
    environment.runner.register_message(WORKER_MESSAGE, fleet.on_worker_announce)
    environment.runner.register_message(SCREENSHOT_MESSAGE, fleet.on_screenshot)
    environment.events.test_start.add_listener(lambda **_kwargs: fleet.screenshots.clear())
    calibration.calibration_updated.add_listener(fleet.keep_calibration)
    if plan is not None:
        keep_in_store(fleet.store, plan)
    if environment.web_ui:
        add_web_ui(environment, fleet)
    if options.fleet_agents:
        deploy_at_start(environment, fleet, plan, options.fleet_agents)


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


def add_web_ui(environment: Environment, fleet: Fleet) -> None:
    web_ui = environment.web_ui
    # Locust runs Flask in debug mode, where jsonify indents: 4x slower and 50 % larger for 1,000 agents.
    web_ui.app.json.compact = True
    base_path = getattr(environment.parsed_options, "web_base_path", "") or ""
    base_path = base_path.rstrip("/")
    logged_in = functools.partial(is_logged_in, web_ui)
    web_ui.app.register_blueprint(create_blueprint(fleet, base_path, logged_in))
    web_ui.app.register_blueprint(create_page_blueprint(base_path, logged_in))
    refuse_other_sites(web_ui.app)
    link_from_locust_page(web_ui.app, base_path)
    web_ui.template_args["extended_tabs"] = [{"title": "Fleet agents", "key": "fleet-agents"}]
    web_ui.template_args["extended_tables"] = [
        {"key": "fleet-agents", "structure": [{"key": key, "title": title} for key, title in AGENT_COLUMNS]}
    ]

    @web_ui.app.after_request
    def add_agents_to_stats(response):
        if request.path.endswith("/stats/requests") and response.is_json:
            extended = [{"key": "fleet-agents", "data": agents_tab_rows(fleet)}]
            response.set_data(json.dumps({**response.json, "extended_stats": extended}))
        return response


def is_logged_in(web_ui: Any) -> bool:
    """Whether the request may go on: always, unless --web-login asks for a login that has not happened.

    Not Locust's auth_required_if_enabled: it turns every exception of the view, our 400s and 404s included,
    into a 200 page of text.
    """
    return not web_ui.web_login or current_user.is_authenticated


def deploy_at_start(environment: Environment, fleet: Fleet, plan: Plan | None, spec: str) -> None:
    """Headless: deploy the plan before Locust waits for --expect-workers; release the agents when it quits."""
    if plan is None:
        exit_bad_input(["--fleet-agents: needs --fleet-plan, the plan to deploy"])
    ids = "all" if spec == "all" else [agent_id.strip() for agent_id in spec.split(",") if agent_id.strip()]
    agents = wait_for_agents(fleet, ids)
    result = fleet.deploy(plan, agents)
    deployed = [agent for agent in agents if result["results"][agent["id"]]["ok"]]
    if not deployed:
        exit_bad_input([f"--fleet-agents: {agent_id}: {r['message']}" for agent_id, r in result["results"].items()])

    @environment.events.quitting.add_listener
    def release_at_quit(**_kwargs: Any) -> None:
        fleet.release(deployed)


def wait_for_agents(fleet: Fleet, ids: list[str] | str) -> list[dict[str, Any]]:
    deadline = gevent.get_hub().loop.now() + AGENTS_WAIT_S
    while True:
        try:
            if fleet.directory.available:
                agents = fleet.resolve_agents(ids, "--fleet-agents")
                if agents:
                    return agents
                error = FleetError("no agent is registered", "--fleet-agents")
            else:
                error = FleetError(fleet.directory.error or "discovery unavailable", "--fleet-agents")
        except FleetError as failure:
            error = failure
        if gevent.get_hub().loop.now() >= deadline:
            exit_bad_input([f"{error.path}: {error.message}"])
        gevent.sleep(0.2)


def exit_bad_input(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)
