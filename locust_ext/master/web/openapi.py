"""The OpenAPI 3.1 description of the fleet API, served at `/fleet/api/openapi.json`.

The routes are described here; the schemas of what they carry are not: the plan's and the records' (agents,
screenshots, calibrations) are derived from their messages in protos/fleet.proto (`schema.describe_message`), so
the description cannot drift from what the validator accepts and the code writes.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from google.protobuf.descriptor import Descriptor

from locust_ext.plan.importers import FORMATS
from locust_ext.plan.schema import describe, describe_message
from locust_ext.proto import fleet_pb2
from locust_ext.wire.protocol import MAX_PROCESSES
from locust_ext.wire.records import is_record

_UINT32_MAX = 2**32 - 1


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
_RESULTS = {"type": "object", "additionalProperties": _obj({"ok": {"type": "boolean"}, "message": _STRING})}
_AGENT_SELECTION = {
    "description": 'agent ids, "all", or labels as key=value[,key=value...] (every one must match)',
    "oneOf": [{"type": "array", "items": _STRING, "minItems": 1}, {"type": "string", "minLength": 1}],
}
_AGENTS = _obj(
    {
        "agents": {"type": "array", "items": _ref("Agent")},
        "elastic": {"oneOf": [_ref("ElasticRun"), {"type": "null"}]},
    }
)
_PLAN_NAME = {"name": "name", "in": "path", "required": True, "schema": _STRING}
_RUN_ID = {"name": "id", "in": "path", "required": True, "schema": _STRING}
_REVISION_HEADER = {"ETag": {"description": "the plan's revision, quoted", "schema": _STRING}}

PATHS: dict[str, Any] = {
    "/agents": {
        "get": {
            "summary": "The live agents, with their Locust workers",
            "responses": {
                "200": _json(_AGENTS, "the agents, and the elastic run if one is on"),
                "503": _json({"allOf": [_ref("Error"), _AGENTS]}, "etcd is away: the last known agents"),
            },
        }
    },
    "/plans": {
        "get": {
            "summary": "The saved plans",
            "responses": {
                "200": _json(
                    _obj(
                        {"plans": {"type": "array", "items": _obj({"name": _STRING, "revision": {"type": "integer"}})}}
                    ),
                    "names and revisions",
                ),
                "503": _error("etcd is away"),
            },
        }
    },
    "/plans/{name}": {
        "parameters": [_PLAN_NAME],
        "get": {
            "summary": "One saved plan",
            "responses": {
                "200": {**_json(_ref("Plan"), "the plan"), "headers": _REVISION_HEADER},
                "404": _error("no such plan"),
            },
        },
        "put": {
            "summary": "Save a plan (validated first; If-Match makes the save safe)",
            "parameters": [{"name": "If-Match", "in": "header", "required": False, "schema": _STRING}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Plan")}}},
            "responses": {
                "200": {
                    **_json(_obj({"name": _STRING, "revision": {"type": "integer"}, "plan": _ref("Plan")}), "saved"),
                    "headers": _REVISION_HEADER,
                },
                "400": _json(
                    {"anyOf": [_ref("PlanErrors"), _ref("Error")]},
                    "the plan is not valid (issues lists every problem), or If-Match is not a revision",
                ),
                "412": _json(
                    {"allOf": [_ref("Error"), _obj({"revision": {"type": "integer"}})]}, "someone saved it meanwhile"
                ),
            },
        },
        "delete": {
            "summary": "Delete a plan",
            "responses": {"204": {"description": "deleted"}, "404": _error("no such plan")},
        },
    },
    "/plans/{name}/calibration": {
        "parameters": [_PLAN_NAME],
        "get": {
            "summary": "The plan's latest calibration (load.calibrate): each step's figures and the knee, live",
            "responses": {"200": _json(_ref("CalibrationResult"), "the calibration"), "404": _error("none yet")},
        },
    },
    "/plans/{name}/eject": {
        "parameters": [_PLAN_NAME],
        "get": {
            "summary": "The plan as a plain locustfile that runs without locust-fleet (what it leaves out is in its "
            "docstring; X-Eject-Warnings counts it)",
            "responses": {
                "200": {
                    "description": "the locustfile, as an attachment",
                    "content": {"text/x-python": {"schema": _STRING}},
                    "headers": {
                        "Content-Disposition": {"description": "attachment; filename=...", "schema": _STRING},
                        "X-Eject-Warnings": {"description": "how many things it leaves out", "schema": _STRING},
                    },
                },
                "404": _error("no such plan"),
            },
        },
    },
    "/runs": {
        "get": {
            "summary": "The kept runs (the history), newest first; `plan` keeps one plan's",
            "parameters": [{"name": "plan", "in": "query", "required": False, "schema": _STRING}],
            "responses": {"200": _json(_obj({"runs": {"type": "array", "items": _ref("RunSummary")}}), "the runs")},
        },
    },
    "/runs/{id}": {
        "parameters": [_RUN_ID],
        "get": {
            "summary": "A run's record: its steps, pages, thresholds, and a sample every 5 s",
            "responses": {"200": _json(_ref("RunRecord"), "the record"), "404": _error("no such run")},
        },
        "delete": {
            "summary": "Forget a run",
            "responses": {"204": {"description": "deleted"}, "404": _error("no such run")},
        },
    },
    "/runs/{id}/baseline": {
        "parameters": [_RUN_ID],
        "put": {
            "summary": "Make the run its plan's baseline (one per plan), which later runs compare with",
            "responses": {
                "200": _json(_obj({"plan": _STRING, "baseline": _STRING}), "the plan's baseline"),
                "404": _error("no such run"),
            },
        },
    },
    "/runs/{id}/compare": {
        "parameters": [_RUN_ID],
        "get": {
            "summary": "The run against another of its plan (`with`; default the baseline), figure by figure",
            "parameters": [
                {"name": "with", "in": "query", "required": False, "schema": _STRING},
                {"name": "tolerance", "in": "query", "required": False, "schema": {"type": "number"}},
            ],
            "responses": {
                "200": _json(_ref("RunComparison"), "each figure, its delta and ratio, and whether it regressed"),
                "400": _error("no baseline, a run of another plan, or a bad tolerance"),
                "404": _error("no such run"),
            },
        },
    },
    "/thresholds": {
        "get": {
            "summary": "The current run's thresholds (the plan's `thresholds`), each over the run so far, live",
            "responses": {"200": _json(_ref("ThresholdReport"), "each threshold's figure and verdict")},
        },
    },
    "/deploy": {
        "post": {
            "summary": "Deploy a saved plan to agents",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _obj(
                            {
                                "plan": _STRING,
                                "agents": _AGENT_SELECTION,
                                "processes": {"type": "integer", "minimum": 0, "maximum": MAX_PROCESSES},
                                "elastic": {
                                    "type": "boolean",
                                    "description": "with a selector: agents that register later and match it join",
                                },
                            },
                            ["plan", "agents"],
                        )
                    }
                },
            },
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "runId": _STRING,
                            "plan": _STRING,
                            "results": _RESULTS,
                            "elastic": _ref("ElasticRun"),
                        },
                        "required": ["runId", "plan", "results"],
                    },
                    "a result per agent (and the elastic run)",
                ),
                "400": _error("bad request: the path names the field"),
                "404": _error("no such plan"),
            },
        }
    },
    "/release": {
        "post": {
            "summary": "Stop the agents' workers",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _obj({"agents": _AGENT_SELECTION})}},
            },
            "responses": {
                "200": _json(_obj({"results": _RESULTS}), "a result per agent"),
                "400": _error("bad request: the path names the field"),
            },
        }
    },
    "/try": {
        "post": {
            "summary": "Run every step of a plan once from the master (secrets masked unless reveal=1)",
            "parameters": [{"name": "reveal", "in": "query", "schema": {"enum": ["0", "1", "true", "false"]}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Plan")}}},
            "responses": {
                "200": _json(_ref("TryResult"), "each step's outcome"),
                "400": _json(
                    {"anyOf": [_ref("PlanErrors"), _ref("Error")]},
                    "the plan is not valid (issues lists every problem), or the body is not a JSON object",
                ),
            },
        }
    },
    "/import": {
        "post": {
            "summary": "Convert a Postman v2.1 collection, a HAR, a cURL command, a locust-hazard plan or a plan",
            "parameters": [
                {"name": "format", "in": "query", "schema": {"enum": list(FORMATS)}},
                {"name": "name", "in": "query", "schema": _STRING},
                {"name": "includeStatic", "in": "query", "schema": {"enum": ["0", "1", "true", "false"]}},
            ],
            "requestBody": {"required": True, "content": {"text/plain": {"schema": _STRING}, "application/json": {}}},
            "responses": {
                "200": _json(
                    _obj(
                        {
                            "plan": _ref("Plan"),
                            "warnings": {"type": "array", "items": _ref("ImportWarning")},
                            "format": _STRING,
                        }
                    ),
                    "the plan and what did not carry over",
                ),
                "400": _error("the input cannot become a plan: the path says where in the input"),
            },
        }
    },
    "/rate": {
        "get": {
            "summary": "The plan's target request rate, the rate now and over the run, and whether the target holds",
            "responses": {
                "200": _json(
                    _obj(
                        {
                            "targetRps": {"type": ["number", "null"]},
                            "currentRps": {"type": "number"},
                            "achievedRps": {"type": "number"},
                            "reached": {"type": ["boolean", "null"]},
                        }
                    ),
                    "null target: the plan sets none",
                )
            },
        }
    },
    "/screenshots": {
        "get": {
            "summary": "Browser screenshots from the workers: the first failure of each journey step, SCREENSHOT steps",
            "responses": {"200": _json(_obj({"screenshots": {"type": "array", "items": _ref("Screenshot")}}), "")},
        }
    },
    "/screenshots/{id}.png": {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "get": {
            "summary": "One screenshot",
            "responses": {
                "200": {"description": "the PNG", "content": {"image/png": {}}},
                "404": _error("no such screenshot (the master keeps the current run's)"),
            },
        },
    },
    "/schema": {
        "get": {"summary": "The plan schema, from the proto", "responses": {"200": _json({"type": "object"}, "")}}
    },
    "/openapi.json": {"get": {"summary": "This description", "responses": {"200": _json({"type": "object"}, "")}}},
}

_CHECK = _obj(
    {
        "kind": {"enum": ["status", "assert", "save"]},
        "label": _STRING,
        "ok": {"type": "boolean"},
        "message": _STRING,
        "value": {"type": ["string", "null"], "description": "a save's value; null when nothing was saved"},
    },
    ["kind", "label", "ok", "message"],
)
_HEADERS = {"type": "object", "additionalProperties": _STRING}
_TRY_STEP = _obj(
    {
        "name": _STRING,
        "path": _STRING,
        "ok": {"type": "boolean"},
        "error": _STRING,
        "request": _obj({"method": _STRING, "url": _STRING, "headers": _HEADERS, "body": _STRING}),
        "response": _obj(
            {
                "status": {"type": "integer"},
                "headers": _HEADERS,
                "body": _STRING,
                "bodyBytes": {"type": "integer"},
                "timeMs": {"type": "number"},
            }
        ),
        "checks": {"type": "array", "items": _CHECK},
        "ws": _obj(
            {
                "action": _STRING,
                "frames": {
                    "type": "array",
                    "items": _obj(
                        {
                            "direction": {"enum": ["sent", "received"]},
                            "data": _STRING,
                            "atMs": {"type": "number", "description": "since the step began"},
                        },
                        ["direction", "data", "atMs"],
                    ),
                },
                "timeMs": {"type": "number"},
            },
            ["action", "frames", "timeMs"],
        ),
    },
    ["name", "path", "ok"],
)
# The records the API serves besides plans; each is described from its message, with what it reaches.
_RECORDS = (
    fleet_pb2.AgentRecord,
    fleet_pb2.ElasticRun,
    fleet_pb2.Screenshot,
    fleet_pb2.CalibrationResult,
    fleet_pb2.ThresholdReport,
    fleet_pb2.RunRecord,
    fleet_pb2.RunSummary,
    fleet_pb2.RunComparison,
    fleet_pb2.ImportWarning,
)


@cache
def document() -> dict[str, Any]:
    schemas = _message_schemas(describe())
    for record in _RECORDS:
        # A message's DESCRIPTOR is a descriptor.Descriptor at run time; protobuf's stubs also allow the upb class.
        schemas |= _message_schemas(describe_message(cast(Descriptor, record.DESCRIPTOR)))
    schemas |= {
        "Error": _obj({"error": _STRING, "path": _STRING}),
        "PlanErrors": {
            "allOf": [
                {"$ref": "#/components/schemas/Error"},
                _obj({"issues": {"type": "array", "items": _obj({"path": _STRING, "message": _STRING})}}),
            ]
        },
        "Agent": _ref("AgentRecord"),
        "TryResult": _obj(
            {
                "ok": {"type": "boolean"},
                "steps": {"type": "array", "items": _TRY_STEP},
                "variables": {"type": "object", "additionalProperties": _STRING},
                "revealed": {"type": "boolean", "description": "false: secrets are masked as ••••••"},
            }
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "locust-fleet API", "version": "1"},
        "servers": [{"url": "/fleet/api"}],
        "paths": _with_guard_answers(PATHS),
        "components": {"schemas": schemas},
    }


_METHODS = ("get", "put", "post", "delete")


def _with_guard_answers(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation may answer 401 (--web-login), one that changes something 403 (from another site), one
    that takes JSON 415 (another content type)."""
    guarded: dict[str, Any] = {}
    for path, item in paths.items():
        guarded[path] = dict(item)
        for method in _METHODS:
            if method not in item:
                continue
            responses = {**item[method]["responses"], "401": _error("log in first (the master runs with --web-login)")}
            if method != "get":
                responses["403"] = _error("sent from another site")
            if "application/json" in item[method].get("requestBody", {}).get("content", {}):
                responses["415"] = _error("the body is not JSON (Content-Type: application/json)")
            guarded[path][method] = {**item[method], "responses": responses}
    return guarded


