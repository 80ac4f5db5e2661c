"""Postman scripts read from their JavaScript syntax tree (tree-sitter) and turned into saves, asserts and assignments.

A script is evaluated symbolically: every expression becomes what it stands for in a response (a JSON path of
`pm.response.json()`, the body's text, the status, a header, a cookie, a regex group of the text) or a template
(a literal, `Date.now()`, a variable's value), or nothing we can express. Statements then become plan parts:
`pm.test(name, fn)` and chai chains (`pm.expect(j.id).to.eql(7)`, `pm.response.to.have.status(418)`) become
named assertions, the legacy `tests["name"] = <boolean>` too, `pm.*.set(name, value)` a save (test scripts) or an
assignment before the request (pre-request scripts). Whatever else a script does is reported, one problem per
statement with its line, never guessed at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

from locust_ext.plan.importers.readers import literal

_JAVASCRIPT = Language(tree_sitter_javascript.language())
_SNIPPET_CHARS = 80
# chai's language chains: they read well and assert nothing.
_CHAIN_WORDS = frozenset(
    {"to", "be", "been", "is", "that", "which", "and", "has", "have", "with", "at", "of", "same", "but", "does"}
    | {"still", "also", "deep", "nested", "own", "ordered", "any", "all"}
)
_VARIABLE_SCOPES = frozenset(
    f"pm.{scope}" for scope in ("environment", "collectionVariables", "globals", "variables", "iterationData")
)
_LEGACY_SETTERS = frozenset({"postman.setEnvironmentVariable", "postman.setGlobalVariable"})
_LEGACY_GETTERS = frozenset({"postman.getEnvironmentVariable", "postman.getGlobalVariable"})
_LOOPS = frozenset({"forEach", "map", "filter", "some", "every", "find", "reduce"})
_IGNORED_CALLS = frozenset({"console.log", "console.info", "console.warn", "console.error", "console.debug"})
_UUID_CALLS = frozenset({"uuid.v4", "crypto.randomUUID"})
# chai-postman's status classes and names (`pm.response.to.be.ok` is exactly 200; `success` is any 2XX).
_STATUS_WORDS = {
    "ok": "^200$",
    "success": "^2\\d\\d$",
    "info": "^1\\d\\d$",
    "redirection": "^3\\d\\d$",
    "clientError": "^4\\d\\d$",
    "serverError": "^5\\d\\d$",
    "error": "^[45]\\d\\d$",
    "accepted": "^202$",
    "badRequest": "^400$",
    "unauthorized": "^401$",
    "forbidden": "^403$",
    "notFound": "^404$",
    "rateLimited": "^429$",
}
_COMPARISONS = {
    "eql": "EQ",
    "eqls": "EQ",
    "equal": "EQ",
    "equals": "EQ",
    "eq": "EQ",
    "include": "CONTAINS",
    "includes": "CONTAINS",
    "contain": "CONTAINS",
    "contains": "CONTAINS",
    "below": "LT",
    "lessThan": "LT",
    "lt": "LT",
    "above": "GT",
    "greaterThan": "GT",
    "gt": "GT",
    "least": "GE",
    "gte": "GE",
    "most": "LE",
    "lte": "LE",
    "match": "MATCHES",
    "matches": "MATCHES",
}
_NEGATED = {
    "EQ": "NE",
    "NE": "EQ",
    "CONTAINS": "NOT_CONTAINS",
    "NOT_CONTAINS": "CONTAINS",
    "EXISTS": "NOT_EXISTS",
    "NOT_EXISTS": "EXISTS",
    "LT": "GE",
    "GE": "LT",
    "GT": "LE",
    "LE": "GT",
}
_OPERATORS = {"===": "EQ", "==": "EQ", "!==": "NE", "!=": "NE", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}
_MIRRORED = {"LT": "GT", "GT": "LT", "LE": "GE", "GE": "LE", "EQ": "EQ", "NE": "NE"}


# What an expression stands for.
@dataclass(frozen=True)
class Named:
    """A global object or a property of one: `pm`, `pm.response`, `JSON`, `Date`, `new Date()`."""

    name: str


@dataclass(frozen=True)
class JsonValue:
    """A value in the response's JSON body, by its path from the root."""

    path: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class Subject:
    """A response figure an assertion reads directly: `on` is STATUS, BODY, RESPONSE_TIME_MS, HEADER or COOKIE."""

    on: str
    expr: str = ""


@dataclass(frozen=True)
class RegexMatch:
    """`text.match(/re/)`: indexing it gives a group."""

    pattern: str


