"""Parity with Postman's own runner: one collection run by newman and by our import + try once, side by side.

newman is the oracle. For each request (paired by position: both run the collection's items in order) it compares
what was sent (method, URL, body, the headers the collection chose) and, per Postman test name, passed or failed.
Our side: `import_plan`, the servers' URLs put into the plan's variables, then `try_plan`. An assertion the importer
made from `pm.test('name', ...)` carries that name, so its check's label starts with `"name: "`; a test with no such
check was not converted. `Parity.report()` says what differs, request by request, for whoever fixes the converter.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from locust_ext.master.tryout import try_plan
from locust_ext.plan.importers import import_plan
from locust_ext.plan.validation import parse_plan
from tests.helpers import ROOT

NEWMAN = ROOT / "tools" / "newman" / "node_modules" / ".bin" / "newman"
NEWMAN_TIMEOUT_S = 120
REQUEST_TIMEOUT_S = 30
MIN_ISSUED_CHARS = 8
NOT_CONVERTED = "not converted"

# Headers each client adds by itself, whatever the collection says (Postman's User-Agent and Postman-Token, httpx's
# own Accept...): not the collection's meaning. Content-Length follows the body, which is compared on its own.
# Cookie is left out because newman's report does not show it; what cookies carry shows in later requests.
_CLIENT_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "cache-control",
        "connection",
        "content-length",
        "cookie",
        "host",
        "postman-token",
        "user-agent",
    }
)
# Values that are random or the clock by definition ({{$guid}}, uuid.v4(), Date.now(), httpbin's /uuid): two runs
# can never agree on them, only on where they are. A template left unrendered is no UUID, so it still shows.
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_EPOCH_MS = re.compile(r"\b1[5-9]\d{11}\b")


class NewmanMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class SentRequest:
    """A request as it went out, normalised so that only meaning is compared."""

    method: str
    url: str
    body: str
    headers: tuple[tuple[str, str], ...]


@dataclass
class Exchange:
    """One request on one side: what was sent, each Postman test's outcome, and problems that are no test."""

    name: str
    request: SentRequest | None
    tests: dict[str, bool] = field(default_factory=dict)  # newman: Postman test name -> passed
    checks: list[tuple[str, bool]] = field(default_factory=list)  # ours: assert label -> ok
    problems: list[str] = field(default_factory=list)
    step: str = ""  # our plan path (tasks[0].steps[2]); empty on newman's side
    request_unknown: bool = False  # newman's report shows another request in its place (see `_own_executions`)


@dataclass
class Parity:
    collection: str
    newman: list[Exchange]
    ours: list[Exchange]
    warnings: list[tuple[str, str]]  # (step path, message), as the import returned them
    plan: dict[str, Any]

    @property
    def messages(self) -> list[str]:
        return [message for _, message in self.warnings]

    def mismatches(self, unconvertible: frozenset[str] = frozenset()) -> list[str]:
        """Every difference, one line each; a test named in `unconvertible` may be not converted, not disagree."""
        lines: list[str] = []
        if len(self.newman) != len(self.ours):
            lines.append(
                f"{len(self.newman)} requests in newman, {len(self.ours)} in ours: "
                f"newman {[e.name for e in self.newman]}, ours {[e.name for e in self.ours]}"
            )
        for index, (theirs, ours) in enumerate(zip(self.newman, self.ours, strict=False)):
            where = f"request {index + 1} '{theirs.name}' ({ours.step or 'no step'})"
            lines += [f"{where}: {line}" for line in _exchange_differences(theirs, ours, unconvertible)]
        return lines

    def report(self, unconvertible: frozenset[str] = frozenset()) -> str:
        """The mismatches, then the import's warnings: what the lead needs to fix the converter."""
        mismatches = self.mismatches(unconvertible)
        if not mismatches:
            return f"{self.collection}: newman and ours agree on {len(self.newman)} requests"
        warned = [f"  [{step or 'no step'}] {message}" for step, message in self.warnings]
        return "\n".join(
            [f"{self.collection}: {len(mismatches)} differences from newman", *(f"  {m}" for m in mismatches)]
            + (["import warnings:", *warned] if warned else [])
        )

    def passing_steps(self) -> list[str]:
        """Our step names whose request newman ran cleanly with every test passing: the load must not fail them."""
        return [
            ours.name
            for theirs, ours in zip(self.newman, self.ours, strict=False)
            if all(theirs.tests.values()) and not theirs.problems
        ]