def _message_schemas(described: dict[str, Any]) -> dict[str, Any]:
    """JSON Schemas of the described messages: a record prints every field, a plan message needs only `required`."""
    schemas: dict[str, Any] = {
        name.replace(".", "_"): {"enum": [c["name"] for c in choices]} for name, choices in described["enums"].items()
    }
    for message, fields in described["messages"].items():
        schemas[message] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {field["name"]: _field_schema(field) for field in fields},
            "required": [field["name"] for field in fields if field.get("required") or _is_record(message)],
        }
    return schemas


def _field_schema(field: dict[str, Any]) -> dict[str, Any]:
    kind = field["kind"]
    if kind == "enum":
        single: dict[str, Any] = _ref(field["enum"].replace(".", "_"))
    elif kind == "message":
        single = _ref(field["message"])
    elif kind == "json":
        single = {}
    elif kind == "integer":
        single = {"type": "integer", "minimum": 0, "maximum": _UINT32_MAX}
    elif kind == "number":
        single = {"type": "number", "minimum": 0}
    else:
        single = {"type": kind}
    if field.get("pattern"):
        single["pattern"] = f"^(?:{field['pattern']})$"
    if field.get("map"):
        return {"type": "object", "additionalProperties": single}
    if field.get("repeated"):
        return {"type": "array", "items": single}
    if field.get("nullable"):
        return {"oneOf": [single, {"type": "null"}]}
    return single


def _is_record(message: str) -> bool:
    return is_record(fleet_pb2.DESCRIPTOR.message_types_by_name[message])
