"""The plan schema as JSON, derived from protos/fleet.proto, for the page: its forms and choices come from here.

Messages list their fields (JSON name, kind, repeated or map, and the custom options `required`,
`pattern`, `pattern_hint`, `template`); enums list their choices with what each choice `requires`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from locust_ext.plan.validation import enum_choices, field_option
from locust_ext.proto import fleet_pb2

_KINDS = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BOOL: "boolean",
    FieldDescriptor.TYPE_DOUBLE: "number",
    FieldDescriptor.TYPE_FLOAT: "number",
    FieldDescriptor.TYPE_UINT32: "integer",
}


@cache
def describe() -> dict[str, Any]:
    messages: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    _walk(fleet_pb2.Plan.DESCRIPTOR, messages, enums)
    return {"root": "Plan", "messages": messages, "enums": enums}


def _walk(message: Descriptor, messages: dict[str, Any], enums: dict[str, Any]) -> None:
    if message.name in messages:
        return
    messages[message.name] = fields = []
    for field in message.fields:
        fields.append(_field(field, messages, enums))


def _field(field: FieldDescriptor, messages: dict[str, Any], enums: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": field.json_name}
    target = field
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        entry["map"] = True
        target = field.message_type.fields_by_name["value"]
    elif field.is_repeated:
        entry["repeated"] = True
    if target.enum_type is not None:
        entry["kind"], entry["enum"] = "enum", _enum(target.enum_type, enums)
    elif target.message_type is not None and target.message_type.full_name == "google.protobuf.Value":
        entry["kind"] = "json"
    elif target.message_type is not None:
        entry["kind"], entry["message"] = "message", target.message_type.name
        _walk(target.message_type, messages, enums)
    else:
        entry["kind"] = _KINDS[target.type]
    for option in ("required", "pattern", "pattern_hint", "template"):
        value = field_option(field, getattr(fleet_pb2, option))
        if value:
            entry[_camel(option)] = value
    return entry


def _enum(enum: EnumDescriptor, enums: dict[str, Any]) -> str:
    name = f"{enum.containing_type.name}.{enum.name}" if enum.containing_type else enum.name
    if name not in enums:
        enums[name] = [{"name": choice, "requires": _requires(enum, choice)} for choice in enum_choices(enum)]
    return name


def _requires(enum: EnumDescriptor, choice: str) -> list[str]:
    """What a choice needs, as "jsonName" or "jsonName:syntax" (the proto names fields in snake_case)."""
    needs = []
    for requirement in enum.values_by_name[choice].GetOptions().Extensions[fleet_pb2.requires]:
        name, colon, syntax = requirement.partition(":")
        needs.append(enum.containing_type.fields_by_name[name].json_name + colon + syntax)
    return needs


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)