def compare(collection: Path, work: Path, variables: dict[str, str], environment: Path | None = None) -> Parity:
    """Run `collection` with newman and with our import + try once; `variables` point both at local servers."""
    for value in variables.values():
        _require_loopback(value)
    executions = run_newman(collection, work, variables, environment)
    result = import_plan(collection.read_text())
    plan = result.plan | {"variables": {**result.plan.get("variables", {}), **_environment_values(environment)}}
    plan["variables"].update(variables)
    steps = try_plan(parse_plan(plan), reveal=True)["steps"]
    their_view, our_view = _views(executions, steps)
    return Parity(
        collection.name,
        [_newman_exchange(execution, their_view) for execution in executions],
        [_our_exchange(step, our_view) for step in steps],
        [(warning.step, warning.message) for warning in result.warnings],
        plan,
    )


def run_newman(
    collection: Path, work: Path, variables: dict[str, str], environment: Path | None = None
) -> list[dict[str, Any]]:
    """newman's executions from its JSON report. `--env-var` is how a Postman user points a run at a server: the
    environment outranks collection variables, as our plan's variables are replaced by the same values."""
    if not NEWMAN.exists():
        raise NewmanMissing(
            f"{NEWMAN} is missing: run `bash scripts/install.sh` (it installs newman into tools/newman)"
        )
    report = work / f"{collection.stem}.newman.json"
    command = [str(NEWMAN), "run", str(collection), "-r", "json", "--reporter-json-export", str(report)]
    command += ["--timeout", str(NEWMAN_TIMEOUT_S * 1000), "--timeout-request", str(REQUEST_TIMEOUT_S * 1000)]
    command += [arg for name, value in variables.items() for arg in ("--env-var", f"{name}={value}")]
    command += ["--environment", str(environment)] if environment else []
    completed = subprocess.run(command, capture_output=True, text=True, timeout=NEWMAN_TIMEOUT_S, cwd=work)
    if not report.exists():  # exit 1 is a failed test, which is fine; no report is newman itself failing
        raise RuntimeError(f"newman wrote no report (exit {completed.returncode}): {completed.stderr[-2000:]}")
    return _own_executions(json.loads(report.read_text())["run"]["executions"])


