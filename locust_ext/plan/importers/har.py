"""HAR 1.2 recordings (a browser's or a proxy's): each request a step, assets left out unless asked for."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from locust_ext.plan.importers.readers import (
    ImportFailed,
    Warnings,
    as_int,
    as_string,
    at_path,
    form_fields,
    get_header,
    literal,
    literal_map,
    map_json_strings,
    parse_json,
    query_params,
    read_field,
    read_method,
    read_objects,
    set_header,
    split_url,
    without_empty,
)
from locust_ext.plan.validation import is_json_object

_HAR_DROPPED_HEADERS = {"host", "content-length", "cookie", "accept-encoding", "connection"}
# The handshake's own headers: the client library writes them for each connection.
_WS_HANDSHAKE_HEADERS = {
    "upgrade",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "pragma",
    "cache-control",
}
# How long an imported EXPECT waits: a recording's reply times say little about a loaded server.
_WS_EXPECT_S = 10.0
_STATIC_RESOURCE_TYPES = {"image", "stylesheet", "script", "font", "media"}
_STATIC_MIME = re.compile(
    r"(image/|font/|audio/|video/|text/css|(application|text)/(x-)?javascript|application/(x-)?font)"
)
_STATIC_EXTENSION = re.compile(
    r"\.(css|m?js|map|png|jpe?g|gif|svg|ico|webp|avif|bmp|woff2?|ttf|otf|eot|mp[34]|webm|ogg|wav)$", re.I
)


def from_har(data: dict[str, Any], warnings: Warnings, include_static: bool) -> dict[str, Any]:
    log = read_field(data, "log", "", dict, {})
    steps: list[dict[str, Any]] = []
    host, static = "", 0
    for path, entry in read_objects(log, "entries", "log"):
        request = read_field(entry, "request", path, dict, {})
        response = read_field(entry, "response", path, dict, {})
        url = split_url(
            read_field(request, "url", at_path(path, "request"), str, ""), at_path(at_path(path, "request"), "url")
        )
        if url.scheme in ("ws", "wss"):
            steps.extend(_web_socket_steps(entry, request, host, path, warnings))
        elif url.scheme not in ("http", "https"):
            warnings.add(f"{path}: {url.scheme or 'relative'} URL skipped")
        elif not include_static and _is_static(entry, response, url.path, path):
            static += 1
        else:
            host = host or f"{url.scheme}://{url.netloc}"
            steps.append(_har_step(request, response, host, at_path(path, "request"), warnings))
    if static:
        warnings.add(
            f"{static} static asset request(s) skipped (images, CSS, scripts, fonts, media); include_static keeps them"
        )
    if not steps:
        raise ImportFailed("log.entries", f"expected at least one HTTP request to import; found none ({static} static)")
    pages = read_field(log, "pages", "log", list, [])
    title = as_string(pages[0].get("title")) if pages and isinstance(pages[0], dict) else ""
    title = title or urlsplit(host).hostname or "har-import"
    return {"name": title, "host": host, "tasks": [{"name": title, "steps": steps}]}


def _is_static(entry: dict[str, Any], response: dict[str, Any], url_path: str, path: str) -> bool:
    """An asset a browser fetches by itself; Chrome's `_resourceType` says so, otherwise the type or the extension."""
    resource_type = read_field(entry, "_resourceType", path, str, "")
    if resource_type:
        return resource_type in _STATIC_RESOURCE_TYPES
    content = response.get("content")
    if not is_json_object(content):
        content = {}
    return bool(_STATIC_MIME.match(as_string(content.get("mimeType")))) or bool(_STATIC_EXTENSION.search(url_path))


def _har_step(
    request: dict[str, Any], response: dict[str, Any], host: str, path: str, warnings: Warnings
) -> dict[str, Any]:
    request_url: str = request["url"]  # from_har read it as a string
    url = urlsplit(request_url)
    origin = f"{url.scheme}://{url.netloc}"
    where = (url.path or "/") if origin == host else f"{origin}{url.path}"
    full, params = query_params(where, parse_qsl(url.query, keep_blank_values=True))
    method = read_method(request.get("method"), at_path(path, "method"))
    headers = _har_headers(request, path, warnings)
    step: dict[str, Any] = {
        "name": f"{method} {where}",
        "method": method,
        "url": literal(full),
        "params": literal_map(params),
    }
    step.update(
        _har_body(read_field(request, "postData", path, dict, {}), headers, at_path(path, "postData"), warnings)
    )
    step["headers"] = headers
    # The browser followed a redirect itself and recorded the next request as the next entry.
    if 300 <= as_int(response.get("status")) < 400:
        step["followRedirects"] = False
    return without_empty(step)


