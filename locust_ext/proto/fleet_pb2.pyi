from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
REQUIRED_FIELD_NUMBER: _ClassVar[int]
required: _descriptor.FieldDescriptor
PATTERN_FIELD_NUMBER: _ClassVar[int]
pattern: _descriptor.FieldDescriptor
TEMPLATE_FIELD_NUMBER: _ClassVar[int]
template: _descriptor.FieldDescriptor
PATTERN_HINT_FIELD_NUMBER: _ClassVar[int]
pattern_hint: _descriptor.FieldDescriptor
NULLABLE_FIELD_NUMBER: _ClassVar[int]
nullable: _descriptor.FieldDescriptor
RECORD_FIELD_NUMBER: _ClassVar[int]
record: _descriptor.FieldDescriptor
REQUIRES_FIELD_NUMBER: _ClassVar[int]
requires: _descriptor.FieldDescriptor
JSON_VALUE_FIELD_NUMBER: _ClassVar[int]
json_value: _descriptor.FieldDescriptor
TAKES_FIELD_NUMBER: _ClassVar[int]
takes: _descriptor.FieldDescriptor

class Plan(_message.Message):
    __slots__ = ("name", "host", "session", "proxy", "variables", "data_sets", "setup", "tasks", "journeys", "users", "load", "secrets", "thresholds")
    class VariablesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    PROXY_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    DATA_SETS_FIELD_NUMBER: _ClassVar[int]
    SETUP_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    JOURNEYS_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    host: str
    session: bool
    proxy: str
    variables: _containers.ScalarMap[str, str]
    data_sets: _containers.RepeatedCompositeFieldContainer[DataSet]
    setup: _containers.RepeatedCompositeFieldContainer[HttpStep]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    journeys: _containers.RepeatedCompositeFieldContainer[Journey]
    users: Users
    load: Load
    secrets: _containers.RepeatedScalarFieldContainer[str]
    thresholds: _containers.RepeatedCompositeFieldContainer[Threshold]
    def __init__(self, name: _Optional[str] = ..., host: _Optional[str] = ..., session: _Optional[bool] = ..., proxy: _Optional[str] = ..., variables: _Optional[_Mapping[str, str]] = ..., data_sets: _Optional[_Iterable[_Union[DataSet, _Mapping]]] = ..., setup: _Optional[_Iterable[_Union[HttpStep, _Mapping]]] = ..., tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ..., journeys: _Optional[_Iterable[_Union[Journey, _Mapping]]] = ..., users: _Optional[_Union[Users, _Mapping]] = ..., load: _Optional[_Union[Load, _Mapping]] = ..., secrets: _Optional[_Iterable[str]] = ..., thresholds: _Optional[_Iterable[_Union[Threshold, _Mapping]]] = ...) -> None: ...

class Load(_message.Message):
    __slots__ = ("target_rps", "step", "stages", "calibrate")
    TARGET_RPS_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    STAGES_FIELD_NUMBER: _ClassVar[int]
    CALIBRATE_FIELD_NUMBER: _ClassVar[int]
    target_rps: float
    step: StepLoad
    stages: _containers.RepeatedCompositeFieldContainer[Stage]
    calibrate: Calibration
    def __init__(self, target_rps: _Optional[float] = ..., step: _Optional[_Union[StepLoad, _Mapping]] = ..., stages: _Optional[_Iterable[_Union[Stage, _Mapping]]] = ..., calibrate: _Optional[_Union[Calibration, _Mapping]] = ...) -> None: ...

class Calibration(_message.Message):
    __slots__ = ("users_per_step", "step_duration_s", "max_users", "thresholds")
    USERS_PER_STEP_FIELD_NUMBER: _ClassVar[int]
    STEP_DURATION_S_FIELD_NUMBER: _ClassVar[int]
    MAX_USERS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    users_per_step: int
    step_duration_s: float
    max_users: int
    thresholds: _containers.RepeatedCompositeFieldContainer[Threshold]
    def __init__(self, users_per_step: _Optional[int] = ..., step_duration_s: _Optional[float] = ..., max_users: _Optional[int] = ..., thresholds: _Optional[_Iterable[_Union[Threshold, _Mapping]]] = ...) -> None: ...

