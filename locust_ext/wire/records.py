"""Records: the JSON that crosses a wire besides the plan, built from the messages protos/fleet.proto marks as records.

An agent's value in etcd, the agents the master lists, screenshots and calibrations are made as proto messages and
turned into JSON here, so their field names and enum spellings come from the proto alone (the OpenAPI description
is derived from the same messages). Unlike protobuf's own JSON mapping, a record prints every field (a count of 0,
an empty list), spells enums by their `json_value`, and prints `nullable` fields that are not set as null.
"""

from __future__ import annotations

from typing import Any, cast

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from locust_ext.plan.schema import enum_json
from locust_ext.plan.validation import field_option
from locust_ext.proto import fleet_pb2


def is_record(message: Any) -> bool:
    """Whether a message descriptor is marked `option (record) = true` in the proto."""
    return bool(message.GetOptions().Extensions[fleet_pb2.record])


def record_json(message: Message) -> dict[str, Any]:
    """A record message as JSON: every field, camelCase, enums by `json_value`, unset nullable fields as null."""
    result: dict[str, Any] = {}
    # A message's DESCRIPTOR is a descriptor.Descriptor at run time; protobuf's stubs also allow the upb class.
    for field in cast(Descriptor, message.DESCRIPTOR).fields:
        nullable = field_option(field, fleet_pb2.nullable)
        if nullable and not message.HasField(field.name):
            result[field.json_name] = None
        else:
            result[field.json_name] = _field_json(field, getattr(message, field.name))
    return result


def _field_json(field: FieldDescriptor, value: Any) -> Any:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        value_field = field.message_type.fields_by_name["value"]
        return {key: _single_json(value_field, item) for key, item in value.items()}
    if field.is_repeated:
        return [_single_json(field, item) for item in value]
    return _single_json(field, value)


def _single_json(field: FieldDescriptor, value: Any) -> Any:
    if field.enum_type is not None:
        return enum_json(field.enum_type, value)
    if field.message_type is None:
        return value
    if is_record(field.message_type):
        return record_json(value)
    # A plan message (a calibration's settings) or a Struct: the plan's own JSON mapping.
    return json_format.MessageToDict(value)
