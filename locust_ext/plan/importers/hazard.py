"""locust-hazard plans (the Go boomer platform this project grew from): PreTask, MainTask and their rules."""

from __future__ import annotations

import re
from typing import Any

from locust_ext.plan.importers.readers import (
    ImportFailed,
    Placeholders,
    Warnings,
    as_string,
    at_path,
    decode_json,
    json_problem,
    read_field,
    read_method,
    read_objects,
    without_empty,
)
from locust_ext.plan.templating import compile_template

_HAZARD_PLACEHOLDER = re.compile(r"\{@([^@]+)@\}")
_HAZARD_KEYS = {"isSession", "HttpProxy", "PreTask", "MainTask", "LocustMaster"}
# Keyed by what `_code` reads: None (no code) finds nothing.
_HAZARD_SAVES: dict[int | None, str] = {
    0: "XPATH",
    1: "JSONPATH",
    2: "REGEX",
    3: "CONST",
    4: "RANDOM_INT",
    5: "RANDOM_CHOICE",
}
_HAZARD_ASSERTS: dict[int | None, tuple[str, str]] = {
    0: ("STATUS", "EQ"),
    1: ("BODY_LENGTH", "GT"),
    2: ("BODY_LENGTH", "EQ"),
    3: ("BODY_LENGTH", "LT"),
}
_RESPONSE_FREE_SAVES = {"CONST", "RANDOM_INT", "RANDOM_CHOICE"}
_JSON_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class HazardConverter:
    """A locust-hazard plan: PreTask becomes `setup`, each MainTask one task of its PreWork then its TestWork."""

    def __init__(self, warnings: Warnings) -> None:
        self.warnings = warnings
        self.placeholders = Placeholders(_HAZARD_PLACEHOLDER, warnings)
        self.variables: dict[str, str] = {}

    def convert(self, data: dict[str, Any]) -> dict[str, Any]:
        for key in sorted(data.keys() - _HAZARD_KEYS):
            self.warnings.add(f"{key}: not a locust-hazard key; ignored")
        plan: dict[str, Any] = {"name": "hazard-import", "setup": self._chain(data, "PreTask", "")}
        if isinstance(data.get("isSession"), bool):
            plan["session"] = data["isSession"]
        proxy = read_field(data, "HttpProxy", "", str, "").strip()
        if proxy:
            plan["proxy"] = proxy if "://" in proxy else "http://" + proxy  # locust-hazard writes host:port
        plan["tasks"] = [self._task(task, path) for path, task in read_objects(data, "MainTask", "")]
        if plan["tasks"] and not any(task.get("weight") for task in plan["tasks"]):
            for task in plan["tasks"]:  # boomer picks evenly when no task has a weight
                task.pop("weight", None)
        plan["variables"] = self.variables
        return without_empty(plan)

    def _task(self, task: dict[str, Any], path: str) -> dict[str, Any]:
        name = as_string(task.get("TaskName")) or path
        steps = self._chain(task, "PreWork", path)
        test_work = read_field(task, "TestWork", path, dict, None)
        if test_work is None:
            raise ImportFailed(at_path(path, "TestWork"), "required: the request the task measures")
        self._add_request(test_work, at_path(path, "TestWork"), steps)
        if steps and as_string(test_work.get("UrlPath")):
            steps[-1]["name"] = name  # locust-hazard reports the task under its TaskName
        converted: dict[str, Any] = {"name": name, "steps": steps}
        if isinstance(task.get("TaskWeight"), int):
            converted["weight"] = task["TaskWeight"]
        return converted

    def _chain(self, container: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        for request_path, request in read_objects(container, key, path):
            self._add_request(request, request_path, steps)
        return steps

    def _add_request(self, request: dict[str, Any], path: str, steps: list[dict[str, Any]]) -> None:
        saves = self._saves(request, path)
        if as_string(request.get("UrlPath")):
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
            elif save["from"] == "CONST" and (constant := compile_template(save["expr"]).constant) is not None:
                self.variables[save["name"]] = constant
            else:
                self.warnings.add(f"{path}: save '{save['name']}' comes before any request; not converted")

    def _step(self, request: dict[str, Any], path: str, saves: list[dict[str, str]]) -> dict[str, Any]:
        step = {
            "method": read_method(request.get("Method"), at_path(path, "Method")),
            "url": self.placeholders.text(request["UrlPath"]),
            "headers": self.placeholders.map(request.get("Headers"), at_path(path, "Headers")),
            "params": self.placeholders.map(request.get("Params"), at_path(path, "Params")),
            **self._body(request, path),
            "save": saves,
            "assert": self._asserts(request, path),
        }
        return without_empty(step)

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
            return {"form": self.placeholders.map(request["DictData"], at_path(path, "DictData"))}
        try:
            document = decode_json(as_string(request["JsonData"]))
        except ValueError as error:
            where = json_problem(error)
            raise ImportFailed(
                at_path(path, "JsonData"),
                f"expected a JSON document ({where}); a {{@name@}} must be inside a JSON string",
            ) from None
        return {"json": self.placeholders.json(document)}

    def _saves(self, request: dict[str, Any], path: str) -> list[dict[str, str]]:
        saves: list[dict[str, str]] = []
        for save_path, action in read_objects(request, "SaveParamChain", path):
            source = _HAZARD_SAVES.get(_code(action, "SaveType"))
            if source is None:
                self.warnings.add(f"{save_path}: SaveType {action.get('SaveType')!r} unknown; skipped")
                continue
            if not as_string(action.get("ParamName")):
                raise ImportFailed(at_path(save_path, "ParamName"), "required: the variable to save into")
            name = self.placeholders.name(as_string(action.get("ParamName")))
            saves.append(
                {"name": name, "from": source, "expr": self._save_expr(source, as_string(action.get("RuleValue")))}
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
        asserts: list[dict[str, str]] = []
        for assert_path, action in read_objects(request, "AssertChain", path):
            kind = _HAZARD_ASSERTS.get(_code(action, "AssertType"))
            if kind is None:
                self.warnings.add(f"{assert_path}: AssertType {action.get('AssertType')!r} unknown; skipped")
                continue
            asserts.append({"on": kind[0], "op": kind[1], "value": as_string(action.get("RuleValue", 0))})
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