class Threshold(_message.Message):
    __slots__ = ("metric", "step", "max", "min", "abort_on_fail", "abort_grace_s")
    class Metric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        METRIC_UNSPECIFIED: _ClassVar[Threshold.Metric]
        P95_MS: _ClassVar[Threshold.Metric]
        ERROR_RATIO: _ClassVar[Threshold.Metric]
        LCP_P75_MS: _ClassVar[Threshold.Metric]
        RPS: _ClassVar[Threshold.Metric]
        P50_MS: _ClassVar[Threshold.Metric]
        P99_MS: _ClassVar[Threshold.Metric]
    METRIC_UNSPECIFIED: Threshold.Metric
    P95_MS: Threshold.Metric
    ERROR_RATIO: Threshold.Metric
    LCP_P75_MS: Threshold.Metric
    RPS: Threshold.Metric
    P50_MS: Threshold.Metric
    P99_MS: Threshold.Metric
    METRIC_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    ABORT_ON_FAIL_FIELD_NUMBER: _ClassVar[int]
    ABORT_GRACE_S_FIELD_NUMBER: _ClassVar[int]
    metric: Threshold.Metric
    step: str
    max: float
    min: float
    abort_on_fail: bool
    abort_grace_s: float
    def __init__(self, metric: _Optional[_Union[Threshold.Metric, str]] = ..., step: _Optional[str] = ..., max: _Optional[float] = ..., min: _Optional[float] = ..., abort_on_fail: _Optional[bool] = ..., abort_grace_s: _Optional[float] = ...) -> None: ...

class StepLoad(_message.Message):
    __slots__ = ("users_per_step", "step_duration_s", "max_users")
    USERS_PER_STEP_FIELD_NUMBER: _ClassVar[int]
    STEP_DURATION_S_FIELD_NUMBER: _ClassVar[int]
    MAX_USERS_FIELD_NUMBER: _ClassVar[int]
    users_per_step: int
    step_duration_s: float
    max_users: int
    def __init__(self, users_per_step: _Optional[int] = ..., step_duration_s: _Optional[float] = ..., max_users: _Optional[int] = ...) -> None: ...

class Stage(_message.Message):
    __slots__ = ("duration_s", "users")
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    duration_s: float
    users: int
    def __init__(self, duration_s: _Optional[float] = ..., users: _Optional[int] = ...) -> None: ...

class DataSet(_message.Message):
    __slots__ = ("name", "csv", "file", "mode")
    class Mode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ROUND_ROBIN: _ClassVar[DataSet.Mode]
        UNIQUE_PER_USER: _ClassVar[DataSet.Mode]
        RANDOM: _ClassVar[DataSet.Mode]
    ROUND_ROBIN: DataSet.Mode
    UNIQUE_PER_USER: DataSet.Mode
    RANDOM: DataSet.Mode
    NAME_FIELD_NUMBER: _ClassVar[int]
    CSV_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    name: str
    csv: str
    file: str
    mode: DataSet.Mode
    def __init__(self, name: _Optional[str] = ..., csv: _Optional[str] = ..., file: _Optional[str] = ..., mode: _Optional[_Union[DataSet.Mode, str]] = ...) -> None: ...