@dataclass(frozen=True)
class RegexGroup:
    """A regex on the body whose first group (or whole match, without groups) is the value."""

    pattern: str


@dataclass(frozen=True)
class Literal:
    """A JavaScript constant: a string, a number, a boolean, null, or a list of them."""

    value: Any


@dataclass(frozen=True)
class Template:
    """A value computed before or after the request, as one of our templates: `${__timestamp}`, `${token}`."""

    text: str


Value = Named | JsonValue | Subject | RegexMatch | RegexGroup | Literal | Template


class Unconvertible(Exception):
    """A statement with no plan equivalent; the message says what in it could not be expressed."""


@dataclass
class ScriptResult:
    """What one script amounts to; `problems` holds (line, statement text, why) for what did not convert."""

    asserts: list[dict[str, str]] = field(default_factory=list[dict[str, str]])
    saves: list[dict[str, str]] = field(default_factory=list[dict[str, str]])
    assign: dict[str, str] = field(default_factory=dict[str, str])
    problems: list[tuple[int, str, str]] = field(default_factory=list[tuple[int, str, str]])


class ScriptConverter:
    """Converts one script; `variable` maps a Postman variable name to ours (renamed where ours cannot hold it)."""

    def __init__(self, listen: str, variable: Callable[[str], str], placeholders: Callable[[str], str]) -> None:
        self.listen = listen
        self.variable = variable
        self.placeholders = placeholders
        self.bindings: dict[str, Value | None] = {}
        self.result = ScriptResult()

    def convert(self, source: str) -> ScriptResult:
        tree = Parser(_JAVASCRIPT).parse(source.encode())
        if tree.root_node.has_error:
            line = _first_error_line(tree.root_node)
            self.result.problems.append((line, _line_text(source, line), "a syntax error; the script is not converted"))
            return self.result
        for statement in tree.root_node.named_children:
            try:
                self._statement(statement, None)
            except RecursionError:
                line = statement.start_point[0] + 1
                self.result.problems.append((line, _snippet(statement), "nested too deeply to read; not converted"))
        return self.result

    def _statement(self, node: Node, test: str | None) -> None:
        try:
            self._convert_statement(node, test)
        except Unconvertible as problem:
            self.result.problems.append((node.start_point[0] + 1, _snippet(node), str(problem)))

    def _convert_statement(self, node: Node, test: str | None) -> None:
        kind = node.type
        if kind in ("comment", "empty_statement", "function_declaration"):
            return  # a function declared does nothing until called, and a call is a statement of its own
        if kind in ("variable_declaration", "lexical_declaration"):
            self._declare(node)
        elif kind == "expression_statement":
            self._expression_statement(_child(node, 0), test)
        elif kind == "statement_block":
            for statement in node.named_children:
                self._statement(statement, test)
        else:
            raise Unconvertible(f"{_statement_kind(node)} not converted")

    def _declare(self, node: Node) -> None:
        for declarator in node.named_children:
            if declarator.type != "variable_declarator":
                continue
            name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
            if name is None or name.type != "identifier":
                raise Unconvertible("a destructuring declaration not converted")
            bound = self._value(value) if value is not None else Literal(None)
            if bound is None and value is not None and _calls_something(value):
                raise Unconvertible("a value computed by code not converted")
            self.bindings[_text(name)] = bound

    def _expression_statement(self, node: Node, test: str | None) -> None:
        if node.type == "assignment_expression":
            self._assignment(node, test)
            return
        if node.type == "call_expression":
            callee = _dotted(node.child_by_field_name("function"))
            args = _arguments(node)
            if callee == "pm.test":
                self._test(args)
                return
            if callee in _IGNORED_CALLS or callee == "pm.test.skip":
                return  # logging changes nothing; a skipped test is neither passed nor failed in Postman
            if callee is not None and _is_setter(callee):
                self._set(args, callee)
                return
        self._assert(self._expectation(node), test)

    def _test(self, args: list[Node]) -> None:
        if len(args) < 2:
            raise Unconvertible("pm.test without a name and a function")
        name = self._value(args[0])
        if not isinstance(name, Literal) or not isinstance(name.value, str):
            raise Unconvertible("a test whose name is computed not converted")
        function = args[-1]
        if function.type not in ("arrow_function", "function_expression", "function"):
            raise Unconvertible("a test whose function is not written in place not converted")
        body = function.child_by_field_name("body")
        if body is None:
            return
        if body.type == "statement_block":
            for statement in body.named_children:
                self._statement(statement, name.value)
        else:
            self._expression_statement(body, name.value)

    def _assignment(self, node: Node, test: str | None) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            raise Unconvertible("an assignment not converted")
        if left.type == "identifier":
            self.bindings[_text(left)] = self._value(right)
            return
        target = _legacy_test_name(left)
        if target is None:
            raise Unconvertible("an assignment to a property not converted")
        if self.listen != "test":
            raise Unconvertible("a test in a pre-request script not converted")
        self._assert(self._condition(right), target)

    def _assert(self, asserts: list[dict[str, str]], test: str | None) -> None:
        if self.listen != "test":
            raise Unconvertible("an assertion in a pre-request script not converted (there is no response yet)")
        for check in asserts:
            named = {**check, "name": test} if test else check
            if named not in self.result.asserts:
                self.result.asserts.append(named)

    # Variables set by a script.
    def _set(self, args: list[Node], callee: str) -> None:
        if len(args) < 2:
            raise Unconvertible(f"{callee} without a name and a value")
        name = self._value(args[0])
        if not isinstance(name, Literal) or not isinstance(name.value, str) or not name.value:
            raise Unconvertible("a variable whose name is computed not converted")
        variable = self.variable(name.value)
        value = self._value(args[1])
        if self.listen == "prerequest":
            template = _template(value)
            if template is None:
                raise Unconvertible(f"the value of '{name.value}' is computed by code we cannot express")
            self.result.assign[variable] = template
            return
        save = _save(variable, value)
        if save is None:
            raise Unconvertible(f"the value saved as '{name.value}' is computed by code we cannot express")
        self.result.saves = [other for other in self.result.saves if other["name"] != variable] + [save]

    # Expressions.
    def _value(self, node: Node | None) -> Value | None:
        if node is None:
            return None
        kind = node.type
        if kind == "parenthesized_expression":
            return self._value(_child(node, 0))
        if kind in ("string", "number", "true", "false", "null", "undefined", "array", "regex"):
            return _literal(node)
        if kind == "template_string":
            return self._template_string(node)
        if kind == "identifier":
            return self._identifier(_text(node))
        if kind == "member_expression":
            return self._member(self._value(node.child_by_field_name("object")), _property(node))
        if kind == "subscript_expression":
            return self._subscript(node)
        if kind == "call_expression":
            return self._call(node)
        if kind == "new_expression":
            return Named("new Date()") if _dotted(node.child_by_field_name("constructor")) == "Date" else None
        if kind == "binary_expression" and _operator(node) == "+":
            return _concatenated(
                self._value(node.child_by_field_name("left")), self._value(node.child_by_field_name("right"))
            )
        return None

    def _identifier(self, name: str) -> Value | None:
        if name in self.bindings:
            return self.bindings[name]
        globals_ = {
            "responseBody": Subject("BODY"),
            "responseTime": Subject("RESPONSE_TIME_MS"),
            "responseCode": Named("responseCode"),
            "responseHeaders": Named("responseHeaders"),
        }
        if name in globals_:
            return globals_[name]
        if name in ("pm", "postman", "JSON", "Date", "_", "uuid", "crypto", "tests", "String", "Number", "console"):
            return Named(name)
        return None

    def _member(self, owner: Value | None, name: str) -> Value | None:
        if isinstance(owner, JsonValue):
            return None if name == "length" else JsonValue((*owner.path, name))
        if isinstance(owner, Named):
            special = {
                "pm.response.code": Subject("STATUS"),
                "pm.response.responseTime": Subject("RESPONSE_TIME_MS"),
                "responseCode.code": Subject("STATUS"),
            }
            dotted = f"{owner.name}.{name}"
            return special.get(dotted, Named(dotted))
        return None

    def _subscript(self, node: Node) -> Value | None:
        owner = self._value(node.child_by_field_name("object"))
        index = self._value(node.child_by_field_name("index"))
        if not isinstance(index, Literal) or not isinstance(index.value, str | int) or isinstance(index.value, bool):
            return None
        if isinstance(owner, JsonValue):
            return JsonValue((*owner.path, index.value))
        if isinstance(owner, Named) and owner.name == "responseHeaders" and isinstance(index.value, str):
            return Subject("HEADER", index.value)
        if isinstance(owner, RegexMatch) and index.value in (0, 1):
            return _regex_group(owner.pattern, int(index.value))
        return None

    def _call(self, node: Node) -> Value | None:
        function = node.child_by_field_name("function")
        args = [self._value(arg) for arg in _arguments(node)]
        first = args[0] if args else None
        if function is not None and function.type == "member_expression":
            owner = self._value(function.child_by_field_name("object"))
            method = _property(function)
            value = self._method(owner, method, args)
            if value is not None or not isinstance(owner, Named):
                return value
        callee = _dotted(function)
        if callee in ("String", "JSON.stringify") and isinstance(first, JsonValue | Subject | Template):
            return first  # both give the text we save: strings bare, anything else as compact JSON
        if callee == "JSON.parse" and first == Subject("BODY"):
            return JsonValue()
        if callee == "require" and isinstance(first, Literal) and first.value in ("uuid", "crypto"):
            return Named(str(first.value))
        return None

    def _method(self, owner: Value | None, method: str, args: list[Value | None]) -> Value | None:
        first = args[0] if args else None
        if method == "toString" and isinstance(owner, JsonValue | Subject | Template):
            return owner
        if isinstance(owner, Subject) and owner.on == "BODY" and method == "match" and isinstance(first, Literal):
            return RegexMatch(first.value) if isinstance(first.value, _Regex) else None
        if isinstance(owner, Literal) and isinstance(owner.value, _Regex) and method == "exec":
            return RegexMatch(owner.value) if first == Subject("BODY") else None
        if not isinstance(owner, Named):
            return None
        return self._named_call(f"{owner.name}.{method}", first, args)

    def _named_call(self, callee: str, first: Value | None, args: list[Value | None]) -> Value | None:
        name = first.value if isinstance(first, Literal) and isinstance(first.value, str) else None
        if callee == "pm.response.json":
            return JsonValue()
        if callee == "pm.response.text":
            return Subject("BODY")
        if callee in ("pm.response.headers.get", "postman.getResponseHeader") and name:
            return Subject("HEADER", name)
        if callee == "pm.cookies.get" and name:
            return Subject("COOKIE", name)
        if callee in ("Date.now", "new Date().getTime", "new Date().valueOf"):
            return Template("${__timestamp}")
        if callee in _UUID_CALLS:
            return Template("${__uuid}")
        if callee == "_.random" and len(args) == 2 and all(_is_int(arg) for arg in args):
            low, high = (int(arg.value) for arg in args if isinstance(arg, Literal))
            return Template(f"${{__randomInt({low},{high})}}")
        if name is not None and (callee in _LEGACY_GETTERS or _scope_call(callee, "get")):
            return Template(f"${{{self.variable(name)}}}")
        if name is not None and _scope_call(callee, "replaceIn"):
            return Template(self.placeholders(name))
        return None

    def _template_string(self, node: Node) -> Value | None:
        parts: list[str] = []
        for part in node.named_children:
            if part.type == "string_fragment":
                parts.append(literal(_text(part)))
                continue
            if part.type == "escape_sequence":
                parts.append(literal(_unescape(_text(part))))
                continue
            template = _template(self._value(_child(part, 0))) if part.type == "template_substitution" else None
            if template is None:
                return None
            parts.append(template)
        return Template("".join(parts))

    # Assertions.
    def _expectation(self, node: Node) -> list[dict[str, str]]:
        """A chai chain on `pm.expect(x)` or `pm.response` as asserts; raises Unconvertible for any other call."""
        function = node.child_by_field_name("function") if node.type == "call_expression" else None
        if function is not None and function.type == "member_expression" and _property(function) in _LOOPS:
            raise Unconvertible(f"a {_property(function)} loop not converted")
        words: list[tuple[str, list[Node] | None]] = []
        current: Node | None = node
        while current is not None:
            if current.type == "call_expression":
                function = current.child_by_field_name("function")
                if _dotted(function) == "pm.expect":
                    return self._expect(_arguments(current), words)
                if function is None or function.type != "member_expression":
                    break
                words.insert(0, (_property(function), _arguments(current)))
                current = function.child_by_field_name("object")
            elif current.type == "member_expression":
                if _dotted(current) == "pm.response":
                    return self._response_chain(words)
                words.insert(0, (_property(current), None))
                current = current.child_by_field_name("object")
            else:
                break
        callee = _dotted(node.child_by_field_name("function")) if node.type == "call_expression" else None
        raise Unconvertible(f"{callee or node.type.replace('_', ' ')} not converted")

    def _expect(self, args: list[Node], words: list[tuple[str, list[Node] | None]]) -> list[dict[str, str]]:
        if not args:
            raise Unconvertible("pm.expect() without a value")
        verdict = [word for word, _ in words if word not in _CHAIN_WORDS]
        # `pm.expect(j.value === 100).to.be.true`: the condition is the test.
        if args[0].type in ("binary_expression", "unary_expression") and verdict in (["true"], ["ok"], ["false"]):
            checks = self._condition(args[0])
            if verdict != ["false"]:
                return checks
            if len(checks) != 1:
                raise Unconvertible("a negated combination not converted")
            return [_negated(checks[0])]
        return self._chain(self._value(args[0]), words)

    def _chain(self, subject: Value | None, words: list[tuple[str, list[Node] | None]]) -> list[dict[str, str]]:
        target = _assert_target(subject)
        if target is None and not (isinstance(subject, Literal | Template) or subject is None):
            raise Unconvertible("an expectation on a value we cannot read from the response")
        asserts: list[dict[str, str]] = []
        negate = False
        for word, args in words:
            if word in _CHAIN_WORDS:
                continue
            if word == "not":
                negate = not negate
                continue
            if target is None:
                raise Unconvertible("an expectation on a value computed by code not converted")
            check, target = self._chain_word(target, word, args, subject)
            asserts.append(_negated(check) if negate else check)
            negate = False
        if not asserts:
            raise Unconvertible("an expectation that asserts nothing we know")
        return asserts

    def _chain_word(
        self, target: dict[str, str], word: str, args: list[Node] | None, subject: Value | None
    ) -> tuple[dict[str, str], dict[str, str]]:
        values = [self._value(arg) for arg in args or []]
        if word in _COMPARISONS and len(values) >= 1:
            return _comparison(target, _COMPARISONS[word], values[0]), target
        if word in ("exist", "exists") or (word == "undefined" and args is None):
            return {**target, "op": "EXISTS" if word != "undefined" else "NOT_EXISTS"}, target
        if word in ("true", "false", "null") and args is None:
            if target["on"] != "JSONPATH":
                raise Unconvertible(f"{word} on {target['on'].lower()} not converted")
            return (
                {**target, "op": "TYPE", "value": "null"} if word == "null" else {**target, "op": "EQ", "value": word}
            ), target
        if word in ("a", "an") and len(values) == 1 and target["on"] in ("JSONPATH", "BODY"):
            return self._type(target, values[0]), target
        if word == "oneOf" and len(values) == 1:
            return _one_of(target, values[0]), target
        if word == "property" and isinstance(subject, JsonValue) and values and isinstance(values[0], Literal):
            inner = _assert_target(JsonValue((*subject.path, str(values[0].value))))
            assert inner is not None
            if len(values) > 1:
                return _comparison(inner, "EQ", values[1]), inner
            return {**inner, "op": "EXISTS"}, inner
        raise Unconvertible(f"chai's .{word} not converted")

    def _type(self, target: dict[str, str], value: Value | None) -> dict[str, str]:
        names = {"string", "number", "boolean", "object", "array", "null"}
        if not isinstance(value, Literal) or str(value.value).lower() not in names:
            raise Unconvertible("a type check for a type JSON has not")
        return {**target, "op": "TYPE", "value": str(value.value).lower()}

    def _response_chain(self, words: list[tuple[str, list[Node] | None]]) -> list[dict[str, str]]:
        asserts: list[dict[str, str]] = []
        negate = False
        for index, (word, args) in enumerate(words):
            if word in _CHAIN_WORDS:
                continue
            if word == "not":
                negate = not negate
                continue
            if word == "responseTime":
                return asserts + self._chain(Subject("RESPONSE_TIME_MS"), words[index + 1 :])
            chain = ".".join(["pm.response", *(name for name, _ in words[: index + 1])])
            check = self._response_word(word, [self._value(arg) for arg in args or []], args is not None, chain)
            asserts.append(_negated(check) if negate else check)
            negate = False
        if not asserts:
            raise Unconvertible("an expectation that asserts nothing we know")
        return asserts

    def _response_word(self, word: str, values: list[Value | None], called: bool, chain: str) -> dict[str, str]:
        first = values[0] if values else None
        if word in _STATUS_WORDS:
            pattern = _STATUS_WORDS[word]
            if pattern.startswith("^") and pattern[1:-1].isdigit():
                return {"on": "STATUS", "op": "EQ", "value": pattern[1:-1]}
            return {"on": "STATUS", "op": "MATCHES", "value": pattern}
        if word == "status" and isinstance(first, Literal) and _is_int(first):
            return {"on": "STATUS", "op": "EQ", "value": str(first.value)}
        if word == "header" and isinstance(first, Literal) and isinstance(first.value, str):
            target = {"on": "HEADER", "expr": first.value}
            return _comparison(target, "EQ", values[1]) if len(values) > 1 else {**target, "op": "EXISTS"}
        if word == "body" and called:
            if not values:
                return {"on": "BODY_LENGTH", "op": "GT", "value": "0"}
            return _comparison({"on": "BODY"}, "EQ", first)
        if word in ("json", "jsonBody") and not values:
            return {"on": "JSONPATH", "expr": "$", "op": "EXISTS"}
        if word == "jsonBody" and isinstance(first, Literal) and isinstance(first.value, str):
            target = {"on": "JSONPATH", "expr": _lodash_path(first.value)}
            return _comparison(target, "EQ", values[1]) if len(values) > 1 else {**target, "op": "EXISTS"}
        raise Unconvertible(f"{chain} not converted")

    def _condition(self, node: Node) -> list[dict[str, str]]:
        """A boolean expression of the legacy `tests[name] = ...` form as asserts."""
        kind = node.type
        if kind == "parenthesized_expression":
            return self._condition(_child(node, 0))
        if kind == "unary_expression" and _operator(node) == "!":
            checks = self._condition(_child(node, 0))
            if len(checks) != 1:
                raise Unconvertible("a negated combination not converted")
            return [_negated(checks[0])]
        if kind == "binary_expression":
            return self._comparison_expression(node)
        if kind == "call_expression":
            return [self._boolean_call(node)]
        value = self._value(node)
        target = _assert_target(value)
        if target is not None and target["on"] in ("HEADER", "JSONPATH"):
            return [{**target, "op": "EXISTS"}]
        raise Unconvertible("a test condition not converted")

    def _comparison_expression(self, node: Node) -> list[dict[str, str]]:
        operator = _operator(node)
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        assert left is not None and right is not None
        if operator == "&&":
            return self._condition(left) + self._condition(right)
        if operator not in _OPERATORS:
            raise Unconvertible(f"the operator {operator} in a test not converted")
        op = _OPERATORS[operator]
        # `responseBody.indexOf("x") !== -1` and its spellings: the body contains x.
        if _is_index_of(left) and (op, _text(right)) in (("NE", "-1"), ("GT", "-1"), ("GE", "0")):
            return [self._contains(left)]
        left_value, right_value = self._value(left), self._value(right)
        target = _assert_target(left_value)
        if target is None:
            target, right_value, op = _assert_target(right_value), left_value, _MIRRORED[op]
        if target is None:
            raise Unconvertible("a comparison of values we cannot read from the response")
        return [_comparison(target, op, right_value)]

    def _boolean_call(self, node: Node) -> dict[str, str]:
        function = node.child_by_field_name("function")
        if function is not None and function.type == "member_expression":
            owner = self._value(function.child_by_field_name("object"))
            method = _property(function)
            if owner == Subject("BODY") and method in ("has", "includes"):
                return self._contains(node)
            if isinstance(owner, Named) and owner.name == "pm.response.headers" and method == "has":
                name = self._value(_arguments(node)[0]) if _arguments(node) else None
                if isinstance(name, Literal) and isinstance(name.value, str):
                    return {"on": "HEADER", "expr": name.value, "op": "EXISTS"}
        value = self._value(node)
        if isinstance(value, Subject) and value.on == "HEADER":
            return {"on": "HEADER", "expr": value.expr, "op": "EXISTS"}
        raise Unconvertible(f"{_dotted(function) or 'a call'} in a test not converted")

    def _contains(self, node: Node) -> dict[str, str]:
        """`responseBody.has("x")`, `.includes("x")`, `.indexOf("x")` (compared with -1 by the caller)."""
        args = _arguments(node)
        needle = self._value(args[0]) if args else None
        if not isinstance(needle, Literal | Template):
            raise Unconvertible("a body check for a computed value not converted")
        return _comparison({"on": "BODY"}, "CONTAINS", needle)


