"""Plans from other tools: a Postman v2.1 collection, a HAR 1.2 recording, a cURL command line, a locust-hazard plan.

Each converter turns its input into plan JSON and lists what it could not carry over as warnings; then
`import_plan` validates the result with `parse_plan`, so an import never hands back a plan that cannot run.
Errors name the place in the INPUT (`item[2].request.url`, `curl: -X`), because that is what the user can fix.
Everything here is a pure function of the text: nothing is fetched and no file is read.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, parse_qsl, quote, urlsplit

from locust_ext.assertions import shorten
from locust_ext.plan import PlanError, enum_choices, json_depth, json_kind, parse_plan, plan_to_json
from locust_ext.proto import fleet_pb2
from locust_ext.templating import compile_template

FORMAT_DESCRIPTIONS = {
    "postman": "a Postman v2.1 collection",
    "har": "a HAR 1.2 recording",
    "curl": "a curl command line",
    "hazard": "a locust-hazard plan",
    "plan": "a locust-fleet plan",
}
FORMATS = tuple(FORMAT_DESCRIPTIONS)
_FORMAT_NAMES = ", ".join(f"{description} ({name})" for name, description in FORMAT_DESCRIPTIONS.items())
_METHODS = enum_choices(fleet_pb2.HttpStep.DESCRIPTOR.fields_by_name["method"].enum_type)
_CURL_START = re.compile(r"\s*curl(?:\s|\\\r?\n)")
_NAME_JUNK = re.compile(r"[^A-Za-z0-9._-]+")
_VARIABLE_JUNK = re.compile(r"[^A-Za-z0-9_]")
_FORM_TEXT = re.compile(r"[^=&]+=[^&]*(?:&[^=&]+=[^&]*)*")
# Far deeper than any export nests; the conversion walks documents recursively, so deeper input is refused first.
_MAX_INPUT_DEPTH = 100


@dataclass
class ImportResult:
    """The plan JSON (validated and normalised), what did not carry over, and the format it came from."""

    plan: dict[str, Any]
    warnings: list[str]
    format: str


class ImportFailed(ValueError):
    """Input that cannot become a plan; `path` says where in the input, the message what was expected there."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class _Warnings(list[str]):
    """Warnings in the order they arose, each once: a HAR with fifty cookies needs to say so one time."""

    def add(self, message: str) -> None:
        if message not in self:
            self.append(message)


