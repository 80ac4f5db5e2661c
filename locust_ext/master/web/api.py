"""The REST API under `<web base path>/fleet/api`, a Flask blueprint behind the same login as Locust's own routes.

Bad input answers 400 `{"error", "path"}` (plan errors also list every issue); a plan saved by someone else
since the revision in `If-Match` answers 412; etcd away answers 503; without the login `--web-login` asks for,
401. Handlers stay thin: they parse the request and call `Fleet` or `PlanStore`.

Other web sites get nowhere: a request that changes something (any method but GET, HEAD and OPTIONS), here or
on Locust's own routes, is refused when the browser says it comes from another site, and the API's answers
allow only their own origin, so a page elsewhere cannot read them either (Locust's app allows every origin).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from locust_ext.master.fleet import Fleet, FleetError
from locust_ext.master.plan_store import PlanNotFound, RevisionConflict
from locust_ext.master.run_store import RunNotFound
from locust_ext.master.tryout import try_plan
from locust_ext.master.web.openapi import document
from locust_ext.plan.eject import eject
from locust_ext.plan.importers import FORMAT_DESCRIPTIONS, ImportFailed, import_plan
from locust_ext.plan.schema import SYNTAX_VALUES, describe
from locust_ext.plan.validation import PlanError, parse_plan
from locust_ext.users.history import DEFAULT_TOLERANCE, compare_runs
from locust_ext.users.process import process_state
from locust_ext.wire.etcd import EtcdUnavailable
from locust_ext.wire.records import record_json

IMPORT_FORMATS = [{"name": name, "description": text} for name, text in FORMAT_DESCRIPTIONS.items()]
AGENT_COLUMNS = [
    ("id", "Agent"),
    ("address", "Address"),
    ("state", "State"),
    ("plan", "Plan"),
    ("workers", "Locust workers"),
    ("message", "Message"),
]


def create_blueprint(fleet: Fleet, base_path: str, logged_in: Callable[[], bool]) -> Blueprint:
    """The API; `logged_in` says whether the request may go on (Locust's --web-login)."""
    url_prefix = f"{base_path}/fleet/api"
    api = Blueprint("fleet_api", __name__, url_prefix=url_prefix)

    @api.before_request
    def require_login() -> Any:
        # One check for every route, so no route can be added without it.
        if logged_in():
            return None
        message = f"log in first: this master runs with --web-login (the login page is {base_path}/login)"
        return jsonify(error=message, path=""), 401

    @api.errorhandler(FleetError)
    def fleet_error(error: FleetError) -> tuple[Response, int]:
        return jsonify(error=error.message, path=error.path), error.status

    @api.errorhandler(PlanError)
    def plan_error(error: PlanError) -> tuple[Response, int]:
        issues = [{"path": issue.path, "message": issue.message} for issue in error.issues]
        return jsonify(error=error.issues[0].message, path=error.issues[0].path, issues=issues), 400

    @api.app_errorhandler(404)
    @api.app_errorhandler(405)
    def route_error(error: HTTPException) -> Any:
        # Locust's own pages keep Flask's answers; API clients get JSON that says where the routes are.
        if not request.path.startswith(url_prefix + "/"):
            return error
        message = f"{error.name}: {request.method} {request.path}; the routes are in {api.url_prefix}/openapi.json"
        return jsonify(error=message, path=""), error.code

    @api.errorhandler(ImportFailed)
    def import_failed(error: ImportFailed) -> tuple[Response, int]:
        return jsonify(error=error.message, path=error.path), 400

    @api.errorhandler(RunNotFound)
    def run_not_found(error: RunNotFound) -> tuple[Response, int]:
        return jsonify(error=f"no run '{error.args[0]}' is kept; GET {url_prefix}/runs lists them", path=""), 404

    @api.errorhandler(EtcdUnavailable)
    def etcd_unavailable(error: EtcdUnavailable) -> tuple[Response, int]:
        return jsonify(error=str(error), path=""), 503

    @api.after_request
    def unreadable_elsewhere(response: Response) -> Response:
        # Locust's CORS extension leaves alone an answer that already names its allowed origin: this one.
        response.headers["Access-Control-Allow-Origin"] = request.host_url.rstrip("/")
        return response

    @api.get("/agents")
    def list_agents() -> Any:
        agents = fleet.agents()
        elastic = fleet.elastic.record() if fleet.elastic is not None else None
        if not fleet.directory.available:
            return jsonify(error=fleet.directory.error, path="", agents=agents, elastic=elastic), 503
        return jsonify(agents=agents, elastic=elastic)

    @api.get("/plans")
    def list_plans() -> Any:
        return jsonify(plans=fleet.store.list())

    @api.get("/plans/<name>")
    def get_plan(name: str) -> Any:
        stored = _stored_plan(fleet, name)
        return _with_revision(jsonify(stored.plan), stored.revision)

    @api.put("/plans/<name>")
    def put_plan(name: str) -> Any:
        body = _json_body()
        try:
            stored = fleet.store.put(name, body, _if_match())
        except RevisionConflict:
            current = _current_revision(fleet, name)
            message = f"plan '{name}' was saved by someone else (revision {current}); reload it and apply your change"
            return jsonify(error=message, path="", revision=current), 412
        return _with_revision(jsonify(name=stored.name, revision=stored.revision, plan=stored.plan), stored.revision)

    @api.get("/runs")
    def list_runs() -> Any:
        return jsonify(runs=fleet.runs.list(request.args.get("plan", "")))

    @api.get("/runs/<run_id>")
    def get_run(run_id: str) -> Any:
        return jsonify(fleet.runs.get(run_id))

    @api.delete("/runs/<run_id>")
    def delete_run(run_id: str) -> Any:
        fleet.runs.delete(run_id)
        return "", 204

    @api.put("/runs/<run_id>/baseline")
    def set_baseline(run_id: str) -> Any:
        return jsonify(plan=fleet.runs.set_baseline(run_id), baseline=run_id)

    @api.get("/runs/<run_id>/compare")
    def compare(run_id: str) -> Any:
        run = fleet.runs.get(run_id)
        other = request.args.get("with") or fleet.runs.baseline(run["plan"])
        if not other:
            raise FleetError(f"plan '{run['plan']}' has no baseline: give ?with=<run id>, or set one", "with")
        baseline = fleet.runs.get(other)
        if baseline["plan"] != run["plan"]:
            raise FleetError(f"run '{other}' is of plan '{baseline['plan']}', not '{run['plan']}'", "with")
        return jsonify(compare_runs(run, baseline, _tolerance()))

    @api.get("/thresholds")
    def thresholds() -> Any:
        state = process_state(fleet.runner.environment)
        return jsonify(state.thresholds.report(state.run_id, state.plan.name if state.plan else ""))

    @api.get("/plans/<name>/calibration")
    def get_calibration(name: str) -> Any:
        try:
            return jsonify(fleet.store.calibration(name))
        except PlanNotFound:
            raise FleetError(f"plan '{name}' has no calibration yet; run a plan with load.calibrate", "", 404) from None

    @api.get("/plans/<name>/eject")
    def eject_plan(name: str) -> Any:
        """The plan as a plain locustfile; what it leaves out is in its docstring and in `X-Eject-Warnings`."""
        text, warnings = eject(parse_plan(_stored_plan(fleet, name).plan))
        response = Response(text, mimetype="text/x-python")
        response.headers["Content-Disposition"] = f'attachment; filename="{_locustfile_name(name)}"'
        response.headers["X-Eject-Warnings"] = str(len(warnings))
        return response

    @api.delete("/plans/<name>")
    def delete_plan(name: str) -> Any:
        try:
            fleet.store.delete(name)
        except PlanNotFound:
            raise FleetError(f"no plan named '{name}'", "", 404) from None
        return "", 204

    @api.get("/schema")
    def schema() -> Any:
        return jsonify(describe() | {"importFormats": IMPORT_FORMATS, "syntaxValues": SYNTAX_VALUES})

    @api.post("/import")
    def import_() -> Any:
        include_static = request.args.get("includeStatic", "") in ("1", "true")
        text = request.get_data(as_text=True)
        result = import_plan(text, request.args.get("format"), request.args.get("name"), include_static=include_static)
        warnings = [record_json(warning) for warning in result.warnings]
        return jsonify(plan=result.plan, warnings=warnings, format=result.format)

    @api.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(document())

    @api.post("/try")
    def try_once() -> Any:
        # Secrets stay masked unless asked for: ?reveal=1.
        reveal = request.args.get("reveal", "") in ("1", "true")
        return jsonify(try_plan(parse_plan(_json_body()), reveal))

    @api.post("/deploy")
    def deploy() -> Any:
        body = _json_body()
        selection = fleet.selection(body.get("agents"))
        elastic = body.get("elastic", False)
        if not isinstance(elastic, bool):
            raise FleetError("expected true or false", "elastic")
        if elastic and not selection.is_selector:
            expected = 'an elastic run takes a selector ("all" or labels such as zone=eu), not agent ids'
            raise FleetError(expected, "agents")
        agents = fleet.agents_of(selection)
        if not agents and not elastic:
            raise FleetError(f"no registered agent matches '{selection.text}'", "agents")
        stored = fleet.load_plan(body.get("plan"))
        return jsonify(
            fleet.deploy(
                stored.message(), agents, body.get("processes", 0), stored.revision, selection if elastic else None
            )
        )

    @api.get("/rate")
    def rate() -> Any:
        return jsonify(fleet.target_rate.summary())

    @api.get("/screenshots")
    def list_screenshots() -> Any:
        return jsonify(screenshots=fleet.screenshots.list())

    @api.get("/screenshots/<int:shot_id>.png")
    def screenshot(shot_id: int) -> Any:
        shot = fleet.screenshots.get(shot_id)
        if shot is None:
            raise FleetError(f"no screenshot {shot_id}; the list is at {api.url_prefix}/screenshots", "", 404)
        return Response(shot.png, mimetype="image/png")

    @api.post("/release")
    def release() -> Any:
        selection = fleet.selection(_json_body().get("agents"))
        return jsonify(fleet.release(fleet.agents_of(selection), selection))

    return api


def _stored_plan(fleet: Fleet, name: str) -> Any:
    try:
        return fleet.store.get(name)
    except PlanNotFound:
        raise FleetError(f"no plan named '{name}'", "", 404) from None


def _locustfile_name(plan_name: str) -> str:
    """`locustfile_<plan>.py`; plan names are letters, digits, '.', '_' and '-', so the name needs no quoting."""
    return f"locustfile_{plan_name.replace('.', '_').replace('-', '_')}.py"


def _current_revision(fleet: Fleet, name: str) -> int:
    try:
        return fleet.store.get(name).revision
    except PlanNotFound:
        return 0


def _tolerance() -> float:
    text = request.args.get("tolerance", "")
    if not text:
        return DEFAULT_TOLERANCE
    try:
        tolerance = float(text)
    except ValueError:
        tolerance = -1.0
    if not 0 <= tolerance <= 10:
        raise FleetError(f"expected a fraction from 0 to 10 (0.1 is 10 %), got '{text}'", "tolerance")
    return tolerance


def _json_body() -> dict[str, Any]:
    if not request.is_json:
        got = request.content_type or "none"
        raise FleetError(f"expected a JSON body (Content-Type: application/json), got {got}", "Content-Type", 415)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # the parser recurses per level; `silent` only covers bad syntax
        raise FleetError("expected a JSON object, got JSON nested too deeply to read", "body") from None
    if not isinstance(body, dict):
        raise FleetError("expected a JSON object", "body")
    return body


def _if_match() -> int | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    value = header.strip().strip('"')
    if not value.isdigit():
        raise FleetError(f"expected a revision number, got {header!r}", "If-Match")
    return int(value)


def _with_revision(response: Response, revision: int) -> Response:
    response.headers["ETag"] = f'"{revision}"'
    return response


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def refuse_other_sites(app: Flask) -> None:
    """Refuse requests that change something when the browser says another site sent them (403)."""

    @app.before_request
    def same_site_only() -> Any:
        if request.method in SAFE_METHODS:
            return None
        origin = request.headers.get("Origin")
        fetch_site = request.headers.get("Sec-Fetch-Site", "same-origin")
        if fetch_site in ("same-origin", "none") and (not origin or urlsplit(origin).netloc == request.host):
            return None
        message = f"refused: a {request.method} from another site ({origin or fetch_site}); use this page or the API"
        return jsonify(error=message, path="Origin"), 403


def agents_tab_rows(fleet: Fleet) -> list[dict[str, str]]:
    """The agents as rows of Locust's extended tab table."""
    rows = []
    for agent in fleet.agents():
        workers = ", ".join(f"{worker['id']} ({worker['state']})" for worker in agent["locustWorkers"]) or "-"
        rows.append({key: str(agent.get(key, "")) for key, _ in AGENT_COLUMNS} | {"workers": workers})
    return rows