class ThinkTime(_message.Message):
    __slots__ = ("min_s", "max_s")
    MIN_S_FIELD_NUMBER: _ClassVar[int]
    MAX_S_FIELD_NUMBER: _ClassVar[int]
    min_s: float
    max_s: float
    def __init__(self, min_s: _Optional[float] = ..., max_s: _Optional[float] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("name", "weight", "think_time", "steps", "iterations_per_s")
    NAME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    THINK_TIME_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    ITERATIONS_PER_S_FIELD_NUMBER: _ClassVar[int]
    name: str
    weight: int
    think_time: ThinkTime
    steps: _containers.RepeatedCompositeFieldContainer[HttpStep]
    iterations_per_s: float
    def __init__(self, name: _Optional[str] = ..., weight: _Optional[int] = ..., think_time: _Optional[_Union[ThinkTime, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[HttpStep, _Mapping]]] = ..., iterations_per_s: _Optional[float] = ...) -> None: ...

class HttpStep(_message.Message):
    __slots__ = ("name", "method", "url", "headers", "params", "form", "json", "body", "timeout_s", "follow_redirects", "save", "asserts", "fail_on_error_status", "assign", "ws")
    class Method(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        GET: _ClassVar[HttpStep.Method]
        POST: _ClassVar[HttpStep.Method]
        PUT: _ClassVar[HttpStep.Method]
        PATCH: _ClassVar[HttpStep.Method]
        DELETE: _ClassVar[HttpStep.Method]
        HEAD: _ClassVar[HttpStep.Method]
        OPTIONS: _ClassVar[HttpStep.Method]
    GET: HttpStep.Method
    POST: HttpStep.Method
    PUT: HttpStep.Method
    PATCH: HttpStep.Method
    DELETE: HttpStep.Method
    HEAD: HttpStep.Method
    OPTIONS: HttpStep.Method
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class FormEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class AssignEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_REDIRECTS_FIELD_NUMBER: _ClassVar[int]
    SAVE_FIELD_NUMBER: _ClassVar[int]
    ASSERTS_FIELD_NUMBER: _ClassVar[int]
    FAIL_ON_ERROR_STATUS_FIELD_NUMBER: _ClassVar[int]
    ASSIGN_FIELD_NUMBER: _ClassVar[int]
    WS_FIELD_NUMBER: _ClassVar[int]
    name: str
    method: HttpStep.Method
    url: str
    headers: _containers.ScalarMap[str, str]
    params: _containers.ScalarMap[str, str]
    form: _containers.ScalarMap[str, str]
    json: _struct_pb2.Value
    body: str
    timeout_s: float
    follow_redirects: bool
    save: _containers.RepeatedCompositeFieldContainer[Save]
    asserts: _containers.RepeatedCompositeFieldContainer[Assertion]
    fail_on_error_status: bool
    assign: _containers.ScalarMap[str, str]
    ws: WebSocketStep
    def __init__(self, name: _Optional[str] = ..., method: _Optional[_Union[HttpStep.Method, str]] = ..., url: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., params: _Optional[_Mapping[str, str]] = ..., form: _Optional[_Mapping[str, str]] = ..., json: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., body: _Optional[str] = ..., timeout_s: _Optional[float] = ..., follow_redirects: _Optional[bool] = ..., save: _Optional[_Iterable[_Union[Save, _Mapping]]] = ..., asserts: _Optional[_Iterable[_Union[Assertion, _Mapping]]] = ..., fail_on_error_status: _Optional[bool] = ..., assign: _Optional[_Mapping[str, str]] = ..., ws: _Optional[_Union[WebSocketStep, _Mapping]] = ...) -> None: ...

class WebSocketStep(_message.Message):
    __slots__ = ("action", "url", "headers", "subprotocols", "timeout_s", "text", "json", "binary", "match", "save", "asserts", "close_code", "reason")
    class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ACTION_UNSPECIFIED: _ClassVar[WebSocketStep.Action]
        CONNECT: _ClassVar[WebSocketStep.Action]
        SEND: _ClassVar[WebSocketStep.Action]
        EXPECT: _ClassVar[WebSocketStep.Action]
        PING: _ClassVar[WebSocketStep.Action]
        CLOSE: _ClassVar[WebSocketStep.Action]
    ACTION_UNSPECIFIED: WebSocketStep.Action
    CONNECT: WebSocketStep.Action
    SEND: WebSocketStep.Action
    EXPECT: WebSocketStep.Action
    PING: WebSocketStep.Action
    CLOSE: WebSocketStep.Action
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACTION_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    SUBPROTOCOLS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    BINARY_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    SAVE_FIELD_NUMBER: _ClassVar[int]
    ASSERTS_FIELD_NUMBER: _ClassVar[int]
    CLOSE_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    action: WebSocketStep.Action
    url: str
    headers: _containers.ScalarMap[str, str]
    subprotocols: _containers.RepeatedScalarFieldContainer[str]
    timeout_s: float
    text: str
    json: _struct_pb2.Value
    binary: str
    match: _containers.RepeatedCompositeFieldContainer[Assertion]
    save: _containers.RepeatedCompositeFieldContainer[Save]
    asserts: _containers.RepeatedCompositeFieldContainer[Assertion]
    close_code: int
    reason: str
    def __init__(self, action: _Optional[_Union[WebSocketStep.Action, str]] = ..., url: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., subprotocols: _Optional[_Iterable[str]] = ..., timeout_s: _Optional[float] = ..., text: _Optional[str] = ..., json: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., binary: _Optional[str] = ..., match: _Optional[_Iterable[_Union[Assertion, _Mapping]]] = ..., save: _Optional[_Iterable[_Union[Save, _Mapping]]] = ..., asserts: _Optional[_Iterable[_Union[Assertion, _Mapping]]] = ..., close_code: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class Save(_message.Message):
    __slots__ = ("name", "source", "expr", "default_value")
    class Source(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        SOURCE_UNSPECIFIED: _ClassVar[Save.Source]
        JSONPATH: _ClassVar[Save.Source]
        XPATH: _ClassVar[Save.Source]
        REGEX: _ClassVar[Save.Source]
        HEADER: _ClassVar[Save.Source]
        COOKIE: _ClassVar[Save.Source]
        STATUS: _ClassVar[Save.Source]
        CONST: _ClassVar[Save.Source]
        RANDOM_INT: _ClassVar[Save.Source]
        RANDOM_CHOICE: _ClassVar[Save.Source]
    SOURCE_UNSPECIFIED: Save.Source
    JSONPATH: Save.Source
    XPATH: Save.Source
    REGEX: Save.Source
    HEADER: Save.Source
    COOKIE: Save.Source
    STATUS: Save.Source
    CONST: Save.Source
    RANDOM_INT: Save.Source
    RANDOM_CHOICE: Save.Source
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EXPR_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    source: Save.Source
    expr: str
    default_value: str
    def __init__(self, name: _Optional[str] = ..., source: _Optional[_Union[Save.Source, str]] = ..., expr: _Optional[str] = ..., default_value: _Optional[str] = ...) -> None: ...

class Assertion(_message.Message):
    __slots__ = ("on", "expr", "op", "value", "name")
    class Target(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        TARGET_UNSPECIFIED: _ClassVar[Assertion.Target]
        STATUS: _ClassVar[Assertion.Target]
        BODY_LENGTH: _ClassVar[Assertion.Target]
        BODY: _ClassVar[Assertion.Target]
        JSONPATH: _ClassVar[Assertion.Target]
        XPATH: _ClassVar[Assertion.Target]
        HEADER: _ClassVar[Assertion.Target]
        RESPONSE_TIME_MS: _ClassVar[Assertion.Target]
    TARGET_UNSPECIFIED: Assertion.Target
    STATUS: Assertion.Target
    BODY_LENGTH: Assertion.Target
    BODY: Assertion.Target
    JSONPATH: Assertion.Target
    XPATH: Assertion.Target
    HEADER: Assertion.Target
    RESPONSE_TIME_MS: Assertion.Target
    class Op(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        OP_UNSPECIFIED: _ClassVar[Assertion.Op]
        EQ: _ClassVar[Assertion.Op]
        NE: _ClassVar[Assertion.Op]
        LT: _ClassVar[Assertion.Op]
        LE: _ClassVar[Assertion.Op]
        GT: _ClassVar[Assertion.Op]
        GE: _ClassVar[Assertion.Op]
        CONTAINS: _ClassVar[Assertion.Op]
        NOT_CONTAINS: _ClassVar[Assertion.Op]
        MATCHES: _ClassVar[Assertion.Op]
        EXISTS: _ClassVar[Assertion.Op]
        NOT_EXISTS: _ClassVar[Assertion.Op]
        TYPE: _ClassVar[Assertion.Op]
    OP_UNSPECIFIED: Assertion.Op
    EQ: Assertion.Op
    NE: Assertion.Op
    LT: Assertion.Op
    LE: Assertion.Op
    GT: Assertion.Op
    GE: Assertion.Op
    CONTAINS: Assertion.Op
    NOT_CONTAINS: Assertion.Op
    MATCHES: Assertion.Op
    EXISTS: Assertion.Op
    NOT_EXISTS: Assertion.Op
    TYPE: Assertion.Op
    ON_FIELD_NUMBER: _ClassVar[int]
    EXPR_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    on: Assertion.Target
    expr: str
    op: Assertion.Op
    value: str
    name: str
    def __init__(self, on: _Optional[_Union[Assertion.Target, str]] = ..., expr: _Optional[str] = ..., op: _Optional[_Union[Assertion.Op, str]] = ..., value: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class Journey(_message.Message):
    __slots__ = ("name", "weight", "think_time", "steps")
    NAME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    THINK_TIME_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    name: str
    weight: int
    think_time: ThinkTime
    steps: _containers.RepeatedCompositeFieldContainer[BrowserStep]
    def __init__(self, name: _Optional[str] = ..., weight: _Optional[int] = ..., think_time: _Optional[_Union[ThinkTime, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[BrowserStep, _Mapping]]] = ...) -> None: ...

class BrowserStep(_message.Message):
    __slots__ = ("action", "selector", "value", "url", "save_as", "name", "timeout_s")
    class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ACTION_UNSPECIFIED: _ClassVar[BrowserStep.Action]
        GOTO: _ClassVar[BrowserStep.Action]
        CLICK: _ClassVar[BrowserStep.Action]
        CHECK: _ClassVar[BrowserStep.Action]
        WAIT_FOR: _ClassVar[BrowserStep.Action]
        ASSERT_VISIBLE: _ClassVar[BrowserStep.Action]
        FILL: _ClassVar[BrowserStep.Action]
        SELECT: _ClassVar[BrowserStep.Action]
        PRESS: _ClassVar[BrowserStep.Action]
        ASSERT_TEXT: _ClassVar[BrowserStep.Action]
        WAIT_FOR_URL: _ClassVar[BrowserStep.Action]
        SAVE_TEXT: _ClassVar[BrowserStep.Action]
        SAVE_ATTRIBUTE: _ClassVar[BrowserStep.Action]
        SCREENSHOT: _ClassVar[BrowserStep.Action]
        SLEEP: _ClassVar[BrowserStep.Action]
    ACTION_UNSPECIFIED: BrowserStep.Action
    GOTO: BrowserStep.Action
    CLICK: BrowserStep.Action
    CHECK: BrowserStep.Action
    WAIT_FOR: BrowserStep.Action
    ASSERT_VISIBLE: BrowserStep.Action
    FILL: BrowserStep.Action
    SELECT: BrowserStep.Action
    PRESS: BrowserStep.Action
    ASSERT_TEXT: BrowserStep.Action
    WAIT_FOR_URL: BrowserStep.Action
    SAVE_TEXT: BrowserStep.Action
    SAVE_ATTRIBUTE: BrowserStep.Action
    SCREENSHOT: BrowserStep.Action
    SLEEP: BrowserStep.Action
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SELECTOR_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    SAVE_AS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    action: BrowserStep.Action
    selector: str
    value: str
    url: str
    save_as: str
    name: str
    timeout_s: float
    def __init__(self, action: _Optional[_Union[BrowserStep.Action, str]] = ..., selector: _Optional[str] = ..., value: _Optional[str] = ..., url: _Optional[str] = ..., save_as: _Optional[str] = ..., name: _Optional[str] = ..., timeout_s: _Optional[float] = ...) -> None: ...

class Users(_message.Message):
    __slots__ = ("http_weight", "browser_count")
    HTTP_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    BROWSER_COUNT_FIELD_NUMBER: _ClassVar[int]
    http_weight: int
    browser_count: int
    def __init__(self, http_weight: _Optional[int] = ..., browser_count: _Optional[int] = ...) -> None: ...

class InitBoomerRequest(_message.Message):
    __slots__ = ("plan", "master_host", "master_port", "processes", "run_id")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    MASTER_HOST_FIELD_NUMBER: _ClassVar[int]
    MASTER_PORT_FIELD_NUMBER: _ClassVar[int]
    PROCESSES_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    master_host: str
    master_port: int
    processes: int
    run_id: str
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ..., master_host: _Optional[str] = ..., master_port: _Optional[int] = ..., processes: _Optional[int] = ..., run_id: _Optional[str] = ...) -> None: ...

class EndBoomerRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class BoomerCallResponse(_message.Message):
    __slots__ = ("status", "message")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    status: bool
    message: str
    def __init__(self, status: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class StatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WorkerProcess(_message.Message):
    __slots__ = ("pid", "alive", "restarts", "last_exit", "index")
    PID_FIELD_NUMBER: _ClassVar[int]
    ALIVE_FIELD_NUMBER: _ClassVar[int]
    RESTARTS_FIELD_NUMBER: _ClassVar[int]
    LAST_EXIT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    pid: int
    alive: bool
    restarts: int
    last_exit: str
    index: int
    def __init__(self, pid: _Optional[int] = ..., alive: _Optional[bool] = ..., restarts: _Optional[int] = ..., last_exit: _Optional[str] = ..., index: _Optional[int] = ...) -> None: ...

class AgentStatus(_message.Message):
    __slots__ = ("id", "state", "plan", "run_id", "message", "workers")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    id: str
    state: str
    plan: str
    run_id: str
    message: str
    workers: _containers.RepeatedCompositeFieldContainer[WorkerProcess]
    def __init__(self, id: _Optional[str] = ..., state: _Optional[str] = ..., plan: _Optional[str] = ..., run_id: _Optional[str] = ..., message: _Optional[str] = ..., workers: _Optional[_Iterable[_Union[WorkerProcess, _Mapping]]] = ...) -> None: ...

class AgentRecord(_message.Message):
    __slots__ = ("id", "address", "hostname", "cpus", "memory_mb", "capabilities", "labels", "state", "plan", "run_id", "message", "workers", "version", "started_at", "security", "last_seen", "locust_workers")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[AgentRecord.State]
        IDLE: _ClassVar[AgentRecord.State]
        RUNNING: _ClassVar[AgentRecord.State]
        ERROR: _ClassVar[AgentRecord.State]
    STATE_UNSPECIFIED: AgentRecord.State
    IDLE: AgentRecord.State
    RUNNING: AgentRecord.State
    ERROR: AgentRecord.State
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    SECURITY_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    LOCUST_WORKERS_FIELD_NUMBER: _ClassVar[int]
    id: str
    address: str
    hostname: str
    cpus: int
    memory_mb: int
    capabilities: _containers.RepeatedScalarFieldContainer[str]
    labels: _containers.ScalarMap[str, str]
    state: AgentRecord.State
    plan: str
    run_id: str
    message: str
    workers: _containers.RepeatedCompositeFieldContainer[WorkerProcess]
    version: str
    started_at: str
    security: AgentSecurity
    last_seen: str
    locust_workers: _containers.RepeatedCompositeFieldContainer[LocustWorker]
    def __init__(self, id: _Optional[str] = ..., address: _Optional[str] = ..., hostname: _Optional[str] = ..., cpus: _Optional[int] = ..., memory_mb: _Optional[int] = ..., capabilities: _Optional[_Iterable[str]] = ..., labels: _Optional[_Mapping[str, str]] = ..., state: _Optional[_Union[AgentRecord.State, str]] = ..., plan: _Optional[str] = ..., run_id: _Optional[str] = ..., message: _Optional[str] = ..., workers: _Optional[_Iterable[_Union[WorkerProcess, _Mapping]]] = ..., version: _Optional[str] = ..., started_at: _Optional[str] = ..., security: _Optional[_Union[AgentSecurity, _Mapping]] = ..., last_seen: _Optional[str] = ..., locust_workers: _Optional[_Iterable[_Union[LocustWorker, _Mapping]]] = ...) -> None: ...

class ElasticRun(_message.Message):
    __slots__ = ("selector", "plan", "run_id", "taken")
    SELECTOR_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TAKEN_FIELD_NUMBER: _ClassVar[int]
    selector: str
    plan: str
    run_id: str
    taken: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, selector: _Optional[str] = ..., plan: _Optional[str] = ..., run_id: _Optional[str] = ..., taken: _Optional[_Iterable[str]] = ...) -> None: ...

class AgentSecurity(_message.Message):
    __slots__ = ("tls", "client_cert", "token")
    TLS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_CERT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    tls: bool
    client_cert: bool
    token: bool
    def __init__(self, tls: _Optional[bool] = ..., client_cert: _Optional[bool] = ..., token: _Optional[bool] = ...) -> None: ...

class LocustWorker(_message.Message):
    __slots__ = ("id", "index", "pid", "state")
    ID_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    id: str
    index: int
    pid: int
    state: str
    def __init__(self, id: _Optional[str] = ..., index: _Optional[int] = ..., pid: _Optional[int] = ..., state: _Optional[str] = ...) -> None: ...

class Screenshot(_message.Message):
    __slots__ = ("id", "kind", "journey", "step", "step_index", "message", "url", "bytes", "taken_at", "source")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Screenshot.Kind]
        FAILURE: _ClassVar[Screenshot.Kind]
        STEP: _ClassVar[Screenshot.Kind]
    KIND_UNSPECIFIED: Screenshot.Kind
    FAILURE: Screenshot.Kind
    STEP: Screenshot.Kind
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    STEP_INDEX_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    TAKEN_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    id: int
    kind: Screenshot.Kind
    journey: str
    step: str
    step_index: int
    message: str
    url: str
    bytes: int
    taken_at: float
    source: str
    def __init__(self, id: _Optional[int] = ..., kind: _Optional[_Union[Screenshot.Kind, str]] = ..., journey: _Optional[str] = ..., step: _Optional[str] = ..., step_index: _Optional[int] = ..., message: _Optional[str] = ..., url: _Optional[str] = ..., bytes: _Optional[int] = ..., taken_at: _Optional[float] = ..., source: _Optional[str] = ...) -> None: ...

class CalibrationResult(_message.Message):
    __slots__ = ("plan", "state", "message", "started_at", "finished_at", "calibrate", "steps", "knee")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[CalibrationResult.State]
        RUNNING: _ClassVar[CalibrationResult.State]
        KNEE: _ClassVar[CalibrationResult.State]
        NO_KNEE: _ClassVar[CalibrationResult.State]
        NONE_HELD: _ClassVar[CalibrationResult.State]
        STOPPED: _ClassVar[CalibrationResult.State]
    STATE_UNSPECIFIED: CalibrationResult.State
    RUNNING: CalibrationResult.State
    KNEE: CalibrationResult.State
    NO_KNEE: CalibrationResult.State
    NONE_HELD: CalibrationResult.State
    STOPPED: CalibrationResult.State
    PLAN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    CALIBRATE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    KNEE_FIELD_NUMBER: _ClassVar[int]
    plan: str
    state: CalibrationResult.State
    message: str
    started_at: str
    finished_at: str
    calibrate: Calibration
    steps: _containers.RepeatedCompositeFieldContainer[CalibrationStep]
    knee: CalibrationKnee
    def __init__(self, plan: _Optional[str] = ..., state: _Optional[_Union[CalibrationResult.State, str]] = ..., message: _Optional[str] = ..., started_at: _Optional[str] = ..., finished_at: _Optional[str] = ..., calibrate: _Optional[_Union[Calibration, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[CalibrationStep, _Mapping]]] = ..., knee: _Optional[_Union[CalibrationKnee, _Mapping]] = ...) -> None: ...

class CalibrationStep(_message.Message):
    __slots__ = ("users", "seconds", "requests", "failures", "rps", "p95_ms", "error_ratio", "lcp_p75_ms", "thresholds", "held", "broken")
    USERS_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    RPS_FIELD_NUMBER: _ClassVar[int]
    P95_MS_FIELD_NUMBER: _ClassVar[int]
    ERROR_RATIO_FIELD_NUMBER: _ClassVar[int]
    LCP_P75_MS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    BROKEN_FIELD_NUMBER: _ClassVar[int]
    users: int
    seconds: float
    requests: int
    failures: int
    rps: float
    p95_ms: int
    error_ratio: float
    lcp_p75_ms: int
    thresholds: _struct_pb2.Struct
    held: bool
    broken: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, users: _Optional[int] = ..., seconds: _Optional[float] = ..., requests: _Optional[int] = ..., failures: _Optional[int] = ..., rps: _Optional[float] = ..., p95_ms: _Optional[int] = ..., error_ratio: _Optional[float] = ..., lcp_p75_ms: _Optional[int] = ..., thresholds: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., held: _Optional[bool] = ..., broken: _Optional[_Iterable[str]] = ...) -> None: ...

class CalibrationKnee(_message.Message):
    __slots__ = ("users", "rps")
    USERS_FIELD_NUMBER: _ClassVar[int]
    RPS_FIELD_NUMBER: _ClassVar[int]
    users: int
    rps: float
    def __init__(self, users: _Optional[int] = ..., rps: _Optional[float] = ...) -> None: ...

class ThresholdReport(_message.Message):
    __slots__ = ("run", "plan", "verdicts", "aborted_by")
    RUN_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    VERDICTS_FIELD_NUMBER: _ClassVar[int]
    ABORTED_BY_FIELD_NUMBER: _ClassVar[int]
    run: str
    plan: str
    verdicts: _containers.RepeatedCompositeFieldContainer[ThresholdVerdict]
    aborted_by: str
    def __init__(self, run: _Optional[str] = ..., plan: _Optional[str] = ..., verdicts: _Optional[_Iterable[_Union[ThresholdVerdict, _Mapping]]] = ..., aborted_by: _Optional[str] = ...) -> None: ...

class ThresholdVerdict(_message.Message):
    __slots__ = ("threshold", "label", "value", "held", "problem")
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    threshold: Threshold
    label: str
    value: float
    held: bool
    problem: str
    def __init__(self, threshold: _Optional[_Union[Threshold, _Mapping]] = ..., label: _Optional[str] = ..., value: _Optional[float] = ..., held: _Optional[bool] = ..., problem: _Optional[str] = ...) -> None: ...

class RunRecord(_message.Message):
    __slots__ = ("id", "plan", "revision", "started_by", "agents", "workers", "load", "started_at", "ended_at", "updated_at", "state", "steps", "pages", "thresholds", "calibration", "series")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[RunRecord.State]
        RUNNING: _ClassVar[RunRecord.State]
        FINISHED: _ClassVar[RunRecord.State]
        INTERRUPTED: _ClassVar[RunRecord.State]
    STATE_UNSPECIFIED: RunRecord.State
    RUNNING: RunRecord.State
    FINISHED: RunRecord.State
    INTERRUPTED: RunRecord.State
    ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STARTED_BY_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    LOAD_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    PAGES_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    id: str
    plan: str
    revision: int
    started_by: str
    agents: _containers.RepeatedScalarFieldContainer[str]
    workers: int
    load: RunLoad
    started_at: str
    ended_at: str
    updated_at: str
    state: RunRecord.State
    steps: _containers.RepeatedCompositeFieldContainer[RunStep]
    pages: _containers.RepeatedCompositeFieldContainer[RunPage]
    thresholds: _containers.RepeatedCompositeFieldContainer[ThresholdVerdict]
    calibration: CalibrationResult
    series: _containers.RepeatedCompositeFieldContainer[RunSample]
    def __init__(self, id: _Optional[str] = ..., plan: _Optional[str] = ..., revision: _Optional[int] = ..., started_by: _Optional[str] = ..., agents: _Optional[_Iterable[str]] = ..., workers: _Optional[int] = ..., load: _Optional[_Union[RunLoad, _Mapping]] = ..., started_at: _Optional[str] = ..., ended_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., state: _Optional[_Union[RunRecord.State, str]] = ..., steps: _Optional[_Iterable[_Union[RunStep, _Mapping]]] = ..., pages: _Optional[_Iterable[_Union[RunPage, _Mapping]]] = ..., thresholds: _Optional[_Iterable[_Union[ThresholdVerdict, _Mapping]]] = ..., calibration: _Optional[_Union[CalibrationResult, _Mapping]] = ..., series: _Optional[_Iterable[_Union[RunSample, _Mapping]]] = ...) -> None: ...

class RunSummary(_message.Message):
    __slots__ = ("id", "plan", "revision", "started_by", "started_at", "ended_at", "state", "baseline")
    ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STARTED_BY_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    id: str
    plan: str
    revision: int
    started_by: str
    started_at: str
    ended_at: str
    state: RunRecord.State
    baseline: bool
    def __init__(self, id: _Optional[str] = ..., plan: _Optional[str] = ..., revision: _Optional[int] = ..., started_by: _Optional[str] = ..., started_at: _Optional[str] = ..., ended_at: _Optional[str] = ..., state: _Optional[_Union[RunRecord.State, str]] = ..., baseline: _Optional[bool] = ...) -> None: ...

class RunLoad(_message.Message):
    __slots__ = ("users", "spawn_rate", "target_rps", "shape")
    USERS_FIELD_NUMBER: _ClassVar[int]
    SPAWN_RATE_FIELD_NUMBER: _ClassVar[int]
    TARGET_RPS_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    users: int
    spawn_rate: float
    target_rps: float
    shape: str
    def __init__(self, users: _Optional[int] = ..., spawn_rate: _Optional[float] = ..., target_rps: _Optional[float] = ..., shape: _Optional[str] = ...) -> None: ...

class RunStep(_message.Message):
    __slots__ = ("name", "method", "requests", "failures", "rps", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms")
    NAME_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    RPS_FIELD_NUMBER: _ClassVar[int]
    P50_MS_FIELD_NUMBER: _ClassVar[int]
    P90_MS_FIELD_NUMBER: _ClassVar[int]
    P95_MS_FIELD_NUMBER: _ClassVar[int]
    P99_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_MS_FIELD_NUMBER: _ClassVar[int]
    name: str
    method: str
    requests: int
    failures: int
    rps: float
    p50_ms: int
    p90_ms: int
    p95_ms: int
    p99_ms: int
    max_ms: int
    def __init__(self, name: _Optional[str] = ..., method: _Optional[str] = ..., requests: _Optional[int] = ..., failures: _Optional[int] = ..., rps: _Optional[float] = ..., p50_ms: _Optional[int] = ..., p90_ms: _Optional[int] = ..., p95_ms: _Optional[int] = ..., p99_ms: _Optional[int] = ..., max_ms: _Optional[int] = ...) -> None: ...

class RunPage(_message.Message):
    __slots__ = ("page", "ttfb_p75_ms", "fcp_p75_ms", "lcp_p75_ms", "cls_p75")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TTFB_P75_MS_FIELD_NUMBER: _ClassVar[int]
    FCP_P75_MS_FIELD_NUMBER: _ClassVar[int]
    LCP_P75_MS_FIELD_NUMBER: _ClassVar[int]
    CLS_P75_FIELD_NUMBER: _ClassVar[int]
    page: str
    ttfb_p75_ms: int
    fcp_p75_ms: int
    lcp_p75_ms: int
    cls_p75: float
    def __init__(self, page: _Optional[str] = ..., ttfb_p75_ms: _Optional[int] = ..., fcp_p75_ms: _Optional[int] = ..., lcp_p75_ms: _Optional[int] = ..., cls_p75: _Optional[float] = ...) -> None: ...

class RunSample(_message.Message):
    __slots__ = ("at_s", "users", "rps", "failures_per_s", "p50_ms", "p95_ms")
    AT_S_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    RPS_FIELD_NUMBER: _ClassVar[int]
    FAILURES_PER_S_FIELD_NUMBER: _ClassVar[int]
    P50_MS_FIELD_NUMBER: _ClassVar[int]
    P95_MS_FIELD_NUMBER: _ClassVar[int]
    at_s: float
    users: int
    rps: float
    failures_per_s: float
    p50_ms: int
    p95_ms: int
    def __init__(self, at_s: _Optional[float] = ..., users: _Optional[int] = ..., rps: _Optional[float] = ..., failures_per_s: _Optional[float] = ..., p50_ms: _Optional[int] = ..., p95_ms: _Optional[int] = ...) -> None: ...

class RunComparison(_message.Message):
    __slots__ = ("run", "baseline", "tolerance", "figures", "regressed")
    RUN_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    FIGURES_FIELD_NUMBER: _ClassVar[int]
    REGRESSED_FIELD_NUMBER: _ClassVar[int]
    run: str
    baseline: str
    tolerance: float
    figures: _containers.RepeatedCompositeFieldContainer[FigureComparison]
    regressed: bool
    def __init__(self, run: _Optional[str] = ..., baseline: _Optional[str] = ..., tolerance: _Optional[float] = ..., figures: _Optional[_Iterable[_Union[FigureComparison, _Mapping]]] = ..., regressed: _Optional[bool] = ...) -> None: ...

class FigureComparison(_message.Message):
    __slots__ = ("kind", "row", "figure", "value", "baseline", "delta", "ratio", "regressed")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    FIGURE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    RATIO_FIELD_NUMBER: _ClassVar[int]
    REGRESSED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    row: str
    figure: str
    value: float
    baseline: float
    delta: float
    ratio: float
    regressed: bool
    def __init__(self, kind: _Optional[str] = ..., row: _Optional[str] = ..., figure: _Optional[str] = ..., value: _Optional[float] = ..., baseline: _Optional[float] = ..., delta: _Optional[float] = ..., ratio: _Optional[float] = ..., regressed: _Optional[bool] = ...) -> None: ...

class ImportWarning(_message.Message):
    __slots__ = ("message", "step")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    message: str
    step: str
    def __init__(self, message: _Optional[str] = ..., step: _Optional[str] = ...) -> None: ...