def import_plan(
    text: str, format: str | None = None, name: str | None = None, *, include_static: bool = False
) -> ImportResult:
    """Convert `text` into a validated plan; `format` None means detect it. `include_static` keeps a HAR's assets."""
    text = text.removeprefix("\ufeff")  # a byte order mark, as some tools write before JSON
    if format is None:
        format = _detect_format(text)
    elif format not in FORMATS:
        raise ImportFailed("format", f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    warnings = _Warnings()
    plan = _convert(format, text, warnings, include_static)
    source = name or plan.get("name") or ""
    if isinstance(source, str):  # any other name is left for the validation to report
        plan["name"] = _plan_name(source, f"{format}-import")
    return ImportResult(_validated(plan), list(warnings), format)


def _convert(format: str, text: str, warnings: _Warnings, include_static: bool) -> dict[str, Any]:
    if format == "curl":
        return _from_curl(text, warnings)
    data = _json_object(text)
    if format == "postman":
        return _Postman(warnings).convert(data)
    if format == "har":
        return _from_har(data, warnings, include_static)
    if format == "hazard":
        return _Hazard(warnings).convert(data)
    return data


def _detect_format(text: str) -> str:
    if _CURL_START.match(text):
        return "curl"
    data = _json_object(text) if text.lstrip().startswith("{") else None
    if isinstance(data, dict):
        schema = str(_field(data, "info", "", dict, {}).get("schema", ""))
        if "collection/v2.1" in schema:
            return "postman"
        if isinstance(data.get("log"), dict) and "entries" in data["log"]:
            return "har"
        if "MainTask" in data or "PreTask" in data:
            return "hazard"
        if "name" in data and ("tasks" in data or "journeys" in data):
            return "plan"
        if schema:
            raise ImportFailed("info.schema", f"expected a Postman collection v2.1 (export it as v2.1), got {schema}")
    raise ImportFailed("", f"cannot tell the format; expected {_FORMAT_NAMES}")


def _validated(plan: dict[str, Any]) -> dict[str, Any]:
    try:
        return plan_to_json(parse_plan(plan))
    except PlanError as error:
        first = error.issues[0].path
        problems = "; ".join(str(issue) for issue in error.issues)
        raise ImportFailed(
            f"plan.{first}" if first else "plan", f"the converted plan is not valid: {problems}"
        ) from None


def _plan_name(source: str, fallback: str) -> str:
    """A plan name (`[A-Za-z0-9._-]{1,64}`, also a plan store key) from a title, a host or the caller's choice."""
    return _NAME_JUNK.sub("-", source).strip("-.")[:64].strip("-.") or fallback


# Reading the input: every type problem is an ImportFailed with its path, never a KeyError or AttributeError.

_KINDS = {dict: "an object", list: "a list", str: "a string"}


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _decode_json(text: str) -> Any:
    """json.loads, where a document nested deeper than _MAX_INPUT_DEPTH is a ValueError like bad syntax."""
    too_deep = ValueError(f"nested deeper than {_MAX_INPUT_DEPTH} levels")
    try:
        document = json.loads(text)
    except RecursionError:
        raise too_deep from None
    if json_depth(document) > _MAX_INPUT_DEPTH:
        raise too_deep
    return document


def _json_problem(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    return str(error)


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = _decode_json(text)
    except ValueError as error:
        raise ImportFailed("", f"not valid JSON: {_json_problem(error)}") from None
    if not isinstance(data, dict):
        raise ImportFailed("", f"expected a JSON object, got {json_kind(data)}")
    return data


def _field(container: dict[str, Any], key: str, path: str, kind: type, default: Any) -> Any:
    value = container.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise ImportFailed(_at(path, key), f"expected {_KINDS[kind]}, got {json_kind(value)}")
    return value


def _objects(container: dict[str, Any], key: str, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The objects of a list field with their paths; absent or null is an empty list."""
    return _items(_field(container, key, path, list, []), _at(path, key))


def _items(items: list[Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ImportFailed(_at(path, index), f"expected an object, got {json_kind(item)}")
        yield _at(path, index), item


def _string(value: Any) -> str:
    """A map value as text: tools write numbers and booleans where our maps hold strings."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _split_url(url: str, path: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as error:  # `http://[::1/`: a bracketed host that is not an IPv6 address
        raise ImportFailed(path, f"expected a URL, got {url!r} ({error})") from None


def _method(value: Any, path: str) -> str:
    method = _string(value).upper() or "GET"
    if method not in _METHODS:
        raise ImportFailed(path, f"expected one of {', '.join(_METHODS)}; got {method!r}")
    return method


# Building the plan.


def _literal(text: str) -> str:
    """Recorded text as a template that renders to itself: a `${` there is data, not a variable."""
    return text.replace("${", "$${")


def _json_strings(value: Any, convert: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return convert(value)
    if isinstance(value, list):
        return [_json_strings(item, convert) for item in value]
    if isinstance(value, dict):
        return {key: _json_strings(item, convert) for key, item in value.items()}
    return value


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


def _set_header(headers: dict[str, str], name: str, value: str) -> None:
    """Set a header replacing any spelling of it: `authorization` and `Authorization` are one header."""
    for key in [key for key in headers if key.lower() == name.lower()]:
        del headers[key]
    headers[name] = value


def _basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _query_params(url: str, pairs: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """`params` for a query, or the query left in the URL when a key repeats (a map cannot hold it twice)."""
    keys = [key for key, _ in pairs]
    if len(set(keys)) == len(keys):
        return url, dict(pairs)
    query = "&".join(f"{quote(key, safe='{}$@')}={quote(value, safe='{}$@')}" for key, value in pairs)
    return f"{url}?{query}", {}


def _form_fields(text: str) -> dict[str, str] | None:
    """`a=1&b=2` as form fields; None when it is not that, or a name repeats (a map cannot hold it twice)."""
    if not _FORM_TEXT.fullmatch(text):
        return None
    pairs = parse_qsl(text, keep_blank_values=True)
    if len({name for name, _ in pairs}) != len(pairs):
        return None
    return {name: _literal(value) for name, value in pairs}


def _parse_json(text: str) -> tuple[bool, Any]:
    try:
        return True, _decode_json(text)
    except ValueError:
        return False, None


def _without_empty(step: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in step.items() if value not in ({}, [], None)}


class _Placeholders:
    """Turns another tool's placeholders (`{{name}}`, `{@name@}`) into `${name}`, and escapes a literal `${`.

    Names our templates cannot hold (`base-url`) are renamed the same way wherever they appear, with a warning.
    """

    def __init__(self, pattern: re.Pattern[str], warnings: _Warnings, dynamic: dict[str, str] | None = None) -> None:
        self.pattern = pattern
        self.warnings = warnings
        self.dynamic = dynamic or {}
        self.used: set[str] = set()

    def name(self, raw: str) -> str:
        name = _VARIABLE_JUNK.sub("_", raw.strip())
        if not name or name[0].isdigit():
            name = "_" + name
        if name != raw:
            self.warnings.add(f"variable '{raw}' renamed '{name}' (a name is letters, digits and '_')")
        return name

    def text(self, value: Any) -> str:
        return self.pattern.sub(self._replace, _literal(_string(value)))

    def json(self, value: Any) -> Any:
        return _json_strings(value, self.text)

    def map(self, value: Any, path: str) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ImportFailed(path, f"expected an object, got {json_kind(value)}")
        return {key: self.text(item) for key, item in value.items()}

    def _replace(self, match: re.Match[str]) -> str:
        raw = match[1].strip()
        if match.string[match.start() - 1 : match.start()] == "$":
            self.warnings.add(
                f"'${match[0]}': a '$' right before a variable reads as a literal '${{'; rewrite it by hand"
            )
        if raw.startswith("$"):
            if raw not in self.dynamic:
                self.warnings.add(f"dynamic variable {match[0]} not converted; it is sent as written")
            return self.dynamic.get(raw, match[0])
        name = self.name(raw)
        self.used.add(name)
        return f"${{{name}}}"


# Postman Collection v2.1

_POSTMAN_PLACEHOLDER = re.compile(r"\{\{([^{}]+)\}\}")
_POSTMAN_DYNAMIC = {"$guid": "${__uuid}", "$randomUUID": "${__uuid}", "$randomInt": "${__randomInt(0,1000)}"}
_RAW_CONTENT_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "html": "text/html",
    "javascript": "application/javascript",
    "text": "text/plain",
}
_TEST_OPENER = re.compile(r"pm\.test\(.*?,\s*(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{")
_TEST_CLOSER = re.compile(r"\}\s*\)\s*;?$")
_STATUS_CODE = r"pm\.expect\(pm\.response\.code\)\.to"
_STATUS_CHECKS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], dict[str, str]]], ...] = (
    (re.compile(r"pm\.response\.to\.have\.status\((\d{3})\)"), lambda m: {"op": "EQ", "value": m[1]}),
    (
        re.compile(_STATUS_CODE + r"\.(?:be\.)?(?:eql|equal|equals|eq)\((\d{3})\)"),
        lambda m: {"op": "EQ", "value": m[1]},
    ),
    # chai-postman: `ok` is exactly 200 (its `success` is the 2XX class).
    (re.compile(r"pm\.response\.to\.be\.ok"), lambda _m: {"op": "EQ", "value": "200"}),
    (
        re.compile(_STATUS_CODE + r"\.be\.oneOf\(\[\s*(\d{3}(?:\s*,\s*\d{3})*)\s*\]\)"),
        lambda m: {"op": "MATCHES", "value": "^(" + "|".join(re.findall(r"\d{3}", m[1])) + ")$"},
    ),
)


