"""Records: the JSON that crosses a wire besides the plan (agents, calibrations), named and spelled by the proto."""

from __future__ import annotations

import pytest
from google.protobuf.descriptor import EnumDescriptor

from locust_ext.plan.schema import enum_json, enum_number
from locust_ext.proto import fleet_pb2
from locust_ext.wire.records import record_json

pytestmark = pytest.mark.unit

AGENT_STATES = fleet_pb2.AgentRecord.State.DESCRIPTOR
CALIBRATION_STATES = fleet_pb2.CalibrationResult.State.DESCRIPTOR


def test_a_record_prints_every_field_even_zero_false_and_empty() -> None:
    assert record_json(fleet_pb2.AgentSecurity(token=True)) == {"tls": False, "clientCert": False, "token": True}
    step = record_json(fleet_pb2.CalibrationStep(users=5, p95_ms=0))
    assert (step["requests"], step["held"], step["broken"], step["thresholds"]) == (0, False, [], {})


def test_a_nullable_field_that_is_not_set_is_null_and_one_set_to_zero_is_zero() -> None:
    step = record_json(fleet_pb2.CalibrationStep(users=5, p95_ms=0))
    assert (step["p95Ms"], step["errorRatio"], step["lcpP75Ms"]) == (0, None, None)
    result = record_json(fleet_pb2.CalibrationResult(plan="shop"))
    assert (result["finishedAt"], result["knee"]) == (None, None)


def test_a_record_spells_its_states_as_the_page_reads_them() -> None:
    result = record_json(fleet_pb2.CalibrationResult(plan="shop", state=fleet_pb2.CalibrationResult.NO_KNEE))
    assert result["state"] == "no-knee"


def test_a_plan_message_inside_a_record_keeps_the_plans_own_json() -> None:
    calibrate = fleet_pb2.Calibration(users_per_step=5, step_duration_s=10, max_users=20)
    result = record_json(fleet_pb2.CalibrationResult(plan="shop", calibrate=calibrate))
    assert result["calibrate"] == {"usersPerStep": 5, "stepDurationS": 10.0, "maxUsers": 20}


def test_records_nest_records() -> None:
    record = fleet_pb2.AgentRecord(id="a1", workers=[fleet_pb2.WorkerProcess(index=1, pid=42, alive=True)])
    assert record_json(record)["workers"] == [{"pid": 42, "alive": True, "restarts": 0, "lastExit": "", "index": 1}]


@pytest.mark.parametrize(
    ("enum", "number", "spelled"),
    [
        (AGENT_STATES, fleet_pb2.AgentRecord.ERROR, "error"),
        (CALIBRATION_STATES, fleet_pb2.CalibrationResult.NONE_HELD, "none-held"),
        (fleet_pb2.HttpStep.Method.DESCRIPTOR, fleet_pb2.HttpStep.POST, "POST"),
    ],
)
def test_an_enum_is_spelled_by_its_json_value_or_else_its_name(enum: EnumDescriptor, number: int, spelled: str) -> None:
    assert enum_json(enum, number) == spelled
    assert enum_number(enum, spelled) == number


def test_an_unknown_spelling_lists_the_choices() -> None:
    with pytest.raises(ValueError) as caught:
        enum_number(AGENT_STATES, "busy")
    assert str(caught.value) == "State: expected one of idle, running, error; got 'busy'"
