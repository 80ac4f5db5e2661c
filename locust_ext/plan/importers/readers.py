"""What every importer shares: reading the input with a path for each problem, placeholders, names."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import SplitResult, parse_qsl, quote, urlsplit

from locust_ext.plan.validation import enum_choices, is_json_list, is_json_object, json_depth, json_kind
from locust_ext.proto import fleet_pb2

METHODS = enum_choices(fleet_pb2.HttpStep.Method.DESCRIPTOR)
NAME_JUNK = re.compile(r"[^A-Za-z0-9._-]+")
VARIABLE_JUNK = re.compile(r"[^A-Za-z0-9_]")
FORM_TEXT = re.compile(r"[^=&]+=[^&]*(?:&[^=&]+=[^&]*)*")
# Far deeper than any export nests; the conversion walks documents recursively, so deeper input is refused first.
MAX_INPUT_DEPTH = 100


class ImportFailed(ValueError):
    """Input that cannot become a plan; `path` says where in the input, the message what was expected there."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class Warnings(list[str]):
    """Warnings in the order they arose, each once: a HAR with fifty cookies needs to say so one time.

    A warning about one step keeps that step (the dict being built), so the import can say which plan step it is.
    """

    def __init__(self) -> None:
        super().__init__()
        self.steps: dict[str, dict[str, Any]] = {}

    def add(self, message: str, step: dict[str, Any] | None = None) -> None:
        if message not in self:
            self.append(message)
        if step is not None:
            self.steps.setdefault(message, step)


def plan_name(source: str, fallback: str) -> str:
    """A plan name (`[A-Za-z0-9._-]{1,64}`, also a plan store key) from a title, a host or the caller's choice."""
    return NAME_JUNK.sub("-", source).strip("-.")[:64].strip("-.") or fallback


KINDS = {dict: "an object", list: "a list", str: "a string"}


def at_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def decode_json(text: str) -> Any:
    """json.loads, where a document nested deeper than MAX_INPUT_DEPTH is a ValueError like bad syntax."""
    too_deep = ValueError(f"nested deeper than {MAX_INPUT_DEPTH} levels")
    try:
        document = json.loads(text)
    except RecursionError:
        raise too_deep from None
    if json_depth(document) > MAX_INPUT_DEPTH:
        raise too_deep
    return document