class _Postman:
    """A collection: one task per top-level folder (subfolders flattened), loose requests in one more task."""

    def __init__(self, warnings: _Warnings) -> None:
        self.warnings = warnings
        self.placeholders = _Placeholders(_POSTMAN_PLACEHOLDER, warnings, _POSTMAN_DYNAMIC)
        self.variables: dict[str, str] = {}

    def convert(self, data: dict[str, Any]) -> dict[str, Any]:
        title = _string(_field(data, "info", "", dict, {}).get("name")) or "postman-import"
        self._collect_variables(data, "")
        self._warn_scripts(data, "", "collection")
        auth = _own_auth(data, None, "")
        tasks: list[dict[str, Any]] = []
        loose: dict[str, Any] | None = None
        for path, item in _objects(data, "item", ""):
            if "item" in item:
                tasks.extend(self._folder_task(item, path, auth))
                continue
            if loose is None:
                loose = {"name": title, "steps": []}
                tasks.append(loose)
            loose["steps"].append(self._step(item, path, auth))
        for task in tasks:
            _unique_step_names(task["steps"])
        self._warn_undefined()
        return _without_empty({"name": title, "variables": self.variables, "tasks": tasks})

    def _folder_task(self, folder: dict[str, Any], path: str, auth: Any) -> list[dict[str, Any]]:
        name = _string(folder.get("name")) or path
        steps = list(self._folder_steps(folder, path, auth))
        if not steps:
            self.warnings.add(f"folder '{name}' has no requests; skipped")
            return []
        return [{"name": name, "steps": steps}]

    def _folder_steps(self, folder: dict[str, Any], path: str, auth: Any) -> Iterator[dict[str, Any]]:
        self._collect_variables(folder, path)
        self._warn_scripts(folder, path, f"folder '{folder.get('name')}'")
        auth = _own_auth(folder, auth, path)
        for item_path, item in _objects(folder, "item", path):
            if "item" in item:
                yield from self._folder_steps(item, item_path, auth)
            else:
                yield self._step(item, item_path, auth)

    def _collect_variables(self, container: dict[str, Any], path: str) -> None:
        """Collection and folder variables; a plan has one set, so a folder's value for a known name is a warning."""
        for _, variable in _objects(container, "variable", path):
            if variable.get("disabled") or not variable.get("key"):
                continue
            name, value = self.placeholders.name(_string(variable["key"])), _string(variable.get("value"))
            if _POSTMAN_PLACEHOLDER.search(value):
                self.warnings.add(f"variable '{name}' refers to other variables; plan variables are kept as written")
            if self.variables.get(name, value) != value:
                self.warnings.add(f"variable '{name}' has several values; the first, {self.variables[name]!r}, is kept")
                continue
            self.variables[name] = value

    def _warn_scripts(self, container: dict[str, Any], path: str, where: str) -> None:
        for event_path, event in _objects(container, "event", path):
            if _script_lines(event, event_path):
                self.warnings.add(f"{where}: {event.get('listen')} script not converted")

    def _warn_undefined(self) -> None:
        missing = sorted(self.placeholders.used - self.variables.keys())
        if missing:
            self.warnings.add(
                f"variables used but not defined in the collection (an environment's?): {', '.join(missing)}; "
                "add them to the plan's variables"
            )

    def _step(self, item: dict[str, Any], path: str, auth: Any) -> dict[str, Any]:
        label = f"item '{item.get('name')}'"
        request = item.get("request")
        request = {"url": request} if isinstance(request, str) else request
        if not isinstance(request, dict):
            raise ImportFailed(_at(path, "request"), f"expected a request object or URL, got {json_kind(request)}")
        request_path = _at(path, "request")
        url, params = self._url(request.get("url"), _at(request_path, "url"))
        headers = self._headers(request.get("header"), _at(request_path, "header"))
        self._auth(_own_auth(request, auth, request_path), headers, label)
        body = self._body(_field(request, "body", request_path, dict, {}), headers, _at(request_path, "body"), label)
        step = {
            "name": _string(item.get("name")) or path,
            "method": _method(request.get("method"), _at(request_path, "method")),
            "url": url,
            "params": params,
            "headers": headers,
            **body,
            "assert": self._asserts(item, path, label),
        }
        return _without_empty(step)

    def _url(self, url: Any, path: str) -> tuple[str, dict[str, str]]:
        parts = url if isinstance(url, dict) else {"raw": url}
        raw = parts.get("raw") or _url_from_parts(parts)
        if not isinstance(raw, str) or not raw.strip():
            raise ImportFailed(path, f"expected a URL, got {json_kind(raw) if raw else 'nothing'}")
        base, _, query = raw.strip().partition("?")
        pairs = parse_qsl(query.partition("#")[0], keep_blank_values=True)
        if "query" in parts:
            entries = _objects(parts, "query", path)
            pairs = [(_string(q.get("key")), _string(q.get("value"))) for _, q in entries if not q.get("disabled")]
        base = _with_path_variables(base.partition("#")[0], parts, path)
        if not re.match(r"(https?://|\{\{|/)", base, re.I):
            base = "http://" + base  # as Postman does
        url_text, params = _query_params(base, pairs)
        text = self.placeholders.text
        return text(url_text), {text(key): text(value) for key, value in params.items()}

    def _headers(self, header: Any, path: str) -> dict[str, str]:
        if isinstance(header, str):
            lines = [line.partition(":") for line in header.splitlines() if ":" in line]
            return {name.strip(): self.placeholders.text(value.strip()) for name, _, value in lines}
        if not isinstance(header, list | None):
            raise ImportFailed(path, f"expected a list of headers, got {json_kind(header)}")
        return {
            _string(entry.get("key")): self.placeholders.text(entry.get("value"))
            for _, entry in _items(header or [], path)
            if not entry.get("disabled") and entry.get("key")
        }

    def _auth(self, auth: Any, headers: dict[str, str], label: str) -> None:
        if not isinstance(auth, dict) or auth.get("type") in (None, "noauth"):
            return
        kind = auth["type"]
        entries = auth.get(kind)
        fields = dict(entries) if isinstance(entries, dict) else {}
        if isinstance(entries, list):
            fields = {_string(entry.get("key")): entry.get("value") for entry in entries if isinstance(entry, dict)}
        if kind == "bearer":
            _set_header(headers, "Authorization", "Bearer " + self.placeholders.text(fields.get("token")))
        elif kind == "basic" and "{{" in _string(fields.get("username")) + _string(fields.get("password")):
            self.warnings.add(f"{label}: basic auth with variables not converted; add an Authorization header")
        elif kind == "basic":
            user, password = _string(fields.get("username")), _string(fields.get("password"))
            _set_header(headers, "Authorization", _basic_auth(user, password))
        else:
            self.warnings.add(f"{label}: auth type '{kind}' not converted")

    def _body(self, body: dict[str, Any], headers: dict[str, str], path: str, label: str) -> dict[str, Any]:
        mode = body.get("mode")
        if not mode or body.get("disabled"):
            return {}
        if mode == "raw":
            return self._raw_body(body, headers, path)
        if mode == "urlencoded":
            return {"form": self._form_entries(body, "urlencoded", path, label)}
        if mode == "formdata":
            form = self._form_entries(body, "formdata", path, label)
            if form:
                self.warnings.add(f"{label}: form data is sent as application/x-www-form-urlencoded, not multipart")
            return {"form": form}
        if mode == "graphql":
            return {"json": self._graphql(_field(body, "graphql", path, dict, {}), _at(path, "graphql"))}
        self.warnings.add(f"{label}: body mode '{mode}' not converted")
        return {}

    def _raw_body(self, body: dict[str, Any], headers: dict[str, str], path: str) -> dict[str, Any]:
        raw = _string(body.get("raw"))
        if not raw:
            return {}
        options = _field(body, "options", path, dict, {})
        language = _string(_field(options, "raw", _at(path, "options"), dict, {}).get("language")) or "text"
        content_type = _header(headers, "Content-Type") or _RAW_CONTENT_TYPES.get(language, "text/plain")
        parsed, document = _parse_json(raw) if "json" in content_type.lower() else (False, None)
        if parsed:
            return {"json": self.placeholders.json(document)}
        if _header(headers, "Content-Type") is None:
            headers["Content-Type"] = content_type  # Postman sends the raw body's language as its type
        return {"body": self.placeholders.text(raw)}

    def _form_entries(self, body: dict[str, Any], mode: str, path: str, label: str) -> dict[str, str]:
        form: dict[str, str] = {}
        for _, entry in _objects(body, mode, path):
            if entry.get("disabled") or not entry.get("key"):
                continue
            if entry.get("type") == "file":
                self.warnings.add(f"{label}: form field '{entry['key']}' is a file; skipped")
                continue
            form[_string(entry["key"])] = self.placeholders.text(entry.get("value"))
        return form

    def _graphql(self, graphql: dict[str, Any], path: str) -> dict[str, Any]:
        variables_text = _string(graphql.get("variables")).strip() or "{}"
        parsed, variables = _parse_json(variables_text)
        if not parsed:
            raise ImportFailed(_at(path, "variables"), f"expected JSON variables, got {variables_text!r}")
        return {"query": self.placeholders.text(graphql.get("query")), "variables": self.placeholders.json(variables)}

    def _asserts(self, item: dict[str, Any], path: str, label: str) -> list[dict[str, str]]:
        asserts: list[dict[str, str]] = []
        for event_path, event in _objects(item, "event", path):
            lines = _script_lines(event, event_path)
            if lines and event.get("listen") != "test":
                self.warnings.add(f"{label}: {event.get('listen')} script not converted")
                continue
            for line in lines:
                converted = _status_asserts(line)
                if converted is None:
                    self.warnings.add(f"{label}: test script line not converted: {line}")
                    continue
                asserts.extend(check for check in converted if check not in asserts)
        return asserts