class _Regex(str):
    """A regex literal's pattern, in Python's syntax (flags folded in)."""


def convert_script(
    source: str, listen: str, variable: Callable[[str], str], placeholders: Callable[[str], str]
) -> ScriptResult:
    """The saves, asserts and assignments a `test` or `prerequest` script amounts to, and what did not convert."""
    return ScriptConverter(listen, variable, placeholders).convert(source)


def _is_setter(callee: str) -> bool:
    return callee in _LEGACY_SETTERS or _scope_call(callee, "set")


def _scope_call(callee: str | None, method: str) -> bool:
    scope, _, name = (callee or "").rpartition(".")
    return name == method and scope in _VARIABLE_SCOPES


def _save(name: str, value: Value | None) -> dict[str, str] | None:
    if isinstance(value, JsonValue):
        save = {"name": name, "from": "JSONPATH", "expr": _jsonpath(value.path)}
        # Postman sets undefined, without an error, for a key the body lacks; deeper paths throw there too.
        return save | {"default": ""} if len(value.path) <= 1 else save
    if isinstance(value, Subject) and value.on in ("HEADER", "COOKIE"):
        return {"name": name, "from": value.on, "expr": value.expr, "default": ""}
    if isinstance(value, Subject) and value.on == "STATUS":
        return {"name": name, "from": "STATUS"}
    if isinstance(value, RegexGroup):
        return {"name": name, "from": "REGEX", "expr": value.pattern}
    template = _template(value)
    return {"name": name, "from": "CONST", "expr": template} if template is not None else None


