"""The fleet's web layer hooked into Locust's own Flask app: the API and page blueprints, the "Fleet agents" tab,
the login check, and TCP_NODELAY on the web UI's socket."""

from __future__ import annotations

import functools
import json
import logging
import socket
from typing import Any

import gevent
from flask import request
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user
from locust.env import Environment

from locust_ext.master.fleet import Fleet
from locust_ext.master.web.api import AGENT_COLUMNS, agents_tab_rows, create_blueprint, refuse_other_sites
from locust_ext.master.web.metrics import AgentsView, WorkerOwners, create_metrics_blueprint
from locust_ext.master.web.page import create_page_blueprint, link_from_locust_page
from locust_ext.users.process import process_state

logger = logging.getLogger(__name__)


def add_web_ui(environment: Environment, fleet: Fleet) -> None:
    web_ui = environment.web_ui
    if web_ui is None or web_ui.app is None:  # WebUI makes its app when it is made
        raise RuntimeError("the fleet's web layer needs Locust's web UI; this process runs without one")
    app = web_ui.app
    # Locust runs Flask in debug mode, where jsonify indents: 4x slower and 50 % larger for 1,000 agents.
    if isinstance(app.json, DefaultJSONProvider):  # Flask's, unless someone set another
        app.json.compact = True
    base_path = getattr(environment.parsed_options, "web_base_path", "") or ""
    base_path = base_path.rstrip("/")
    logged_in = functools.partial(is_logged_in, web_ui)
    app.register_blueprint(create_blueprint(fleet, base_path, logged_in))
    app.register_blueprint(create_page_blueprint(base_path, logged_in))
    add_metrics(environment, fleet.directory.list, lambda: fleet.worker_owners)
    remember_who_starts(environment)
    refuse_other_sites(app)
    link_from_locust_page(app, base_path)
    web_ui.template_args["extended_tabs"] = [{"title": "Fleet agents", "key": "fleet-agents"}]
    web_ui.template_args["extended_tables"] = [
        {"key": "fleet-agents", "structure": [{"key": key, "title": title} for key, title in AGENT_COLUMNS]}
    ]

    @app.after_request
    def add_agents_to_stats(response):
        if request.path.endswith("/stats/requests") and response.is_json:
            extended = [{"key": "fleet-agents", "data": agents_tab_rows(fleet)}]
            response.set_data(json.dumps({**response.json, "extended_stats": extended}))
        return response


def remember_who_starts(environment: Environment) -> None:
    """A run started with --web-login is recorded as started by the logged-in user (Locust starts it in a greenlet of
    its own, outside the request)."""
    web_ui = environment.web_ui
    if web_ui is None or web_ui.app is None or not web_ui.web_login:
        return
    state = process_state(environment)

    @web_ui.app.before_request
    def note_the_user() -> None:
        if request.method == "POST" and request.path.endswith("/swarm") and current_user.is_authenticated:
            state.started_by = str(current_user.get_id())


def add_metrics(environment: Environment, agents: AgentsView | None = None, owners: WorkerOwners | None = None) -> None:
    """`/metrics` for Prometheus, on a master or a standalone process with a web UI."""
    web_ui = environment.web_ui
    if web_ui is None or web_ui.app is None:
        return
    options = environment.parsed_options
    base_path = (getattr(options, "web_base_path", "") or "").rstrip("/")
    token = getattr(options, "fleet_metrics_token", "")
    if web_ui.web_login and not token:
        logger.warning("--web-login without --fleet-metrics-token: /metrics refuses every scrape; give a token")
    blueprint = create_metrics_blueprint(environment, base_path, token, bool(web_ui.web_login), agents, owners)
    web_ui.app.register_blueprint(blueprint)


def is_logged_in(web_ui: Any) -> bool:
    """Whether the request may go on: always, unless --web-login asks for a login that has not happened.

    Not Locust's auth_required_if_enabled: it turns every exception of the view, our 400s and 404s included,
    into a 200 page of text.
    """
    return not web_ui.web_login or current_user.is_authenticated


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