def _own_auth(container: dict[str, Any], inherited: Any, path: str) -> Any:
    """A request or folder without auth (or with type `inherit`) uses its parent's."""
    auth = container.get("auth")
    if not isinstance(auth, dict) or auth.get("type") == "inherit":
        return inherited
    _field(auth, "type", _at(path, "auth"), str, "")
    return auth


def _url_from_parts(parts: dict[str, Any]) -> str:
    host, path = parts.get("host") or "", parts.get("path") or ""
    host = ".".join(_string(part) for part in host) if isinstance(host, list) else _string(host)
    if isinstance(path, list):
        path = "/".join(_string(part.get("value") if isinstance(part, dict) else part) for part in path)
    url = host + (f":{parts['port']}" if parts.get("port") else "") + ("/" + path.lstrip("/") if path else "")
    return f"{parts['protocol']}://{url}" if parts.get("protocol") and url else url


def _with_path_variables(url: str, parts: dict[str, Any], path: str) -> str:
    """Postman's `/:id` path segments take their value from the URL's `variable` list."""
    for _, variable in _objects(parts, "variable", path):
        key, value = re.escape(_string(variable.get("key"))), _string(variable.get("value"))
        url = re.sub(rf"(?<=/):{key}(?=/|$)", value.replace("\\", "\\\\"), url)
    return url


def _script_lines(event: dict[str, Any], path: str) -> list[str]:
    script = event.get("script")
    if not isinstance(script, dict):  # absent, or a form Postman does not write: nothing to convert
        return []
    exec_ = script.get("exec")
    if isinstance(exec_, str):
        lines = exec_.splitlines()
    else:  # a list of lines, as Postman writes it
        lines = [_string(line) for line in _field(script, "exec", _at(path, "script"), list, [])]
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("//")]


def _status_asserts(line: str) -> list[dict[str, str]] | None:
    """The STATUS asserts a test script line amounts to, [] for `pm.test(` / `});` scaffolding, None if not."""
    opener = _TEST_OPENER.match(line)
    body = line[opener.end() :] if opener else line
    closer = _TEST_CLOSER.search(body)
    body = body[: closer.start()] if closer else body
    asserts = []
    for statement in filter(None, (part.strip() for part in body.split(";"))):
        check = next((convert(m) for pattern, convert in _STATUS_CHECKS if (m := pattern.fullmatch(statement))), None)
        if check is None:
            return None
        asserts.append({"on": "STATUS", **check})
    return asserts


def _unique_step_names(steps: list[dict[str, Any]]) -> None:
    """Step names are statistics rows: two requests called `login` in one task get `login` and `login (2)`."""
    seen: dict[str, int] = {}
    for step in steps:
        name = step["name"]
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            step["name"] = f"{name} ({seen[name]})"


# HAR 1.2

