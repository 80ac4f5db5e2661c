"""The plan: JSON in, a validated `Plan` message out, or every problem at once with its path.

This is the one place plans are validated. The rules come from the schema in protos/fleet.proto
(field types, enums, and the custom options `required`, `pattern`, `template` and `requires`);
the few rules that span several fields are the `_check_*` functions at the end.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from locust_ext.datasets import parse_csv
from locust_ext.extractors import compile_jsonpath, compile_regex, compile_xpath, parse_choice_list, parse_int_range
from locust_ext.proto import fleet_pb2
from locust_ext.templating import TemplateSyntaxError, compile_template

Plan = fleet_pb2.Plan
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UINT32_MAX = 2**32 - 1


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
    collector.message(data, Plan.DESCRIPTOR, "")
    if isinstance(data, dict):
        for check in _CROSS_FIELD_CHECKS:
            check(data, collector)
    if collector.issues:
        raise PlanError(collector.issues)
    try:
        return json_format.ParseDict(data, Plan())
    except json_format.ParseError as error:  # the checks above should make this unreachable
        raise PlanError([PlanIssue("", str(error))]) from None


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
    if not isinstance(data, dict) or not isinstance(data.get("dataSets"), list):
        return data
    issues = []
    for index, data_set in enumerate(data["dataSets"]):
        file_name = data_set.get("file") if isinstance(data_set, dict) else None
        if not file_name or not isinstance(file_name, str) or data_set.get("csv"):
            continue
        file = base / file_name
        try:
            data_set["csv"] = file.read_text(encoding="utf-8")
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
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    return value


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not _IDENTIFIER.fullmatch(key):
        return f"{path}[{json.dumps(key)}]"
    return f"{path}.{key}" if path else key


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


class _Collector:
    """Walks plan JSON along the message descriptors and collects every problem."""

    def __init__(self) -> None:
        self.issues: list[PlanIssue] = []

    def add(self, path: str, message: str) -> None:
        self.issues.append(PlanIssue(path, message))

    def message(self, value: Any, descriptor: Descriptor, path: str) -> None:
        if not isinstance(value, dict):
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
            if not isinstance(value, dict):
                self.add(path, f"expected an object of strings, got {json_kind(value)}")
                return
            value_field = field.message_type.fields_by_name["value"]
            for key, item in value.items():
                self.single(item, value_field, _join(path, key), template=field_option(field, fleet_pb2.template))
        elif field.is_repeated:
            if not isinstance(value, list):
                self.add(path, f"expected a list, got {json_kind(value)}")
                return
            for index, item in enumerate(value):
                self.single(item, field, _join(path, index))
        else:
            self.single(value, field, path)

    def single(self, value: Any, field: FieldDescriptor, path: str, template: bool | None = None) -> None:
        template = field_option(field, fleet_pb2.template) if template is None else template
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
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                self.add(path, f"expected a number, got {json_kind(value)}")
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

    def any_json(self, value: Any, path: str, template: bool) -> None:
        for leaf_path, leaf in _string_leaves(value, path):
            if template:
                self.template(leaf, leaf_path)

    def enum_requirements(self, value: dict[str, Any], field: FieldDescriptor, path: str) -> None:
        chosen = value.get(field.json_name, field.enum_type.values[0].name)
        enum_value = field.enum_type.values_by_name.get(chosen) if isinstance(chosen, str) else None
        if enum_value is None or chosen.endswith("_UNSPECIFIED"):
            return
        for requirement in enum_value.GetOptions().Extensions[fleet_pb2.requires]:
            name, _, syntax = requirement.partition(":")
            needed = field.containing_type.fields_by_name[name]
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


def _string_leaves(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_leaves(item, _join(path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_leaves(item, _join(path, index))


def _objects(data: dict[str, Any], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(key)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
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
        if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout == 0:
            collector.add(f"{path}.timeoutS", "expected a number of seconds > 0, got 0")


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
            if isinstance(think, dict):
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
    load = data.get("load")
    if not isinstance(load, dict):
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
    if isinstance(calibrate, dict):
        _check_calibration(calibrate, collector)
    for index, task in _objects(data, "tasks"):
        if _is_number(task.get("iterationsPerS")) and task["iterationsPerS"] == 0:
            collector.add(f"tasks[{index}].iterationsPerS", "expected iterations per second > 0, got 0")


def _check_steps(steps: Any, path: str, collector: _Collector) -> None:
    if not isinstance(steps, dict):
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
        limit = threshold.get("max")
        if threshold.get("metric") == "ERROR_RATIO" and _is_number(limit) and limit > 1:
            path = f"load.calibrate.thresholds[{index}].max"
            collector.add(path, f"expected a ratio from 0 to 1 for ERROR_RATIO, got {limit:g}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_CROSS_FIELD_CHECKS = (_check_one_body, _check_timeouts, _check_chains, _check_data_sets, _check_load)
