"""JMeter test plans (.jmx): thread groups and their HTTP samplers, with what JMeter scopes around them, as a plan.

JMeter scopes by the tree: a header manager, defaults, assertion, extractor or timer applies to every sampler at its
level and below, wherever it stands among them; an element that is a sampler's child applies to that sampler only.
User Defined Variables, CSV Data Sets and the Cookie Manager act on the whole test wherever they are.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from locust_ext.plan.importers.readers import (
    MAX_INPUT_DEPTH,
    VARIABLE_JUNK,
    ImportFailed,
    Warnings,
    literal,
    query_params,
    read_method,
    set_header,
    without_empty,
)
from locust_ext.plan.validation import SYNTAXES

# The first element after the prolog, comments and a DOCTYPE (refused later, with its line) is the root.
_JMETER_ROOT = re.compile(r"\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<jmeterTestPlan[\s/>]", re.S)
_DTD_MARKS = ("<!DOCTYPE", "<!ENTITY")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_INTEGER = re.compile(r"\s*-?\d+\s*")
_FUNCTION = re.compile(r"(__\w+)(?:\((.*)\))?", re.S)
_ARGUMENT_SPLIT = re.compile(r"(?<!\\),")
# `Name: (.*)` in a regex on the response headers: that header's value.
_HEADER_REGEX = re.compile(
    r"\^?([!#$%&'*+.^_`|~0-9A-Za-z-]+):(?: |\\s\*|\\s\+| \*)?\((?:\.\*|\.\+|\.\*\?|\.\+\?|\[\^\\r\\n\]\+)\)"
    r"\$?(?:\\r|\\n|\\s\*)*"
)
_WHOLE_VALUE_GROUP = re.compile(r"\((?:\.\*|\.\+|\\d\+|\.\*\?|\.\+\?)\)")

_SAMPLER = "HTTPSamplerProxy"
_CONTROLLERS = {"GenericController", "TransactionController"}
_ASSERTIONS = {"ResponseAssertion", "JSONPathAssertion", "DurationAssertion", "SizeAssertion"}
_EXTRACTORS = {"RegexExtractor", "XPathExtractor", "XPath2Extractor", "JSONPostProcessor", "BoundaryExtractor"}
_TIMERS = {"ConstantTimer", "UniformRandomTimer"}
# Applied to the samplers in their scope; the test-wide ones are read in a first pass over the whole tree.
_SCOPED = {"HeaderManager", "ConfigTestElement", *_ASSERTIONS, *_EXTRACTORS, *_TIMERS}
_TEST_WIDE = {"Arguments", "CSVDataSet", "CookieManager"}
_LISTENERS = {"ResultCollector", "Summariser", "BackendListener", "MailerResultCollector"}

_TEST_FIELDS = {
    "Assertion.response_data": "BODY",
    "Assertion.response_code": "STATUS",
    "Assertion.response_headers": "HEADER",
}
_TEST_FIELD_NAMES = {
    "Assertion.response_message": "the response message",
    "Assertion.sample_label": "the URL sampled",
    "Assertion.request_headers": "the request headers",
    "Assertion.response_data_as_document": "the document text",
}
# Response Assertion's test type is a bit mask.
_MATCH, _CONTAINS, _NOT, _EQUALS, _SUBSTRING, _OR = 1, 2, 4, 8, 16, 32
_SIZE_OPERATORS = {"1": "EQ", "2": "NE", "3": "GT", "4": "LT", "5": "GE", "6": "LE"}
_SIZE_FIELD_NAMES = {
    "SizeAssertion.response_network_size": "the full response (headers and body)",
    "SizeAssertion.response_headers": "the response headers",
    "SizeAssertion.response_code": "the response code",
    "SizeAssertion.response_message": "the response message",
}
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def is_jmeter_plan(text: str) -> bool:
    return bool(_JMETER_ROOT.match(text))


def from_jmeter(text: str, warnings: Warnings) -> dict[str, Any]:
    return JMeterConverter(warnings).convert(_parse(text))


def _parse(text: str) -> ET.Element:
    for mark in _DTD_MARKS:
        at = text.find(mark)
        if at >= 0:  # entities can expand without bound or read files; a .jmx has none
            line = text.count("\n", 0, at) + 1
            raise ImportFailed(f"line {line}", f"{mark} refused: a JMeter test plan has no DTD or entities")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        line, column = error.position
        problem = re.sub(r": line \d+, column \d+$", "", error.msg)
        raise ImportFailed(f"line {line} column {column + 1}", f"not valid XML: {problem}") from None
    if root.tag != "jmeterTestPlan":
        raise ImportFailed(f"<{root.tag}>", "expected a JMeter test plan, whose root element is <jmeterTestPlan>")
    return root


# The tree: each element is followed by the hashTree of its children.


@dataclass
class Node:
    element: ET.Element
    path: str
    children: list[Node] = field(default_factory=list["Node"])

    @property
    def kind(self) -> str:
        return self.element.tag

    @property
    def name(self) -> str:
        return self.element.get("testname", "")

    @property
    def label(self) -> str:
        return f"{self.kind} '{self.name}'"

    def prop(self, name: str) -> ET.Element | None:
        return _prop(self.element, name)

    def text(self, name: str) -> str:
        return _prop_text(self.element, name)

    def flag(self, name: str) -> bool:
        return self.text(name).strip().lower() == "true"

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def _prop(element: ET.Element, name: str) -> ET.Element | None:
    return next((child for child in element if child.get("name") == name), None)


def _items(collection: ET.Element | None) -> list[ET.Element]:
    """The items of a collectionProp; none when it is absent."""
    return list(collection) if collection is not None else []


def _prop_text(element: ET.Element, name: str) -> str:
    found = _prop(element, name)
    return (found.text or "") if found is not None else ""


def _test_plan(root: ET.Element) -> Node:
    tree = root.find("hashTree")
    nodes = _nodes(tree, "", 1) if tree is not None else []
    plan = next((node for node in nodes if node.kind == "TestPlan"), None)
    if plan is None:
        raise ImportFailed("jmeterTestPlan > hashTree", "expected a TestPlan element")
    return plan


def _nodes(tree: ET.Element, path: str, depth: int) -> list[Node]:
    """The enabled elements of a hashTree with their children; a disabled element is skipped with everything in it."""
    if depth > MAX_INPUT_DEPTH:
        raise ImportFailed(path, f"nested deeper than {MAX_INPUT_DEPTH} levels")
    nodes: list[Node] = []
    items = list(tree)
    for index, element in enumerate(items):
        if element.tag == "hashTree":
            continue
        node = Node(element, f"{path} > {element.tag} '{element.get('testname', '')}'".removeprefix(" > "))
        following = items[index + 1] if index + 1 < len(items) else None
        if following is not None and following.tag == "hashTree":
            node.children = _nodes(following, node.path, depth + 1)
        if element.get("enabled", "true") != "false":
            nodes.append(node)
    return nodes


# JMeter's `${...}`: variables, CSV columns and functions, as our templates.


class JMeterText:
    """Turns JMeter text into a template: `${var}` stays, a CSV column becomes `${set.column}`, the functions we have
    become built-ins, and any other function is sent as its literal text (our templates cannot evaluate it)."""

    def __init__(self, warnings: Warnings) -> None:
        self.warnings = warnings
        self.columns: dict[str, str] = {}

    def template(self, text: str, step: dict[str, Any] | None = None) -> str:
        parts: list[str] = []
        position = 0
        while (start := text.find("${", position)) >= 0:
            end = _closing_brace(text, start)
            if end < 0:
                break
            before = text[position:start]
            if before.endswith("$"):
                self.warnings.add(
                    f"'${text[start : end + 1]}': a '$' right before a variable reads as a literal "
                    "'${'; rewrite it by hand",
                    step,
                )
            parts += [literal(before), self._reference(text[start + 2 : end].strip(), text[start : end + 1], step)]
            position = end + 1
        parts.append(literal(text[position:]))
        return "".join(parts)

    def variable(self, raw: str, step: dict[str, Any] | None = None) -> str:
        """A JMeter variable name as one of ours (`a-b` becomes `a_b`, the same wherever it appears)."""
        name = VARIABLE_JUNK.sub("_", raw.strip())
        if not name or name[0].isdigit():
            name = "_" + name
        if name != raw:
            self.warnings.add(f"variable '{raw}' renamed '{name}' (a name is letters, digits and '_')", step)
        return name

    def _reference(self, inner: str, whole: str, step: dict[str, Any] | None) -> str:
        call = _FUNCTION.fullmatch(inner)
        if call:
            return self._function(call[1], _arguments(call[2]), whole, step)
        if inner in self.columns:
            return f"${{{self.columns[inner]}}}"
        return f"${{{self.variable(inner, step)}}}"

    def _function(self, name: str, arguments: list[str], whole: str, step: dict[str, Any] | None) -> str:
        if name == "__UUID" and not any(arguments):
            return "${__uuid}"
        if name == "__time" and not any(arguments):
            return "${__timestamp}"
        if name == "__threadNum" and not any(arguments):
            return "${__userId}"
        if name == "__Random" and len(arguments) in (2, 3) and all(_INTEGER.fullmatch(a) for a in arguments[:2]):
            if len(arguments) == 3 and arguments[2].strip():
                self.warnings.add(
                    f"{whole}: its third argument (the variable '{arguments[2].strip()}') is not set; "
                    "the number is only sent",
                    step,
                )
            return f"${{__randomInt({arguments[0].strip()},{arguments[1].strip()})}}"
        self.warnings.add(f"JMeter function {whole} not converted; it is sent as written", step)
        return literal(whole)


def _closing_brace(text: str, start: int) -> int:
    """The `}` that closes the `${` at `start`, counting the braces of nested `${...}` (function arguments)."""
    depth = 0
    for index in range(start + 1, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _arguments(text: str | None) -> list[str]:
    if text is None:
        return []
    return [argument.replace("\\,", ",") for argument in _ARGUMENT_SPLIT.split(text)]


# Conversion.


@dataclass
class Scope:
    """The elements that apply to a sampler (header managers, defaults, assertions, extractors, timers), level by
    level from the outermost, each level's in document order."""

    levels: tuple[tuple[Node, ...], ...] = ()

    def inner(self, nodes: Iterable[Node]) -> Scope:
        return Scope((*self.levels, tuple(node for node in nodes if _is_scoped(node))))

    def of_kind(self, *kinds: str) -> list[Node]:
        return [node for level in self.levels for node in level if node.kind in kinds]

    def innermost_first(self, *kinds: str) -> list[Node]:
        """As JMeter runs assertions and extractors: the sampler's own first, then each level further out."""
        return [node for level in reversed(self.levels) for node in level if node.kind in kinds]


