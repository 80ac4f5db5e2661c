"""The plan: JSON in, a validated `Plan` message out, or every problem at once with its path.

This is the one place plans are validated. The rules come from the schema in protos/fleet.proto
(field types, enums, and the custom options `required`, `pattern`, `template` and `requires`);
the few rules that span several fields are the `_check_*` functions at the end.
"""

from __future__ import annotations

import base64
import difflib
import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard, cast

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, EnumValueDescriptor, FieldDescriptor

from locust_ext.plan.datasets import parse_csv
from locust_ext.plan.extractors import (
    compile_jsonpath,
    compile_regex,
    compile_xpath,
    parse_choice_list,
    parse_int_range,
    parse_json_type,
)
from locust_ext.plan.rows import page_rows, step_rows
from locust_ext.plan.templating import TemplateSyntaxError, compile_template
from locust_ext.proto import fleet_pb2

Plan = fleet_pb2.Plan
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UINT32_MAX = 2**32 - 1
# A request body nested deeper than this is refused: protobuf parses a plan at most 100 messages deep, and a
# JSON level of `json` costs two (Value, then ListValue or Struct) on top of the plan's own levels.
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# An HTTP token (RFC 9110): header names are sent as written, and no client can send any other.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_NAME_HINT = "a header name (letters, digits and !#$%&'*+-.^_`|~)"
# How many row names an error about a threshold's `step` lists.
_LISTED_ROWS = 10
# A day: longer is a typo, and far longer is more than sockets and browsers accept.
MAX_TIMEOUT_S = 86_400


@dataclass(frozen=True)
class PlanIssue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or 'plan'}: {self.message}"


class PlanError(ValueError):
    """A plan that cannot run; `issues` lists every problem with its path."""

    def __init__(self, issues: list[PlanIssue]) -> None:
        super().__init__("\n".join(str(issue) for issue in issues))
        self.issues = issues


def _check_number(text: str) -> None:
    float(text)


SYNTAXES: dict[str, Callable[[str], Any]] = {
    "jsonpath": compile_jsonpath,
    "xpath": compile_xpath,
    "regex": compile_regex,
    "int_range": parse_int_range,
    "choice_list": parse_choice_list,
    "number": _check_number,
    "json_type": parse_json_type,
    "template": compile_template,
}
# Syntaxes a value can only be checked for once templates are rendered, so only constants are checked here.
_RENDERED_SYNTAXES = {"number", "regex"}
# A calibration step settles, then is measured; on a master the figures come in worker reports every 3 s.
MIN_CALIBRATION_STEP_S = 10


_FILE_OUTSIDE_PLAN_FILE = (
    "a file is read next to a plan file (--fleet-plan); here give the rows inline in csv (the page can upload a CSV)"
)


def parse_plan(data: Any) -> Plan:
    """Validate plan JSON (already decoded) and return the Plan message; raises PlanError."""
    collector = _Collector()
    # A message's DESCRIPTOR is a descriptor.Descriptor at run time; protobuf's stubs also allow the upb class.
    collector.message(data, cast(Descriptor, Plan.DESCRIPTOR), "")
    if is_json_object(data):
        for check in _CROSS_FIELD_CHECKS:
            check(data, collector)
    if collector.issues:
        raise PlanError(collector.issues)
    try:
        plan = json_format.ParseDict(data, Plan())
    except json_format.ParseError as error:  # the checks above should make this unreachable
        raise PlanError([PlanIssue("", str(error))]) from None
    issues = _threshold_row_issues(plan)
    if issues:
        raise PlanError(issues)
    return plan


