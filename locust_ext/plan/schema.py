"""The plan schema as JSON, derived from protos/fleet.proto, for the page: its forms and choices come from here.

Messages list their fields (JSON name, kind, repeated or map, and the custom options `required`,
`pattern`, `pattern_hint`, `template`, `nullable`); enums list their choices (as JSON spells them) with what each
choice `requires`. `describe_message` does the same for any message, such as the records the API serves.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from locust_ext.plan.extractors import JSON_TYPES
from locust_ext.plan.validation import choice_takes, enum_choices, enum_value_option, field_option
from locust_ext.proto import fleet_pb2

_KINDS = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BOOL: "boolean",
    FieldDescriptor.TYPE_DOUBLE: "number",
    FieldDescriptor.TYPE_FLOAT: "number",
    FieldDescriptor.TYPE_UINT32: "integer",
    FieldDescriptor.TYPE_INT32: "integer",
    # Records only (counts of requests); records print them as JSON numbers.
    FieldDescriptor.TYPE_UINT64: "integer",
}
# The values a `requires` syntax allows, where they are a short list of words: the page offers them as a choice.
SYNTAX_VALUES = {"json_type": list(JSON_TYPES)}
# Messages that hold any JSON: a `Value` (a JSON body), a `Struct` (an object).
_JSON_MESSAGES = {"google.protobuf.Value", "google.protobuf.Struct"}


@cache
def describe() -> dict[str, Any]:
    """The plan's schema."""
    # A message's DESCRIPTOR is a descriptor.Descriptor at run time; protobuf's stubs also allow the upb class.
    return describe_message(cast(Descriptor, fleet_pb2.Plan.DESCRIPTOR))


def describe_message(root: Descriptor) -> dict[str, Any]:
    """The schema of `root` and every message and enum it reaches."""
    messages: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    _walk(root, messages, enums)
    return {"root": root.name, "messages": messages, "enums": enums}


def enum_json(enum: EnumDescriptor, number: int) -> str:
    """How JSON spells an enum value: its `json_value` where the proto gives one (records), else its name."""
    value = enum.values_by_number[number]
    return enum_value_option(value, fleet_pb2.json_value) or value.name


def enum_number(enum: EnumDescriptor, spelled: str) -> int:
    """The enum value JSON spells `spelled`; ValueError names the choices when there is none."""
    for value in enum.values:
        if enum_json(enum, value.number) == spelled:
            return value.number
    choices = ", ".join(enum_json(enum, value.number) for value in enum.values if value.number)
    raise ValueError(f"{enum.name}: expected one of {choices}; got {spelled!r}")


def _walk(message: Descriptor, messages: dict[str, Any], enums: dict[str, Any]) -> None:
    if message.name in messages:
        return
    fields: list[dict[str, Any]] = []
    messages[message.name] = fields
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
    elif target.message_type is not None and target.message_type.full_name in _JSON_MESSAGES:
        entry["kind"] = "json"
    elif target.message_type is not None:
        entry["kind"], entry["message"] = "message", target.message_type.name
        _walk(target.message_type, messages, enums)
    else:
        entry["kind"] = _KINDS[target.type]
    for option in ("required", "pattern", "pattern_hint", "template", "nullable"):
        value = field_option(field, getattr(fleet_pb2, option))
        if value:
            entry[_camel(option)] = value
    return entry


def _enum(enum: EnumDescriptor, enums: dict[str, Any]) -> str:
    name = f"{enum.containing_type.name}.{enum.name}" if enum.containing_type else enum.name
    if name not in enums:
        enums[name] = [
            {
                "name": enum_json(enum, enum.values_by_name[choice].number),
                "requires": _requires(enum, choice),
                "takes": choice_takes(enum, choice),
            }
            for choice in enum_choices(enum)
        ]
    return name


def _requires(enum: EnumDescriptor, choice: str) -> list[str]:
    """What a choice needs, as "jsonName" or "jsonName:syntax" (the proto names fields in snake_case)."""
    needs: list[str] = []
    for requirement in enum_value_option(enum.values_by_name[choice], fleet_pb2.requires):
        name, colon, syntax = requirement.partition(":")
        if enum.containing_type is None:
            raise ValueError(f"{enum.full_name}: an enum outside any message has no fields for `requires` to name")
        needs.append(enum.containing_type.fields_by_name[name].json_name + colon + syntax)
    return needs


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)