_HAR_DROPPED_HEADERS = {"host", "content-length", "cookie", "accept-encoding", "connection"}
_STATIC_RESOURCE_TYPES = {"image", "stylesheet", "script", "font", "media"}
_STATIC_MIME = re.compile(
    r"(image/|font/|audio/|video/|text/css|(application|text)/(x-)?javascript|application/(x-)?font)"
)
_STATIC_EXTENSION = re.compile(
    r"\.(css|m?js|map|png|jpe?g|gif|svg|ico|webp|avif|bmp|woff2?|ttf|otf|eot|mp[34]|webm|ogg|wav)$", re.I
)


def _from_har(data: dict[str, Any], warnings: _Warnings, include_static: bool) -> dict[str, Any]:
    log = _field(data, "log", "", dict, {})
    steps: list[dict[str, Any]] = []
    host, static = "", 0
    for path, entry in _objects(log, "entries", "log"):
        request = _field(entry, "request", path, dict, {})
        response = _field(entry, "response", path, dict, {})
        url = _split_url(_field(request, "url", _at(path, "request"), str, ""), _at(_at(path, "request"), "url"))
        if url.scheme not in ("http", "https"):
            warnings.add(f"{path}: {url.scheme or 'relative'} URL skipped")
        elif not include_static and _is_static(entry, response, url.path, path):
            static += 1
        else:
            host = host or f"{url.scheme}://{url.netloc}"
            steps.append(_har_step(request, response, host, _at(path, "request"), warnings))
    if static:
        warnings.add(
            f"{static} static asset request(s) skipped (images, CSS, scripts, fonts, media); include_static keeps them"
        )
    if not steps:
        raise ImportFailed("log.entries", f"expected at least one HTTP request to import; found none ({static} static)")
    pages = _field(log, "pages", "log", list, [])
    title = _string(pages[0].get("title")) if pages and isinstance(pages[0], dict) else ""
    title = title or urlsplit(host).hostname or "har-import"
    return {"name": title, "host": host, "tasks": [{"name": title, "steps": steps}]}


def _is_static(entry: dict[str, Any], response: dict[str, Any], url_path: str, path: str) -> bool:
    """An asset a browser fetches by itself; Chrome's `_resourceType` says so, otherwise the type or the extension."""
    resource_type = _field(entry, "_resourceType", path, str, "")
    if resource_type:
        return resource_type in _STATIC_RESOURCE_TYPES
    content = response.get("content") if isinstance(response.get("content"), dict) else {}
    return bool(_STATIC_MIME.match(_string(content.get("mimeType")))) or bool(_STATIC_EXTENSION.search(url_path))


def _har_step(
    request: dict[str, Any], response: dict[str, Any], host: str, path: str, warnings: _Warnings
) -> dict[str, Any]:
    url = urlsplit(request["url"])
    origin = f"{url.scheme}://{url.netloc}"
    where = (url.path or "/") if origin == host else f"{origin}{url.path}"
    full, params = _query_params(where, parse_qsl(url.query, keep_blank_values=True))
    method = _method(request.get("method"), _at(path, "method"))
    headers = _har_headers(request, path, warnings)
    step = {"name": f"{method} {where}", "method": method, "url": _literal(full), "params": _literal_map(params)}
    step.update(_har_body(_field(request, "postData", path, dict, {}), headers, _at(path, "postData"), warnings))
    step["headers"] = headers
    # The browser followed a redirect itself and recorded the next request as the next entry.
    if 300 <= _int(response.get("status")) < 400:
        step["followRedirects"] = False
    return _without_empty(step)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _literal_map(values: dict[str, str]) -> dict[str, str]:
    return {key: _literal(value) for key, value in values.items()}


def _har_headers(request: dict[str, Any], path: str, warnings: _Warnings) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _, header in _objects(request, "headers", path):
        name = _string(header.get("name"))
        if name.lower() == "cookie":
            warnings.add("Cookie headers dropped: each virtual user's session keeps the cookies its responses set")
        if name and not name.startswith(":") and name.lower() not in _HAR_DROPPED_HEADERS:
            headers[name] = _literal(_string(header.get("value")))
    return headers


def _har_body(post: dict[str, Any], headers: dict[str, str], path: str, warnings: _Warnings) -> dict[str, Any]:
    mime = _string(post.get("mimeType")).lower()
    text = _string(post.get("text"))
    form = _form_fields(text) if "application/x-www-form-urlencoded" in mime else None
    if form is not None:
        return {"form": form}
    if post.get("params"):
        return {"form": _har_form_params(post, headers, path, warnings)}
    parsed, document = _parse_json(text) if "json" in mime else (False, None)
    if parsed:
        return {"json": _json_strings(document, _literal)}
    return {"body": _literal(text)} if text else {}


def _har_form_params(post: dict[str, Any], headers: dict[str, str], path: str, warnings: _Warnings) -> dict[str, str]:
    form: dict[str, str] = {}
    for param_path, param in _objects(post, "params", path):
        if param.get("fileName") is not None:
            warnings.add(f"{param_path}: file field '{param.get('name')}' skipped")
        else:
            form[_string(param.get("name"))] = _literal(_string(param.get("value")))
    if "multipart" in _string(_header(headers, "Content-Type")).lower():
        _set_header(headers, "Content-Type", "application/x-www-form-urlencoded")
        warnings.add(f"{path}: multipart form sent as application/x-www-form-urlencoded")
    return form


# cURL

_CURL_ALIASES = {
    "-X": "--request",
    "-H": "--header",
    "-d": "--data",
    "-u": "--user",
    "-b": "--cookie",
    "-A": "--user-agent",
    "-e": "--referer",
    "-F": "--form",
    "-L": "--location",
    "-k": "--insecure",
    "-s": "--silent",
    "-S": "--show-error",
    "-i": "--include",
    "-v": "--verbose",
    "-G": "--get",
    "-I": "--head",
}
_CURL_VALUE_OPTIONS = {
    "--request",
    "--header",
    "--data",
    "--data-raw",
    "--data-binary",
    "--data-ascii",
    "--data-urlencode",
    "--json",
    "--user",
    "--cookie",
    "--user-agent",
    "--referer",
    "--form",
    "--url",
}
_CURL_FLAGS = {
    "--location",
    "--insecure",
    "--compressed",
    "--silent",
    "--show-error",
    "--include",
    "--verbose",
    "--get",
    "--head",
}
_CURL_DATA = {"--data", "--data-raw", "--data-binary", "--data-ascii"}
_ANSI_C_STRING = re.compile(r"((?:[^'\\]|\\.)*)'", re.S)
_ANSI_C_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|.)", re.S)
_ANSI_C_CHARS = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "v": "\v"}