def load_plan(path: str | Path) -> Plan:
    """Read, validate and return the plan in a JSON file; data set files are inlined."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PlanError([PlanIssue("", f"cannot read {path}: {error.strerror}")]) from None
    return parse_plan(inline_data_set_files(decode_plan_json(text), path.parent))


def decode_plan_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanError(
            [PlanIssue("", f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}")]
        ) from None


def inline_data_set_files(data: Any, base: Path) -> Any:
    """Replace each data set's `file` by its content as `csv`, so the plan travels as one document."""
    if not is_json_object(data) or not is_json_list(data.get("dataSets")):
        return data
    issues: list[PlanIssue] = []
    for index, data_set in enumerate(data["dataSets"]):
        file_name = data_set.get("file") if is_json_object(data_set) else None
        if not file_name or not isinstance(file_name, str) or data_set.get("csv"):
            continue
        file = base / file_name
        try:
            # utf-8-sig: Excel's "CSV UTF-8" starts with a byte order mark, which would join the first column's name.
            data_set["csv"] = file.read_text(encoding="utf-8-sig")
        except OSError as error:
            issues.append(PlanIssue(f"dataSets[{index}].file", f"cannot read {file}: {error.strerror}"))
            continue
        del data_set["file"]
    if issues:
        raise PlanError(issues)
    return data


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan JSON of a Plan message (the inverse of parse_plan)."""
    return whole_numbers(json_format.MessageToDict(plan))


def whole_numbers(value: Any) -> Any:
    """JSON with whole floats as ints: protobuf keeps every JSON number as a double, so 7 comes back as 7.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53 and not _is_negative_zero(value):
        return int(value)
    if is_json_object(value):
        return {key: whole_numbers(item) for key, item in value.items()}
    if is_json_list(value):
        return [whole_numbers(item) for item in value]
    return value


def _is_negative_zero(value: float) -> bool:
    """-0.0 stays a float: as 0 it would lose its sign, and the plan would not come back as it was."""
    return value == 0 and math.copysign(1, value) < 0


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not _IDENTIFIER.fullmatch(key):
        return f"{path}[{json.dumps(key)}]"
    return f"{path}.{key}" if path else key


def is_json_object(value: Any) -> TypeGuard[dict[str, Any]]:
    """A decoded JSON object: a dict whose keys are strings."""
    return isinstance(value, dict)


def is_json_list(value: Any) -> TypeGuard[list[Any]]:
    """A decoded JSON list."""
    return isinstance(value, list)


