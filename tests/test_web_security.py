"""The master's web side: `--web-login` guards the page and every API route, changes come as JSON from this
site only, and other sites cannot read the API's answers."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from locust_ext.master.web.openapi import document
from tests.fleet_fixtures import EtcdServer, FleetMaster, StartAgent, demo_plan, wait_until
from tests.reliability import record

pytest_plugins = ("tests.fleet_fixtures",)
LOGIN_LOCUSTFILE = Path(__file__).with_name("login_locustfile.py")
METRICS_TOKEN = "prometheus-scrape-token-0123"
PASSWORD = "operator-pw-0123456789"
EVIL = "http://evil.example"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def opener(jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
    handlers: list[Any] = [NoRedirects()]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


def send(
    client: urllib.request.OpenerDirector, url: str, method: str = "GET", body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with client.open(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def login_master(
    tmp_path: Path, etcd_server: EtcdServer, fleet_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FleetMaster]:
    monkeypatch.setenv("FLEET_TEST_PASSWORD", PASSWORD)
    monkeypatch.setenv("LOCUST_FLEET_METRICS_TOKEN", METRICS_TOKEN)
    extra = ("-f", str(LOGIN_LOCUSTFILE), "--web-login")
    master = FleetMaster(tmp_path / "unused.json", tmp_path / "login-master.log", etcd_server, fleet_prefix, extra)
    master.launch()
    try:
        wait_until(lambda: master.api("GET", "/agents")[0] == 401, 60, "the API asked for a login", master.log)
        yield master
    finally:
        master.stop()


def every_operation() -> list[tuple[str, str]]:
    """(method, path) of every operation the OpenAPI description lists, with its parameters filled in."""
    operations = []
    for path, item in document()["paths"].items():
        concrete = re.sub(r"\{name\}", "some-plan", re.sub(r"\{id\}", "1", path))
        operations += [(method.upper(), concrete) for method in ("get", "put", "post", "delete") if method in item]
    return operations


def test_with_web_login_the_page_and_every_api_route_refuse_strangers(login_master: FleetMaster, demo_app: str) -> None:
    stranger = opener()
    plan = json.dumps(demo_plan(demo_app) | {"name": "some-plan"}).encode()
    refused = 0
    for method, path in every_operation():
        body = None if method in ("GET", "DELETE") else plan
        status, _, content = send(stranger, f"{login_master.url}/fleet/api{path}", method, body, **json_type())
        assert status == 401, (method, path, status, content[:200])
        assert "log in first" in json.loads(content)["error"], content
        refused += 1
    page_status, page_headers, _ = send(stranger, f"{login_master.url}/fleet/")
    assert page_status == 302 and "/login" in page_headers["Location"], (page_status, page_headers)

    jar = http.cookiejar.CookieJar()
    operator = opener(jar)
    form = urllib.parse.urlencode({"username": "operator", "password": PASSWORD}).encode()
    login_url = f"{login_master.url}/login_submit"
    assert send(operator, login_url, "POST", form, **{"Content-Type": "application/x-www-form-urlencoded"})[0] == 302
    status, _, content = send(operator, f"{login_master.url}/fleet/api/plans")
    assert status == 200 and json.loads(content) == {"plans": []}, content  # nothing the strangers sent was kept
    status, _, _ = send(operator, f"{login_master.url}/fleet/api/plans/some-plan", "PUT", plan, **json_type())
    assert status == 200
    assert send(operator, f"{login_master.url}/fleet/")[0] == 200
    record(
        "input",
        "requests without a login (--web-login)",
        tried=refused + 1,
        survived=refused + 1,
        detail=f"every one of the {refused} API operations answered 401, the page redirected to the login",
    )


def test_with_web_login_a_scrape_needs_the_metrics_token_which_opens_nothing_else(login_master: FleetMaster) -> None:
    client = opener()
    metrics = f"{login_master.url}/metrics"
    assert send(client, metrics)[0] == 401
    assert send(client, metrics, Authorization="Bearer not-the-token")[0] == 401
    status, headers, content = send(client, metrics, Authorization=f"Bearer {METRICS_TOKEN}")
    assert status == 200 and headers["Content-Type"].startswith("text/plain"), (status, headers)
    assert b"# TYPE locust_fleet_requests_total counter" in content and b"locust_fleet_run_info" in content
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    assert send(client, f"{login_master.url}/fleet/api/plans", "GET", None, **bearer)[0] == 401
    assert send(client, f"{login_master.url}/fleet/", "GET", None, **bearer)[0] == 302


def logged_in(master: FleetMaster) -> urllib.request.OpenerDirector:
    operator = opener(http.cookiejar.CookieJar())
    form = urllib.parse.urlencode({"username": "operator", "password": PASSWORD}).encode()
    url = f"{master.url}/login_submit"
    assert send(operator, url, "POST", form, **{"Content-Type": "application/x-www-form-urlencoded"})[0] == 302
    return operator


def test_a_run_started_by_a_logged_in_user_is_recorded_as_theirs(
    login_master: FleetMaster, start_agent: StartAgent, httpbin: str
) -> None:
    operator = logged_in(login_master)
    api = f"{login_master.url}/fleet/api"

    def call(method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        status, _, content = send(operator, f"{api}{path}", method, data, **json_type())
        assert status == 200, content
        return json.loads(content)

    call("PUT", "/plans/fleet-demo", demo_plan(httpbin))
    start_agent(agent_id="logged", extra=("--processes", "1", "--no-browser")).wait_registered()
    wait_until(lambda: "logged" in {a["id"] for a in call("GET", "/agents")["agents"]}, 60, "the agent listed")
    assert call("POST", "/deploy", {"plan": "fleet-demo", "agents": ["logged"]})["results"]["logged"]["ok"]

    def ready_workers() -> int:
        stats = json.loads(send(operator, f"{login_master.url}/stats/requests")[2])
        return sum(worker["state"] == "ready" for worker in stats["workers"])

    wait_until(lambda: ready_workers() == 1, 60, "the worker ready", login_master.log)
    form = urllib.parse.urlencode({"user_count": 1, "spawn_rate": 1, "host": httpbin}).encode()
    swarm = f"{login_master.url}/swarm"
    assert send(operator, swarm, "POST", form, **{"Content-Type": "application/x-www-form-urlencoded"})[0] == 200
    [run] = wait_until(lambda: call("GET", "/runs?plan=fleet-demo")["runs"], 60, "the run recorded", login_master.log)
    assert run["startedBy"] == "operator", run
    call("POST", "/release", {"agents": ["logged"]})


def json_type() -> dict[str, str]:
    return {"Content-Type": "application/json"}


def test_changes_come_as_json_from_this_site_only(fleet_master: FleetMaster, demo_app: str) -> None:
    client = opener()
    api = f"{fleet_master.url}/fleet/api"
    plan = json.dumps(demo_plan(demo_app) | {"name": "guarded-web"}).encode()
    own_origin = fleet_master.url

    status, _, content = send(client, f"{api}/plans/guarded-web", "PUT", plan, **{"Content-Type": "text/plain"})
    assert status == 415 and "expected a JSON body" in json.loads(content)["error"], content
    cross_site = [
        {**json_type(), "Origin": EVIL},
        {**json_type(), "Sec-Fetch-Site": "cross-site"},
        {**json_type(), "Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"},
    ]
    for headers in cross_site:
        status, _, content = send(client, f"{api}/plans/guarded-web", "PUT", plan, **headers)
        assert status == 403 and "from another site" in json.loads(content)["error"], (headers, content)
        status, _, _ = send(client, f"{fleet_master.url}/swarm", "POST", b"user_count=1&spawn_rate=1", **headers)
        assert status == 403, headers  # Locust's own routes too: another site cannot start a run
    assert fleet_master.api("GET", "/plans/guarded-web")[0] == 404

    status, _, _ = send(client, f"{api}/plans/guarded-web", "PUT", plan, **json_type(), Origin=own_origin)
    assert status == 200
    status, headers, _ = send(client, f"{api}/plans", Origin=EVIL)
    assert status == 200 and headers.get("Access-Control-Allow-Origin") == own_origin, headers
    record(
        "input",
        "requests from another site or not JSON",
        tried=1 + 2 * len(cross_site),
        survived=1 + 2 * len(cross_site),
        detail="a text/plain body answered 415; PUT and Locust's /swarm from another site answered 403",
    )
