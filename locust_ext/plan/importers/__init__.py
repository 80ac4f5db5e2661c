"""Plans from other tools: a Postman v2.1 collection, a HAR 1.2 recording, a cURL command line, a locust-hazard plan,
a JMeter test plan.

Each converter turns its input into plan JSON and lists what it could not carry over as warnings; then
`import_plan` validates the result with `parse_plan`, so an import never hands back a plan that cannot run.
Errors name the place in the INPUT (`item[2].request.url`, `curl: -X`), because that is what the user can fix.
Everything here is a pure function of the text: nothing is fetched and no file is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from locust_ext.plan.importers.curl import from_curl
from locust_ext.plan.importers.har import from_har
from locust_ext.plan.importers.hazard import HazardConverter
from locust_ext.plan.importers.jmeter import from_jmeter, is_jmeter_plan
from locust_ext.plan.importers.postman import PostmanConverter
from locust_ext.plan.importers.readers import ImportFailed, Warnings, json_object, plan_name, read_field
from locust_ext.plan.templating import TemplateSyntaxError, compile_template
from locust_ext.plan.validation import PlanError, is_json_list, is_json_object, parse_plan, plan_to_json
from locust_ext.proto import fleet_pb2

__all__ = ["FORMATS", "FORMAT_DESCRIPTIONS", "ImportFailed", "ImportResult", "import_plan"]

FORMAT_DESCRIPTIONS = {
    "postman": "a Postman v2.1 collection",
    "har": "a HAR 1.2 recording",
    "curl": "a curl command line",
    "hazard": "a locust-hazard plan",
    "jmeter": "a JMeter test plan (.jmx)",
    "plan": "a locust-fleet plan",
}
FORMATS = tuple(FORMAT_DESCRIPTIONS)
_FORMAT_NAMES = ", ".join(f"{description} ({name})" for name, description in FORMAT_DESCRIPTIONS.items())
_CURL_START = re.compile(r"\s*curl(?:\s|\\\r?\n)")


@dataclass
class ImportResult:
    """The plan JSON (validated and normalised), what did not carry over, and the format it came from."""

    plan: dict[str, Any]
    warnings: list[fleet_pb2.ImportWarning]
    format: str

    @property
    def messages(self) -> list[str]:
        return [warning.message for warning in self.warnings]


def import_plan(
    text: str, format: str | None = None, name: str | None = None, *, include_static: bool = False
) -> ImportResult:
    """Convert `text` into a validated plan; `format` None means detect it. `include_static` keeps a HAR's assets."""
    text = text.removeprefix("\ufeff")  # a byte order mark, as some tools write before JSON
    if format is None:
        format = _detect_format(text)
    elif format not in FORMATS:
        raise ImportFailed("format", f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    warnings = Warnings()
    plan = _convert(format, text, warnings, include_static)
    source = name or plan.get("name") or ""
    if isinstance(source, str):  # any other name is left for the validation to report
        plan["name"] = plan_name(source, f"{format}-import")
    located = _located(warnings, plan)
    # A JMeter CSV Data Set names a file the user supplies next to the plan file; any other input holding a file
    # came from somewhere no plan file is, and is refused as the API refuses it (rows inline, please).
    return ImportResult(_validated(plan, keep_files=format == "jmeter"), located, format)


def _convert(format: str, text: str, warnings: Warnings, include_static: bool) -> dict[str, Any]:
    if format == "curl":
        return from_curl(text, warnings)
    if format == "jmeter":
        return from_jmeter(text, warnings)
    data = json_object(text)
    if format == "postman":
        return PostmanConverter(warnings).convert(data)
    if format == "har":
        return from_har(data, warnings, include_static)
    if format == "hazard":
        return HazardConverter(warnings).convert(data)
    return data


def _detect_format(text: str) -> str:
    if _CURL_START.match(text):
        return "curl"
    if is_jmeter_plan(text):
        return "jmeter"
    data = json_object(text) if text.lstrip().startswith("{") else None
    if isinstance(data, dict):
        schema = str(read_field(data, "info", "", dict, {}).get("schema", ""))
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


def _located(warnings: Warnings, plan: dict[str, Any]) -> list[fleet_pb2.ImportWarning]:
    """Each warning with the plan path of the step it concerns, found by identity before validation copies the plan."""
    paths: dict[int, str] = {}
    for key in ("setup", "tasks"):
        chains = plan.get(key)
        for index, item in enumerate(chains if is_json_list(chains) else []):
            if key == "setup":
                paths[id(item)] = f"setup[{index}]"
                continue
            steps = item.get("steps") if is_json_object(item) else None
            for step_index, step in enumerate(steps if is_json_list(steps) else []):
                paths[id(step)] = f"tasks[{index}].steps[{step_index}]"
    located: list[fleet_pb2.ImportWarning] = []
    for message in warnings:
        step = warnings.steps.get(message)
        # A warning quotes the input, which may hold a lone surrogate: shown escaped, as a record's text must be UTF-8.
        text = message.encode("utf-8", "backslashreplace").decode()
        located.append(fleet_pb2.ImportWarning(message=text, step=paths.get(id(step), "") if step else ""))
    return located


def _validated(plan: dict[str, Any], keep_files: bool) -> dict[str, Any]:
    """The plan checked and normalised. With `keep_files`, a data set `file` stays as written for the plan file it is
    saved in; it is checked as a CSV of the columns the plan uses, since an import reads no file."""
    files = _data_set_files(plan) if keep_files else {}
    try:
        validated = plan_to_json(parse_plan(_with_stand_in_csvs(plan, files)))
    except PlanError as error:
        first = error.issues[0].path
        problems = "; ".join(str(issue) for issue in error.issues)
        raise ImportFailed(
            f"plan.{first}" if first else "plan", f"the converted plan is not valid: {problems}"
        ) from None
    for index, file in files.items():
        data_set = validated["dataSets"][index]
        del data_set["csv"]
        data_set["file"] = file
    return validated


def _data_set_files(plan: dict[str, Any]) -> dict[int, str]:
    data_sets = plan.get("dataSets")
    return {
        index: data_set["file"]
        for index, data_set in enumerate(data_sets if is_json_list(data_sets) else [])
        if is_json_object(data_set)
        and isinstance(data_set.get("file"), str)
        and data_set["file"]
        and "csv" not in data_set
    }


def _with_stand_in_csvs(plan: dict[str, Any], files: dict[int, str]) -> dict[str, Any]:
    """A copy of the plan whose file data sets hold a CSV of one row of empty values under the columns the plan uses."""
    if not files:
        return plan
    used = _variables_used(plan)
    data_sets = list(plan["dataSets"])
    for index in files:
        name = data_sets[index].get("name")
        columns = sorted({column for set_name, _, column in (v.partition(".") for v in used) if set_name == name})
        columns = columns or ["column"]
        stand_in = ",".join(columns) + "\n" + ",".join('""' for _ in columns) + "\n"
        data_sets[index] = {key: value for key, value in data_sets[index].items() if key != "file"} | {"csv": stand_in}
    return plan | {"dataSets": data_sets}


def _variables_used(value: Any) -> set[str]:
    if isinstance(value, str):
        try:
            return set(compile_template(value).variables) if "${" in value else set()
        except TemplateSyntaxError:
            return set()
    items = value.values() if is_json_object(value) else value if is_json_list(value) else []
    return {name for item in items for name in _variables_used(item)}