def json_kind(value: Any) -> str:
    """What a decoded JSON value is, in words for error messages ("a string", "an object", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def enum_choices(enum: EnumDescriptor) -> list[str]:
    """The names a plan may use for an enum (never the *_UNSPECIFIED placeholder)."""
    return [value.name for value in enum.values if not value.name.endswith("_UNSPECIFIED")]


def field_option(field: FieldDescriptor, extension: Any) -> Any:
    return field.GetOptions().Extensions[extension]


def enum_value_option(value: EnumValueDescriptor, extension: Any) -> Any:
    # `extension` is Any: the generated stub types extensions as plain FieldDescriptors, protobuf's Extensions
    # mapping wants its typed extension handles.
    return value.GetOptions().Extensions[extension]


class _Collector:
    """Walks plan JSON along the message descriptors and collects every problem."""

    def __init__(self) -> None:
        self.issues: list[PlanIssue] = []

    def add(self, path: str, message: str) -> None:
        self.issues.append(PlanIssue(path, message))

    def message(self, value: Any, descriptor: Descriptor, path: str) -> None:
        if not is_json_object(value):
            self.add(path, f"expected an object, got {json_kind(value)}")
            return
        fields = {field.json_name: field for field in descriptor.fields}
        for key, item in value.items():
            field = fields.get(key)
            if field is None:
                self.add(_join(path, key), self._unknown_key(key, fields))
            else:
                self.field(item, field, _join(path, key))
        for field in descriptor.fields:
            item = value.get(field.json_name)
            if field_option(field, fleet_pb2.required) and _is_empty(item):
                self.add(_join(path, field.json_name), "required")
            if field.enum_type is not None and not field.is_repeated:
                self.enum_requirements(value, field, path)

    @staticmethod
    def _unknown_key(key: str, fields: dict[str, FieldDescriptor]) -> str:
        by_proto_name = {field.name: name for name, field in fields.items()}
        suggestion = by_proto_name.get(key) or next(iter(difflib.get_close_matches(key, list(fields), n=1)), None)
        hint = f"; did you mean '{suggestion}'?" if suggestion else f"; expected one of: {', '.join(fields)}"
        return f"unknown key '{key}'{hint}"

    def field(self, value: Any, field: FieldDescriptor, path: str) -> None:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            if not is_json_object(value):
                self.add(path, f"expected an object of strings, got {json_kind(value)}")
                return
            value_field = field.message_type.fields_by_name["value"]
            for key, item in value.items():
                if self.text(key, _join(path, key)):
                    continue
                self.single(item, value_field, _join(path, key), template=field_option(field, fleet_pb2.template))
        elif field.is_repeated:
            if not is_json_list(value):
                self.add(path, f"expected a list, got {json_kind(value)}")
                return
            for index, item in enumerate(value):
                self.single(item, field, _join(path, index))
        else:
            self.single(value, field, path)

    def single(self, value: Any, field: FieldDescriptor, path: str, template: bool | None = None) -> None:
        template = bool(field_option(field, fleet_pb2.template)) if template is None else template
        if field.message_type is not None:
            if field.message_type.full_name == "google.protobuf.Value":
                self.any_json(value, path, template)
            else:
                self.message(value, field.message_type, path)
        elif field.enum_type is not None:
            choices = enum_choices(field.enum_type)
            if value not in choices:
                self.add(path, f"expected one of {', '.join(choices)}; got {json.dumps(value)}")
        elif field.type == FieldDescriptor.TYPE_STRING:
            self.string(value, field, path, template)
        elif field.type == FieldDescriptor.TYPE_BOOL:
            if not isinstance(value, bool):
                self.add(path, f"expected true or false, got {json_kind(value)}")
        elif field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            if not _is_json_number(value):
                self.add(path, f"expected a number, got {json_kind(value)}")
            elif problem := _double_problem(value):
                self.add(path, problem)
            elif value < 0:
                self.add(path, f"expected a number >= 0, got {value}")
        elif field.type == FieldDescriptor.TYPE_UINT32:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _UINT32_MAX:
                self.add(path, f"expected a whole number >= 0, got {json.dumps(value)}")
        else:
            self.add(path, f"unsupported field type {field.type}")

    def string(self, value: Any, field: FieldDescriptor, path: str, template: bool) -> None:
        if not isinstance(value, str):
            self.add(path, f"expected a string, got {json_kind(value)}")
            return
        if self.text(value, path):
            return
        pattern = field_option(field, fleet_pb2.pattern)
        if pattern and value and not re.fullmatch(pattern, value):
            expected = field_option(field, fleet_pb2.pattern_hint) or f"a value matching {pattern}"
            self.add(path, f"expected {expected}, got {json.dumps(value)}")
        if template:
            self.template(value, path)

    def template(self, value: str, path: str) -> None:
        try:
            compile_template(value)
        except TemplateSyntaxError as error:
            self.add(path, f"bad template: {error}")

    def text(self, value: str, path: str) -> bool:
        """Report a string protobuf cannot hold (UTF-8 has no lone surrogates; JSON's `\\ud800` makes one)."""
        surrogate = _SURROGATE.search(value)
        if surrogate:
            where = f"character {surrogate.start() + 1}"
            self.add(path, f"expected Unicode text, got a lone surrogate {json.dumps(surrogate[0])} at {where}")
        return surrogate is not None

    def any_json(self, value: Any, path: str, template: bool) -> None:
        depth = json_depth(value)
        if depth > MAX_JSON_DEPTH:
            self.add(path, f"expected JSON nested at most {MAX_JSON_DEPTH} levels deep, got {depth}")
            return
        for node_path, node in _json_nodes(value, path):
            if isinstance(node, str) and not self.text(node, node_path) and template:
                self.template(node, node_path)
            elif is_json_object(node):
                for key in node:
                    self.text(key, _join(node_path, key))
            elif _is_json_number(node) and (problem := _double_problem(node)):
                self.add(node_path, problem)

    def enum_requirements(self, value: dict[str, Any], field: FieldDescriptor, path: str) -> None:
        enum, message = field.enum_type, field.containing_type
        if enum is None or message is None:
            raise TypeError(f"{field.full_name}: the `requires` of a choice need an enum field of a message")
        chosen = value.get(field.json_name, enum.values[0].name)
        # Any other value is reported by `single`; protobuf's lookup fails on text UTF-8 cannot hold, so check first.
        if chosen not in enum_choices(enum):
            return
        enum_value = enum.values_by_name[chosen]
        for requirement in enum_value_option(enum_value, fleet_pb2.requires):
            name, _, syntax = requirement.partition(":")
            needed = message.fields_by_name[name]
            needed_path = _join(path, needed.json_name)
            item = value.get(needed.json_name)
            if _is_empty(item):
                self.add(needed_path, f"required when {field.json_name} is {chosen}")
            elif syntax and isinstance(item, str):
                self.syntax(item, syntax, needed_path)

    def syntax(self, text: str, syntax: str, path: str) -> None:
        if syntax in _RENDERED_SYNTAXES and "${" in text:
            return
        try:
            SYNTAXES[syntax](text)
        except TemplateSyntaxError as error:
            self.add(path, f"bad template: {error}")
        except ValueError as error:
            message = str(error) if syntax != "number" else f"expected a number, got {json.dumps(text)}"
            self.add(path, message)


def json_depth(value: Any) -> int:
    """How many lists and objects deep a decoded JSON value nests (a string or number: 0), without recursion."""
    depth, level = 0, [value]
    while level := [item for item in level if is_json_list(item) or is_json_object(item)]:
        depth += 1
        level = [child for item in level for child in (item.values() if isinstance(item, dict) else item)]
    return depth


def _json_nodes(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every value in a JSON document with its path, in document order; a loop, so no nesting exhausts the stack."""
    stack = [(path, value)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if is_json_object(value):
            stack.extend(reversed([(_join(path, key), item) for key, item in value.items()]))
        elif is_json_list(value):
            stack.extend(reversed([(_join(path, index), item) for index, item in enumerate(value)]))


def _string_leaves(value: Any, path: str) -> Iterator[tuple[str, str]]:
    return ((node_path, node) for node_path, node in _json_nodes(value, path) if isinstance(node, str))


def _objects(data: dict[str, Any], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(key)
    if is_json_list(items):
        for index, item in enumerate(items):
            if is_json_object(item):
                yield index, item


def _http_steps(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for index, step in _objects(data, "setup"):
        yield f"setup[{index}]", step
    for task_index, task in _objects(data, "tasks"):
        for index, step in _objects(task, "steps"):
            yield f"tasks[{task_index}].steps[{index}]", step


def _check_one_body(data: dict[str, Any], collector: _Collector) -> None:
    for path, step in _http_steps(data):
        bodies = [key for key in ("form", "json", "body") if key in step and step[key] is not None]
        if len(bodies) > 1:
            collector.add(path, f"at most one of form, json and body; got {' and '.join(bodies)}")


def _check_timeouts(data: dict[str, Any], collector: _Collector) -> None:
    steps = list(_http_steps(data))
    for journey_index, journey in _objects(data, "journeys"):
        steps.extend((f"journeys[{journey_index}].steps[{i}]", step) for i, step in _objects(journey, "steps"))
    for path, step in steps:
        timeout = step.get("timeoutS")
        if _is_number(timeout) and timeout == 0:
            collector.add(f"{path}.timeoutS", "expected a number of seconds > 0, got 0")
        elif _is_number(timeout) and timeout > MAX_TIMEOUT_S:
            collector.add(f"{path}.timeoutS", f"expected at most {MAX_TIMEOUT_S} seconds (a day), got {timeout:g}")


def _check_header_names(data: dict[str, Any], collector: _Collector) -> None:
    for path, step in _http_steps(data):
        headers = step.get("headers")
        for name in headers if is_json_object(headers) else ():
            if _is_bad_header_name(name):
                collector.add(_join(f"{path}.headers", name), f"expected {_HEADER_NAME_HINT}, got {json.dumps(name)}")
        for kind, target in (("save", "from"), ("assert", "on")):
            for index, item in _objects(step, kind):
                # An empty expr is reported as required.
                if item.get(target) == "HEADER" and item.get("expr") and _is_bad_header_name(item["expr"]):
                    name = json.dumps(item["expr"])
                    collector.add(f"{path}.{kind}[{index}].expr", f"expected {_HEADER_NAME_HINT}, got {name}")


def _check_type_asserts(data: dict[str, Any], collector: _Collector) -> None:
    for path, step in _http_steps(data):
        for index, check in _objects(step, "assert"):
            target = check.get("on")
            if check.get("op") == "TYPE" and isinstance(target, str) and target not in ("JSONPATH", "BODY"):
                collector.add(f"{path}.assert[{index}].op", f"TYPE applies to JSONPATH and BODY, not {target}")


def choice_takes(enum: EnumDescriptor, choice: str) -> list[str]:
    """The JSON names of the fields a choice takes: those it requires, then the others it allows (`takes`)."""
    value = enum.values_by_name[choice]
    names = [requirement.partition(":")[0] for requirement in enum_value_option(value, fleet_pb2.requires)]
    names += enum_value_option(value, fleet_pb2.takes)
    if not names:
        return []
    if enum.containing_type is None:
        raise ValueError(f"{enum.full_name}: an enum outside any message has no fields to take")
    return [enum.containing_type.fields_by_name[name].json_name for name in names]


def _action_fields() -> dict[str, set[str]]:
    """What each WebSocket action takes besides `action`, as the proto says; the rest belongs to another action."""
    # A message's DESCRIPTOR is a descriptor.Descriptor at run time; protobuf's stubs also allow the upb class.
    enum = cast(Descriptor, fleet_pb2.WebSocketStep.DESCRIPTOR).enum_types_by_name["Action"]
    return {choice: set(choice_takes(enum, choice)) for choice in enum_choices(enum)}


_WS_FIELDS = _action_fields()
# A WebSocket message is a body: it has no status, headers or cookies (the handshake's are not the message's).
_WS_MESSAGE_TARGETS = ("BODY", "BODY_LENGTH", "JSONPATH", "XPATH")
_WS_SAVE_SOURCES = ("JSONPATH", "XPATH", "REGEX", "CONST", "RANDOM_INT", "RANDOM_CHOICE")
# An HTTP step's own fields, read from the proto: all but its name, its assignments and `ws` itself.
_HTTP_ONLY = tuple(
    field.json_name
    for field in cast(Descriptor, fleet_pb2.HttpStep.DESCRIPTOR).fields
    if field.name not in ("name", "assign", "ws")
)


def _check_urls_and_web_socket_steps(data: dict[str, Any], collector: _Collector) -> None:
    setup = [(path, step) for path, step in _http_steps(data) if path.startswith("setup")]
    for path, step in _http_steps(data):
        ws = step.get("ws")
        if ws is None:
            if _is_empty(step.get("url")):
                collector.add(f"{path}.url", "required (an HTTP step's URL; a WebSocket step has `ws` instead)")
            continue
        for key in _HTTP_ONLY:
            if key in step:
                collector.add(f"{path}.{key}", f"not for a WebSocket step: give it in `ws` ({_ws_fields_hint(ws)})")
        if is_json_object(ws):
            _check_web_socket_step(ws, f"{path}.ws", collector)
    for task_index, task in _objects(data, "tasks"):
        chain = setup + [(f"tasks[{task_index}].steps[{index}]", step) for index, step in _objects(task, "steps")]
        _check_connect_first(chain, collector)


def _ws_fields_hint(ws: Any) -> str:
    action = ws.get("action") if is_json_object(ws) else None
    fields = _WS_FIELDS.get(action) if isinstance(action, str) else None
    return f"{action} takes {', '.join(sorted(fields))}" if fields else "see PLAN_FORMAT.md"


def _check_web_socket_step(ws: dict[str, Any], path: str, collector: _Collector) -> None:
    action = ws.get("action")
    allowed = _WS_FIELDS.get(action) if isinstance(action, str) else None
    if allowed is None:
        return  # an unknown or missing action is reported by the field's own checks
    for key in ws.keys() - allowed - {"action"}:
        owners = [name for name, fields in _WS_FIELDS.items() if key in fields]
        if owners:
            collector.add(f"{path}.{key}", f"only for {' and '.join(owners)}, not {action}")
    if action == "SEND":
        sent = [key for key in ("text", "json", "binary") if key in ws and ws[key] is not None]
        if len(sent) != 1:
            collector.add(path, f"a SEND sends one of text, json and binary; got {' and '.join(sent) or 'none'}")
        if isinstance(ws.get("binary"), str) and not _is_base64(ws["binary"]):
            collector.add(f"{path}.binary", "expected base64 (A-Z, a-z, 0-9, +, /, = padding)")
    timeout = ws.get("timeoutS")
    if _is_number(timeout) and not 0 < timeout <= MAX_TIMEOUT_S:
        collector.add(f"{path}.timeoutS", f"expected seconds > 0 and at most {MAX_TIMEOUT_S}, got {timeout:g}")
    code = ws.get("closeCode")
    if isinstance(code, int) and code != 1000 and not 3000 <= code <= 4999:
        collector.add(f"{path}.closeCode", f"expected 1000 or an application code from 3000 to 4999, got {code}")
    url = ws.get("url")
    if isinstance(url, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", url) and not re.match(r"wss?://", url, re.I):
        collector.add(f"{path}.url", f"expected a ws:// or wss:// URL (or one relative to the host), got {url!r}")
    _check_ws_targets(ws, path, collector)


def _check_ws_targets(ws: dict[str, Any], path: str, collector: _Collector) -> None:
    for key in ("match", "assert"):
        targets = _WS_MESSAGE_TARGETS + (("RESPONSE_TIME_MS",) if key == "assert" else ())
        for index, check in _objects(ws, key):
            target = check.get("on")
            if isinstance(target, str) and target not in targets:
                collector.add(f"{path}.{key}[{index}].on", f"expected one of {', '.join(targets)} for a message")
    for index, save in _objects(ws, "save"):
        source = save.get("from")
        if isinstance(source, str) and source not in _WS_SAVE_SOURCES:
            expected = ", ".join(_WS_SAVE_SOURCES)
            collector.add(f"{path}.save[{index}].from", f"expected one of {expected} for a message")


def _check_connect_first(chain: list[tuple[str, dict[str, Any]]], collector: _Collector) -> None:
    """A WebSocket step needs a CONNECT before it in its chain (the set-up steps, then the task's)."""
    for path, step in chain:
        ws = step.get("ws")
        action = ws.get("action") if is_json_object(ws) else None
        if action == "CONNECT":
            return
        if isinstance(action, str) and action in _WS_FIELDS:
            message = f"a {action} before any CONNECT: connect first, in the set-up or the task"
            collector.add(f"{path}.ws.action", message)
            return


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        return False
    return True


def _is_bad_header_name(name: Any) -> bool:
    """A string that is no header name; a lone surrogate or any other value is reported by the field's own checks."""
    return isinstance(name, str) and not _SURROGATE.search(name) and not _HEADER_NAME.fullmatch(name)


def _check_chains(data: dict[str, Any], collector: _Collector) -> None:
    if not data.get("tasks") and not data.get("journeys"):
        collector.add("tasks", "a plan needs at least one task or journey")
    for key in ("tasks", "journeys"):
        chains = list(_objects(data, key))
        weights = [chain.get("weight", 1) for _, chain in chains]
        if chains and all(isinstance(weight, int) and weight == 0 for weight in weights):
            collector.add(f"{key}[0].weight", f"every one of the {key} has weight 0; at least one must be above 0")
        for index, chain in chains:
            think = chain.get("thinkTime")
            if is_json_object(think):
                low, high = think.get("minS", 0), think.get("maxS", 0)
                if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
                    collector.add(f"{key}[{index}].thinkTime", f"minS ({low}) is above maxS ({high})")


def _check_data_sets(data: dict[str, Any], collector: _Collector) -> None:
    columns_by_set: dict[str, set[str]] = {}
    for index, data_set in _objects(data, "dataSets"):
        path = f"dataSets[{index}]"
        name = data_set.get("name")
        if isinstance(name, str) and name in columns_by_set:
            collector.add(f"{path}.name", f"the data set name '{name}' is used twice")
        has_csv, has_file = bool(data_set.get("csv")), bool(data_set.get("file"))
        if has_csv == has_file:
            collector.add(path, "expected exactly one of csv and file")
        elif has_file:
            # load_plan inlines files; a file left here came through the API or gRPC, where no plan file exists.
            collector.add(f"{path}.file", _FILE_OUTSIDE_PLAN_FILE)
        if not isinstance(data_set.get("csv"), str) or not has_csv:
            continue
        try:
            header, _ = parse_csv(data_set["csv"])
        except ValueError as error:
            collector.add(f"{path}.csv", str(error))
            continue
        if isinstance(name, str):
            columns_by_set[name] = set(header)
    _check_column_references(data, columns_by_set, collector)


def _check_column_references(data: dict[str, Any], columns_by_set: dict[str, set[str]], collector: _Collector) -> None:
    """`${set.column}` must name a column the data set has; a typo there would otherwise fail every request."""
    for path, text in _string_leaves(data, ""):
        if "${" not in text:
            continue
        try:
            variables = compile_template(text).variables
        except TemplateSyntaxError:
            continue
        for variable in variables:
            set_name, dot, column = variable.partition(".")
            if dot and set_name in columns_by_set and column not in columns_by_set[set_name]:
                known = ", ".join(sorted(columns_by_set[set_name]))
                collector.add(path, f"data set '{set_name}' has no column '{column}'; its columns are {known}")


def _check_load(data: dict[str, Any], collector: _Collector) -> None:
    for index, task in _objects(data, "tasks"):
        if _is_number(task.get("iterationsPerS")) and task["iterationsPerS"] == 0:
            collector.add(f"tasks[{index}].iterationsPerS", "expected iterations per second > 0, got 0")
    load = data.get("load")
    if not is_json_object(load):
        return
    if _is_number(load.get("targetRps")) and load["targetRps"] == 0:
        collector.add("load.targetRps", "expected requests per second > 0, got 0 (leave it out for no target)")
    shapes = [name for name in ("step", "stages", "calibrate") if load.get(name)]
    if len(shapes) > 1:
        collector.add("load", f"expected at most one shape (step, stages or calibrate), got {' and '.join(shapes)}")
    if load.get("calibrate") and load.get("targetRps"):
        collector.add("load.targetRps", "a calibration finds the rate the target holds; leave targetRps out")
    for name in ("step", "calibrate"):
        _check_steps(load.get(name), f"load.{name}", collector)
    for index, stage in _objects(load, "stages"):
        if _is_number(stage.get("durationS")) and stage["durationS"] == 0:
            collector.add(f"load.stages[{index}].durationS", "expected seconds > 0, got 0")
    calibrate = load.get("calibrate")
    if is_json_object(calibrate):
        _check_calibration(calibrate, collector)


def _check_steps(steps: Any, path: str, collector: _Collector) -> None:
    if not is_json_object(steps):
        return
    per_step, most = steps.get("usersPerStep"), steps.get("maxUsers")
    if per_step == 0:
        collector.add(f"{path}.usersPerStep", "expected at least 1 user per step, got 0")
    if _is_number(steps.get("stepDurationS")) and steps["stepDurationS"] == 0:
        collector.add(f"{path}.stepDurationS", "expected seconds > 0, got 0")
    if isinstance(per_step, int) and isinstance(most, int) and most < per_step:
        collector.add(f"{path}.maxUsers", f"expected at least usersPerStep ({per_step}), got {most}")


def _check_calibration(calibrate: dict[str, Any], collector: _Collector) -> None:
    duration = calibrate.get("stepDurationS")
    if _is_number(duration) and 0 < duration < MIN_CALIBRATION_STEP_S:
        collector.add(
            "load.calibrate.stepDurationS",
            f"expected at least {MIN_CALIBRATION_STEP_S} s, for each step to settle and be measured, got {duration:g}",
        )
    for index, threshold in _objects(calibrate, "thresholds"):
        for name in ("abortOnFail", "abortGraceS"):
            if threshold.get(name):
                collector.add(
                    f"load.calibrate.thresholds[{index}].{name}",
                    "a calibration's thresholds end a step, not the run; give abortOnFail in the plan's thresholds",
                )


def _check_thresholds(data: dict[str, Any], collector: _Collector) -> None:
    load = data.get("load")
    calibrate = load.get("calibrate") if is_json_object(load) else None
    located = [(f"thresholds[{index}]", threshold) for index, threshold in _objects(data, "thresholds")]
    if is_json_object(calibrate):
        located += [
            (f"load.calibrate.thresholds[{index}]", threshold) for index, threshold in _objects(calibrate, "thresholds")
        ]
    for path, threshold in located:
        _check_threshold_bounds(path, threshold, collector)


def _check_threshold_bounds(path: str, threshold: dict[str, Any], collector: _Collector) -> None:
    low, high = threshold.get("min"), threshold.get("max")
    if low is None and high is None:
        collector.add(path, "expected max, min or both: the bounds within which the figure holds")
    if _is_number(low) and _is_number(high) and low > high:
        collector.add(f"{path}.min", f"expected at most max ({high:g}), got {low:g}")
    if threshold.get("metric") == "ERROR_RATIO":
        for name, bound in (("min", low), ("max", high)):
            if _is_number(bound) and not 0 <= bound <= 1:
                collector.add(f"{path}.{name}", f"expected a ratio from 0 to 1 for ERROR_RATIO, got {bound:g}")


def _threshold_row_issues(plan: Plan) -> list[PlanIssue]:
    """A threshold's `step` must name a row the plan reports: a step's, or for LCP a page's (`<journey>: <step>`)."""
    located = [(f"thresholds[{index}]", threshold) for index, threshold in enumerate(plan.thresholds)]
    located += [
        (f"load.calibrate.thresholds[{index}]", threshold)
        for index, threshold in enumerate(plan.load.calibrate.thresholds)
    ]
    issues: list[PlanIssue] = []
    for path, threshold in located:
        if not threshold.step:
            continue
        lcp = threshold.metric == fleet_pb2.Threshold.Metric.LCP_P75_MS
        rows = page_rows(plan) if lcp else step_rows(plan)
        if threshold.step not in rows:
            what = "page ('<journey>: <step>')" if lcp else "step"
            known = ", ".join(f"'{row}'" for row in sorted(rows)[:_LISTED_ROWS]) or "none"
            more = f" and {len(rows) - _LISTED_ROWS} more" if len(rows) > _LISTED_ROWS else ""
            message = f"no {what} is named '{threshold.step}'; the plan has {known}{more}"
            issues.append(PlanIssue(f"{path}.step", message))
    return issues


def _is_json_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _double_problem(number: int | float) -> str | None:
    """Why a JSON number cannot be a protobuf double (NaN, an infinity, an integer beyond 1.8e308), or None."""
    try:
        finite = math.isfinite(number)
    except OverflowError:
        return f"expected a number up to {sys.float_info.max:g}, got a larger one"
    return None if finite else f"expected a finite number, got {json.dumps(number)}"


def _is_number(value: Any) -> TypeGuard[int | float]:
    """A number the cross-field checks can compare and print; the field's own check reports any other."""
    return _is_json_number(value) and _double_problem(value) is None


_CROSS_FIELD_CHECKS = (
    _check_one_body,
    _check_timeouts,
    _check_header_names,
    _check_type_asserts,
    _check_urls_and_web_socket_steps,
    _check_chains,
    _check_data_sets,
    _check_load,
    _check_thresholds,
)