def _assert_target(value: Value | None) -> dict[str, str] | None:
    if isinstance(value, JsonValue):
        return {"on": "JSONPATH", "expr": _jsonpath(value.path)}
    if isinstance(value, Subject) and value.on != "COOKIE":
        return {"on": value.on, "expr": value.expr} if value.expr else {"on": value.on}
    return None


def _comparison(target: dict[str, str], op: str, value: Value | None) -> dict[str, str]:
    if op == "MATCHES":
        if not isinstance(value, Literal) or not isinstance(value.value, _Regex):
            raise Unconvertible("a match against something other than a regex literal not converted")
        return {**target, "op": "MATCHES", "value": str(value.value)}
    items = _constant_list(value)
    if items is not None:
        if op not in ("EQ", "NE"):
            raise Unconvertible("a comparison with a list not converted")
        return {**target, "op": op, "value": literal(json.dumps(items, separators=(",", ":")))}
    template = _template(value)
    if template is None:
        raise Unconvertible("a comparison with a value computed by code not converted")
    if op in ("LT", "LE", "GT", "GE") and not (isinstance(value, Literal) and _is_number(value)):
        raise Unconvertible("an order comparison with something other than a number not converted")
    return {**target, "op": op, "value": template}


def _one_of(target: dict[str, str], value: Value | None) -> dict[str, str]:
    items = _constant_list(value)
    if not items:
        raise Unconvertible("oneOf with something other than a list of constants not converted")
    choices = [_js_text(item) for item in items]
    return {**target, "op": "MATCHES", "value": "^(" + "|".join(re.escape(choice) for choice in choices) + ")$"}