def _own_executions(executions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One execution per item run. newman's report pushes an item's execution again for each request made while it
    runs (a script's pm.sendRequest), each copy holding the last request: the copies go, and an execution whose
    last request came from a script (its cursor names the script) is marked as not showing the item's own request."""
    own: list[dict[str, Any]] = []
    for execution in executions:
        if own and own[-1]["cursor"].get("ref") == execution["cursor"].get("ref"):
            continue
        own.append(execution | {"requestUnknown": "scriptId" in execution["cursor"]})
    return own


class _View:
    """How one side's requests are seen: meaning only. Each normalisation says why it is legitimate."""

    def __init__(self, issued: dict[str, str]) -> None:
        # Values the server issued during this run (a login token, httpbin's /uuid): the two runs never agree on them,
        # only on where they are used, so each becomes the place it came from, e.g. `<'login' $.token>`.
        self.issued = sorted(issued.items(), key=lambda item: len(item[0]), reverse=True)

    def url(self, url: str) -> str:
        """Percent-encoding undone (Postman reports the query as typed and encodes it when sending; httpx reports it
        encoded), query parameters by name (see `_pairs`), a loopback name for 127.0.0.1/localhost/::1 (the same
        server), an empty path as `/` (what goes on the wire) and no trailing `?` (an empty query is no query)."""
        parts = urlsplit(url)
        host = "loopback" if _is_loopback(parts.hostname or "") else parts.hostname
        port = f":{parts.port}" if parts.port else ""
        query = _pairs(parts.query)
        text = f"{parts.scheme.lower()}://{host}{port}{unquote(parts.path) or '/'}" + (f"?{query}" if query else "")
        return self.masked(text)

    def body(self, text: str, form: bool = False) -> str:
        """A JSON body as its document (the importer re-serialises raw JSON: spacing and key order are no meaning),
        a form as its decoded pairs (see `_pairs`), any other body as it is."""
        if form:
            return self.masked(_pairs(text))
        try:
            return self.masked(json.dumps(json.loads(text), sort_keys=True)) if text.strip() else ""
        except ValueError:
            return self.masked(text)

    def headers(self, headers: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """The headers the collection chose, by lower-case name (HTTP names are case-insensitive), sorted (order
        carries no meaning between distinct names)."""
        chosen = [(name.lower(), self.masked(value)) for name, value in headers if name.lower() not in _CLIENT_HEADERS]
        return tuple(sorted(chosen))

    def masked(self, text: str) -> str:
        for value, origin in self.issued:
            text = text.replace(value, origin)
        return _EPOCH_MS.sub("<epoch-ms>", _UUID.sub("<uuid>", text))


def _pairs(query: str) -> str:
    """Decoded `name=value` pairs sorted by name, stably: a plan keeps params and form fields in maps, which do not keep
    their order, and a server reads distinct names by name; repeated names keep their order, which can matter."""
    pairs = sorted(parse_qsl(query, keep_blank_values=True), key=lambda pair: pair[0])
    return "&".join(f"{name}={value}" for name, value in pairs)


def _views(executions: list[dict[str, Any]], steps: list[dict[str, Any]]) -> tuple[_View, _View]:
    """The strings at the same place of the same response that differ between the runs and echo nothing either side
    sent: what the server issued to each. Short strings are left alone, as too likely to occur elsewhere by chance."""
    theirs: dict[str, str] = {}
    ours: dict[str, str] = {}
    for execution, step in zip(executions, steps, strict=False):
        if execution["requestUnknown"]:
            continue
        their_leaves = _json_leaves(bytes(execution.get("response", {}).get("stream", {}).get("data", [])).decode())
        our_leaves = _json_leaves(step.get("response", {}).get("body", ""))
        sent = _newman_sent_text(execution.get("request") or {}) + _our_sent_text(step.get("request") or {})
        for path in their_leaves.keys() & our_leaves.keys():
            values = (their_leaves[path], our_leaves[path])
            echoed = any(value in sent for value in values)
            if values[0] != values[1] and min(map(len, values)) >= MIN_ISSUED_CHARS and not echoed:
                origin = f"<{execution.get('item', {}).get('name', '')!r} {path}>"
                theirs.setdefault(values[0], origin)
                ours.setdefault(values[1], origin)
    return _View(theirs), _View(ours)


def _newman_sent_text(request: dict[str, Any]) -> str:
    headers = " ".join(str(entry.get("value", "")) for entry in request.get("header", []))
    return " ".join((unquote(_newman_url(request.get("url") or {})), _newman_body(request)[0], headers))


def _our_sent_text(request: dict[str, Any]) -> str:
    headers = " ".join(request.get("headers", {}).values())
    return " ".join((unquote(request.get("url", "")), request.get("body", ""), headers))


def _json_leaves(text: str) -> dict[str, str]:
    """Every string in a JSON document by its JSONPath; nothing for a body that is not JSON."""
    try:
        document = json.loads(text)
    except ValueError:
        return {}
    leaves: dict[str, str] = {}
    pending: list[tuple[str, Any]] = [("$", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            leaves[path] = value
        elif isinstance(value, dict):
            pending += [(f"{path}.{key}", child) for key, child in value.items()]
        elif isinstance(value, list):
            pending += [(f"{path}[{index}]", child) for index, child in enumerate(value)]
    return leaves


def _newman_exchange(execution: dict[str, Any], view: _View) -> Exchange:
    request = execution.get("request") or {}
    # A tripwire: every URL was built from loopback variables, but a collection could name a host of its own.
    url = _require_loopback(_newman_url(request.get("url") or {}))
    headers = [
        (entry["key"], entry.get("value", "")) for entry in request.get("header", []) if not entry.get("disabled")
    ]
    body, form = _newman_body(request)
    if form and not any(name.lower() == "content-type" for name, _ in headers):
        # newman sends this type with an urlencoded body (httpbin echoes it) but leaves it out of its report.
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    sent = SentRequest(
        request.get("method", "GET").upper(), view.url(url), view.body(body, form), view.headers(headers)
    )
    tests: dict[str, bool] = {}
    for assertion in execution.get("assertions", []):
        passed = not assertion.get("error") and not assertion.get("skipped")
        tests[assertion["assertion"]] = tests.get(assertion["assertion"], True) and passed
    problems = [
        f"{script} script error: {run['error'].get('name')}: {run['error'].get('message')}"
        for script in ("prerequest", "test")
        for run in execution.get(f"{script}Script", [])
        if run.get("error")
    ]
    if "response" not in execution:
        problems.append("no response")
    name = execution.get("item", {}).get("name", "")
    return Exchange(name, sent, tests, problems=problems, request_unknown=execution["requestUnknown"])


def _newman_url(url: dict[str, Any]) -> str:
    host = ".".join(url.get("host", []))
    port = f":{url['port']}" if url.get("port") else ""
    path = "/".join(url.get("path", []))
    pairs = [
        f"{entry.get('key') or ''}" + ("" if entry.get("value") is None else f"={entry['value']}")
        for entry in url.get("query", [])
        if not entry.get("disabled")
    ]
    query = "?" + "&".join(pairs) if pairs else ""
    return f"{url.get('protocol', 'http')}://{host}{port}/{path}{query}"


def _newman_body(request: dict[str, Any]) -> tuple[str, bool]:
    """The body's text and whether it is a form."""
    body = request.get("body") or {}
    if body.get("disabled"):
        return "", False
    if body.get("mode") == "urlencoded":
        entries = [(entry["key"], entry.get("value", "")) for entry in body["urlencoded"] if not entry.get("disabled")]
        return "&".join(f"{quote(key)}={quote(value)}" for key, value in entries), True
    return (body.get("raw", ""), False) if body.get("mode") == "raw" else ("", False)


def _our_exchange(step: dict[str, Any], view: _View) -> Exchange:
    request = step.get("request")
    sent = None
    if request is not None:
        headers = list(request["headers"].items())
        form = any(name.lower() == "content-type" and "form-urlencoded" in value for name, value in headers)
        body = view.body(request["body"], form)
        sent = SentRequest(request["method"], view.url(request["url"]), body, view.headers(headers))
    checks = step.get("checks", [])
    problems = [step["error"]] if step.get("error") else []
    problems += [check["message"] for check in checks if check["kind"] != "assert" and not check["ok"]]
    asserts = [(check["label"], check["ok"]) for check in checks if check["kind"] == "assert"]
    return Exchange(step["name"], sent, checks=asserts, problems=problems, step=step["path"])


def _exchange_differences(theirs: Exchange, ours: Exchange, unconvertible: frozenset[str]) -> list[str]:
    lines: list[str] = []
    if theirs.name != ours.name:
        lines.append(f"name: newman {theirs.name!r}, ours {ours.name!r}")
    if not theirs.request_unknown:
        lines += _request_differences(theirs.request, ours.request)
    lines += _test_differences(theirs.tests, ours.checks, unconvertible)
    lines += [f"ours: {problem} (newman: none)" for problem in ours.problems if problem not in theirs.problems]
    lines += [f"newman: {problem}" for problem in theirs.problems]
    return lines


def _request_differences(theirs: SentRequest | None, ours: SentRequest | None) -> list[str]:
    if theirs is None or ours is None:
        return [] if theirs == ours else [f"request: newman sent {_described(theirs)}, ours {_described(ours)}"]
    lines = [
        f"{part}: newman {getattr(theirs, part)!r}, ours {getattr(ours, part)!r}"
        for part in ("method", "url", "body")
        if getattr(theirs, part) != getattr(ours, part)
    ]
    their_headers, our_headers = dict(theirs.headers), dict(ours.headers)
    for name in sorted(their_headers.keys() | our_headers.keys()):
        if their_headers.get(name) != our_headers.get(name):
            lines.append(f"header {name}: newman {their_headers.get(name)!r}, ours {our_headers.get(name)!r}")
    return lines


def _described(request: SentRequest | None) -> str:
    if request is None:
        return "nothing"
    return f"{request.method} {request.url}" + (f" {request.body}" if request.body else "")


def _test_differences(
    theirs: dict[str, bool], checks: list[tuple[str, bool]], unconvertible: frozenset[str]
) -> list[str]:
    """Per Postman test name: newman's outcome against our checks named after it (longest name first)."""
    ours: dict[str, list[bool]] = {}
    unnamed: list[str] = []
    by_length = sorted(theirs, key=len, reverse=True)
    for label, ok in checks:
        name = next((name for name in by_length if label.startswith(f"{name}: ")), None)
        if name is None:
            unnamed.append(label)
        else:
            ours.setdefault(name, []).append(ok)
    lines: list[str] = []
    for name, passed in theirs.items():
        outcome = _outcome(all(ours[name])) if name in ours else NOT_CONVERTED
        if outcome != _outcome(passed) and not (outcome == NOT_CONVERTED and name in unconvertible):
            lines.append(f"test {name!r}: newman {_outcome(passed)}, ours {outcome}")
    lines += [f"ours has an assert that is no Postman test of this request: {label!r}" for label in unnamed]
    return lines


def _outcome(passed: bool) -> str:
    return "passed" if passed else "failed"


def _environment_values(environment: Path | None) -> dict[str, str]:
    """A Postman environment's enabled values: what the import's warning tells a user to add to the plan's variables."""
    if environment is None:
        return {}
    values = json.loads(environment.read_text()).get("values", [])
    return {entry["key"]: str(entry.get("value", "")) for entry in values if entry.get("enabled", True)}


def _require_loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if not _is_loopback(host):
        raise ValueError(f"{url}: parity runs may only reach loopback, not {host!r}")
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
