"""Plans from other tools: a Postman v2.1 collection, a HAR 1.2 recording, a cURL command line, a locust-hazard plan.

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
from locust_ext.plan.importers.postman import PostmanConverter
from locust_ext.plan.importers.readers import ImportFailed, Warnings, json_object, plan_name, read_field
from locust_ext.plan.validation import PlanError, is_json_list, is_json_object, parse_plan, plan_to_json
from locust_ext.proto import fleet_pb2

__all__ = ["FORMATS", "FORMAT_DESCRIPTIONS", "ImportFailed", "ImportResult", "import_plan"]

FORMAT_DESCRIPTIONS = {
    "postman": "a Postman v2.1 collection",
    "har": "a HAR 1.2 recording",
    "curl": "a curl command line",
    "hazard": "a locust-hazard plan",
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
    return ImportResult(_validated(plan), located, format)


def _convert(format: str, text: str, warnings: Warnings, include_static: bool) -> dict[str, Any]:
    if format == "curl":
        return from_curl(text, warnings)
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
        located.append(fleet_pb2.ImportWarning(message=message, step=paths.get(id(step), "") if step else ""))
    return located


def _validated(plan: dict[str, Any]) -> dict[str, Any]:
    try:
        return plan_to_json(parse_plan(plan))
    except PlanError as error:
        first = error.issues[0].path
        problems = "; ".join(str(issue) for issue in error.issues)
        raise ImportFailed(
            f"plan.{first}" if first else "plan", f"the converted plan is not valid: {problems}"
        ) from None
