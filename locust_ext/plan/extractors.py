"""Reading values out of a response: JSONPath, XPath, regex, headers, cookies; and the `save` sources.

Every expression is compiled once when the plan is loaded (`compile_*`), and the body is parsed at most
once per response however many saves and assertions read it (`ResponseView`).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any, Protocol, cast

from jsonpath_ng.ext.parser import parse as parse_jsonpath
from lxml import etree, html

from locust_ext.plan.templating import RenderContext, compile_template
from locust_ext.proto import fleet_pb2

_MISSING: Any = object()
_SIMPLE_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(-?\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")
_INT_RANGE = re.compile(r"\s*(-?\d+)\s*-\s*(-?\d+)\s*")
_CHARSET = re.compile(r"charset=([\w.:-]+)", re.I)
_XML_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)


class ResponseHeaders(Protocol):
    """A response's headers as read here: a header's value, or its values when it came more than once
    (geventhttpclient's headers give a list then), or None."""

    def get(self, name: str, /) -> str | list[str] | None: ...


class ResponseView:
    """One response as saves and assertions see it; the body is decoded and parsed lazily, once."""

    __slots__ = ("_json", "_text", "_tree", "content", "cookie", "elapsed_ms", "headers", "status")

    def __init__(
        self,
        status: int,
        headers: ResponseHeaders,
        content: bytes,
        elapsed_ms: float,
        cookie: Callable[[str], str | None],
        text: str | None = None,
    ) -> None:
        """`text`: the body already decoded (a WebSocket text message), so it is not decoded again."""
        self.status = status
        self.headers = headers
        self.content = content
        self.elapsed_ms = elapsed_ms
        self.cookie = cookie
        self._text = text
        self._json: Any = _MISSING
        self._tree: Any = _MISSING

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        if value is None or isinstance(value, str):
            return value
        return ", ".join(value)

    @property
    def text(self) -> str:
        if self._text is None:
            match = _CHARSET.search(self.header("content-type") or "")
            try:
                self._text = self.content.decode(match[1] if match else "utf-8", errors="replace")
            except LookupError:
                self._text = self.content.decode("utf-8", errors="replace")
        return self._text

    def json(self) -> Any:
        """The parsed JSON body; raises ValueError when the body is not JSON."""
        if self._json is _MISSING:
            try:
                self._json = json.loads(self.content)
            except ValueError as error:
                self._json = error
        if isinstance(self._json, ValueError):
            raise self._json
        return self._json

    def tree(self) -> Any:
        """The body as an lxml tree (XML when the content type says so, HTML otherwise), or None."""
        if self._tree is _MISSING:
            content_type = (self.header("content-type") or "").lower()
            try:
                if "xml" in content_type and "html" not in content_type:
                    self._tree = etree.fromstring(self.content, parser=_XML_PARSER)
                else:
                    self._tree = html.document_fromstring(self.content)
            except (etree.ParserError, etree.XMLSyntaxError, ValueError):
                self._tree = None
        return self._tree


def cookie_in_set_cookie(set_cookie_values: list[str], name: str) -> str | None:
    """The value a response's Set-Cookie headers give the cookie `name`, or None."""
    for header in set_cookie_values:
        cookie = SimpleCookie()
        try:
            cookie.load(header)
        except CookieError:
            continue
        if name in cookie:
            return cookie[name].value
    return None


def as_text(value: Any) -> str:
    """A matched value as a variable holds it: strings bare, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


Query = Callable[[ResponseView], "str | None"]
# What an XPath evaluation returns, which lxml types as Any: a boolean, a number, a string, or a node-set
# (elements, text and attribute values, namespace tuples).
_XPathResult = bool | float | str | list[object]
_XPATH_PROBE = etree.fromstring("<html><body><a href='#'>a</a></body></html>")


def compile_jsonpath(expr: str) -> Query:
    """A JSONPath query returning the first match as text, or None. Simple paths skip the general engine."""
    find = compile_jsonpath_match(expr)

    def query(view: ResponseView) -> str | None:
        found, value = find(view)
        return as_text(value) if found else None

    return query


def compile_jsonpath_match(expr: str) -> Callable[[ResponseView], tuple[bool, Any]]:
    """A JSONPath query returning (True, the first match as decoded JSON), or (False, None) when nothing matched."""
    keys = simple_json_path(expr)
    if keys is not None:
        return lambda view: _walk_keys(view, keys)
    try:
        compiled = parse_jsonpath(expr)
    except Exception as error:  # jsonpath-ng raises plain Exception subclasses of several kinds
        raise ValueError(f"not a valid JSONPath ({error})") from None

    def query(view: ResponseView) -> tuple[bool, Any]:
        try:
            document = view.json()
        except ValueError:
            return False, None
        matches = compiled.find(document)
        return (True, matches[0].value) if matches else (False, None)

    return query


def json_type(value: Any) -> str:
    """A decoded JSON value's type as JSON names it (and chai's `a()`): string, number, boolean, object, array, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


JSON_TYPES = ("string", "number", "boolean", "object", "array", "null")