@dataclass
class _CurlOption:
    name: str  # the long name
    typed: str  # as the user wrote it, for messages
    value: str | None


@dataclass
class _CurlRequest:
    """What the options said, gathered before the step is built (`-G` moves the data, `-X` wins over it)."""

    method: str | None = None
    follow: bool = False
    get: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    data: list[str] = field(default_factory=list)
    form: dict[str, str] = field(default_factory=dict)
    json_parts: list[str] = field(default_factory=list)


def _from_curl(text: str, warnings: _Warnings) -> dict[str, Any]:
    words = _bash_words(text)
    if not words or words[0] != "curl":
        raise ImportFailed("curl", "expected a command line starting with 'curl'")
    options, urls = _curl_options(words[1:])
    if len(urls) != 1:
        raise ImportFailed("curl", f"expected one URL, got {len(urls)}: {' '.join(urls) or 'none'}")
    url = _split_url(urls[0] if "://" in urls[0] else "http://" + urls[0], "curl: URL")
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ImportFailed("curl: URL", f"expected an http:// or https:// URL, got {urls[0]!r}")
    request = _CurlRequest()
    for option in options:
        _apply_curl_option(option, request, warnings)
    pairs = parse_qsl(url.query, keep_blank_values=True)
    if request.get:
        pairs += parse_qsl("&".join(request.data), keep_blank_values=True)
        request.data = []
    body = _curl_body(request, warnings)
    method = _method(request.method or ("POST" if body else "GET"), "curl: -X")
    where, params = _query_params(url.path or "/", pairs)
    step = {
        "name": f"{method} {url.path or '/'}",
        "method": method,
        "url": _literal(where),
        "params": _literal_map(params),
    }
    step.update(headers=request.headers, followRedirects=request.follow, **body)
    host = url.hostname or "curl-import"
    return {
        "name": host,
        "host": f"{url.scheme}://{url.netloc}",
        "tasks": [{"name": host, "steps": [_without_empty(step)]}],
    }


def _bash_words(command: str) -> list[str]:
    """The words of a bash command line. shlex splits them once `\\`-newline continuations are joined and
    `$'...'` strings decoded: Chrome's "Copy as cURL (bash)" writes both, and shlex knows neither."""
    out: list[str] = []
    quote_char, index = "", 0
    while index < len(command):
        char = command[index]
        if quote_char == "'":
            quote_char = "" if char == "'" else quote_char
        elif char == "\\" and command[index + 1 : index + 3].lstrip("\r").startswith("\n"):
            index += 3 if command[index + 1] == "\r" else 2
            continue
        elif char == "\\":
            out.append(command[index : index + 2])
            index += 2
            continue
        elif char == "$" and not quote_char and command[index + 1 : index + 2] == "'":
            match = _ANSI_C_STRING.match(command, index + 2)
            if not match:
                raise ImportFailed("curl", "expected a closing ' for a $'...' string")
            out.append(shlex.quote(_ANSI_C_ESCAPE.sub(_ansi_c_char, match[1])))
            index = match.end()
            continue
        elif char in "'\"":
            quote_char = "" if quote_char == char else quote_char or char
        out.append(char)
        index += 1
    try:
        return shlex.split("".join(out))
    except ValueError as error:
        raise ImportFailed("curl", f"cannot split the command line: {error}") from None


def _ansi_c_char(match: re.Match[str]) -> str:
    code = match[1]
    if code[0] in "xuU" and len(code) > 1:  # without hex digits after it, bash keeps `\x` as written
        number = int(code[1:], 16)
        if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:  # beyond Unicode, or half of a UTF-16 pair
            raise ImportFailed("curl", f"$'...\\{code}...' is not a Unicode character")
        return chr(number)
    if code[0].isdigit():
        return chr(int(code, 8))
    return _ANSI_C_CHARS.get(code, code if code in "\\'\"?" else "\\" + code)


def _curl_options(words: list[str]) -> tuple[list[_CurlOption], list[str]]:
    options: list[_CurlOption] = []
    urls: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--url":
            value, index = _curl_value(word, word, words, index, "")
            urls.append(value or "")
        elif word.startswith("--"):
            value, index = _curl_value(word, _curl_name(word), words, index, "")
            options.append(_CurlOption(_curl_name(word), word, value))
        elif word.startswith("-") and len(word) > 1:
            index = _curl_short_options(word, words, index, options)
        else:
            urls.append(word)
    return options, urls


def _curl_short_options(word: str, words: list[str], index: int, options: list[_CurlOption]) -> int:
    """`-sSL` is three flags; in `-XPOST` or `-sX POST` the option that takes a value ends the cluster."""
    for position in range(1, len(word)):
        typed = "-" + word[position]
        name = _curl_name(typed)
        value, index = _curl_value(typed, name, words, index, word[position + 1 :])
        options.append(_CurlOption(name, typed, value))
        if value is not None:
            break
    return index


def _curl_name(typed: str) -> str:
    name = _CURL_ALIASES.get(typed, typed)
    if name not in _CURL_VALUE_OPTIONS and name not in _CURL_FLAGS:
        known = ", ".join(sorted(_CURL_VALUE_OPTIONS | _CURL_FLAGS | set(_CURL_ALIASES)))
        raise ImportFailed(f"curl: {typed}", f"unknown option {typed}; the importer knows {known}")
    return name


def _curl_value(typed: str, name: str, words: list[str], index: int, attached: str) -> tuple[str | None, int]:
    if name not in _CURL_VALUE_OPTIONS:
        return None, index
    if attached:
        return attached, index
    if index >= len(words):
        raise ImportFailed(f"curl: {typed}", f"{typed} needs a value")
    return words[index], index + 1