def _constant_list(value: Value | None) -> list[Any] | None:
    if not isinstance(value, Literal):
        return None
    items: Any = value.value
    return cast(list[Any], items) if isinstance(items, list) else None


def _negated(check: dict[str, str]) -> dict[str, str]:
    if check["op"] not in _NEGATED:
        raise Unconvertible(f"a negated {check['op'].lower()} not converted")
    return {**check, "op": _NEGATED[check["op"]]}


def _template(value: Value | None) -> str | None:
    if isinstance(value, Template):
        return value.text
    if isinstance(value, Literal) and not isinstance(value.value, list | _Regex):
        return literal(_js_text(value.value))
    return None


def _concatenated(left: Value | None, right: Value | None) -> Value | None:
    if isinstance(left, Literal) and isinstance(right, Literal) and _is_number(left) and _is_number(right):
        return None  # arithmetic, not text
    first, second = _template(left), _template(right)
    return Template(first + second) if first is not None and second is not None else None


def _regex_group(pattern: str, index: int) -> RegexGroup | None:
    """A REGEX save gives the first group, or the whole match without groups: `m[1]`, or `m[0]` of a groupless regex."""
    groups = re.compile(pattern).groups
    if (index == 1 and groups >= 1) or (index == 0 and groups == 0):
        return RegexGroup(pattern)
    return None


