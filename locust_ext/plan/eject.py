"""Eject a plan into a plain locustfile: readable Python that runs with `locust -f` and no locust-fleet installed.

Each HTTP step becomes a method that sends one request under the step's statistics row name, with its checks and
saves as plain Python; each WebSocket step a method that runs it with websocket-client on the user's one connection;
each task a `@task` method that runs its steps until one fails. Browser journeys become a Playwright user, one method
per journey and one block per step (the runtime it carries is in `eject_browser.py`). The generated file carries the
few helpers it needs (template rendering, data sets, the checks it uses, the WebSocket calls) and nothing else. What
the file cannot express (thresholds, calibration, the fleet's rate split, parts of the browser runtime) is listed in
its docstring, said where it would have been, and returned as warnings.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from google.protobuf import json_format

from locust_ext.plan import eject_browser
from locust_ext.plan.extractors import parse_choice_list, parse_int_range, simple_json_path
from locust_ext.plan.rows import browser_row, check_text, http_row, ws_row
from locust_ext.plan.templating import compile_template
from locust_ext.plan.validation import Plan, is_json_list, is_json_object, whole_numbers
from locust_ext.proto import fleet_pb2

LINE_LENGTH = 120
_INDENT = "    "
# A step's checks and saves sit in `with self.request(...) as response:` inside a method.
_BLOCK = _INDENT * 3
_Method = fleet_pb2.HttpStep.Method
_Source = fleet_pb2.Save.Source
_Target = fleet_pb2.Assertion.Target
_Op = fleet_pb2.Assertion.Op
_Mode = fleet_pb2.DataSet.Mode
_WsAction = fleet_pb2.WebSocketStep.Action
_BrowserAction = fleet_pb2.BrowserStep.Action
_DEFAULT_TIMEOUT_S = 30.0
_DEFAULT_PING_TIMEOUT_S = 10.0
_URL_PARTS = ("urllib.parse.urlsplit", "urllib.parse.urlunsplit")
# Each op's check in the generated file, and the argument that turns it into its negation.
_CHECKS = {
    _Op.EQ: ("check_equal", ""),
    _Op.TYPE: ("check_equal", ""),
    _Op.NE: ("check_equal", "equal=False"),
    _Op.LT: ("check_order", ""),
    _Op.LE: ("check_order", ""),
    _Op.GT: ("check_order", ""),
    _Op.GE: ("check_order", ""),
    _Op.CONTAINS: ("check_contains", ""),
    _Op.NOT_CONTAINS: ("check_contains", "contained=False"),
    _Op.MATCHES: ("check_matches", ""),
    _Op.EXISTS: ("check_exists", ""),
    _Op.NOT_EXISTS: ("check_exists", "exists=False"),
}
_ORDERINGS = {_Op.LT: "lt", _Op.LE: "le", _Op.GT: "gt", _Op.GE: "ge"}
# JSONPath that walks keys and indexes only (`$.a[0]['b']`) becomes plain indexing; anything else needs jsonpath-ng.
# Fields the generator writes; a field outside these (a step kind added later) is reported, never dropped silently.
_KNOWN_FIELDS = {
    "Plan": {"name", "host", "session", "proxy", "variables", "data_sets", "setup", "tasks", "journeys", "users"}
    | {"load", "secrets", "thresholds"},
    "Task": {"name", "weight", "think_time", "steps", "iterations_per_s"},
    "HttpStep": {"name", "method", "url", "headers", "params", "form", "json", "body", "timeout_s"}
    | {"follow_redirects", "save", "asserts", "fail_on_error_status", "assign", "ws"},
    "WebSocketStep": {"action", "url", "headers", "subprotocols", "timeout_s", "text", "json", "binary", "match"}
    | {"save", "asserts", "close_code", "reason"},
    "Journey": {"name", "weight", "think_time", "steps"},
    "BrowserStep": {"action", "selector", "value", "url", "save_as", "name", "timeout_s"},
}
# Names the user class already has (Locust's and the helpers'): a step or task method must not replace one.
_TAKEN_NAMES = {
    "client", "host", "environment", "wait_time", "tasks", "weight", "fixed_count", "abstract", "on_start",
    "on_stop", "run", "stop", "start", "wait", "context", "greenlet", "network_timeout", "connection_timeout",
    "proxy_host", "proxy_port", "insecure", "max_redirects", "max_retries", "concurrency", "client_pool",
    "ssl_context_factory", "request", "render", "run_chain", "run_steps", "save", "variables", "user_id",
    "user_rows", "setup_done", "feed_iteration", "next_wait", "json_value", "cookie", "rest", "set_row",
    "ws", "sent_at", "ws_step", "ws_row", "open_ws", "ws_connect", "ws_send", "ws_expect", "ws_ping", "ws_close",
    "begin_iteration", "page", "vitals", "journey_name", "context_options", "journey", "browser_step", "sleep_step",
    "open_page", "keep_screenshot", "keep_failure_screenshot", "report_vitals", "browser_row", "row",
}  # fmt: skip


def eject(plan: Plan) -> tuple[str, list[str]]:
    """The locustfile for `plan` (already validated) and the warnings about what it leaves out, one sentence each."""
    return _Generator(plan).generate()


# ---- Python literals, as ruff format writes them ----


def py_str(text: str) -> str:
    """A string literal: double quotes unless the text holds more double quotes than single ones (ruff's choice)."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    escaped: list[str] = []
    for char in text:
        if char == "\\":
            escaped.append("\\\\")
        elif char == quote:
            escaped.append("\\" + quote)
        elif char == "\n":
            escaped.append("\\n")
        elif char == "\r":
            escaped.append("\\r")
        elif char == "\t":
            escaped.append("\\t")
        elif not char.isprintable():
            escaped.append(repr(char)[1:-1])
        else:
            escaped.append(char)
    return quote + "".join(escaped) + quote


def py_regex(pattern: str) -> str:
    """A regular expression's literal: raw when that keeps it readable, else escaped."""
    if "\\" in pattern and '"' not in pattern and not pattern.endswith("\\") and pattern.isprintable():
        return f'r"{pattern}"'
    return py_str(pattern)


def py_value(value: Any, indent: str, prefix: str = "", suffix: str = "") -> list[str]:
    """`prefix` + a JSON value as Python + `suffix`: on one line when it fits, else one item per line."""
    flat = _flat(value)
    if len(indent + prefix + flat + suffix) <= LINE_LENGTH or not value:
        return [indent + prefix + flat + suffix]
    inner = indent + _INDENT
    if is_json_object(value):
        lines = [indent + prefix + "{"]
        for key, item in value.items():
            lines += py_value(item, inner, f"{py_str(key)}: ", ",")
        return [*lines, indent + "}" + suffix]
    if is_json_list(value):
        lines = [indent + prefix + "["]
        for item in value:
            lines += py_value(item, inner, "", ",")
        return [*lines, indent + "]" + suffix]
    return [indent + prefix + flat + suffix]


def _flat(value: Any) -> str:
    if isinstance(value, str):
        return py_str(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return repr(value)
    if is_json_object(value):
        return "{" + ", ".join(f"{py_str(key)}: {_flat(item)}" for key, item in value.items()) + "}"
    if is_json_list(value):
        return "[" + ", ".join(_flat(item) for item in value) + "]"
    raise TypeError(f"not a JSON value: {value!r}")


def identifier(name: str, taken: set[str], fallback: str) -> str:
    """A snake_case method name for a step or task, unique in its class."""
    base = re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower() or fallback
    if base[0].isdigit() or keyword.iskeyword(base):
        base = f"{fallback}_{base}"
    candidate, number = base, 2
    while candidate in taken or candidate in _TAKEN_NAMES:
        candidate, number = f"{base}_{number}", number + 1
    taken.add(candidate)
    return candidate


def class_name(plan_name: str) -> str:
    words = re.split(r"[^0-9A-Za-z]+", plan_name)
    name = "".join(word[:1].upper() + word[1:] for word in words if word) or "Plan"
    return ("Plan" + name if name[0].isdigit() else name) + "User"


def template_expr(source: str) -> str:
    """Python for a template's value: a plain literal when it is constant, else the file's `self.render(...)`."""
    constant = compile_template(source).constant
    return py_str(constant) if constant is not None else f"self.render({py_str(source)})"


# ---- helpers the generated file carries, each only when something uses it ----


@dataclass(frozen=True)
class _Helper:
    code: str
    imports: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


_HELPERS: dict[str, _Helper] = {
    "StepFailed": _Helper(
        '''class StepFailed(Exception):
    """A step that did not do what the plan says: the message is the failure Locust shows; the chain ends."""

    def __repr__(self) -> str:
        # Locust's failure tables show repr(error): the message alone reads best there.
        return str(self)
''',
    ),
    "render": _Helper(
        '''# `${name}` is a variable (`${set.column}` a data set's), `${__...}` a built-in, `$${` a literal `${`.
TEMPLATE = re.compile(r"\\$\\$\\{|\\$\\{([^}]*)\\}")
RANDOM_INT = re.compile(r"__randomInt\\(\\s*(-?\\d+)\\s*,\\s*(-?\\d+)\\s*\\)")


def render(template: str, variables: dict[str, str], user_id: int) -> str:
    """The template with its `${...}` replaced; StepFailed names a variable nothing has set."""

    def value(match: re.Match[str]) -> str:
        if match[1] is None:
            return "${"
        expression = match[1].strip()
        if expression == "__uuid":
            return str(uuid.uuid4())
        if expression == "__timestamp":
            return str(time.time_ns() // 1_000_000)
        if expression == "__userId":
            return str(user_id)
        bounds = RANDOM_INT.fullmatch(expression)
        if bounds:
            return str(random.randint(int(bounds[1]), int(bounds[2])))
        if expression not in variables:
            raise StepFailed(f"undefined variable ${{{expression}}}")
        return variables[expression]

    return TEMPLATE.sub(value, template)
''',
        ("random", "re", "time", "uuid"),
        ("StepFailed",),
    ),
    "render_json": _Helper(
        '''def render_json(value: Any, variables: dict[str, str], user_id: int) -> Any:
    """A JSON body with every string in it rendered as a template."""
    if isinstance(value, str):
        return render(value, variables, user_id)
    if isinstance(value, list):
        return [render_json(item, variables, user_id) for item in value]
    if isinstance(value, dict):
        return {key: render_json(item, variables, user_id) for key, item in value.items()}
    return value
''',
        ("typing.Any",),
        ("render",),
    ),
    "DataSet": _Helper(
        '''class DataSet:
    """CSV rows as `{"set.column": value}`: kept by one user (UNIQUE_PER_USER), in turn (ROUND_ROBIN) or at random."""

    def __init__(self, name: str, text: str, mode: str) -> None:
        rows = csv.DictReader(io.StringIO(text))
        self.rows = [{f"{name}.{column.strip()}": value for column, value in row.items()} for row in rows]
        self.name = name
        self.mode = mode
        self.turns = itertools.cycle(self.rows)
        self.free = deque(self.rows)

    def take_for_user(self) -> dict[str, str]:
        if not self.free:
            raise StepFailed(
                f"data set {self.name}: no row left for another user ({len(self.rows)} rows, mode UNIQUE_PER_USER); "
                "add rows or run fewer users"
            )
        return self.free.popleft()

    def take_for_iteration(self) -> dict[str, str]:
        return random.choice(self.rows) if self.mode == "RANDOM" else next(self.turns)
''',
        ("csv", "io", "itertools", "random", "collections.deque"),
        ("StepFailed",),
    ),
    "number": _Helper(
        '''def number(text: str) -> float | None:
    """The text as a finite number, else None (so "200" equals "200.0", and "NaN" is text)."""
    if "_" in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def preview(text: str) -> str:
    """What came, as failure messages show it: numbers bare, anything else quoted and cut at 80 characters."""
    return text if number(text) is not None else repr(shorten(text))


def shorten(text: str) -> str:
    return text if len(text) <= 80 else text[:80] + "…"
''',
        ("math",),
    ),
    "ws": _Helper(
        '''class WsClosed(Exception):
    """The server closed the connection (its close code and reason) or dropped it (no code)."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"closed: {code} {reason}".strip() if code is not None else "dropped")
        self.code = code
        self.reason = reason

    def failure(self, action: str) -> StepFailed:
        """What the step in flight fails with."""
        if self.code is None:
            return StepFailed(f"{action}: the connection was dropped (no close frame)")
        return StepFailed(f"{action}: the server closed the connection: {self.code} {self.reason}".rstrip())


class WsMessage:
    """A message received, read by the checks and saves as a response body (status 101, no headers)."""

    status_code = 101

    def __init__(self, data: str | bytes, round_trip_ms: float) -> None:
        self.binary = isinstance(data, bytes)
        self.content = data if isinstance(data, bytes) else data.encode()
        self.text = self.content.decode("utf-8", errors="replace")
        self.headers: dict[str, str] = {}
        # An EXPECT's time: from the last SEND to this message.
        self.round_trip_ms = round_trip_ms
        self.request_meta = {"response_time": round_trip_ms}

    def json(self) -> Any:
        return json.loads(self.content)

    def shown(self) -> str:
        """The message as a failure shows it: JSON as it came, other text quoted, cut at 200 characters."""
        if self.binary:
            return f"{len(self.content)} bytes of binary"
        text = self.text if len(self.text) <= 200 else self.text[:200] + "…"
        return text if text.startswith(("{", "[")) else preview(text)


def ws_url(url: str, host: str | None) -> str:
    """`url` as ws:// or wss://: absolute as written, else relative to the host (http becomes ws, https wss)."""
    if url.lower().startswith(("ws://", "wss://")) or not host:
        return url
    base = urlsplit(host)
    scheme = "wss" if base.scheme.lower() == "https" else "ws"
    path, _, query = url.partition("?")
    return urlunsplit((scheme, base.netloc, base.path.rstrip("/") + "/" + path.lstrip("/"), query, ""))


def open_websocket(
    url: str, headers: dict[str, str], subprotocols: list[str], timeout_s: float, proxy: str | None = None
) -> websocket.WebSocket:
    """An open connection (on gevent's sockets under Locust), else StepFailed saying why the handshake failed."""
    # The server owes valid UTF-8: checking each text frame in pure Python costs a third of a round trip.
    socket = websocket.WebSocket(skip_utf8_validation=True, sslopt={"cert_reqs": ssl.CERT_NONE})
    options: dict[str, Any] = {"header": headers, "timeout": timeout_s}
    if subprotocols:
        options["subprotocols"] = subprotocols
    if proxy:
        parts = urlsplit(proxy)
        options |= {"http_proxy_host": parts.hostname, "http_proxy_port": parts.port, "proxy_type": "http"}
    try:
        socket.connect(url, **options)
    except websocket.WebSocketBadStatusException as error:
        raise StepFailed(f"CONNECT {url}: the handshake was answered {error.status_code}, not 101") from None
    except websocket.WebSocketTimeoutException:
        raise StepFailed(f"CONNECT {url}: no handshake within {timeout_s:g} s (timeoutS)") from None
    except (OSError, websocket.WebSocketException) as error:
        raise StepFailed(f"CONNECT {url}: cannot connect: {error}") from None
    return socket


def send_message(socket: websocket.WebSocket, message: str | bytes) -> None:
    try:
        if isinstance(message, bytes):
            socket.send_binary(message)
        else:
            socket.send(message)
    except (OSError, websocket.WebSocketConnectionClosedException):
        socket.shutdown()
        raise WsClosed(None) from None


def next_frame(socket: websocket.WebSocket, timeout_s: float) -> tuple[int, bytes] | None:
    """The next frame within `timeout_s` (websocket-client answers pings), else None; WsClosed when it ended."""
    socket.settimeout(timeout_s)  # a wait that ends leaves the connection usable
    try:
        opcode, frame = socket.recv_data_frame(control_frame=True)
    except websocket.WebSocketTimeoutException:
        return None
    except (OSError, websocket.WebSocketConnectionClosedException, websocket.WebSocketProtocolException):
        socket.shutdown()
        raise WsClosed(None) from None
    data = frame.data if hasattr(frame, "data") else frame
    if opcode == websocket.ABNF.OPCODE_CLOSE:
        socket.shutdown()
        if len(data) < 2:
            raise WsClosed(1005)  # a close frame without a code
        raise WsClosed(struct.unpack("!H", data[:2])[0], data[2:].decode("utf-8", errors="replace"))
    return opcode, data


def next_message(socket: websocket.WebSocket, timeout_s: float) -> str | bytes | None:
    """The next text or binary message within `timeout_s`, else None; pongs are skipped."""
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        frame = next_frame(socket, left)
        if frame is None:
            return None
        opcode, data = frame
        if opcode == websocket.ABNF.OPCODE_TEXT:
            return data.decode("utf-8", errors="replace")
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return data
    return None


def ping_pong(socket: websocket.WebSocket, timeout_s: float) -> bool:
    """Send a ping; True when its pong came within `timeout_s` (messages meanwhile are dropped)."""
    payload = struct.pack("!d", time.monotonic())
    try:
        socket.ping(payload)
    except (OSError, websocket.WebSocketConnectionClosedException):
        socket.shutdown()
        raise WsClosed(None) from None
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        frame = next_frame(socket, left)
        if frame is None:
            return False
        if frame[0] == websocket.ABNF.OPCODE_PONG and frame[1] == payload:
            return True
    return False


def close_websocket(socket: websocket.WebSocket, code: int = 1000, reason: str = "") -> None:
    try:
        socket.close(status=code, reason=reason.encode(), timeout=1)
    except (OSError, websocket.WebSocketException):
        socket.shutdown()
''',
        ("json", "ssl", "struct", "time", "typing.Any", "websocket", *_URL_PARTS),
        ("StepFailed", "number"),
    ),
    "check_equal": _Helper(
        '''def check_equal(
    label: str,
    actual: str | None,
    expected: str,
    equal: bool = True,
    nothing: str = "absent",
) -> None:
    """EQ (or NE): as numbers when both sides are numbers, else as text."""
    if actual is None:
        raise StepFailed(f"{label} {expected}: {nothing}")
    left, right = number(actual), number(expected)
    same = left == right if left is not None and right is not None else actual == expected
    if same != equal:
        raise StepFailed(f"{label} {expected}: got {preview(actual)}")
''',
        needs=("StepFailed", "number"),
    ),
    "check_order": _Helper(
        '''def check_order(
    label: str, actual: str | None, expected: str, holds: Callable[[float, float], bool], nothing: str = "absent"
) -> None:
    """LT, LE, GT, GE: both sides must be numbers."""
    if actual is None:
        raise StepFailed(f"{label} {expected}: {nothing}")
    left, right = number(actual), number(expected)
    if right is None:
        raise StepFailed(f"{label} {expected}: '{expected}' is not a number")
    if left is None:
        raise StepFailed(f"{label} {expected}: got {preview(actual)}, not a number")
    if not holds(left, right):
        raise StepFailed(f"{label} {expected}: got {actual}")
''',
        ("collections.abc.Callable",),
        ("StepFailed", "number"),
    ),
    "check_contains": _Helper(
        '''def check_contains(
    label: str, actual: str | None, expected: str, contained: bool = True, nothing: str = "absent"
) -> None:
    """CONTAINS (or NOT_CONTAINS): nothing at all contains nothing."""
    if actual is None:
        if contained:
            raise StepFailed(f"{label} {shorten(expected)}: {nothing}")
        return
    if (expected in actual) != contained:
        raise StepFailed(f"{label} {shorten(expected)}: got {preview(actual)}")
''',
        needs=("StepFailed", "number"),
    ),
    "check_matches": _Helper(
        '''def check_matches(label: str, actual: str | None, pattern: str, nothing: str = "absent") -> None:
    """MATCHES: the regular expression is searched in the value."""
    if actual is None:
        raise StepFailed(f"{label} {pattern}: {nothing}")
    if not re.search(pattern, actual):
        raise StepFailed(f"{label} {pattern}: got {preview(actual)}")
''',
        ("re",),
        ("StepFailed", "number"),
    ),
    "check_exists": _Helper(
        '''def check_exists(label: str, actual: str | None, exists: bool = True, nothing: str = "absent") -> None:
    """EXISTS (or NOT_EXISTS)."""
    if exists and actual is None:
        raise StepFailed(f"{label}: {nothing}")
    if not exists and actual is not None:
        raise StepFailed(f"{label}: got {preview(actual)}")
''',
        needs=("StepFailed", "number"),
    ),
    "text_of": _Helper(
        '''def text_of(found: tuple[bool, Any]) -> str | None:
    """What a JSON query found as a variable holds it (strings bare, anything else as compact JSON), or None."""
    matched, value = found
    if not matched:
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
''',
        ("json", "typing.Any"),
    ),
    "type_of": _Helper(
        '''def type_of(found: tuple[bool, Any]) -> str | None:
    """The JSON type of what a JSON query found (string, number, boolean, object, array, null), or None."""
    matched, value = found
    if not matched:
        return None
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
''',
        ("typing.Any",),
    ),
    "json_at": _Helper(
        '''def json_at(response: FastResponse, *keys: str | int) -> tuple[bool, Any]:
    """(True, the value) at the keys and indexes in the JSON body, or (False, None) when there is none."""
    try:
        value = response.json()
        for key in keys:
            if isinstance(key, int) and not isinstance(value, list):
                return False, None
            value = value[key]
    except (ValueError, KeyError, IndexError, TypeError):
        return False, None
    return True, value
''',
        ("typing.Any", "locust.contrib.fasthttp.FastResponse"),
    ),
    "json_find": _Helper(
        '''def json_find(response: FastResponse, path: str) -> tuple[bool, Any]:
    """(True, the first match) of a JSONPath with filters or wildcards (jsonpath-ng), or (False, None)."""
    try:
        matches = jsonpath_parse(path).find(response.json())
    except ValueError:
        return False, None
    return (True, matches[0].value) if matches else (False, None)
''',
        ("typing.Any", "locust.contrib.fasthttp.FastResponse", "jsonpath_ng.ext.parse as jsonpath_parse"),
    ),
    "xpath_text": _Helper(
        '''def xpath_text(response: FastResponse, path: str) -> str | None:
    """The first XPath match in the body (XML when its type says so, else HTML): text, attribute or value."""
    content_type = (response.headers.get("content-type") or "").lower()
    try:
        if "xml" in content_type and "html" not in content_type:
            tree = etree.fromstring(response.content, parser=etree.XMLParser(recover=True, resolve_entities=False))
        else:
            tree = html.document_fromstring(response.content)
        found = tree.xpath(path)
    except (etree.ParserError, etree.XMLSyntaxError, etree.XPathEvalError, ValueError):
        return None
    if isinstance(found, list):
        if not found:
            return None
        found = found[0]
    if isinstance(found, etree._Element):
        return "".join(found.itertext()).strip()
    if isinstance(found, float) and found.is_integer():
        return str(int(found))
    if isinstance(found, bool):
        return "true" if found else "false"
    return str(found)
''',
        ("locust.contrib.fasthttp.FastResponse", "lxml.etree", "lxml.html"),
    ),
    "regex_first": _Helper(
        '''def regex_first(pattern: str, text: str) -> str | None:
    """The first group of the first match (the whole match when there is no group), or None."""
    match = re.search(pattern, text)
    if match is None:
        return None
    return (match.group(1) or "") if match.re.groups else match.group(0)
''',
        ("re",),
    ),
    "header": _Helper(
        '''def header(response: FastResponse, name: str) -> str | None:
    """A response header (values of a repeated one joined), or None."""
    value = response.headers.get(name) if response.headers else None
    return ", ".join(value) if isinstance(value, list) else value
''',
        ("locust.contrib.fasthttp.FastResponse",),
    ),
    "describe_error": _Helper(
        """def describe_error(error: BaseException, timeout_s: float) -> str:
    error = getattr(error, "original", None) or error  # geventhttpclient wraps the cause in RetriesExceeded
    if isinstance(error, gevent.Timeout | TimeoutError):
        return f"no response within {timeout_s:g} s (timeoutS)"
    return f"request failed: {error!r}"
""",
        ("gevent",),
    ),
    "pace": _Helper(
        '''class Pacer:
    """Spaces this process's requests `1 / rate` seconds apart; a stretch the users could not fill is not made up."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next_slot = 0.0

    def wait(self) -> None:
        now = time.monotonic()
        slot = max(self.next_slot, now)
        self.next_slot = slot + self.interval
        if slot > now:
            time.sleep(slot - now)
''',
        ("time",),
    ),
}

# What the generated file may import: whole modules (`import x`); anything else is a name from a module.
_STDLIB_MODULES = {"asyncio", "base64", "csv", "io", "itertools", "json", "math", "operator", "os", "random", "re"} | {
    "ssl",
    "struct",
    "time",
    "uuid",
}
_MODULES = _STDLIB_MODULES | {"gevent", "websocket"}
_STDLIB = _STDLIB_MODULES | {"collections", "contextlib", "http", "pathlib", "typing", "urllib"}


@dataclass
class _Step:
    """One step (HTTP or WebSocket) as the generator sees it: its method name in the class and its row."""

    message: fleet_pb2.HttpStep
    method_name: str
    path: str

    @property
    def websocket(self) -> bool:
        """A WebSocket step (`ws`): websocket-client code, since plain Locust has no WebSocket client."""
        return "ws" in self.message.DESCRIPTOR.fields_by_name and self.message.HasField("ws")


class _Generator:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.warnings: list[str] = []
        self.left_out: list[str] = []
        self.helpers: set[str] = {"StepFailed", "render"}
        self.imports: set[str] = {"locust.FastHttpUser", "locust.task", "contextlib.contextmanager"}
        self.imports |= {"collections.abc.Iterator", "locust.contrib.fasthttp.FastResponse", "itertools"}
        self.methods: set[str] = set()
        self.user_class = class_name(plan.name)
        # With journeys, the HTTP and browser users share what the plan's users have in common through a base class.
        self.plan_class = self.user_class.removesuffix("User") + "Plan"
        self.browser_class = self.user_class.removesuffix("User") + "BrowserUser"
        # What the checks and saves read: the HTTP response, or (in an EXPECT) the WebSocket message.
        self.subject = "response"
        self.websocket = any(step.HasField("ws") for step in _http_steps(plan))

    def warn(self, message: str, comment_lines: list[str] | None = None) -> None:
        self.warnings.append(message)
        self.left_out.append(message)
        if comment_lines is not None:
            comment_lines += _wrap(f"# Not ejected: {message}", "", "# ")

    # ---- the file ----

    def generate(self) -> tuple[str, list[str]]:
        self._check_unknown_fields()
        setup = [
            _Step(step, identifier(http_row(step), self.methods, "step"), f"setup[{i}]")
            for i, step in enumerate(self.plan.setup)
        ]
        task_steps = [
            [
                _Step(step, identifier(http_row(step), self.methods, "step"), f"tasks[{t}].steps[{i}]")
                for i, step in enumerate(task.steps)
            ]
            for t, task in enumerate(self.plan.tasks)
        ]
        body = [*self._constants(), *self._user_classes(setup, task_steps), *self._browser(), *self._load_shape()]
        self._note_thresholds_and_secrets()
        helpers = self._helper_code()
        text = "\n".join([*self._docstring(), "", *self._import_lines(), "", *helpers, *body]).rstrip() + "\n"
        return re.sub(r"\n{4,}", "\n\n\n", text), self.warnings

    def _check_unknown_fields(self) -> None:
        for path, message in self._messages():
            known = _KNOWN_FIELDS[message.DESCRIPTOR.name]
            for described, _value in message.ListFields():
                if described.name not in known:
                    self.warn(f"{path}.{described.json_name}: not ejected (this version of eject does not know it)")

    def _messages(self) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = [("plan", self.plan)]
        steps = [(f"setup[{i}]", step) for i, step in enumerate(self.plan.setup)]
        for t, task in enumerate(self.plan.tasks):
            found.append((f"tasks[{t}]", task))
            steps += [(f"tasks[{t}].steps[{i}]", step) for i, step in enumerate(task.steps)]
        found += steps
        found += [(f"{path}.ws", step.ws) for path, step in steps if step.HasField("ws")]
        for j, journey in enumerate(self.plan.journeys):
            found.append((f"journeys[{j}]", journey))
            found += [(f"journeys[{j}].steps[{i}]", step) for i, step in enumerate(journey.steps)]
        return found

    def _docstring(self) -> list[str]:
        packages = " ".join(
            [_pinned("locust")]
            + (["lxml"] if "xpath_text" in self.helpers else [])
            + (["jsonpath-ng"] if "json_find" in self.helpers else [])
            + (["websocket-client"] if self.websocket else [])
            + ([_pinned("playwright")] if self.plan.journeys else [])
        )
        lines = [
            f'"""Locust test ejected from the locust-fleet plan {self.plan.name!r}.',
            "",
            "Runs with plain Locust, without locust-fleet:",
            "",
            f"    pip install {packages}",
            "    locust -f this_file.py",
            "",
            "Each plan step is one request under the statistics name locust-fleet reports it under, with the step's",
            "checks and saves; a failing step ends its task's chain. Templates (`${var}`) are rendered by `render`.",
            "",
        ]
        if self.websocket:
            lines[-1:-1] = [
                "WebSocket steps use websocket-client: one connection per user, kept across iterations, with rows of",
                "type WS (CONNECT: the handshake; EXPECT: from the last SEND to the matching message; PING: the pong).",
            ]
        if self.plan.journeys:
            lines[-1:-1] = [
                f"Browser journeys run in Chromium through Playwright, in {self.browser_class}: each step is a",
                "row of type BROWSER, and each page a step loads reports its web vitals as rows of type TTFB, FCP,",
                "LCP and CLS named `<journey>: <step>`. The Chromium is Debian's (`apt install chromium`) if",
                "installed, else the one `playwright install chromium` downloads, or the one CHROMIUM names.",
            ]
        if not self.left_out:
            return [*lines, "Nothing in the plan was left out.", '"""']
        lines.append("Left out (locust-fleet runs these; this file does not):")
        for message in self.left_out:
            lines += _wrap(f"- {message}", "", "  ")
        return [*lines, '"""']

    def _import_lines(self) -> list[str]:
        """Standard library, then the rest; `import x` before `from x import y` in each, as isort orders them."""
        sections: list[str] = []
        for stdlib in (True, False):
            names = [name for name in self.imports if (name.split(".")[0] in _STDLIB) == stdlib]
            plain = sorted(name for name in names if name in _MODULES)
            sections += [f"import {name}" for name in plain]
            sections += _from_imports(sorted(name for name in names if name not in _MODULES))
            sections.append("")
        return sections[:-1]

    def _helper_code(self) -> list[str]:
        order = list(_HELPERS)
        needed: set[str] = set()
        pending = list(self.helpers)
        while pending:
            name = pending.pop()
            if name not in needed:
                needed.add(name)
                pending += _HELPERS[name].needs
        lines: list[str] = []
        for name in order:
            if name in needed:
                self.imports |= set(_HELPERS[name].imports)
                code = _HELPERS[name].code.rstrip("\n")
                if "ws" in needed:  # the checks and saves read a WebSocket message as they read a response
                    code = code.replace("response: FastResponse", "response: FastResponse | WsMessage")
                lines += ["", "", *code.split("\n")]
        return lines

    # ---- module constants: variables, data sets, the pacer ----

    def _constants(self) -> list[str]:
        lines: list[str] = ["", ""]
        lines += py_value(dict(sorted(self.plan.variables.items())), "", "VARIABLES = ")
        if self.plan.data_sets:
            self.helpers.add("DataSet")
            for data_set in self.plan.data_sets:
                lines += ["", *_csv_constant(_csv_name(data_set.name), data_set.csv)]
            lines += ["", "DATA_SETS = ["]
            for data_set in self.plan.data_sets:
                mode = _Mode.Name(data_set.mode)
                lines.append(f"    DataSet({py_str(data_set.name)}, {_csv_name(data_set.name)}, {py_str(mode)}),")
            lines.append("]")
        lines += [
            "# `${__userId}`: a number per virtual user of this process, from 1.",
            "user_ids = itertools.count(1)",
        ]
        if self.plan.load.HasField("target_rps"):
            self.helpers.add("pace")
            rate = self.plan.load.target_rps
            self.warn(
                f"load.targetRps: each Locust process paces at {rate:g} req/s; locust-fleet splits the target among "
                "workers, so with N workers this file asks N times the rate"
            )
            lines += [
                f"# load.targetRps: at most {rate:g} requests per second from this process.",
                f"PACER = Pacer({rate!r})",
            ]
        return lines

    # ---- the HTTP user ----

    def _user_classes(self, setup: list[_Step], task_steps: list[list[_Step]]) -> list[str]:
        """The HTTP user; with journeys, a base class both users share (the setup, the steps), then the HTTP user."""
        plan = self.plan
        shared = bool(plan.journeys)
        lines = ["", "", f"class {self.plan_class if shared else self.user_class}(FastHttpUser):"]
        if shared:
            summary = f"What the users of {plan.name!r} share: variables, data set rows, the setup and the HTTP steps."
            lines += [*_wrap(f'"""{summary}"""', _INDENT), "", "    abstract = True"]
        else:
            lines += [*_wrap(f'"""The HTTP tasks of {plan.name!r}, each a chain of steps."""', _INDENT), ""]
        lines.append(f"    host = {py_str(plan.host)}" if plan.host else "    # The plan has no host: give -H/--host.")
        if not shared:
            lines += self._weight()
        lines += self._timeouts()
        lines += self._proxy()
        if not shared:
            lines += self._wait_time()
        lines += self._init(setup)
        if not shared:
            lines += self._tasks(task_steps)
        for step in setup + [step for steps in task_steps for step in steps]:
            lines += self._ws_step(step) if step.websocket else self._step(step)
        lines += self._user_helpers(setup)
        if shared and plan.tasks:
            lines += ["", "", f"class {self.user_class}({self.plan_class}):"]
            lines += [*_wrap(f'"""The HTTP tasks of {plan.name!r}, each a chain of steps."""', _INDENT), ""]
            lines += self._weight() + self._wait_time() + self._tasks(task_steps)
        return lines

    def _weight(self) -> list[str]:
        users = self.plan.users
        weight = users.http_weight if users.HasField("http_weight") else 1
        if not self.plan.tasks:
            return ["    abstract = True  # the plan has no HTTP tasks"]
        return [f"    weight = {weight}"] if weight != 1 else []

    def _tasks(self, task_steps: list[list[_Step]]) -> list[str]:
        return [
            line for task, steps in zip(self.plan.tasks, task_steps, strict=True) for line in self._task(task, steps)
        ]

    def _timeouts(self) -> list[str]:
        steps = [step for step in _http_steps(self.plan) if not step.HasField("ws")]
        longest = max((_timeout(step) for step in steps), default=_DEFAULT_TIMEOUT_S)
        return [f"    network_timeout = connection_timeout = {longest!r}"]

    def _proxy(self) -> list[str]:
        if not self.plan.proxy:
            return []
        match = re.match(r"https?://([^/:]+):(\d+)", self.plan.proxy)
        if not match:
            return []
        return [f"    proxy_host = {py_str(match[1])}", f"    proxy_port = {int(match[2])}"]

    def _wait_time(self) -> list[str]:
        waits = {_wait_expr(task) for task in self.plan.tasks}
        if len(waits) <= 1:
            wait = next(iter(waits), "constant(0)")
            self.imports.add(f"locust.{wait.split('(')[0]}")
            return [f"    wait_time = {wait}"]
        for wait in waits:
            self.imports.add(f"locust.{wait.split('(')[0]}")
        return [
            "",
            "    def wait_time(self) -> float:",
            "        # Tasks think for different times: the pause after an iteration is its task's.",
            "        return self.next_wait(self)",
        ]

    def _init(self, setup: list[_Step]) -> list[str]:
        lines = [
            "",
            "    def on_start(self) -> None:",
            "        self.variables = dict(VARIABLES)",
            "        self.user_id = next(user_ids)",
            "        self.setup_done = False",
        ]
        if self.websocket:
            lines += [
                "        self.ws: websocket.WebSocket | None = None",
                "        self.sent_at = time.perf_counter()  # when the last message went out",
            ]
        if len({_wait_expr(task) for task in self.plan.tasks}) > 1:
            lines.append(f"        self.next_wait = {_wait_expr(self.plan.tasks[0])}")
        if self.plan.session is False and self.plan.HasField("session"):
            lines.append("        self.client.client.cookiejar = None  # session: false, no cookies kept")
        lines += [
            "        # The plan decides which statuses fail: the client hands every response back.",
            "        self.client.client.valid_response_codes = frozenset(range(100, 600))",
        ]
        if any(data_set.mode == _Mode.UNIQUE_PER_USER for data_set in self.plan.data_sets):
            lines += [
                "        self.user_rows: list[tuple[DataSet, dict[str, str]]] = []",
                "        try:",
                "            for data_set in DATA_SETS:",
                '                if data_set.mode == "UNIQUE_PER_USER":',
                "                    self.user_rows.append((data_set, data_set.take_for_user()))",
                "                    self.variables.update(self.user_rows[-1][1])",
                "        except StepFailed as failure:  # a failure row, as locust-fleet reports it",
                "            self.environment.events.request.fire(",
                '                request_type="DATA",',
                '                name="data sets",',
                "                response_time=0,",
                "                response_length=0,",
                "                exception=failure,",
                "                context={},",
                "            )",
                "            raise StopUser() from None",
            ]
            self.imports.add("locust.exception.StopUser")
        if self.plan.data_sets:
            lines.append("        self.feed_iteration()  # the setup sees the first draw")
        if setup:
            lines.append(
                f"        self.setup_done = self.run_steps({', '.join(f'self.{s.method_name}' for s in setup)})"
            )
        else:
            lines.append("        self.setup_done = True")
        return lines + self._on_stop()

    def _on_stop(self) -> list[str]:
        lines: list[str] = []
        if any(data_set.mode == _Mode.UNIQUE_PER_USER for data_set in self.plan.data_sets):
            lines += [
                "        for data_set, row in self.user_rows:  # free for the next user",
                "            data_set.free.append(row)",
            ]
        if self.websocket:
            lines += ["        if self.ws is not None:", "            close_websocket(self.ws)"]
        return ["", "    def on_stop(self) -> None:", *lines] if lines else []

    def _task(self, task: fleet_pb2.Task, steps: list[_Step]) -> list[str]:
        weight = task.weight if task.HasField("weight") else 1
        name = identifier(task.name, self.methods, "task")
        decorator = f"    @task({weight})" if weight != 1 else "    @task"
        lines = ["", decorator, f"    def {name}(self) -> None:", *_wrap(f'"""Task {task.name!r}."""', _INDENT * 2)]
        calls = ", ".join(f"self.{step.method_name}" for step in steps)
        if len({_wait_expr(each) for each in self.plan.tasks}) > 1:
            lines.append(f"        self.next_wait = {_wait_expr(task)}")
        call = f"        self.run_chain({calls})"
        if len(call) > LINE_LENGTH:
            lines += [
                "        self.run_chain(",
                *[f"            self.{step.method_name}," for step in steps],
                "        )",
            ]
        else:
            lines.append(call)
        return lines

    # ---- one HTTP step ----

    def _step(self, step: _Step) -> list[str]:
        message = step.message
        method = _Method.Name(message.method)
        row = http_row(message)
        lines = ["", f"    def {step.method_name}(self) -> None:"]
        lines += _wrap(f'"""{_docstring_text(method + " " + message.url)}"""', _INDENT * 2)
        arguments = [py_str(method), py_str(message.url), f"name={py_str(row)}"]
        lines += self._request_arguments(message, arguments)
        checks = self._checks(step) + self._saves(step)
        if not checks:  # nothing reads the response: the request and its status rule are the step
            return lines + _call("with self.request(", arguments, "):", "        ") + [f"{_BLOCK}pass"]
        return lines + _call("with self.request(", arguments, ") as response:", "        ") + checks

    def _request_arguments(self, step: fleet_pb2.HttpStep, arguments: list[str]) -> list[str]:
        """Lines that build the request's maps before the call, and the call's keyword arguments."""
        lines: list[str] = []
        for label, values in (("assign", step.assign), ("headers", step.headers), ("params", step.params)):
            if values:
                lines += py_value(dict(sorted(values.items())), "        ", f"{label} = ")
                arguments.append(f"{label}={label}")
        if step.form:
            lines += py_value(dict(sorted(step.form.items())), "        ", "form = ")
            arguments.append("form=form")
        if step.HasField("json"):
            lines += py_value(whole_numbers(json_format.MessageToDict(step.json)), "        ", "body = ")
            arguments.append("json_body=body")
        if step.HasField("body"):
            lines += py_value(step.body, "        ", "body = ")
            arguments.append("body=body")
        if step.HasField("timeout_s") and step.timeout_s != _DEFAULT_TIMEOUT_S:
            arguments.append(f"timeout={step.timeout_s!r}")
        if step.HasField("follow_redirects") and not step.follow_redirects:
            arguments.append("allow_redirects=False")
        asserts_status = any(assertion.on == _Target.STATUS for assertion in step.asserts)
        fails_on_error = step.fail_on_error_status if step.HasField("fail_on_error_status") else True
        if not fails_on_error or asserts_status:
            arguments.append("fail_on_error_status=False")
        return lines

    def _checks(self, step: _Step) -> list[str]:
        return [line for assertion in step.message.asserts for line in self._assertion(assertion)]

    def _assertion(self, assertion: fleet_pb2.Assertion) -> list[str]:
        """Lines (relative to the `with` block) that raise StepFailed when the assertion does not hold."""
        words = ("assert", _Target.Name(assertion.on), assertion.expr, _Op.Name(assertion.op))
        label = " ".join(word for word in words if word)
        label = f"{assertion.name}: {label}" if assertion.name else label
        value = compile_template(assertion.value).constant
        op = assertion.op
        if assertion.on == _Target.STATUS and op in (_Op.EQ, _Op.NE) and value and value.isdigit():
            sign = "!=" if op == _Op.EQ else "=="
            return [
                f"{_BLOCK}if {self.subject}.status_code {sign} {int(value)}:",
                f'{_BLOCK}    raise StepFailed(f"{_fstring_text(label)} {value}: got {{{self.subject}.status_code}}")',
            ]
        arguments = [py_str(label), self._actual(assertion)]
        if op not in (_Op.EXISTS, _Op.NOT_EXISTS):
            matches = op == _Op.MATCHES and value is not None
            arguments.append(py_regex(value) if matches and value is not None else template_expr(assertion.value))
        check, extra = _CHECKS[op]
        self.helpers.add(check)
        if op in _ORDERINGS:
            self.imports.add("operator")
            arguments.append(f"operator.{_ORDERINGS[op]}")
        if extra:
            arguments.append(extra)
        if assertion.on in (_Target.JSONPATH, _Target.XPATH):
            arguments.append('nothing="matched nothing"')
        return _call(f"{check}(", arguments, ")", _BLOCK)

    def _actual(self, assertion: fleet_pb2.Assertion) -> str:
        """Python for the value an assertion compares: text, or None when there is none."""
        on, expr = assertion.on, assertion.expr
        if assertion.op == _Op.TYPE:
            self.helpers |= {"type_of", "json_at"}
            whole = f"json_at({self.subject})"
            return f"type_of({self._json_found(expr) if on == _Target.JSONPATH else whole})"
        if on == _Target.STATUS:
            return f"str({self.subject}.status_code)"
        if on == _Target.BODY_LENGTH:
            return f'str(len({self.subject}.content or b""))'
        if on == _Target.BODY:
            return f"{self.subject}.text"
        if on == _Target.HEADER:
            self.helpers.add("header")
            return f"header({self.subject}, {py_str(expr)})"
        if on == _Target.RESPONSE_TIME_MS:
            return f'str(round({self.subject}.request_meta["response_time"]))'
        return self._query(on == _Target.XPATH, expr)

    def _query(self, xpath: bool, expr: str) -> str:
        if xpath:
            self.helpers.add("xpath_text")
            return f"xpath_text({self.subject}, {py_str(expr)})"
        self.helpers.add("text_of")
        return f"text_of({self._json_found(expr)})"

    def _json_found(self, expr: str) -> str:
        keys = simple_json_path(expr)
        if keys is not None:
            self.helpers.add("json_at")
            return (
                "json_at("
                + ", ".join([self.subject, *(py_str(k) if isinstance(k, str) else str(k) for k in keys)])
                + ")"
            )
        self.helpers.add("json_find")
        return f"json_find({self.subject}, {py_str(expr)})"

    def _saves(self, step: _Step) -> list[str]:
        return self._saves_of(step.message.save)

    def _saves_of(self, saves: Any) -> list[str]:
        lines: list[str] = []
        for save in saves:
            label = " ".join(part for part in (_Source.Name(save.source), save.expr) if part)
            arguments = [py_str(save.name), self._save_value(save), py_str(label)]
            if save.HasField("default_value"):
                arguments.append(f"default={py_str(save.default_value)}")
            lines += _call("self.save(", arguments, ")", _BLOCK)
        return lines

    def _save_value(self, save: fleet_pb2.Save) -> str:
        source, expr = save.source, save.expr
        if source in (_Source.JSONPATH, _Source.XPATH):
            return self._query(source == _Source.XPATH, expr)
        if source == _Source.REGEX:
            self.helpers.add("regex_first")
            return f"regex_first({py_regex(expr)}, {self.subject}.text)"
        if source == _Source.HEADER:
            self.helpers.add("header")
            return f"header({self.subject}, {py_str(expr)})"
        if source == _Source.COOKIE:
            self.imports.add("http.cookies.SimpleCookie")
            return f"self.cookie({self.subject}, {py_str(expr)})"
        if source == _Source.STATUS:
            return f"str({self.subject}.status_code)"
        if source == _Source.CONST:
            return template_expr(expr)
        if source == _Source.RANDOM_INT:
            low, high = parse_int_range(expr)
            self.imports.add("random")
            return f"str(random.randint({low}, {high}))"
        self.imports.add("random")
        return f"random.choice({_flat(parse_choice_list(expr))})"

    # ---- one WebSocket step ----

    def _ws_step(self, step: _Step) -> list[str]:
        """A method that runs the step inside `self.ws_step(...)`, which reports its failure as a WS row."""
        ws = step.message.ws
        row = py_str(http_row(step.message))
        lines = ["", f"    def {step.method_name}(self) -> None:"]
        lines += _wrap(f'"""{_docstring_text(ws_row(ws))}"""', _INDENT * 2)
        if step.message.assign:
            lines += py_value(dict(sorted(step.message.assign.items())), "        ", "assign = ")
        if ws.action == _WsAction.EXPECT and ws.match:
            lines += self._ws_matcher(ws)
        lines.append(f"        with self.ws_step({row}, {py_str(_WsAction.Name(ws.action))}):")
        if step.message.assign:
            lines.append(f"{_BLOCK}self.variables.update({{key: self.render(value) for key, value in assign.items()}})")
        return lines + self._ws_action(ws, row)

    def _ws_action(self, ws: fleet_pb2.WebSocketStep, row: str) -> list[str]:
        if ws.action == _WsAction.CONNECT:
            return self._ws_connect(ws, row)
        if ws.action == _WsAction.SEND:
            return self._ws_send(ws)
        if ws.action == _WsAction.EXPECT:
            return self._ws_expect(ws, row)
        if ws.action == _WsAction.PING:
            timeout = ws.timeout_s if ws.HasField("timeout_s") else _DEFAULT_PING_TIMEOUT_S
            return [f"{_BLOCK}self.ws_ping({row}, {timeout!r})"]
        arguments = [str(ws.close_code)] if ws.HasField("close_code") else []
        if ws.reason:
            arguments.append(f"reason={py_str(ws.reason)}")
        return [f"{_BLOCK}self.ws_close({', '.join(arguments)})"]

    def _ws_connect(self, ws: fleet_pb2.WebSocketStep, row: str) -> list[str]:
        arguments = [row, py_str(ws.url)]
        if ws.headers:
            arguments.append("headers=" + _flat(dict(sorted(ws.headers.items()))))
        if ws.subprotocols:
            arguments.append("subprotocols=" + _flat(list(ws.subprotocols)))
        if ws.HasField("timeout_s") and ws.timeout_s != _DEFAULT_TIMEOUT_S:
            arguments.append(f"timeout={ws.timeout_s!r}")
        if self.plan.proxy:
            arguments.append(f"proxy={py_str(self.plan.proxy)}")
        return _call("self.ws_connect(", arguments, ")", _BLOCK)

    def _ws_send(self, ws: fleet_pb2.WebSocketStep) -> list[str]:
        if ws.HasField("text"):
            return [f"{_BLOCK}self.ws_send({template_expr(ws.text)})"]
        if ws.HasField("json"):
            self.imports.add("json")
            document = whole_numbers(json_format.MessageToDict(ws.json))
            rendered = "render_json(body, self.variables, self.user_id)" if _has_templates(document) else "body"
            lines = py_value(document, _BLOCK, "body = ")
            return [*lines, f'{_BLOCK}self.ws_send(json.dumps({rendered}, separators=(",", ":")))']
        if ws.binary:
            self.imports.add("base64")
            return [f"{_BLOCK}self.ws_send(base64.b64decode({py_str(ws.binary)}))"]
        return [f'{_BLOCK}self.ws_send(b"")']

    def _ws_matcher(self, ws: fleet_pb2.WebSocketStep) -> list[str]:
        """`matches`, which fails on a message that is not the one expected (the checks of `match`)."""
        self.subject = "message"
        checks = [line for check in ws.match for line in self._assertion(check)]
        self.subject = "response"
        return ["", "        def matches(message: WsMessage) -> None:", *checks, ""]

    def _ws_expect(self, ws: fleet_pb2.WebSocketStep, row: str) -> list[str]:
        what = " and ".join(check_text(check) for check in ws.match) or "any message"
        arguments = [py_str(what), repr(ws.timeout_s)] + (["matches"] if ws.match else [])
        lines = _call("message = self.ws_expect(", arguments, ")", _BLOCK)
        self.subject = "message"
        lines += [line for check in ws.asserts for line in self._assertion(check)]
        lines += self._saves_of(ws.save)
        self.subject = "response"
        return [*lines, f"{_BLOCK}self.ws_row({row}, message.round_trip_ms)"]

    # ---- the user's helpers: the chain, the request, saves ----

    def _user_helpers(self, setup: list[_Step]) -> list[str]:
        feed = ["        self.feed_iteration()"] if self.plan.data_sets else []
        setup_calls = ", ".join(f"self.{step.method_name}" for step in setup)
        lines = [
            "",
            "    # ---- what every step shares ----",
            "",
            "    def run_setup(self) -> bool:",
            f"        return self.run_steps({setup_calls})" if setup else "        return True",
            "",
            "    def run_chain(self, *steps: Callable[[], None]) -> None:",
            '        """One iteration of a task: the steps in order until one fails."""',
            "        if self.begin_iteration():",
            "            self.run_steps(*steps)",
            "",
            "    def begin_iteration(self) -> bool:",
            '        """Start an iteration: draw data set rows, run the setup again while it fails (False then)."""',
            *feed,
            "        if not self.setup_done:",
            "            self.setup_done = self.run_setup()",
            "            if not self.setup_done:",
            "                time.sleep(1)  # a broken login is not hammered",
            "        return self.setup_done",
            "",
            "    def run_steps(self, *steps: Callable[[], None]) -> bool:",
            "        try:",
            "            for step in steps:",
            "                step()",
            "        except StepFailed:",
            "            return False",
            "        return True",
            "",
            "    def render(self, template: str) -> str:",
            "        return render(template, self.variables, self.user_id)",
            "",
            "    def save(self, name: str, value: str | None, source: str, default: str | None = None) -> None:",
            "        if value is None and default is None:",
            '            raise StepFailed(f"save {name}: {source} matched nothing")',
            "        self.variables[name] = default if value is None else value",
        ]
        self.imports |= {"collections.abc.Callable", "time"}
        if self.plan.data_sets:
            lines += [
                "",
                "    def feed_iteration(self) -> None:",
                "        for data_set in DATA_SETS:",
                '            if data_set.mode != "UNIQUE_PER_USER":',
                "                self.variables.update(data_set.take_for_iteration())",
            ]
        if "http.cookies.SimpleCookie" in self.imports:
            lines += _COOKIE_METHOD
        self.helpers.add("render_json")
        pacing = ["        PACER.wait()"] if self.plan.load.HasField("target_rps") else []
        lines += _REQUEST_METHOD_HEAD + pacing + _REQUEST_METHOD_TAIL
        if self.websocket:
            lines += _WS_METHODS_CODE.rstrip("\n").split("\n")
            self.helpers.add("ws")
        self.helpers.add("describe_error")
        self.imports |= {"gevent", "json", "urllib.parse.urlencode", "typing.Any"}
        return lines

    # ---- what the file cannot express ----

    # ---- the browser user: one method per journey, one block per step ----

    def _browser(self) -> list[str]:
        """The browser runtime and the user that runs the journeys; empty when the plan has none."""
        plan = self.plan
        if not plan.journeys:
            return []
        self.helpers |= set(eject_browser.HELPERS)
        self.imports |= set(eject_browser.IMPORTS)
        steps = [step for journey in plan.journeys for step in journey.steps]
        longest = max((_browser_timeout(step) for step in steps), default=_DEFAULT_TIMEOUT_S)
        lines = eject_browser.runtime_code(longest + 10).rstrip("\n").split("\n")
        lines += ["", ""]
        self.warn(
            "journeys: locust-fleet's memory guard (browser users per process by free memory), its health check of a "
            "page or browser that stops answering (here a browser call is given up after BROWSER_CALL_LIMIT_S) and its "
            "screenshots page (here the files in ./screenshots)",
            lines,
        )
        lines.append(f"class {self.browser_class}({self.plan_class}):")
        lines += _wrap(
            f'"""The journeys of {plan.name!r} in Chromium: each step a row of type BROWSER, each page a step '
            'loads its web vitals as rows TTFB, FCP, LCP and CLS named `<journey>: <step>`."""',
            _INDENT,
        )
        lines.append("")
        count = plan.users.browser_count if plan.users.HasField("browser_count") else 1
        if count:
            lines.append(f"    fixed_count = {count}  # browsers are expensive: a fixed number across the test")
        else:
            lines.append("    abstract = True  # users.browserCount is 0: no browser user")
        lines += self._journey_waits()
        lines += [
            "",
            "    def on_start(self) -> None:",
            "        self.page: Page | None = None  # opened at the first journey, kept across iterations",
            "        self.vitals = PageVitals()",
            '        self.journey_name = ""',
            "        super().on_start()  # variables, data set rows and the setup, as for every user of the plan",
            "",
            "    def context_options(self) -> dict[str, Any]:",
            '        """The browser context\'s options: URLs relative to the host, as in the plan\'s steps."""',
            f"        return {self._context_options()}",
        ]
        for journey in plan.journeys:
            lines += self._journey(journey)
        session = plan.session if plan.HasField("session") else True
        return lines + eject_browser.user_methods(session).rstrip("\n").split("\n")

    def _context_options(self) -> str:
        proxy = f', "proxy": {{"server": {py_str(self.plan.proxy)}}}' if self.plan.proxy else ""
        return f'{{"base_url": self.host, "ignore_https_errors": True{proxy}}}'

    def _journey_waits(self) -> list[str]:
        waits = {_journey_wait(journey) for journey in self.plan.journeys}
        self.imports |= {f"locust.{wait.split('(')[0]}" for wait in waits}
        if len(waits) == 1:
            return [f"    wait_time = {waits.pop()}"]
        return [
            "",
            "    def wait_time(self) -> float:",
            "        # Journeys think for different times: the pause after an iteration is its journey's.",
            "        return self.next_wait(self)",
        ]

    def _journey(self, journey: fleet_pb2.Journey) -> list[str]:
        weight = journey.weight if journey.HasField("weight") else 1
        lines = ["", f"    @task({weight})" if weight != 1 else "    @task"]
        lines.append(f"    def {identifier(journey.name, self.methods, 'journey')}(self) -> None:")
        lines += _wrap(f'"""Journey {_docstring_text(repr(journey.name))}."""', _INDENT * 2)
        if len({_journey_wait(each) for each in self.plan.journeys}) > 1:
            lines.append(f"        self.next_wait = {_journey_wait(journey)}")
        opening = f"        with self.journey({py_str(journey.name)}) as page:"
        blocks = [self._browser_step(step) for step in journey.steps]
        if len(blocks) == 1 and blocks[0][0].lstrip().startswith("with "):
            # One block alone in the journey's: one `with` for both, as ruff wants it.
            head, *body = blocks[0]
            return [*lines, opening[:-1] + ", " + head.lstrip().removeprefix("with "), *[line[4:] for line in body]]
        return [*lines, opening, *[line for block in blocks for line in block]]

    def _browser_step(self, step: fleet_pb2.BrowserStep) -> list[str]:
        """The step's block: `with self.browser_step(row):` around the Playwright call (a SLEEP is one call)."""
        row = py_str(browser_row(step))
        if step.action == _BrowserAction.SLEEP:
            return [f"{_BLOCK}self.sleep_step({row}, {float(step.value)!r})"]
        timeout_s = _browser_timeout(step)
        custom = timeout_s != _DEFAULT_TIMEOUT_S
        head = _call("with self.browser_step(", [row, *([f"timeout_s={timeout_s!r}"] if custom else [])], "):", _BLOCK)
        timeout = _number(timeout_s * 1000) if custom else "TIMEOUT_MS"
        return head + self._browser_action(step, timeout, _BLOCK + _INDENT)

    def _browser_action(self, step: fleet_pb2.BrowserStep, timeout: str, indent: str) -> list[str]:
        selector, value, url = (template_expr(text) for text in (step.selector, step.value, step.url))
        action = step.action
        saved = f"self.variables[{py_str(step.save_as)}] = "
        if action == _BrowserAction.GOTO:
            return _browser_call("", "goto", ["page", url, timeout], indent)
        if action == _BrowserAction.WAIT_FOR_URL:
            constant = compile_template(step.url).constant
            if constant is None:  # a regular expression when it renders to one starting with ^
                pattern = ['re.compile(url) if url.startswith("^") else url', f"timeout={timeout}"]
                return [f"{indent}url = {url}", *_browser_call("", "page.wait_for_url", pattern, indent)]
            pattern = [f"re.compile({py_regex(constant)})" if constant.startswith("^") else url, f"timeout={timeout}"]
            return _browser_call("", "page.wait_for_url", pattern, indent)
        if action == _BrowserAction.SCREENSHOT:
            shot = _browser_call("png = ", "page.screenshot", ['type="png"', f"timeout={timeout}"], indent)
            return [*shot, f"{indent}self.keep_screenshot({py_str(browser_row(step))}, png)"]
        calls = {
            _BrowserAction.CLICK: ("", "page.click", [selector, f"timeout={timeout}"]),
            _BrowserAction.CHECK: ("", "page.check", [selector, f"timeout={timeout}"]),
            _BrowserAction.WAIT_FOR: (
                "",
                "page.wait_for_selector",
                [selector, 'state="visible"', f"timeout={timeout}"],
            ),
            _BrowserAction.ASSERT_VISIBLE: ("", "assert_visible", ["page", selector, timeout]),
            _BrowserAction.FILL: ("", "page.fill", [selector, value, f"timeout={timeout}"]),
            _BrowserAction.SELECT: ("", "page.select_option", [selector, value, f"timeout={timeout}"]),
            _BrowserAction.PRESS: ("", "page.press", [selector, value, f"timeout={timeout}"]),
            _BrowserAction.ASSERT_TEXT: ("", "assert_text", ["page", selector, value, timeout]),
            _BrowserAction.SAVE_TEXT: (saved, "text_in", ["page", selector, timeout]),
            _BrowserAction.SAVE_ATTRIBUTE: (
                saved,
                "attribute_of",
                ["page", selector, value, py_str(step.save_as), timeout],
            ),
        }
        prefix, function, arguments = calls[action]
        return _browser_call(prefix, function, arguments, indent)

    def _note_thresholds_and_secrets(self) -> None:
        if self.plan.thresholds:
            self.warn("thresholds: not checked; the run passes or fails on Locust's own exit code")
        if self.plan.secrets:
            self.warn("secrets: failure messages are not masked")

    def _load_shape(self) -> list[str]:
        load = self.plan.load
        if load.HasField("calibrate"):
            self.warn("load.calibrate: the knee search is not ejected; its steps run as a step load without thresholds")
            calibrate = load.calibrate
            return self._step_shape(calibrate.users_per_step, calibrate.step_duration_s, calibrate.max_users)
        if load.HasField("step"):
            return self._step_shape(load.step.users_per_step, load.step.step_duration_s, load.step.max_users)
        if load.stages:
            return self._stages_shape(list(load.stages))
        return []

    def _step_shape(self, users_per_step: int, step_duration_s: float, max_users: int) -> list[str]:
        self.imports |= {"locust.LoadTestShape", "math"}
        return [
            "",
            "",
            "class StepLoad(LoadTestShape):",
            f'    """{users_per_step} more users every {step_duration_s:g} s, up to {max_users}; -t ends the run."""',
            "",
            "    def tick(self) -> tuple[int, float] | None:",
            "        options = self.runner.environment.parsed_options if self.runner else None",
            "        if options and options.run_time and self.get_run_time() >= options.run_time:",
            "            return None",
            f"        steps = math.floor(self.get_run_time() / {step_duration_s!r}) + 1",
            f"        return min({max_users}, steps * {users_per_step}), {float(users_per_step)!r}",
        ]

    def _stages_shape(self, stages: list[fleet_pb2.Stage]) -> list[str]:
        self.imports.add("locust.LoadTestShape")
        pairs = ", ".join(f"({stage.duration_s!r}, {stage.users})" for stage in stages)
        return [
            "",
            "",
            "class Stages(LoadTestShape):",
            '    """Linear ramps, one after the other, to each stage\'s users; the run ends after the last."""',
            "",
            f"    stages = [{pairs}]",
            "",
            "    def tick(self) -> tuple[int, float] | None:",
            "        elapsed = self.get_run_time()",
            "        previous = 0",
            "        for duration_s, users in self.stages:",
            "            if elapsed < duration_s:",
            "                now = round(previous + (users - previous) * elapsed / duration_s)",
            "                return now, max(1.0, abs(users - previous) / duration_s * 2)",
            "            elapsed -= duration_s",
            "            previous = users",
            "        return None",
        ]


# The user's WebSocket steps, as locust-fleet runs them: one connection per user, kept across iterations.
_WS_METHODS_CODE = '''
    # ---- WebSocket steps: one connection per user, kept across iterations until a CLOSE or the server ends it ----

    @contextmanager
    def ws_step(self, name: str, action: str) -> Iterator[None]:
        """One WebSocket step: a failure is its row (type WS) and ends the chain; a connection that ended is dropped."""
        started = time.perf_counter()
        try:
            try:
                yield
            except WsClosed as closed:
                self.ws = None  # the next CONNECT opens a new one
                raise closed.failure(action) from None
        except StepFailed as failure:
            self.ws_row(name, (time.perf_counter() - started) * 1000, failure)
            raise

    def ws_row(self, name: str, response_time: float, failure: StepFailed | None = None) -> None:
        self.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=response_time,
            response_length=0,
            exception=failure,
            context={},
        )

    def open_ws(self, action: str) -> websocket.WebSocket:
        if self.ws is None:
            raise StepFailed(f"{action}: no open connection (a CONNECT before it failed or was closed)")
        return self.ws

    def ws_connect(
        self,
        name: str,
        url: str,
        headers: dict[str, str] | None = None,
        subprotocols: list[str] | None = None,
        timeout: float = 30.0,
        proxy: str | None = None,
    ) -> None:
        """CONNECT: the row is the time to the open handshake; a connection already open is kept."""
        url = ws_url(self.render(url), self.host)
        rendered_headers = {key: self.render(value) for key, value in (headers or {}).items()}
        if self.ws is not None:
            return
        started = time.perf_counter()
        self.ws = open_websocket(url, rendered_headers, subprotocols or [], timeout, proxy)
        self.ws_row(name, (time.perf_counter() - started) * 1000)

    def ws_send(self, message: str | bytes) -> None:
        """SEND: counted on `messages sent`; an EXPECT's time runs from here."""
        send_message(self.open_ws("SEND"), message)
        self.sent_at = time.perf_counter()
        self.ws_row("messages sent", 0)

    def ws_expect(self, what: str, timeout_s: float, matches: Callable[[WsMessage], None] | None = None) -> WsMessage:
        """EXPECT: the first message that `matches` does not fail (the others are skipped), else StepFailed."""
        socket = self.open_ws("EXPECT")
        deadline = time.perf_counter() + timeout_s
        seen, last = 0, None
        while (left := deadline - time.perf_counter()) > 0:
            data = next_message(socket, left)
            if data is None:
                break
            seen, last = seen + 1, WsMessage(data, (time.perf_counter() - self.sent_at) * 1000)
            self.ws_row("messages received", 0)
            try:
                if matches is not None:
                    matches(last)
            except StepFailed:
                continue
            return last
        shown = f"; last: {last.shown()}" if last is not None else ""
        raise StepFailed(f"expect {what}: no match in {seen} messages within {timeout_s:g} s{shown}")

    def ws_ping(self, name: str, timeout_s: float) -> None:
        """PING: the row is the pong's round trip."""
        started = time.perf_counter()
        if not ping_pong(self.open_ws("PING"), timeout_s):
            raise StepFailed(f"PING: no pong within {timeout_s:g} s (timeoutS)")
        self.ws_row(name, (time.perf_counter() - started) * 1000)

    def ws_close(self, code: int = 1000, reason: str = "") -> None:
        close_websocket(self.open_ws("CLOSE"), code, reason)
        self.ws = None
'''
_COOKIE_METHOD = [
    "",
    "    def cookie(self, response: FastResponse, name: str) -> str | None:",
    '        """A cookie the response sets, else one in the user\'s jar."""',
    '        for value in response.headers.getlist("set-cookie") if response.headers else []:',
    "            cookie = SimpleCookie()",
    "            cookie.load(value)",
    "            if name in cookie:",
    "                return cookie[name].value",
    "        jar = self.client.cookiejar or []",
    "        return next((cookie.value for cookie in jar if cookie.name == name), None)",
]
_REQUEST_METHOD_HEAD = [
    "",
    "    @contextmanager",
    "    def request(",
    "        self,",
    "        method: str,",
    "        url: str,",
    "        *,",
    "        name: str,",
    "        assign: dict[str, str] | None = None,",
    "        headers: dict[str, str] | None = None,",
    "        params: dict[str, str] | None = None,",
    "        form: dict[str, str] | None = None,",
    "        json_body: Any = None,",
    "        body: str | None = None,",
    "        timeout: float | None = None,",
    "        allow_redirects: bool = True,",
    "        fail_on_error_status: bool = True,",
    "    ) -> Iterator[FastResponse]:",
    '        """Render the templates, send, and hand the response to the step\'s checks; what they raise fails it."""',
    "        try:",
    "            self.variables.update({key: self.render(value) for key, value in (assign or {}).items()})",
    "            rendered_headers = {key: self.render(value) for key, value in (headers or {}).items()}",
    "            data = None",
    "            if form is not None:",
    "                data = urlencode({key: self.render(value) for key, value in form.items()})",
    '                rendered_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")',
    "            elif json_body is not None:",
    '                data = json.dumps(render_json(json_body, self.variables, self.user_id), separators=(",", ":"))',
    '                rendered_headers.setdefault("Content-Type", "application/json")',
    "            elif body is not None:",
    "                data = self.render(body)",
    "            options: dict[str, Any] = {",
    '                "headers": rendered_headers,',
    '                "data": data.encode() if data is not None else None,',
    '                "allow_redirects": allow_redirects,',
    "            }",
    "            if params:",
    '                options["params"] = {key: self.render(value) for key, value in params.items()}',
    "            url = self.render(url)",
    "        except StepFailed as failure:  # before anything is sent: a failure row all the same",
    "            self.environment.events.request.fire(",
    "                request_type=method, name=name, response_time=0, response_length=0, exception=failure, context={}",
    "            )",
    "            raise",
]
_REQUEST_METHOD_TAIL = [
    "        with gevent.Timeout(timeout or self.network_timeout):",
    "            response = self.client.request(method, url, name=name, catch_response=True, **options)",
    "        with response:",
    "            try:",
    '                error = getattr(response, "error", None)  # set when no response came',
    "                if error is not None and not response.status_code:",
    "                    raise StepFailed(describe_error(error, timeout or self.network_timeout))",
    "                if fail_on_error_status and response.status_code >= 400:",
    "                    status = response.status_code",
    '                    raise StepFailed(f"status {status}: a step without a STATUS assert fails on 4xx and 5xx")',
    "                yield response",
    "            except StepFailed as failure:",
    "                response.failure(failure)",
    "                raise",
    "            response.success()",
]


def _http_steps(plan: Plan) -> list[fleet_pb2.HttpStep]:
    """The set-up's steps and every task's, WebSocket steps among them."""
    return list(plan.setup) + [step for task in plan.tasks for step in task.steps]


def _has_templates(value: Any) -> bool:
    """Whether a JSON document holds a template in one of its strings."""
    if isinstance(value, str):
        return compile_template(value).constant is None
    if is_json_list(value):
        return any(_has_templates(item) for item in value)
    if is_json_object(value):
        return any(_has_templates(item) for item in value.values())
    return False


def _timeout(step: fleet_pb2.HttpStep) -> float:
    return step.timeout_s if step.HasField("timeout_s") else _DEFAULT_TIMEOUT_S


def _browser_timeout(step: fleet_pb2.BrowserStep) -> float:
    return step.timeout_s if step.HasField("timeout_s") else _DEFAULT_TIMEOUT_S


def _journey_wait(journey: fleet_pb2.Journey) -> str:
    if journey.think_time.max_s > 0:
        return f"between({journey.think_time.min_s!r}, {journey.think_time.max_s!r})"
    return "constant(0)"


def _number(value: float) -> str:
    """A number as Python writes it, whole numbers without `.0` (milliseconds for Playwright)."""
    return str(int(value)) if value.is_integer() else repr(value)


def _browser_call(prefix: str, function: str, arguments: list[str], indent: str) -> list[str]:
    """`prefix` + `BROWSER.run(function(arguments))` as ruff formats it: on one line when it fits, else the call
    alone on a line (a magic trailing comma keeps it there), else one argument a line."""
    call = f"{function}({', '.join(arguments)})"
    if len(indent + prefix + call) + len("BROWSER.run()") <= LINE_LENGTH:
        return [f"{indent}{prefix}BROWSER.run({call})"]
    inner = indent + _INDENT
    if len(inner + call) + 1 <= LINE_LENGTH:
        return [f"{indent}{prefix}BROWSER.run(", f"{inner}{call},", f"{indent})"]
    exploded = [f"{inner}{_INDENT}{argument}," for argument in arguments]
    return [f"{indent}{prefix}BROWSER.run(", f"{inner}{function}(", *exploded, f"{inner}),", f"{indent})"]


def _wait_expr(task: fleet_pb2.Task) -> str:
    if task.HasField("iterations_per_s"):
        return f"constant_throughput({task.iterations_per_s!r})"
    if task.think_time.max_s > 0:
        return f"between({task.think_time.min_s!r}, {task.think_time.max_s!r})"
    return "constant(0)"


def _csv_name(data_set: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", data_set).upper() + "_CSV"


def _csv_constant(name: str, text: str) -> list[str]:
    """A data set's CSV as a triple-quoted block where it can be one, else one literal per line."""
    if text.endswith("\n") and '"""' not in text and "\\" not in text and text.replace("\n", "").isprintable():
        return [f'{name} = """\\', *text.rstrip("\n").split("\n"), '"""']
    return [f"{name} = (", *[f"    {py_str(line)}" for line in text.splitlines(keepends=True)], ")"]


def _from_imports(names: list[str]) -> list[str]:
    modules: dict[str, list[str]] = {}
    for name in names:
        module, _, imported = name.rpartition(".")
        modules.setdefault(module, []).append(imported)
    lines: list[str] = []
    for module in sorted(modules):
        imported = sorted(modules[module], key=lambda item: (not item[0].isupper(), item.lower()))
        plain = [name for name in imported if " as " not in name]
        lines += [f"from {module} import {', '.join(plain)}"] if plain else []
        # isort gives each renamed import a line of its own, after the module's others.
        lines += [f"from {module} import {name}" for name in imported if " as " in name]
    return lines


def _wrap(text: str, indent: str, continuation: str = "") -> list[str]:
    """Words of `text` on lines of at most LINE_LENGTH characters, each starting with `indent`; lines after the
    first also with `continuation` (a comment's `# `, a list item's indent)."""
    lines: list[str] = []
    line = indent
    for word in text.split(" "):
        if line.strip() and len(line) + 1 + len(word) > LINE_LENGTH:
            lines.append(line)
            line = indent + continuation + word
        else:
            line = line + (" " if line.strip() else "") + word
    return [*lines, line]


def _call(head: str, arguments: list[str], tail: str, indent: str) -> list[str]:
    """`head` + arguments + `tail` at `indent`; one argument a line, with ruff's magic trailing comma, when long."""
    one_line = head + ", ".join(arguments) + tail
    width = len(indent) + len(one_line)
    if width <= LINE_LENGTH:
        return [indent + one_line]
    lines = [head, *[f"{_INDENT}{argument}," for argument in arguments], tail]
    return [indent + line for line in lines]


def _docstring_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _fstring_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("{", "{{").replace("}", "}}")


def _pinned(package: str) -> str:
    """`package==version` as installed here (the version the generated code was written against), else the name."""
    try:
        return f"{package}=={metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return package