def _apply_curl_option(option: _CurlOption, request: _CurlRequest, warnings: _Warnings) -> None:
    name, value = option.name, option.value or ""
    if name == "--request":
        request.method = value.upper()
    elif name == "--header":
        _curl_header(option, request.headers)
    elif name in _CURL_DATA:
        request.data.append(_curl_data(option))
    elif name == "--data-urlencode":
        request.data.append(_data_urlencode(option))
    elif name == "--json":
        request.json_parts.append(_curl_data(option))
    elif name == "--form":
        _curl_form_field(value, request.form, warnings)
    else:
        _apply_curl_setting(option, request, warnings)


def _apply_curl_setting(option: _CurlOption, request: _CurlRequest, warnings: _Warnings) -> None:
    name, value = option.name, option.value or ""
    if name == "--user":
        user, _, password = value.partition(":")
        _set_header(request.headers, "Authorization", _basic_auth(user, password))
    elif name == "--cookie" and "=" in value:
        _set_header(request.headers, "Cookie", _literal(value))
        warnings.add("cookies sent as a Cookie header on every request; each virtual user's session also keeps its own")
    elif name == "--cookie":
        warnings.add(f"cookie file {value!r} not read")
    elif name == "--user-agent":
        _set_header(request.headers, "User-Agent", _literal(value))
    elif name == "--referer":
        _set_header(request.headers, "Referer", _literal(value.removesuffix(";auto")))
    elif name == "--location":
        request.follow = True
    elif name == "--get":
        request.get = True
    elif name == "--head":
        request.method = "HEAD"


def _curl_data(option: _CurlOption) -> str:
    """The data of `-d`, `--data-binary`, `--json` ...; `@file` reads a file there, which an import cannot."""
    value = option.value or ""
    if value.startswith("@") and option.name != "--data-raw":
        raise ImportFailed(
            f"curl: {option.typed}", f"data from a file ({value}) cannot be imported; paste the data itself"
        )
    return value


def _data_urlencode(option: _CurlOption) -> str:
    """curl's `--data-urlencode` forms: `content`, `=content`, `name=content`; `@file` and `name@file` read a file."""
    value = option.value or ""
    name, equals, content = value.partition("=")
    if not equals and "@" in value:
        raise ImportFailed(
            f"curl: {option.typed}", f"data from a file ({value}) cannot be imported; paste the data itself"
        )
    if not equals:
        return quote(value, safe="")
    return f"{name}={quote(content, safe='')}" if name else quote(content, safe="")


def _curl_header(option: _CurlOption, headers: dict[str, str]) -> None:
    text = option.value or ""
    if ":" not in text and text.endswith(";"):  # curl's way to send a header with an empty value
        headers[text[:-1].strip()] = ""
        return
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise ImportFailed(f"curl: {option.typed}", f"expected 'Name: value', got {text!r}")
    if value.strip():  # `Name:` alone only stops curl sending a header of its own
        headers[name.strip()] = _literal(value.strip())


def _curl_form_field(value: str, form: dict[str, str], warnings: _Warnings) -> None:
    name, _, content = value.partition("=")
    if content.startswith(("@", "<")):
        warnings.add(f"form field '{name}' is a file; skipped")
    else:
        form[name] = _literal(content)


def _curl_body(request: _CurlRequest, warnings: _Warnings) -> dict[str, Any]:
    if request.json_parts:
        return _curl_json(request)
    if request.form:
        return {"form": request.form}
    if not request.data:
        return {}
    text = "&".join(request.data)
    declared = _header(request.headers, "Content-Type")
    content_type = (declared or "application/x-www-form-urlencoded").lower()  # what curl sends for -d
    parsed, document = _parse_json(text) if "json" in content_type else (False, None)
    if parsed:
        return {"json": _json_strings(document, _literal)}
    form = _form_fields(text) if "application/x-www-form-urlencoded" in content_type else None
    if form is not None:
        return {"form": form}
    if declared is None:
        request.headers["Content-Type"] = content_type
        if _parse_json(text)[0]:
            warnings.add("the data looks like JSON but no Content-Type says so; sent as curl does, form-urlencoded")
    return {"body": _literal(text)}


def _curl_json(request: _CurlRequest) -> dict[str, Any]:
    text = "".join(request.json_parts)
    try:
        document = _decode_json(text)
    except ValueError as error:
        raise ImportFailed("curl: --json", f"expected JSON ({_json_problem(error)}), got {shorten(text)!r}") from None
    for name in ("Content-Type", "Accept"):  # as curl's --json does
        if _header(request.headers, name) is None:
            request.headers[name] = "application/json"
    return {"json": _json_strings(document, _literal)}


# locust-hazard (github.com/mao303mao/locust-hazard)

