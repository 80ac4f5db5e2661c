"""Postman Collection v2.1: folders, requests, auth, variables and the test scripts that map to asserts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from locust_ext.plan.importers.postman_scripts import ScriptResult, convert_script
from locust_ext.plan.importers.readers import (
    VARIABLE_JUNK,
    ImportFailed,
    Placeholders,
    Warnings,
    as_string,
    at_path,
    basic_auth,
    get_header,
    parse_json,
    query_params,
    read_field,
    read_items,
    read_method,
    read_objects,
    set_header,
    unique_step_names,
    without_empty,
)
from locust_ext.plan.validation import is_json_list, is_json_object, json_kind

_POSTMAN_PLACEHOLDER = re.compile(r"\{\{([^{}]+)\}\}")
_POSTMAN_DYNAMIC = {"$guid": "${__uuid}", "$randomUUID": "${__uuid}", "$randomInt": "${__randomInt(0,1000)}"}
_RAW_CONTENT_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "html": "text/html",
    "javascript": "application/javascript",
    "text": "text/plain",
}


@dataclass
class _Scope:
    """What a folder (or the collection) hands down to its requests: auth, and its scripts as converted."""

    auth: Any = None
    scripts: list[tuple[str, ScriptResult]] = field(default_factory=list[tuple[str, ScriptResult]])


class PostmanConverter:
    """A collection: one task per top-level folder (subfolders flattened), loose requests in one more task."""

    def __init__(self, warnings: Warnings) -> None:
        self.warnings = warnings
        self.placeholders = Placeholders(_POSTMAN_PLACEHOLDER, warnings, _POSTMAN_DYNAMIC)
        self.variables: dict[str, str] = {}
        self.set_by_scripts: set[str] = set()

    def convert(self, data: dict[str, Any]) -> dict[str, Any]:
        """One task with every request in the order Postman's runner sends them: a newman iteration is one of ours."""
        title = as_string(read_field(data, "info", "", dict, {}).get("name")) or "postman-import"
        steps = list(self._folder_steps(data, "", _Scope()))
        unique_step_names(steps)
        self._warn_undefined()
        plan = {"name": title, "host": self._host(steps), "variables": self.variables}
        return without_empty(plan | {"tasks": [{"name": title, "steps": steps}] if steps else []})

    def _host(self, steps: list[dict[str, Any]]) -> str:
        """The first request's origin, as the collection's variables give it: Locust wants a host even for full URLs."""
        for step in steps:
            origin = re.match(r"https?://[^/\s?#]+", self._known_template(as_string(step.get("url"))) or "", re.I)
            if origin:
                return origin[0]
        return ""

    def _folder_steps(self, folder: dict[str, Any], path: str, scope: _Scope) -> Iterator[dict[str, Any]]:
        """The requests of the collection (path "") or of a folder, subfolders in place, in the runner's order."""
        where = f"folder '{folder.get('name')}'" if path else "collection"
        self._collect_variables(folder, path)
        scripts = self._scripts(folder, path, where, None)
        scope = _Scope(_own_auth(folder, scope.auth, path), scope.scripts + scripts)
        found = False
        for item_path, item in read_objects(folder, "item", path):
            found = True
            if "item" in item:
                yield from self._folder_steps(item, item_path, scope)
            else:
                yield self._step(item, item_path, scope)
        if path and not found:
            self.warnings.add(f"{where} has no requests; skipped")

    def _collect_variables(self, container: dict[str, Any], path: str) -> None:
        """Collection and folder variables; a plan has one set, so a folder's value for a known name is a warning."""
        for _, variable in read_objects(container, "variable", path):
            if variable.get("disabled") or not variable.get("key"):
                continue
            name, value = self.placeholders.name(as_string(variable["key"])), as_string(variable.get("value"))
            if _POSTMAN_PLACEHOLDER.search(value):
                self.warnings.add(f"variable '{name}' refers to other variables; plan variables are kept as written")
            if self.variables.get(name, value) != value:
                self.warnings.add(f"variable '{name}' has several values; the first, {self.variables[name]!r}, is kept")
                continue
            self.variables[name] = value

    def _scripts(
        self, container: dict[str, Any], path: str, where: str, step: dict[str, Any] | None
    ) -> list[tuple[str, ScriptResult]]:
        """The container's pre-request and test scripts as converted, each problem warned once with its line."""
        converted: list[tuple[str, ScriptResult]] = []
        for event_path, event in read_objects(container, "event", path):
            source = _script_source(event, event_path)
            listen = as_string(event.get("listen"))
            if not source.strip():
                continue
            if listen not in ("test", "prerequest"):
                self.warnings.add(f"{where}: a '{listen}' script is not one Postman runs; not converted", step)
                continue
            result = convert_script(source, listen, self.placeholders.name, self.placeholders.text)
            for line, statement, why in result.problems:
                self.warnings.add(f"{where}: {listen} script line {line}: {why}: {statement}", step)
            self.set_by_scripts |= {save["name"] for save in result.saves} | result.assign.keys()
            converted.append((listen, result))
        return converted

    def _warn_undefined(self) -> None:
        missing = sorted(self.placeholders.used - self.variables.keys() - self.set_by_scripts)
        if missing:
            self.warnings.add(
                f"variables used but not defined in the collection (an environment's?): {', '.join(missing)}; "
                "add them to the plan's variables"
            )

    def _step(self, item: dict[str, Any], path: str, scope: _Scope) -> dict[str, Any]:
        label = f"item '{item.get('name')}'"
        step: dict[str, Any] = {}
        request = item.get("request")
        request = {"url": request} if isinstance(request, str) else request
        if not is_json_object(request):
            raise ImportFailed(at_path(path, "request"), f"expected a request object or URL, got {json_kind(request)}")
        request_path = at_path(path, "request")
        url, params = self._url(request.get("url"), at_path(request_path, "url"))
        headers = self._headers(request.get("header"), at_path(request_path, "header"))
        if re.match(r"wss?://", url, re.I):
            return self._web_socket_step(item, path, url, params, headers, step)
        self._auth(_own_auth(request, scope.auth, request_path), (headers, params), label, step)
        body = self._body(
            read_field(request, "body", request_path, dict, {}), headers, at_path(request_path, "body"), label, step
        )
        scripts = scope.scripts + self._scripts(item, path, label, step)
        step |= {
            "name": as_string(item.get("name")) or path,
            "method": read_method(request.get("method"), at_path(request_path, "method")),
            "url": url,
            "params": params,
            "headers": headers,
            **body,
            **_script_parts(scripts),
        }
        if _has_unconverted_tests(scripts) and not any(check["on"] == "STATUS" for check in step.get("assert", [])):
            step["failOnErrorStatus"] = False
            self.warnings.add(
                f"{label}: a test was not converted and none that was checks the status, so the step does not fail "
                "on 4xx or 5xx (failOnErrorStatus false), as Postman does not",
                step,
            )
        # Clear in place: the dict is the identity the warnings refer to.
        empty = [key for key, value in step.items() if value in (None, "", {}, [])]
        for key in empty:
            del step[key]
        return step

    def _web_socket_step(
        self,
        item: dict[str, Any],
        path: str,
        url: str,
        params: dict[str, str],
        headers: dict[str, str],
        step: dict[str, Any],
    ) -> dict[str, Any]:
        """A ws:// request: a CONNECT; the collection format (v2.1) does not carry a WebSocket request's messages."""
        query = "&".join(f"{name}={value}" for name, value in params.items())
        connect = {"action": "CONNECT", "url": f"{url}?{query}" if query else url, "headers": headers}
        step |= {"name": as_string(item.get("name")) or path, "ws": without_empty(connect)}
        self.warnings.add(
            f"item '{item.get('name')}': a WebSocket URL: Postman's collection format v2.1 carries no WebSocket "
            "messages, so only the CONNECT is imported; add SEND and EXPECT steps",
            step,
        )
        return step

    def _url(self, url: Any, path: str) -> tuple[str, dict[str, str]]:
        parts = url if is_json_object(url) else {"raw": url}
        raw = parts.get("raw") or _url_from_parts(parts)
        if not isinstance(raw, str) or not raw.strip():
            raise ImportFailed(path, f"expected a URL, got {json_kind(raw) if raw else 'nothing'}")
        base, _, query = raw.strip().partition("?")
        pairs = parse_qsl(query.partition("#")[0], keep_blank_values=True)
        if "query" in parts:
            entries = read_objects(parts, "query", path)
            pairs = [(as_string(q.get("key")), as_string(q.get("value"))) for _, q in entries if not q.get("disabled")]
        base = _with_path_variables(base.partition("#")[0], parts, path)
        if not re.match(r"(https?://|wss?://|\{\{|/)", base, re.I):
            base = "http://" + base  # as Postman does
        url_text, params = query_params(base, pairs)
        text = self.placeholders.text
        return text(url_text), {text(key): text(value) for key, value in params.items()}

    def _headers(self, header: Any, path: str) -> dict[str, str]:
        if isinstance(header, str):
            lines = [line.partition(":") for line in header.splitlines() if ":" in line]
            return {name.strip(): self.placeholders.text(value.strip()) for name, _, value in lines}
        if header is not None and not is_json_list(header):
            raise ImportFailed(path, f"expected a list of headers, got {json_kind(header)}")
        return {
            as_string(entry.get("key")): self.placeholders.text(entry.get("value"))
            for _, entry in read_items(header or [], path)
            if not entry.get("disabled") and entry.get("key")
        }

    def _auth(
        self, auth: Any, request: tuple[dict[str, str], dict[str, str]], label: str, step: dict[str, Any]
    ) -> None:
        """Auth as Postman sends it: into the headers, or the query for an API key `in: query`."""
        if not is_json_object(auth) or auth.get("type") in (None, "noauth"):
            return
        headers, params = request
        kind = auth["type"]
        entries = auth.get(kind)
        fields: dict[str, Any] = dict(entries) if is_json_object(entries) else {}
        if is_json_list(entries):
            fields = {as_string(entry.get("key")): entry.get("value") for entry in entries if is_json_object(entry)}
        if kind == "bearer":
            set_header(headers, "Authorization", "Bearer " + self.placeholders.text(fields.get("token")))
        elif kind == "basic":
            self._basic_auth(fields, headers, label, step)
        elif kind == "apikey":
            name, value = as_string(fields.get("key")), self.placeholders.text(fields.get("value"))
            if as_string(fields.get("in")) == "query":
                params[name] = value
            else:
                set_header(headers, name, value)
        else:
            self.warnings.add(f"{label}: auth type '{kind}' not converted", step)

    def _basic_auth(self, fields: dict[str, Any], headers: dict[str, str], label: str, step: dict[str, Any]) -> None:
        """The credentials are encoded here, so their variables must have the collection's values, as Postman's."""
        user, password = (self._known(as_string(fields.get(key))) for key in ("username", "password"))
        if user is None or password is None:
            self.warnings.add(
                f"{label}: basic auth with a variable the collection does not define not converted; "
                "add an Authorization header",
                step,
            )
            return
        set_header(headers, "Authorization", basic_auth(user, password))

    def _known(self, text: str) -> str | None:
        """The text with its `{{variables}}` replaced by the collection's values, None if one has none."""
        return self._with_values(_POSTMAN_PLACEHOLDER, text)

    def _known_template(self, text: str) -> str | None:
        """A plan template with its `${variables}` replaced by the collection's values, None if one has none."""
        return self._with_values(re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}"), text)

    def _with_values(self, placeholder: re.Pattern[str], text: str) -> str | None:
        missing: list[str] = []

        def value(match: re.Match[str]) -> str:
            name = VARIABLE_JUNK.sub("_", match[1].strip())
            if name not in self.variables:
                missing.append(name)
                return ""
            return self.variables[name]

        known = placeholder.sub(value, text)
        return None if missing else known

    def _body(
        self, body: dict[str, Any], headers: dict[str, str], path: str, label: str, step: dict[str, Any]
    ) -> dict[str, Any]:
        mode = body.get("mode")
        if not mode or body.get("disabled"):
            return {}
        if mode == "raw":
            return self._raw_body(body, headers, path)
        if mode == "urlencoded":
            return {"form": self._form_entries(body, "urlencoded", path, label, step)}
        if mode == "formdata":
            form = self._form_entries(body, "formdata", path, label, step)
            if form:
                self.warnings.add(
                    f"{label}: form data is sent as application/x-www-form-urlencoded, not multipart", step
                )
            return {"form": form}
        if mode == "graphql":
            return {"json": self._graphql(read_field(body, "graphql", path, dict, {}), at_path(path, "graphql"))}
        self.warnings.add(f"{label}: body mode '{mode}' not converted", step)
        return {}

    def _raw_body(self, body: dict[str, Any], headers: dict[str, str], path: str) -> dict[str, Any]:
        raw = as_string(body.get("raw"))
        if not raw:
            return {}
        options = read_field(body, "options", path, dict, {})
        language = as_string(read_field(options, "raw", at_path(path, "options"), dict, {}).get("language")) or "text"
        content_type = get_header(headers, "Content-Type") or _RAW_CONTENT_TYPES.get(language, "text/plain")
        parsed, document = parse_json(raw) if "json" in content_type.lower() else (False, None)
        if parsed:
            return {"json": self.placeholders.json(document)}
        if get_header(headers, "Content-Type") is None:
            headers["Content-Type"] = content_type  # Postman sends the raw body's language as its type
        return {"body": self.placeholders.text(raw)}

    def _form_entries(
        self, body: dict[str, Any], mode: str, path: str, label: str, step: dict[str, Any]
    ) -> dict[str, str]:
        form: dict[str, str] = {}
        for _, entry in read_objects(body, mode, path):
            if entry.get("disabled") or not entry.get("key"):
                continue
            if entry.get("type") == "file":
                self.warnings.add(f"{label}: form field '{entry['key']}' is a file; skipped", step)
                continue
            form[as_string(entry["key"])] = self.placeholders.text(entry.get("value"))
        return form

    def _graphql(self, graphql: dict[str, Any], path: str) -> dict[str, Any]:
        variables_text = as_string(graphql.get("variables")).strip() or "{}"
        parsed, variables = parse_json(variables_text)
        if not parsed:
            raise ImportFailed(at_path(path, "variables"), f"expected JSON variables, got {variables_text!r}")
        return {"query": self.placeholders.text(graphql.get("query")), "variables": self.placeholders.json(variables)}