@dataclass
class TaskBuilder:
    """A thread group's task as it is built: its steps, and the timers' pauses per iteration in ms."""

    name: str
    steps: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    pause_min_ms: float = 0
    pause_max_ms: float = 0


@dataclass
class GroupLoad:
    """A thread group's users over time: `duration_s` None runs until -t or Stop."""

    users: int
    ramp_s: float
    duration_s: float | None


class JMeterConverter:
    """A test plan: each Thread Group a task of its HTTP samplers in order, the groups' users and times the load."""

    def __init__(self, warnings: Warnings) -> None:
        self.warnings = warnings
        self.text = JMeterText(warnings)
        self.variables: dict[str, str] = {}
        self.host = ""
        self.listeners: list[str] = []
        self.extractor_cache: dict[int, list[dict[str, Any]]] = {}

    def convert(self, root: ET.Element) -> dict[str, Any]:
        test_plan = _test_plan(root)
        everything = list(test_plan.walk())
        plan: dict[str, Any] = {"name": test_plan.name or "jmeter-import"}
        self._read_variables(test_plan, everything)
        plan["dataSets"] = self._data_sets(node for node in everything if node.kind == "CSVDataSet")
        plan["session"] = self._session([node for node in everything if node.kind == "CookieManager"])
        tasks, loads = self._thread_groups(test_plan)
        plan["tasks"] = tasks
        plan["load"] = self._load(tasks, loads, test_plan)
        plan["variables"] = self.variables
        if self.host:
            plan["host"] = self.host
        if self.listeners:
            self.warnings.add(f"listeners ignored (they do not change the load): {', '.join(self.listeners)}")
        return without_empty(plan)

    # Test-wide elements.

    def _read_variables(self, test_plan: Node, everything: list[Node]) -> None:
        """User Defined Variables, the test plan's own first; each may use the ones before it, as in JMeter."""
        lists = [test_plan.prop("TestPlan.user_defined_variables")]
        lists += [node.element for node in everything if node.kind == "Arguments"]
        for element in lists:
            for name, value in _argument_pairs(element) if element is not None else []:
                resolved = self._resolved(value)
                if "${" in resolved:
                    self.warnings.add(
                        f"User Defined Variable '{name}' = '{value}': a plan's variables are not templates; "
                        "the text is kept as written"
                    )
                self.variables[self.text.variable(name)] = resolved

    def _resolved(self, text: str) -> str:
        """`text` with the variables already known put in: a server name must be plain text in the plan's host."""

        def known(match: re.Match[str]) -> str:
            return self.variables.get(match[1], match[0])

        return re.sub(r"\$\{(\w+)\}", known, text)

    def _data_sets(self, nodes: Iterable[Node]) -> list[dict[str, Any]]:
        data_sets: list[dict[str, Any]] = []
        for node in nodes:
            file_name = node.text("filename").strip()
            if not file_name:
                raise ImportFailed(f"{node.path} > filename", "expected the CSV file the data set reads")
            name = _unique(_set_name(file_name), {data_set["name"] for data_set in data_sets})
            columns = [column.strip() for column in node.text("variableNames").split(",") if column.strip()]
            for column in columns:
                self.text.columns[column] = f"{name}.{column}"
            self._warn_data_set(node, file_name, name, columns)
            data_sets.append({"name": name, "file": file_name})
        return data_sets

    def _warn_data_set(self, node: Node, file_name: str, name: str, columns: list[str]) -> None:
        delimiter = node.text("delimiter") or ","
        separated = "comma-separated" if delimiter == "," else f"comma-separated (JMeter's file uses {delimiter!r})"
        if not columns:
            self.warnings.add(
                f"{node.label}: supply {file_name} next to the plan file, {separated} with a header row; "
                f"JMeter's ${{column}} references were not rewritten (the import cannot read the file's header): "
                f"write ${{{name}.column}}"
            )
        else:
            headerless = "" if node.flag("ignoreFirstLine") else " (JMeter's file has none: it names the columns)"
            self.warnings.add(
                f"{node.label}: supply {file_name} next to the plan file, {separated} with the header row "
                f"'{','.join(columns)}'{headerless}; its columns are ${{{name}.<column>}} in the plan"
            )
        share = node.text("shareMode")
        if node.text("recycle") == "false" or node.flag("stopThread"):
            self.warnings.add(f"{node.label}: the plan starts the file over at its end (JMeter would stop)")
        if share and "all" not in share.lower():
            self.warnings.add(f"{node.label}: rows are shared by the users of a process (JMeter: {share})")

    def _session(self, managers: list[Node]) -> bool:
        for manager in managers:
            cookies = manager.prop("CookieManager.cookies")
            if cookies is not None and len(cookies):
                self.warnings.add(f"{manager.label}: its own cookies are not set; the plan keeps those it receives")
            if manager.flag("CookieManager.clearEachIteration"):
                self.warnings.add(
                    f"{manager.label}: each user keeps its cookies for its whole life (JMeter clears them "
                    "each iteration)"
                )
        return bool(managers)  # without a Cookie Manager JMeter keeps no cookies

    # Thread groups and their load.

    def _thread_groups(self, test_plan: Node) -> tuple[list[dict[str, Any]], list[GroupLoad]]:
        scope = Scope().inner(test_plan.children)
        tasks: list[dict[str, Any]] = []
        loads: list[GroupLoad] = []
        for node in test_plan.children:
            if node.kind == "ThreadGroup":
                task = self._task(node, scope)
                if task is not None:
                    tasks.append(task)
                    loads.append(self._group_load(node))
            else:
                self._outside_groups(node)
        if not tasks:
            raise ImportFailed(test_plan.path, "expected a Thread Group with an HTTP Request sampler; found none")
        return tasks, loads

    def _outside_groups(self, node: Node) -> None:
        if node.kind in _LISTENERS:
            self.listeners.append(node.label)
        elif not _is_scoped(node) and node.kind not in _TEST_WIDE:
            self.warnings.add(f"{node.label} not converted (only Thread Groups run samplers)")

    def _task(self, node: Node, scope: Scope) -> dict[str, Any] | None:
        task = TaskBuilder(node.name or "thread group")
        self._chain(node.children, scope, task)
        if not task.steps:
            self.warnings.add(f"{node.label} not converted: it has no HTTP Request sampler")
            return None
        on_error = node.text("ThreadGroup.on_sample_error") or "continue"
        if on_error != "startnextloop":
            self.warnings.add(
                f"{node.label}: a failing step ends the task's iteration (JMeter's action after a sampler error "
                f"was '{on_error}')"
            )
        converted: dict[str, Any] = {"name": task.name, "steps": task.steps}
        if task.pause_max_ms:
            converted["thinkTime"] = {"minS": task.pause_min_ms / 1000, "maxS": task.pause_max_ms / 1000}
            self.warnings.add(
                f"{node.label}: the timers' pauses ({_seconds(task.pause_min_ms)}-{_seconds(task.pause_max_ms)} s "
                "per iteration) are one think time after the steps, not a pause before each sampler"
            )
        return converted

    def _group_load(self, node: Node) -> GroupLoad:
        users = self._number(node, "ThreadGroup.num_threads", 1)
        ramp_s = self._number(node, "ThreadGroup.ramp_time", 0)
        loop = node.prop("ThreadGroup.main_controller")
        loops = _prop_text(loop, "LoopController.loops").strip() if loop is not None else "-1"
        forever = loop is None or _prop_text(loop, "LoopController.continue_forever") == "true" or loops == "-1"
        scheduled = node.flag("ThreadGroup.scheduler")
        duration_s = self._number(node, "ThreadGroup.duration", 0) if scheduled else 0
        if scheduled and self._number(node, "ThreadGroup.delay", 0):
            self.warnings.add(f"{node.label}: its startup delay is not kept; the users start with the run")
        if not forever:
            instead = f"for its duration ({duration_s:g} s)" if duration_s else "until -t or Stop"
            self.warnings.add(
                f"{node.label}: a plan cannot count iterations (JMeter: {loops or 1} per user); its users run {instead}"
            )
        return GroupLoad(int(users), ramp_s, duration_s or None)

    def _number(self, node: Node, name: str, default: float) -> float:
        text = node.text(name).strip()
        try:
            number = float(text) if text else default
        except ValueError:
            number = -1
        if number < 0 or not math.isfinite(number):
            self.warnings.add(f"{node.label}: {name} '{text}' is not a number the plan can use; {default:g} instead")
            return default
        return number

    def _load(self, tasks: list[dict[str, Any]], loads: list[GroupLoad], test_plan: Node) -> dict[str, Any]:
        users = sum(load.users for load in loads)
        ramp_s = max(load.ramp_s for load in loads)
        durations = [load.duration_s for load in loads if load.duration_s is not None]
        duration_s = max(durations) if len(durations) == len(loads) else None  # one group until Stop: all are
        if len(loads) > 1:
            for task, load in zip(tasks, loads, strict=True):
                task["weight"] = load.users
            self.warnings.add(
                f"{len(loads)} thread groups merged into one load: {users} users in all "
                f"({' + '.join(str(load.users) for load in loads)}), ramped up over the longest ramp-up "
                f"({ramp_s:g} s); each iteration a user picks a task weighted by its group's users"
            )
            if test_plan.flag("TestPlan.serialize_threadgroups"):
                self.warnings.add(f"{test_plan.label}: the thread groups run together, not one after another")
        if users == 0:
            return {}
        return _load_shape(users, ramp_s, duration_s)

    # Samplers and controllers.

    def _chain(self, nodes: list[Node], scope: Scope, task: TaskBuilder) -> None:
        scope = scope.inner(nodes)
        for node in nodes:
            if node.kind == _SAMPLER:
                self._add_step(node, scope, task)
            elif node.kind in _CONTROLLERS:
                # A controller's samplers stay steps of the group's task, in order: JMeter runs them in each
                # iteration after the ones before (and they share what those saved), so a task of their own, picked
                # by weight, would break the chain. Each step keeps its sampler's label as its statistics row.
                if node.kind == "TransactionController":
                    self.warnings.add(
                        f"{node.label}: its samplers are steps of the task; the transaction's own row (their total "
                        "time) is not reported"
                    )
                self._chain(node.children, scope, task)
            elif node.kind in _LISTENERS:
                self.listeners.append(node.label)
            elif not _is_scoped(node) and node.kind not in _TEST_WIDE:
                self._not_converted(node, scope, task)

    def _not_converted(self, node: Node, scope: Scope, task: TaskBuilder) -> None:
        if node.children:
            self.warnings.add(
                f"{node.label} not converted; its samplers are steps that run every iteration, as in a Simple "
                "Controller"
            )
            self._chain(node.children, scope, task)
        else:
            self.warnings.add(f"{node.label} not converted")

    def _add_step(self, node: Node, scope: Scope, task: TaskBuilder) -> None:
        applied = scope.inner(node.children)
        step: dict[str, Any] = {"name": node.name or node.path}
        step.update(self._request(node, applied, step))
        step["headers"] = self._headers(applied, step)
        asserts: list[dict[str, Any]] = []
        for assertion in applied.innermost_first(*_ASSERTIONS):
            asserts += self._assertion(assertion, step)
        extractors = applied.innermost_first(*_EXTRACTORS)
        step["save"] = [save for node in extractors for save in self._extractor(node, step)]
        step["assert"] = asserts
        for child in node.children:
            if child.kind in _LISTENERS:
                self.listeners.append(child.label)
            elif not _is_scoped(child) and child.kind not in _TEST_WIDE:
                self.warnings.add(f"{child.label} not converted", step)
        for timer in applied.of_kind(*_TIMERS):
            low, high = self._timer(timer, step)
            task.pause_min_ms += low
            task.pause_max_ms += high
        for key in [key for key, value in step.items() if value in ({}, [], None)]:
            del step[key]  # in place: the warnings keep this very dict to say which step they concern
        task.steps.append(step)

    def _request(self, node: Node, scope: Scope, step: dict[str, Any]) -> dict[str, Any]:
        defaults = [item for item in reversed(scope.of_kind("ConfigTestElement")) if _is_http_defaults(item)]

        def value(name: str) -> str:
            """The sampler's own value, else the innermost defaults' that has one."""
            for element in (node, *defaults):
                text = element.text(f"HTTPSampler.{name}").strip()
                if text:
                    return text
            return ""

        method = read_method(node.text("HTTPSampler.method") or "GET", f"{node.path} > HTTPSampler.method")
        request: dict[str, Any] = {"method": method, "url": self._url(node, value, step)}
        arguments = [pair for item in (*reversed(defaults), node) for pair in _http_arguments(item)]
        request.update(self._arguments(node, method, arguments, request["url"], step))
        timeout = value("response_timeout")
        if _INTEGER.fullmatch(timeout) and int(timeout) > 0:
            request["timeoutS"] = int(timeout) / 1000
        if not (node.flag("HTTPSampler.follow_redirects") or node.flag("HTTPSampler.auto_redirects")):
            request["followRedirects"] = False
        self._warn_request(node, step)
        return request

    def _url(self, node: Node, value: Any, step: dict[str, Any]) -> str:
        path = value("path")
        if not path:
            raise ImportFailed(
                f"{node.path} > HTTPSampler.path",
                "expected the path the sampler requests (it has none, nor has an HTTP Request Defaults in its scope)",
            )
        if re.match(r"https?://", path, re.I):
            return self.text.template(path, step)
        # JMeter puts a '/' before a path without one, once variables are in: `${cartPath}` may hold one already.
        path = path if path.startswith(("/", "${")) else "/" + path
        domain = self._resolved(value("domain"))
        if not domain:
            return self.text.template(path, step)
        protocol = self._resolved(value("protocol")).lower() or "http"
        port = self._resolved(value("port"))
        origin = f"{protocol}://{domain}" + (f":{port}" if port and port != _DEFAULT_PORTS.get(protocol) else "")
        if not self.host and re.fullmatch(r"https?://[^\s/$]+", origin):
            self.host = origin
        where = path if origin == self.host else origin + path
        return self.text.template(where, step)

    def _arguments(
        self, node: Node, method: str, arguments: list[tuple[str, str]], url: str, step: dict[str, Any]
    ) -> dict[str, Any]:
        if node.flag("HTTPSampler.postBodyRaw"):
            return {"body": self.text.template("".join(value for _, value in arguments), step)}
        named = [(self.text.template(name, step), self.text.template(value, step)) for name, value in arguments if name]
        if len(named) < len(arguments):
            self.warnings.add(f"{node.label}: a parameter without a name is not sent", step)
        if not named:
            return {}
        if method in _BODY_METHODS:
            if len({name for name, _ in named}) < len(named):
                self.warnings.add(f"{node.label}: a form field named twice is sent once, with its last value", step)
            return {"form": dict(named)}
        full, params = query_params(url, named)
        return {"url": full, "params": params}

    def _warn_request(self, node: Node, step: dict[str, Any]) -> None:
        if node.flag("HTTPSampler.DO_MULTIPART_POST"):
            self.warnings.add(f"{node.label}: sent as application/x-www-form-urlencoded, not multipart", step)
        files = node.prop("HTTPsampler.Files")
        if files is not None and files.find(".//elementProp") is not None:
            self.warnings.add(f"{node.label}: its files are not sent", step)
        if node.flag("HTTPSampler.image_parser"):
            self.warnings.add(f"{node.label}: embedded resources (images, scripts, CSS) are not fetched", step)

    def _headers(self, scope: Scope, step: dict[str, Any]) -> dict[str, str]:
        """Every Header Manager in scope, outermost first: the one nearest the sampler wins a header both set."""
        headers: dict[str, str] = {}
        for manager in scope.of_kind("HeaderManager"):
            for header in _items(manager.prop("HeaderManager.headers")):
                name = _prop_text(header, "Header.name").strip()
                if not _HEADER_NAME.fullmatch(name):
                    self.warnings.add(f"{manager.label}: header '{name}' is not a header name; not sent", step)
                    continue
                set_header(headers, name, self.text.template(_prop_text(header, "Header.value"), step))
        return headers

    def _timer(self, node: Node, step: dict[str, Any]) -> tuple[float, float]:
        delay, spread = node.text("ConstantTimer.delay").strip(), node.text("RandomTimer.range").strip() or "0"
        try:
            low, extra = float(delay or "0"), float(spread) if node.kind == "UniformRandomTimer" else 0.0
        except ValueError:
            self.warnings.add(f"{node.label}: its delay '{delay}' is not a number of ms; no pause", step)
            return 0, 0
        return low, low + extra

    # Assertions.

    def _assertion(self, node: Node, step: dict[str, Any]) -> list[dict[str, Any]]:
        if node.kind == "ResponseAssertion":
            converted = self._response_assertion(node, step)
        elif node.kind == "JSONPathAssertion":
            converted = self._json_assertion(node, step)
        elif node.kind == "DurationAssertion":
            converted = self._duration_assertion(node, step)
        else:
            converted = self._size_assertion(node, step)
        return [{**assertion, "name": node.name} for assertion in converted]

    def _response_assertion(self, node: Node, step: dict[str, Any]) -> list[dict[str, Any]]:
        if node.flag("Assertion.assume_success"):
            step["failOnErrorStatus"] = False
        test_field = node.text("Assertion.test_field") or "Assertion.response_data"
        target = _TEST_FIELDS.get(test_field)
        if target is None:
            what = _TEST_FIELD_NAMES.get(test_field, test_field)
            self.warnings.add(f"{node.label}: a plan cannot check {what}; not converted", step)
            return []
        # sic: JMeter's own spelling
        patterns = [item.text or "" for item in _items(node.prop("Asserion.test_strings"))]
        test_type = node.text("Assertion.test_type").strip()
        kind = int(test_type) if _INTEGER.fullmatch(test_type) else _SUBSTRING
        if not patterns:
            self.warnings.add(f"{node.label}: it has no patterns; nothing to check", step)
            return []
        if kind & _OR and len(patterns) > 1:
            return self._any_of(node, target, kind, patterns, step)
        checks = [self._pattern_check(node, target, kind, pattern, step) for pattern in patterns]
        if target == "STATUS" and not kind & _NOT and not node.flag("Assertion.assume_success"):
            self._warn_error_status(node, patterns, step)
        return [check for check in checks if check is not None]

    def _pattern_check(
        self, node: Node, target: str, kind: int, pattern: str, step: dict[str, Any]
    ) -> dict[str, Any] | None:
        negated = bool(kind & _NOT)
        if target == "HEADER":
            return self._header_check(node, kind, pattern, step)
        value = self.text.template(pattern, step)
        if kind & _EQUALS:
            return {"on": target, "op": "NE" if negated else "EQ", "value": value}
        if kind & _SUBSTRING:
            return {"on": target, "op": "NOT_CONTAINS" if negated else "CONTAINS", "value": value}
        expression = _whole_match(value, negated) if kind & _MATCH else _anywhere(value, negated)
        if not self._valid(node, "regex", pattern, step, "" if "${" in value else expression):
            return None
        return {"on": target, "op": "MATCHES", "value": expression}

    def _header_check(self, node: Node, kind: int, pattern: str, step: dict[str, Any]) -> dict[str, Any] | None:
        """A pattern on the whole header block can be a check of one header when it reads `Name: value`."""
        name, colon, wanted = pattern.partition(":")
        if not colon or not _HEADER_NAME.fullmatch(name.strip()) or kind & (_MATCH | _EQUALS):
            self.warnings.add(
                f"{node.label}: '{pattern}' on the response headers is not 'Name: value'; not converted", step
            )
            return None
        value = self.text.template(wanted.strip(), step)
        if kind & _SUBSTRING:
            return {
                "on": "HEADER",
                "expr": name.strip(),
                "op": "NOT_CONTAINS" if kind & _NOT else "CONTAINS",
                "value": value,
            }
        expression = _anywhere(value, bool(kind & _NOT))
        if not self._valid(node, "regex", wanted, step, "" if "${" in value else expression):
            return None
        return {"on": "HEADER", "expr": name.strip(), "op": "MATCHES", "value": expression}

    def _any_of(
        self, node: Node, target: str, kind: int, patterns: list[str], step: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """OR: one regex of alternatives, when every pattern is constant and none is negated or on the headers."""
        if kind & _NOT or target == "HEADER" or any("${" in pattern for pattern in patterns):
            self.warnings.add(
                f"{node.label}: 'Or' of its patterns cannot be expressed (negated, on the headers, or with "
                "variables); not converted",
                step,
            )
            return []
        alternatives = [_as_regex(kind, pattern) for pattern in patterns]
        expression = "|".join(f"(?:{alternative})" for alternative in alternatives)
        if not self._valid(node, "regex", expression, step, expression):
            return []
        return [{"on": target, "op": "MATCHES", "value": literal(expression)}]

    def _warn_error_status(self, node: Node, patterns: list[str], step: dict[str, Any]) -> None:
        if any(pattern.strip()[:1] in ("4", "5") for pattern in patterns):
            self.warnings.add(
                f"{node.label}: JMeter fails a 4xx/5xx sample whatever this assertion says unless 'Ignore Status' "
                "is set; the plan's step passes when the status matches",
                step,
            )

    def _json_assertion(self, node: Node, step: dict[str, Any]) -> list[dict[str, Any]]:
        path = node.text("JSON_PATH").strip()
        if not self._valid(node, "jsonpath", path, step, path):
            return []
        inverted = node.flag("INVERT")
        if not node.flag("JSONVALIDATION"):
            return [{"on": "JSONPATH", "expr": path, "op": "NOT_EXISTS" if inverted else "EXISTS"}]
        if node.flag("EXPECT_NULL"):
            if inverted:
                self.warnings.add(f"{node.label}: 'not null' is not expressible; not converted", step)
                return []
            return [{"on": "JSONPATH", "expr": path, "op": "TYPE", "value": "null"}]
        expected = self.text.template(node.text("EXPECTED_VALUE"), step)
        if node.flag("ISREGEX"):
            expression = _whole_match(expected, inverted)
            if not self._valid(node, "regex", expected, step, "" if "${" in expected else expression):
                return []
            return [{"on": "JSONPATH", "expr": path, "op": "MATCHES", "value": expression}]
        return [{"on": "JSONPATH", "expr": path, "op": "NE" if inverted else "EQ", "value": expected}]

    def _duration_assertion(self, node: Node, step: dict[str, Any]) -> list[dict[str, Any]]:
        duration = node.text("DurationAssertion.duration").strip()
        if not _INTEGER.fullmatch(duration):
            self.warnings.add(f"{node.label}: its duration '{duration}' is not a number of ms; not converted", step)
            return []
        return [{"on": "RESPONSE_TIME_MS", "op": "LE", "value": duration.strip()}]

    def _size_assertion(self, node: Node, step: dict[str, Any]) -> list[dict[str, Any]]:
        size = node.text("SizeAssertion.size").strip()
        operator = _SIZE_OPERATORS.get(node.text("SizeAssertion.operator").strip() or "1")
        if not _INTEGER.fullmatch(size) or operator is None:
            self.warnings.add(f"{node.label}: size '{size}' or its operator is not one a plan has; not converted", step)
            return []
        test_field = node.text("Assertion.test_field") or "SizeAssertion.response_network_size"
        if test_field != "SizeAssertion.response_data":
            measured = _SIZE_FIELD_NAMES.get(test_field, test_field)
            self.warnings.add(f"{node.label}: the plan checks the body's length (JMeter measured {measured})", step)
        return [{"on": "BODY_LENGTH", "op": operator, "value": size}]

    # Extractors.

    def _extractor(self, node: Node, step: dict[str, Any]) -> list[dict[str, Any]]:
        """An extractor's saves, converted once: one at a controller's level applies to each of its samplers."""
        if id(node) not in self.extractor_cache:
            if node.kind == "RegexExtractor":
                saves = self._regex_extractor(node, step)
            elif node.kind == "JSONPostProcessor":
                saves = self._json_extractor(node, step)
            elif node.kind == "BoundaryExtractor":
                saves = self._boundary_extractor(node, step)
            else:
                saves = self._xpath_extractor(node, step)
            self.extractor_cache[id(node)] = saves
        return [dict(save) for save in self.extractor_cache[id(node)]]

    def _save(
        self, node: Node, name: str, source: str, expr: str, default: str, step: dict[str, Any]
    ) -> dict[str, Any]:
        if "${" in expr:
            self.warnings.add(f"{node.label}: variables in its expression are not substituted", step)
        save = {"name": self.text.variable(name.strip(), step), "from": source, "expr": expr}
        if default:
            save["default"] = default
        return save

    def _first_match_only(self, node: Node, number: str, step: dict[str, Any]) -> bool:
        """Match No. 1 (or empty): the first match, as a plan saves; 0 (random) saves the first too, with a warning."""
        number = number.strip()
        if number in ("", "1"):
            return True
        if number == "0":
            self.warnings.add(f"{node.label}: saves the first match (JMeter picks one at random)", step)
            return True
        self.warnings.add(
            f"{node.label}: match number {number} is not expressible (a plan saves the first match); not converted",
            step,
        )
        return False

    def _regex_extractor(self, node: Node, step: dict[str, Any]) -> list[dict[str, Any]]:
        name, regex = node.text("RegexExtractor.refname"), node.text("RegexExtractor.regex")
        default = node.text("RegexExtractor.default")
        if not self._first_match_only(node, node.text("RegexExtractor.match_number"), step):
            return []
        against = node.text("RegexExtractor.useHeaders") or "false"
        if against == "true":
            return self._header_extractor(node, name, regex, default, step)
        if against == "code" and _WHOLE_VALUE_GROUP.fullmatch(regex.strip("^$")):
            return [self._save(node, name, "STATUS", "", default, step)]
        if against not in ("false", "unescaped"):
            self.warnings.add(f"{node.label}: a plan cannot extract from '{against}'; not converted", step)
            return []
        expression = _template_group(regex, node.text("RegexExtractor.template").strip() or "$1$")
        if expression is None:
            self.warnings.add(
                f"{node.label}: template '{node.text('RegexExtractor.template')}' is not expressible (a plan saves "
                "the first group, or the whole match); not converted",
                step,
            )
            return []
        if not self._valid(node, "regex", regex, step, expression):
            return []
        if against == "unescaped":
            self.warnings.add(f"{node.label}: the body is searched as it came (HTML entities not unescaped)", step)
        return [self._save(node, name, "REGEX", expression, default, step)]

    def _header_extractor(
        self, node: Node, name: str, regex: str, default: str, step: dict[str, Any]
    ) -> list[dict[str, Any]]:
        header = _HEADER_REGEX.fullmatch(regex)
        if header is None:
            self.warnings.add(
                f"{node.label}: regex '{regex}' on the response headers is not 'Name: (.*)'; not converted", step
            )
            return []
        return [self._save(node, name, "HEADER", header[1], default, step)]

    def _json_extractor(self, node: Node, step: dict[str, Any]) -> list[dict[str, Any]]:
        names = node.text("JSONPostProcessor.referenceNames").split(";")
        paths = node.text("JSONPostProcessor.jsonPathExprs").split(";")
        defaults = node.text("JSONPostProcessor.defaultValues").split(";")
        numbers = node.text("JSONPostProcessor.match_numbers").split(";")
        if len(paths) != len(names):
            self.warnings.add(f"{node.label}: {len(names)} names for {len(paths)} paths; not converted", step)
            return []
        saves: list[dict[str, Any]] = []
        for index, (name, path) in enumerate(zip(names, paths, strict=True)):
            number = numbers[index] if index < len(numbers) else ""
            default = defaults[index] if index < len(defaults) else ""
            if self._first_match_only(node, number, step) and self._valid(node, "jsonpath", path, step, path.strip()):
                saves.append(self._save(node, name, "JSONPATH", path.strip(), default, step))
        return saves

    def _xpath_extractor(self, node: Node, step: dict[str, Any]) -> list[dict[str, Any]]:
        prefix = "XPathExtractor2" if node.kind == "XPath2Extractor" else "XPathExtractor"
        query = node.text(f"{prefix}.xpathQuery").strip()
        if node.flag(f"{prefix}.fragment"):
            self.warnings.add(f"{node.label}: saves the text of the match, not its XML fragment", step)
        if not self._first_match_only(node, node.text(f"{prefix}.matchNumber"), step):
            return []
        if not self._valid(node, "xpath", query, step, query):
            return []
        return [self._save(node, node.text(f"{prefix}.refname"), "XPATH", query, node.text(f"{prefix}.default"), step)]

    def _boundary_extractor(self, node: Node, step: dict[str, Any]) -> list[dict[str, Any]]:
        if not self._first_match_only(node, node.text("BoundaryExtractor.match_number"), step):
            return []
        if (node.text("BoundaryExtractor.useHeaders") or "false") != "false":
            self.warnings.add(f"{node.label}: a plan's regex searches the body only; not converted", step)
            return []
        left, right = node.text("BoundaryExtractor.lboundary"), node.text("BoundaryExtractor.rboundary")
        # JMeter searches plain text between the boundaries, across lines: any character, as few as will do.
        end = re.escape(right) if right else r"\Z"
        expression = f"{re.escape(left)}([\\s\\S]*?){end}"
        default = node.text("BoundaryExtractor.default")
        return [self._save(node, node.text("BoundaryExtractor.refname"), "REGEX", expression, default, step)]

    def _valid(self, node: Node, syntax: str, shown: str, step: dict[str, Any], expression: str) -> bool:
        """Whether the plan can hold `expression` (empty: only known once templates are rendered)."""
        if not expression:
            return True
        try:
            SYNTAXES[syntax](expression)
        except ValueError as error:
            self.warnings.add(
                f"{node.label}: '{shown}' is not a {syntax} a plan can run ({error}); not converted", step
            )
            return False
        return True


# Pure helpers.


def _is_scoped(node: Node) -> bool:
    """Applied to the samplers in its scope: any config element but HTTP Request Defaults is another protocol's."""
    return node.kind in _SCOPED and (node.kind != "ConfigTestElement" or _is_http_defaults(node))


def _is_http_defaults(node: Node) -> bool:
    return node.element.get("guiclass") == "HttpDefaultsGui" or any(
        (child.get("name") or "").startswith("HTTPSampler.") for child in node.element
    )


def _argument_pairs(element: ET.Element) -> list[tuple[str, str]]:
    arguments = _prop(element, "Arguments.arguments")
    return [(_prop_text(item, "Argument.name"), _prop_text(item, "Argument.value")) for item in _items(arguments)]


def _http_arguments(node: Node) -> list[tuple[str, str]]:
    arguments = node.prop("HTTPsampler.Arguments")
    return _argument_pairs(arguments) if arguments is not None else []


def _set_name(file_name: str) -> str:
    stem = PurePath(file_name.replace("\\", "/")).stem
    name = VARIABLE_JUNK.sub("_", stem).strip("_") or "data"
    return "_" + name if name[0].isdigit() else name


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}_{number}"
    return candidate