def _js_text(value: Any) -> str:
    """How JavaScript prints a constant into a string (and Postman into a variable)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _jsonpath(path: tuple[str | int, ...]) -> str:
    parts = ["$"]
    for key in path:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            parts.append(f".{key}")
        else:
            parts.append("['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']")
    return "".join(parts)


def _lodash_path(path: str) -> str:
    """chai-postman's jsonBody path (`data.items[0].id`, lodash's syntax) as JSONPath."""
    keys: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        keys.append(int(index) if index else name)
    return _jsonpath(tuple(keys))


def _literal(node: Node) -> Literal | None:
    kind = node.type
    if kind == "string":
        return Literal(_string(node))
    if kind == "number":
        return _number(_text(node))
    if kind in ("true", "false"):
        return Literal(kind == "true")
    if kind in ("null", "undefined"):
        return Literal(None)
    if kind == "regex":
        return _regex(node)
    items = [_literal(item) for item in node.named_children if item.type != "comment"]
    if any(item is None for item in items):
        return None
    return Literal([item.value for item in items if item is not None])


def _string(node: Node) -> str:
    parts: list[str] = []
    for part in node.named_children:
        parts.append(_unescape(_text(part)) if part.type == "escape_sequence" else _text(part))
    return "".join(parts)


def _unescape(sequence: str) -> str:
    simple = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
    body = sequence[1:]
    if body in simple:
        return simple[body]
    if body.startswith(("u", "x")):
        digits = body[1:].strip("{}")
        try:
            return chr(int(digits, 16))
        except ValueError:
            return body
    return body


def _number(text: str) -> Literal | None:
    try:
        number = float(int(text, 0)) if text.lower().startswith(("0x", "0o", "0b")) else float(text.replace("_", ""))
    except ValueError:
        return None
    return Literal(int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number)


def _regex(node: Node) -> Literal | None:
    pattern_node, flags_node = node.child_by_field_name("pattern"), node.child_by_field_name("flags")
    pattern = _text(pattern_node) if pattern_node is not None else ""
    flags = _text(flags_node) if flags_node is not None else ""
    python = re.sub(r"\(\?<(?![=!])", "(?P<", pattern)
    inline = "".join(flag for flag in flags if flag in "ims")
    if set(flags) - set("imsgu"):
        return None  # the sticky and dotAll-like flags have no Python meaning here
    python = f"(?{inline}){python}" if inline else python
    try:
        re.compile(python)
    except re.error:
        return None
    return Literal(_Regex(python))


def _is_int(value: Value | None) -> bool:
    return isinstance(value, Literal) and isinstance(value.value, int) and not isinstance(value.value, bool)


def _is_number(value: Literal) -> bool:
    return isinstance(value.value, int | float) and not isinstance(value.value, bool)


def _is_index_of(node: Node) -> bool:
    function = node.child_by_field_name("function") if node.type == "call_expression" else None
    return function is not None and function.type == "member_expression" and _property(function) == "indexOf"


def _legacy_test_name(node: Node) -> str | None:
    """The name in `tests["name"]` or `tests.name`, else None."""
    owner = node.child_by_field_name("object")
    if owner is None or _text(owner) != "tests":
        return None
    if node.type == "member_expression":
        return _property(node)
    index = node.child_by_field_name("index")
    if node.type == "subscript_expression" and index is not None and index.type == "string":
        return _string(index)
    return None


def _statement_kind(node: Node) -> str:
    """A statement's kind as a user reads it: `a for...of loop`, `an if statement`."""
    if node.type == "for_in_statement":
        return "a for...of loop" if any(child.type == "of" for child in node.children) else "a for...in loop"
    words = node.type.removesuffix("_statement").replace("_", " ")
    words = f"{words} statement" if node.type.endswith("_statement") else words
    return ("an " if words[0] in "aeiou" else "a ") + words