def _own_auth(container: dict[str, Any], inherited: Any, path: str) -> Any:
    """A request or folder without auth (or with type `inherit`) uses its parent's."""
    auth = container.get("auth")
    if not is_json_object(auth) or auth.get("type") == "inherit":
        return inherited
    read_field(auth, "type", at_path(path, "auth"), str, "")
    return auth


def _url_from_parts(parts: dict[str, Any]) -> str:
    host, path = parts.get("host") or "", parts.get("path") or ""
    host = ".".join(as_string(part) for part in host) if is_json_list(host) else as_string(host)
    if is_json_list(path):
        path = "/".join(as_string(part.get("value") if is_json_object(part) else part) for part in path)
    url = host + (f":{parts['port']}" if parts.get("port") else "") + ("/" + path.lstrip("/") if path else "")
    return f"{parts['protocol']}://{url}" if parts.get("protocol") and url else url


def _with_path_variables(url: str, parts: dict[str, Any], path: str) -> str:
    """Postman's `/:id` path segments take their value from the URL's `variable` list."""
    for _, variable in read_objects(parts, "variable", path):
        key, value = re.escape(as_string(variable.get("key"))), as_string(variable.get("value"))
        url = re.sub(rf"(?<=/):{key}(?=/|$)", value.replace("\\", "\\\\"), url)
    return url


def _script_source(event: dict[str, Any], path: str) -> str:
    """A script's text, its lines joined so that line numbers are the ones Postman shows."""
    script = event.get("script")
    if not is_json_object(script):  # absent, or a form Postman does not write: nothing to convert
        return ""
    exec_ = script.get("exec")
    if isinstance(exec_, str):
        return exec_
    return "\n".join(as_string(line) for line in read_field(script, "exec", at_path(path, "script"), list, []))


def _script_parts(scripts: list[tuple[str, ScriptResult]]) -> dict[str, Any]:
    """Assignments, asserts and saves from the collection's scripts, then each folder's, then the request's own."""
    assign: dict[str, str] = {}
    asserts: list[dict[str, str]] = []
    saves: list[dict[str, str]] = []
    for _, result in scripts:
        assign |= result.assign
        asserts += [check for check in result.asserts if check not in asserts]
        names = {save["name"] for save in result.saves}
        saves = [save for save in saves if save["name"] not in names] + result.saves
    return {"assign": assign, "assert": asserts, "save": saves}


def _has_unconverted_tests(scripts: list[tuple[str, ScriptResult]]) -> bool:
    return any(listen == "test" and result.problems for listen, result in scripts)