def json_problem(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    return str(error)


def json_object(text: str) -> dict[str, Any]:
    try:
        data = decode_json(text)
    except ValueError as error:
        raise ImportFailed("", f"not valid JSON: {json_problem(error)}") from None
    if not is_json_object(data):
        raise ImportFailed("", f"expected a JSON object, got {json_kind(data)}")
    return data


def read_field(container: dict[str, Any], key: str, path: str, kind: type, default: Any) -> Any:
    value = container.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise ImportFailed(at_path(path, key), f"expected {KINDS[kind]}, got {json_kind(value)}")
    return value


def read_objects(container: dict[str, Any], key: str, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The objects of a list field with their paths; absent or null is an empty list."""
    return read_items(read_field(container, key, path, list, []), at_path(path, key))


def read_items(items: list[Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ImportFailed(at_path(path, index), f"expected an object, got {json_kind(item)}")
        yield at_path(path, index), item


def as_string(value: Any) -> str:
    """A map value as text: tools write numbers and booleans where our maps hold strings."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def split_url(url: str, path: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as error:  # `http://[::1/`: a bracketed host that is not an IPv6 address
        raise ImportFailed(path, f"expected a URL, got {url!r} ({error})") from None


def read_method(value: Any, path: str) -> str:
    method = as_string(value).upper() or "GET"
    if method not in METHODS:
        raise ImportFailed(path, f"expected one of {', '.join(METHODS)}; got {method!r}")
    return method


# Building the plan.


def literal(text: str) -> str:
    """Recorded text as a template that renders to itself: a `${` there is data, not a variable."""
    return text.replace("${", "$${")


def map_json_strings(value: Any, convert: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return convert(value)
    if is_json_list(value):
        return [map_json_strings(item, convert) for item in value]
    if is_json_object(value):
        return {key: map_json_strings(item, convert) for key, item in value.items()}
    return value


def get_header(headers: dict[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


def set_header(headers: dict[str, str], name: str, value: str) -> None:
    """Set a header replacing any spelling of it: `authorization` and `Authorization` are one header."""
    for key in [key for key in headers if key.lower() == name.lower()]:
        del headers[key]
    headers[name] = value


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def query_params(url: str, pairs: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """`params` for a query, or the query left in the URL when a key repeats (a map cannot hold it twice)."""
    keys = [key for key, _ in pairs]
    if len(set(keys)) == len(keys):
        return url, dict(pairs)
    query = "&".join(f"{quote(key, safe='{}$@')}={quote(value, safe='{}$@')}" for key, value in pairs)
    return f"{url}?{query}", {}


def form_fields(text: str) -> dict[str, str] | None:
    """`a=1&b=2` as form fields; None when it is not that, or a name repeats (a map cannot hold it twice)."""
    if not FORM_TEXT.fullmatch(text):
        return None
    pairs = parse_qsl(text, keep_blank_values=True)
    if len({name for name, _ in pairs}) != len(pairs):
        return None
    return {name: literal(value) for name, value in pairs}


def parse_json(text: str) -> tuple[bool, Any]:
    try:
        return True, decode_json(text)
    except ValueError:
        return False, None


def without_empty(step: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in step.items() if value not in ({}, [], None)}


class Placeholders:
    """Turns another tool's placeholders (`{{name}}`, `{@name@}`) into `${name}`, and escapes a literal `${`.

    Names our templates cannot hold (`base-url`) are renamed the same way wherever they appear, with a warning.
    """

    def __init__(self, pattern: re.Pattern[str], warnings: Warnings, dynamic: dict[str, str] | None = None) -> None:
        self.pattern = pattern
        self.warnings = warnings
        self.dynamic = dynamic or {}
        self.used: set[str] = set()

    def name(self, raw: str) -> str:
        name = VARIABLE_JUNK.sub("_", raw.strip())
        if not name or name[0].isdigit():
            name = "_" + name
        if name != raw:
            self.warnings.add(f"variable '{raw}' renamed '{name}' (a name is letters, digits and '_')")
        return name

    def text(self, value: Any) -> str:
        return self.pattern.sub(self._replace, literal(as_string(value)))

    def json(self, value: Any) -> Any:
        return map_json_strings(value, self.text)

    def map(self, value: Any, path: str) -> dict[str, str]:
        if value is None:
            return {}
        if not is_json_object(value):
            raise ImportFailed(path, f"expected an object, got {json_kind(value)}")
        return {key: self.text(item) for key, item in value.items()}

    def _replace(self, match: re.Match[str]) -> str:
        raw = match[1].strip()
        if match.string[match.start() - 1 : match.start()] == "$":
            self.warnings.add(
                f"'${match[0]}': a '$' right before a variable reads as a literal '${{'; rewrite it by hand"
            )
        if raw.startswith("$"):
            if raw not in self.dynamic:
                self.warnings.add(f"dynamic variable {match[0]} not converted; it is sent as written")
            return self.dynamic.get(raw, match[0])
        name = self.name(raw)
        self.used.add(name)
        return f"${{{name}}}"


# Postman Collection v2.1


def unique_step_names(steps: list[dict[str, Any]]) -> None:
    """Step names are statistics rows: two requests called `login` in one task get `login` and `login (2)`."""
    seen: dict[str, int] = {}
    for step in steps:
        name = step["name"]
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            step["name"] = f"{name} ({seen[name]})"


def as_int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def literal_map(values: dict[str, str]) -> dict[str, str]:
    return {key: literal(value) for key, value in values.items()}