def _seconds(ms: float) -> str:
    return f"{ms / 1000:g}"


def _load_shape(users: int, ramp_s: float, duration_s: float | None) -> dict[str, Any]:
    """JMeter starts the users evenly over the ramp-up, then they run for the duration (which counts the ramp-up),
    or until stopped: stages, or a step load of one user at a time held until -t or Stop."""
    if duration_s is not None:
        ramp = max(ramp_s, 1)  # a stage needs time; the users of a stage start within its first second anyway
        stages = [{"durationS": ramp, "users": users}]
        if duration_s > ramp:
            stages.append({"durationS": duration_s - ramp, "users": users})
        return {"stages": stages}
    if ramp_s <= 0:
        return {"step": {"usersPerStep": users, "stepDurationS": 1, "maxUsers": users}}
    return {"step": {"usersPerStep": 1, "stepDurationS": ramp_s / users, "maxUsers": users}}


def _whole_match(value: str, negated: bool) -> str:
    """JMeter's 'Matches': the regex matches the whole text (as a MATCHES search anchored at both ends)."""
    return f"\\A(?!(?:{value})\\Z)" if negated else f"\\A(?:{value})\\Z"


def _anywhere(value: str, negated: bool) -> str:
    """JMeter's 'Contains' is a regex search; negated, nothing anywhere matches it."""
    return f"\\A(?![\\s\\S]*?(?:{value}))" if negated else value


def _as_regex(kind: int, pattern: str) -> str:
    if kind & _EQUALS:
        return f"\\A{re.escape(pattern)}\\Z"
    if kind & _SUBSTRING:
        return re.escape(pattern)
    return f"\\A(?:{pattern})\\Z" if kind & _MATCH else pattern


def _template_group(regex: str, template: str) -> str | None:
    """The regex a plan's REGEX save runs for JMeter's template: `$1$` is the first group a save takes, `$0$` the whole
    match (wrapped in a group, as the regex may have its own)."""
    if template == "$1$":
        return regex
    if template == "$0$":
        return f"({regex})"
    return None