_HAZARD_PLACEHOLDER = re.compile(r"\{@([^@]+)@\}")
_HAZARD_KEYS = {"isSession", "HttpProxy", "PreTask", "MainTask", "LocustMaster"}
_HAZARD_SAVES = {0: "XPATH", 1: "JSONPATH", 2: "REGEX", 3: "CONST", 4: "RANDOM_INT", 5: "RANDOM_CHOICE"}
_HAZARD_ASSERTS = {0: ("STATUS", "EQ"), 1: ("BODY_LENGTH", "GT"), 2: ("BODY_LENGTH", "EQ"), 3: ("BODY_LENGTH", "LT")}
_RESPONSE_FREE_SAVES = {"CONST", "RANDOM_INT", "RANDOM_CHOICE"}
_JSON_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class _Hazard:
    """A locust-hazard plan: PreTask becomes `setup`, each MainTask one task of its PreWork then its TestWork."""

    def __init__(self, warnings: _Warnings) -> None:
        self.warnings = warnings
        self.placeholders = _Placeholders(_HAZARD_PLACEHOLDER, warnings)
        self.variables: dict[str, str] = {}

    def convert(self, data: dict[str, Any]) -> dict[str, Any]:
        for key in sorted(data.keys() - _HAZARD_KEYS):
            self.warnings.add(f"{key}: not a locust-hazard key; ignored")
        plan: dict[str, Any] = {"name": "hazard-import", "setup": self._chain(data, "PreTask", "")}
        if isinstance(data.get("isSession"), bool):
            plan["session"] = data["isSession"]
        proxy = _field(data, "HttpProxy", "", str, "").strip()
        if proxy:
            plan["proxy"] = proxy if "://" in proxy else "http://" + proxy  # locust-hazard writes host:port
        plan["tasks"] = [self._task(task, path) for path, task in _objects(data, "MainTask", "")]
        if plan["tasks"] and not any(task.get("weight") for task in plan["tasks"]):
            for task in plan["tasks"]:  # boomer picks evenly when no task has a weight
                task.pop("weight", None)
        plan["variables"] = self.variables
        return _without_empty(plan)

    def _task(self, task: dict[str, Any], path: str) -> dict[str, Any]:
        name = _string(task.get("TaskName")) or path
        steps = self._chain(task, "PreWork", path)
        test_work = _field(task, "TestWork", path, dict, None)
        if test_work is None:
            raise ImportFailed(_at(path, "TestWork"), "required: the request the task measures")
        self._add_request(test_work, _at(path, "TestWork"), steps)
        if steps and _string(test_work.get("UrlPath")):
            steps[-1]["name"] = name  # locust-hazard reports the task under its TaskName
        converted: dict[str, Any] = {"name": name, "steps": steps}
        if isinstance(task.get("TaskWeight"), int):
            converted["weight"] = task["TaskWeight"]
        return converted

    def _chain(self, container: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        for request_path, request in _objects(container, key, path):
            self._add_request(request, request_path, steps)
        return steps

    def _add_request(self, request: dict[str, Any], path: str, steps: list[dict[str, Any]]) -> None:
        saves = self._saves(request, path)
        if _string(request.get("UrlPath")):
            steps.append(self._step(request, path, saves))
        else:
            self._requestless_saves(saves, path, steps)

    def _requestless_saves(self, saves: list[dict[str, str]], path: str, steps: list[dict[str, Any]]) -> None:
        """A request with no UrlPath only runs its saves (constants, random values): after the previous step,
        or, first in its chain, as plan variables when constant."""
        for save in saves:
            if save["from"] not in _RESPONSE_FREE_SAVES:
                self.warnings.add(
                    f"{path}: save '{save['name']}' needs a response and the request has no UrlPath; dropped"
                )
            elif steps:
                steps[-1].setdefault("save", []).append(save)
            elif save["from"] == "CONST" and compile_template(save["expr"]).constant is not None:
                self.variables[save["name"]] = compile_template(save["expr"]).constant
            else:
                self.warnings.add(f"{path}: save '{save['name']}' comes before any request; not converted")

    def _step(self, request: dict[str, Any], path: str, saves: list[dict[str, str]]) -> dict[str, Any]:
        step = {
            "method": _method(request.get("Method"), _at(path, "Method")),
            "url": self.placeholders.text(request["UrlPath"]),
            "headers": self.placeholders.map(request.get("Headers"), _at(path, "Headers")),
            "params": self.placeholders.map(request.get("Params"), _at(path, "Params")),
            **self._body(request, path),
            "save": saves,
            "assert": self._asserts(request, path),
        }
        return _without_empty(step)

    def _body(self, request: dict[str, Any], path: str) -> dict[str, Any]:
        """One body, chosen as locust-hazard's HTTP client does: RawData, else JsonData, else DictData."""
        sent = [key for key in ("RawData", "JsonData", "DictData") if request.get(key)]
        if len(sent) > 1:
            self.warnings.add(f"{path}: {sent[0]} is sent, so {' and '.join(sent[1:])} are not (as locust-hazard does)")
        if not sent:
            return {}
        if sent[0] == "RawData":
            return {"body": self.placeholders.text(request["RawData"])}
        if sent[0] == "DictData":
            return {"form": self.placeholders.map(request["DictData"], _at(path, "DictData"))}
        try:
            document = _decode_json(_string(request["JsonData"]))
        except ValueError as error:
            where = _json_problem(error)
            raise ImportFailed(
                _at(path, "JsonData"), f"expected a JSON document ({where}); a {{@name@}} must be inside a JSON string"
            ) from None
        return {"json": self.placeholders.json(document)}

    def _saves(self, request: dict[str, Any], path: str) -> list[dict[str, str]]:
        saves = []
        for save_path, action in _objects(request, "SaveParamChain", path):
            source = _HAZARD_SAVES.get(_code(action, "SaveType"))
            if source is None:
                self.warnings.add(f"{save_path}: SaveType {action.get('SaveType')!r} unknown; skipped")
                continue
            if not _string(action.get("ParamName")):
                raise ImportFailed(_at(save_path, "ParamName"), "required: the variable to save into")
            name = self.placeholders.name(_string(action.get("ParamName")))
            saves.append(
                {"name": name, "from": source, "expr": self._save_expr(source, _string(action.get("RuleValue")))}
            )
        return saves

    def _save_expr(self, source: str, rule: str) -> str:
        if source == "JSONPATH":
            return _dot_path_to_jsonpath(rule)
        if source == "CONST":
            return self.placeholders.text(rule)
        if source == "RANDOM_INT":
            low, _, high = rule.partition("-")
            if low.strip().isdigit() and high.strip().isdigit() and int(low) > int(high):
                return f"{high.strip()}-{low.strip()}"  # locust-hazard swaps a reversed range
        return rule

    def _asserts(self, request: dict[str, Any], path: str) -> list[dict[str, str]]:
        asserts = []
        for assert_path, action in _objects(request, "AssertChain", path):
            kind = _HAZARD_ASSERTS.get(_code(action, "AssertType"))
            if kind is None:
                self.warnings.add(f"{assert_path}: AssertType {action.get('AssertType')!r} unknown; skipped")
                continue
            asserts.append({"on": kind[0], "op": kind[1], "value": _string(action.get("RuleValue", 0))})
        return asserts


def _code(action: dict[str, Any], key: str) -> int | None:
    """A locust-hazard type code; proto3 JSON leaves a 0 out, and anything but a whole number is no code."""
    value = action.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dot_path_to_jsonpath(rule: str) -> str:
    """locust-hazard's `data.list.0.id` (a number indexes a list) as JSONPath `$.data.list[0].id`."""
    path = "$"
    for key in filter(None, rule.split(".")):
        if key.isdigit():
            path += f"[{key}]"
        elif _JSON_KEY.fullmatch(key):
            path += f".{key}"
        else:
            path += "['" + key.replace("'", "\\'") + "']"
    return path