def parse_json_type(name: str) -> str:
    if name not in JSON_TYPES:
        raise ValueError(f"expected a JSON type ({', '.join(JSON_TYPES)}), got {json.dumps(name)}")
    return name


def simple_json_path(expr: str) -> tuple[str | int, ...] | None:
    """The keys and indexes of a JSONPath that only walks (`$.items[0].id`), else None."""
    expr = expr.strip()
    if not expr.startswith("$"):
        return None
    keys: list[str | int] = []
    pos = 1
    while pos < len(expr):
        match = _SIMPLE_SEGMENT.match(expr, pos)
        if not match:
            return None
        name, index, single, double = match.groups()
        keys.append(int(index) if index is not None else next(k for k in (name, single, double) if k is not None))
        pos = match.end()
    return tuple(keys)


def _walk_keys(view: ResponseView, keys: tuple[str | int, ...]) -> tuple[bool, Any]:
    try:
        value: Any = view.json()
        for key in keys:
            if isinstance(key, int) and not isinstance(value, list):
                return False, None
            value = cast(Any, value)[key]  # a JSON object by name, an array by index; else TypeError, caught below
    except (ValueError, KeyError, IndexError, TypeError):
        return False, None
    return True, value


def compile_xpath(expr: str) -> Query:
    """An XPath query on the HTML/XML body: the first node's text, an attribute's value, or a computed value."""
    try:
        compiled = etree.XPath(expr)
        # Syntax is checked when compiled; an unknown function or namespace prefix only when evaluated.
        compiled(_XPATH_PROBE)
    except (etree.XPathSyntaxError, etree.XPathEvalError) as error:
        raise ValueError(f"not a valid XPath ({error})") from None

    def query(view: ResponseView) -> str | None:
        tree = view.tree()
        if tree is None:
            return None
        try:
            result = cast(_XPathResult, compiled(tree))
        except etree.XPathEvalError:
            return None
        if isinstance(result, list):
            if not result:
                return None
            result = result[0]
        if isinstance(result, etree._Element):  # pyright: ignore[reportPrivateUsage]  # lxml's public element class
            return "".join(result.itertext()).strip()
        if isinstance(result, float) and result.is_integer():
            return str(int(result))
        if isinstance(result, bool):
            return "true" if result else "false"
        return str(result)

    return query


def compile_regex(expr: str) -> re.Pattern[str]:
    try:
        return re.compile(expr)
    except re.error as error:
        raise ValueError(f"not a valid regular expression ({error})") from None
    except OverflowError:  # `a{99999999999}`: a repetition count beyond what the engine can hold
        raise ValueError("not a valid regular expression (a repetition count is too large)") from None
    except RecursionError:
        raise ValueError("not a valid regular expression (its groups nest too deeply)") from None


def compile_regex_query(expr: str) -> Query:
    pattern = compile_regex(expr)

    def query(view: ResponseView) -> str | None:
        match = pattern.search(view.text)
        if match is None:
            return None
        return (match.group(1) or "") if pattern.groups else match.group(0)

    return query


def parse_int_range(expr: str) -> tuple[int, int]:
    match = _INT_RANGE.fullmatch(expr)
    if not match:
        raise ValueError(f"expected 'a-b' with integers a <= b, got '{expr}'")
    low, high = int(match[1]), int(match[2])
    if low > high:
        raise ValueError(f"expected 'a-b' with a <= b, got {low} > {high}")
    return low, high


def parse_choice_list(expr: str) -> list[str]:
    if len(expr) < 2:
        raise ValueError("expected a separator then the choices, such as '|red|green|blue'")
    choices = expr[1:].split(expr[0])
    if any(choice == "" for choice in choices):
        raise ValueError(f"empty choice in '{expr}'; the first character '{expr[0]}' separates the choices")
    return choices


SaveSource = fleet_pb2.Save.Source
Extract = Callable[[ResponseView, RenderContext], "str | None"]


def compile_save(save: fleet_pb2.Save) -> Extract:
    """The extraction a `save` entry describes, as a function of the response and the user's context."""
    source, expr = save.source, save.expr
    if source == SaveSource.JSONPATH:
        return _ignore_context(compile_jsonpath(expr))
    if source == SaveSource.XPATH:
        return _ignore_context(compile_xpath(expr))
    if source == SaveSource.REGEX:
        return _ignore_context(compile_regex_query(expr))
    if source == SaveSource.HEADER:
        return lambda view, _context: view.header(expr)
    if source == SaveSource.COOKIE:
        return lambda view, _context: view.cookie(expr)
    if source == SaveSource.STATUS:
        return lambda view, _context: str(view.status)
    if source == SaveSource.CONST:
        template = compile_template(expr)
        return lambda _view, context: template.render(context)
    if source == SaveSource.RANDOM_INT:
        low, high = parse_int_range(expr)
        return lambda _view, _context: str(random.randint(low, high))
    if source == SaveSource.RANDOM_CHOICE:
        choices = parse_choice_list(expr)
        return lambda _view, _context: random.choice(choices)
    raise ValueError(f"unsupported save source {SaveSource.Name(source)}")


def _ignore_context(query: Query) -> Extract:
    return lambda view, _context: query(view)