def _web_socket_steps(
    entry: dict[str, Any], request: dict[str, Any], host: str, path: str, warnings: Warnings
) -> list[dict[str, Any]]:
    """A recorded WebSocket (Chrome's `_webSocketMessages`): a CONNECT, each message sent, and an EXPECT for the
    first message received after each send; later pushes are counted in a warning, as only the test knows which
    of them it waits for."""
    request_url: str = request["url"]  # from_har read it as a string
    url = urlsplit(request_url)
    same_host = bool(host) and urlsplit(host).netloc == url.netloc and (url.scheme == "wss") == host.startswith("https")
    where = (url.path or "/") + (f"?{url.query}" if url.query else "") if same_host else request_url
    headers = _har_headers(request, at_path(path, "request"), warnings)
    protocols = headers.pop(next((n for n in headers if n.lower() == "sec-websocket-protocol"), ""), "")
    for name in [name for name in headers if name.lower() in _WS_HANDSHAKE_HEADERS]:
        del headers[name]
    subprotocols = [protocol.strip() for protocol in protocols.split(",") if protocol.strip()]
    connect: dict[str, Any] = {"action": "CONNECT", "url": literal(where), "headers": headers}
    connect["subprotocols"] = subprotocols
    steps: list[dict[str, Any]] = [{"name": f"CONNECT {where}", "ws": without_empty(connect)}]
    unexpected, after_send = 0, False
    for message_path, message in read_objects(entry, "_webSocketMessages", path):
        kind, data = as_string(message.get("type")), as_string(message.get("data"))
        if kind == "send":
            body = {"binary": data} if as_int(message.get("opcode")) == 2 else {"text": literal(data)}
            steps.append({"ws": {"action": "SEND", **body}})
            after_send = True
        elif kind == "receive" and after_send:
            steps.append({"ws": {"action": "EXPECT", "timeoutS": _WS_EXPECT_S, **_expected_message(data)}})
            after_send = False
        elif kind == "receive":
            unexpected += 1
        else:
            warnings.add(f"{message_path}: message type {kind!r} is neither send nor receive; skipped")
    if unexpected:
        warnings.add(
            f"{path}: {unexpected} received message(s) not after a send (pushes) are not expected; "
            "add an EXPECT for those the test waits for"
        )
    warnings.add(f"{path}: the WebSocket's messages are replayed as soon as it opens, in the order recorded")
    return steps


def _expected_message(data: str) -> dict[str, Any]:
    """A JSON message with a `type` is matched by it, anything else by being the next message."""
    parsed, document = parse_json(data)
    if parsed and is_json_object(document) and isinstance(document.get("type"), str):
        return {"match": [{"on": "JSONPATH", "expr": "$.type", "op": "EQ", "value": literal(document["type"])}]}
    return {}


def _har_headers(request: dict[str, Any], path: str, warnings: Warnings) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _, header in read_objects(request, "headers", path):
        name = as_string(header.get("name"))
        if name.lower() == "cookie":
            warnings.add("Cookie headers dropped: each virtual user's session keeps the cookies its responses set")
        if name and not name.startswith(":") and name.lower() not in _HAR_DROPPED_HEADERS:
            headers[name] = literal(as_string(header.get("value")))
    return headers


def _har_body(post: dict[str, Any], headers: dict[str, str], path: str, warnings: Warnings) -> dict[str, Any]:
    mime = as_string(post.get("mimeType")).lower()
    text = as_string(post.get("text"))
    form = form_fields(text) if "application/x-www-form-urlencoded" in mime else None
    if form is not None:
        return {"form": form}
    if post.get("params"):
        return {"form": _har_form_params(post, headers, path, warnings)}
    parsed, document = parse_json(text) if "json" in mime else (False, None)
    if parsed:
        return {"json": map_json_strings(document, literal)}
    return {"body": literal(text)} if text else {}


def _har_form_params(post: dict[str, Any], headers: dict[str, str], path: str, warnings: Warnings) -> dict[str, str]:
    form: dict[str, str] = {}
    for param_path, param in read_objects(post, "params", path):
        if param.get("fileName") is not None:
            warnings.add(f"{param_path}: file field '{param.get('name')}' skipped")
        else:
            form[as_string(param.get("name"))] = literal(as_string(param.get("value")))
    if "multipart" in as_string(get_header(headers, "Content-Type")).lower():
        set_header(headers, "Content-Type", "application/x-www-form-urlencoded")
        warnings.add(f"{path}: multipart form sent as application/x-www-form-urlencoded")
    return form