def _dotted(node: Node | None) -> str | None:
    """`pm.response.headers.get` for a chain of plain names, `new Date().getTime` after a `new Date()`, else None."""
    if node is None:
        return None
    if node.type == "identifier":
        return _text(node)
    if node.type == "new_expression":
        return "new Date()" if _dotted(node.child_by_field_name("constructor")) == "Date" else None
    if node.type == "member_expression":
        owner = _dotted(node.child_by_field_name("object"))
        return f"{owner}.{_property(node)}" if owner else None
    return None


def _property(node: Node) -> str:
    name = node.child_by_field_name("property")
    return _text(name) if name is not None else ""


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return _text(operator) if operator is not None else ""


def _arguments(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    return [arg for arg in args.named_children if arg.type != "comment"] if args is not None else []


def _child(node: Node, index: int) -> Node:
    children = [child for child in node.named_children if child.type != "comment"]
    if len(children) <= index:
        raise Unconvertible(f"an incomplete {node.type.replace('_', ' ')}")
    return children[index]


def _calls_something(node: Node) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in ("call_expression", "new_expression", "assignment_expression"):
            return True
        if current.type not in ("arrow_function", "function_expression", "function"):
            stack.extend(current.named_children)
    return False


def _text(node: Node) -> str:
    return (node.text or b"").decode(errors="replace")


def _snippet(node: Node) -> str:
    text = " ".join(_text(node).split())
    return text if len(text) <= _SNIPPET_CHARS else text[: _SNIPPET_CHARS - 1] + "…"


def _first_error_line(root: Node) -> int:
    stack = [root]
    while stack:
        node = stack.pop(0)
        if node.type == "ERROR" or node.is_missing:
            return node.start_point[0] + 1
        stack[0:0] = list(node.children)
    return 1


def _line_text(source: str, line: int) -> str:
    lines = source.splitlines()
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return text if len(text) <= _SNIPPET_CHARS else text[: _SNIPPET_CHARS - 1] + "…"
