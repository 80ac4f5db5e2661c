"""A curl command line, read the way bash and curl read it."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from locust_ext.plan.assertions import shorten
from locust_ext.plan.importers.readers import (
    ImportFailed,
    Warnings,
    basic_auth,
    decode_json,
    form_fields,
    get_header,
    json_problem,
    literal,
    literal_map,
    map_json_strings,
    parse_json,
    query_params,
    read_method,
    set_header,
    split_url,
    without_empty,
)

_CURL_ALIASES = {
    "-X": "--request",
    "-H": "--header",
    "-d": "--data",
    "-u": "--user",
    "-b": "--cookie",
    "-A": "--user-agent",
    "-e": "--referer",
    "-F": "--form",
    "-L": "--location",
    "-k": "--insecure",
    "-s": "--silent",
    "-S": "--show-error",
    "-i": "--include",
    "-v": "--verbose",
    "-G": "--get",
    "-I": "--head",
}
_CURL_VALUE_OPTIONS = {
    "--request",
    "--header",
    "--data",
    "--data-raw",
    "--data-binary",
    "--data-ascii",
    "--data-urlencode",
    "--json",
    "--user",
    "--cookie",
    "--user-agent",
    "--referer",
    "--form",
    "--url",
}
_CURL_FLAGS = {
    "--location",
    "--insecure",
    "--compressed",
    "--silent",
    "--show-error",
    "--include",
    "--verbose",
    "--get",
    "--head",
}
_CURL_DATA = {"--data", "--data-raw", "--data-binary", "--data-ascii"}
_ANSI_C_STRING = re.compile(r"((?:[^'\\]|\\.)*)'", re.S)
_ANSI_C_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|.)", re.S)
_ANSI_C_CHARS = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "v": "\v"}


@dataclass
class _CurlOption:
    name: str  # the long name
    typed: str  # as the user wrote it, for messages
    value: str | None


@dataclass
class _CurlRequest:
    """What the options said, gathered before the step is built (`-G` moves the data, `-X` wins over it)."""

    method: str | None = None
    follow: bool = False
    get: bool = False
    headers: dict[str, str] = field(default_factory=dict[str, str])
    data: list[str] = field(default_factory=list[str])
    form: dict[str, str] = field(default_factory=dict[str, str])
    json_parts: list[str] = field(default_factory=list[str])


def from_curl(text: str, warnings: Warnings) -> dict[str, Any]:
    words = _bash_words(text)
    if not words or words[0] != "curl":
        raise ImportFailed("curl", "expected a command line starting with 'curl'")
    options, urls = _curl_options(words[1:])
    if len(urls) != 1:
        raise ImportFailed("curl", f"expected one URL, got {len(urls)}: {' '.join(urls) or 'none'}")
    url = split_url(urls[0] if "://" in urls[0] else "http://" + urls[0], "curl: URL")
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ImportFailed("curl: URL", f"expected an http:// or https:// URL, got {urls[0]!r}")
    request = _CurlRequest()
    for option in options:
        _apply_curl_option(option, request, warnings)
    pairs = parse_qsl(url.query, keep_blank_values=True)
    if request.get:
        pairs += parse_qsl("&".join(request.data), keep_blank_values=True)
        request.data = []
    body = _curl_body(request, warnings)
    method = read_method(request.method or ("POST" if body else "GET"), "curl: -X")
    where, params = query_params(url.path or "/", pairs)
    step: dict[str, Any] = {
        "name": f"{method} {url.path or '/'}",
        "method": method,
        "url": literal(where),
        "params": literal_map(params),
    }
    step.update(headers=request.headers, followRedirects=request.follow, **body)
    host = url.hostname or "curl-import"
    return {
        "name": host,
        "host": f"{url.scheme}://{url.netloc}",
        "tasks": [{"name": host, "steps": [without_empty(step)]}],
    }


def _bash_words(command: str) -> list[str]:
    """The words of a bash command line. shlex splits them once `\\`-newline continuations are joined and
    `$'...'` strings decoded: Chrome's "Copy as cURL (bash)" writes both, and shlex knows neither."""
    out: list[str] = []
    quote_char, index = "", 0
    while index < len(command):
        char = command[index]
        if quote_char == "'":
            quote_char = "" if char == "'" else quote_char
        elif char == "\\" and command[index + 1 : index + 3].lstrip("\r").startswith("\n"):
            index += 3 if command[index + 1] == "\r" else 2
            continue
        elif char == "\\":
            out.append(command[index : index + 2])
            index += 2
            continue
        elif char == "$" and not quote_char and command[index + 1 : index + 2] == "'":
            match = _ANSI_C_STRING.match(command, index + 2)
            if not match:
                raise ImportFailed("curl", "expected a closing ' for a $'...' string")
            out.append(shlex.quote(_ANSI_C_ESCAPE.sub(_ansi_c_char, match[1])))
            index = match.end()
            continue
        elif char in "'\"":
            quote_char = "" if quote_char == char else quote_char or char
        out.append(char)
        index += 1
    try:
        return shlex.split("".join(out))
    except ValueError as error:
        raise ImportFailed("curl", f"cannot split the command line: {error}") from None


def _ansi_c_char(match: re.Match[str]) -> str:
    code = match[1]
    if code[0] in "xuU" and len(code) > 1:  # without hex digits after it, bash keeps `\x` as written
        number = int(code[1:], 16)
        if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:  # beyond Unicode, or half of a UTF-16 pair
            raise ImportFailed("curl", f"$'...\\{code}...' is not a Unicode character")
        return chr(number)
    if code[0].isdigit():
        return chr(int(code, 8))
    return _ANSI_C_CHARS.get(code, code if code in "\\'\"?" else "\\" + code)


def _curl_options(words: list[str]) -> tuple[list[_CurlOption], list[str]]:
    options: list[_CurlOption] = []
    urls: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--url":
            value, index = _curl_value(word, word, words, index, "")
            urls.append(value or "")
        elif word.startswith("--"):
            value, index = _curl_value(word, _curl_name(word), words, index, "")
            options.append(_CurlOption(_curl_name(word), word, value))
        elif word.startswith("-") and len(word) > 1:
            index = _curl_short_options(word, words, index, options)
        else:
            urls.append(word)
    return options, urls


def _curl_short_options(word: str, words: list[str], index: int, options: list[_CurlOption]) -> int:
    """`-sSL` is three flags; in `-XPOST` or `-sX POST` the option that takes a value ends the cluster."""
    for position in range(1, len(word)):
        typed = "-" + word[position]
        name = _curl_name(typed)
        value, index = _curl_value(typed, name, words, index, word[position + 1 :])
        options.append(_CurlOption(name, typed, value))
        if value is not None:
            break
    return index


def _curl_name(typed: str) -> str:
    name = _CURL_ALIASES.get(typed, typed)
    if name not in _CURL_VALUE_OPTIONS and name not in _CURL_FLAGS:
        known = ", ".join(sorted(_CURL_VALUE_OPTIONS | _CURL_FLAGS | set(_CURL_ALIASES)))
        raise ImportFailed(f"curl: {typed}", f"unknown option {typed}; the importer knows {known}")
    return name


def _curl_value(typed: str, name: str, words: list[str], index: int, attached: str) -> tuple[str | None, int]:
    if name not in _CURL_VALUE_OPTIONS:
        return None, index
    if attached:
        return attached, index
    if index >= len(words):
        raise ImportFailed(f"curl: {typed}", f"{typed} needs a value")
    return words[index], index + 1


def _apply_curl_option(option: _CurlOption, request: _CurlRequest, warnings: Warnings) -> None:
    name, value = option.name, option.value or ""
    if name == "--request":
        request.method = value.upper()
    elif name == "--header":
        _curl_header(option, request.headers)
    elif name in _CURL_DATA:
        request.data.append(_curl_data(option))
    elif name == "--data-urlencode":
        request.data.append(_data_urlencode(option))
    elif name == "--json":
        request.json_parts.append(_curl_data(option))
    elif name == "--form":
        _curl_form_field(value, request.form, warnings)
    else:
        _apply_curl_setting(option, request, warnings)


def _apply_curl_setting(option: _CurlOption, request: _CurlRequest, warnings: Warnings) -> None:
    name, value = option.name, option.value or ""
    if name == "--user":
        user, _, password = value.partition(":")
        set_header(request.headers, "Authorization", basic_auth(user, password))
    elif name == "--cookie" and "=" in value:
        set_header(request.headers, "Cookie", literal(value))
        warnings.add("cookies sent as a Cookie header on every request; each virtual user's session also keeps its own")
    elif name == "--cookie":
        warnings.add(f"cookie file {value!r} not read")
    elif name == "--user-agent":
        set_header(request.headers, "User-Agent", literal(value))
    elif name == "--referer":
        set_header(request.headers, "Referer", literal(value.removesuffix(";auto")))
    elif name == "--location":
        request.follow = True
    elif name == "--get":
        request.get = True
    elif name == "--head":
        request.method = "HEAD"


def _curl_data(option: _CurlOption) -> str:
    """The data of `-d`, `--data-binary`, `--json` ...; `@file` reads a file there, which an import cannot."""
    value = option.value or ""
    if value.startswith("@") and option.name != "--data-raw":
        raise ImportFailed(
            f"curl: {option.typed}", f"data from a file ({value}) cannot be imported; paste the data itself"
        )
    return value


def _data_urlencode(option: _CurlOption) -> str:
    """curl's `--data-urlencode` forms: `content`, `=content`, `name=content`; `@file` and `name@file` read a file."""
    value = option.value or ""
    name, equals, content = value.partition("=")
    if not equals and "@" in value:
        raise ImportFailed(
            f"curl: {option.typed}", f"data from a file ({value}) cannot be imported; paste the data itself"
        )
    if not equals:
        return quote(value, safe="")
    return f"{name}={quote(content, safe='')}" if name else quote(content, safe="")


def _curl_header(option: _CurlOption, headers: dict[str, str]) -> None:
    text = option.value or ""
    if ":" not in text and text.endswith(";"):  # curl's way to send a header with an empty value
        headers[text[:-1].strip()] = ""
        return
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise ImportFailed(f"curl: {option.typed}", f"expected 'Name: value', got {text!r}")
    if value.strip():  # `Name:` alone only stops curl sending a header of its own
        headers[name.strip()] = literal(value.strip())


def _curl_form_field(value: str, form: dict[str, str], warnings: Warnings) -> None:
    name, _, content = value.partition("=")
    if content.startswith(("@", "<")):
        warnings.add(f"form field '{name}' is a file; skipped")
    else:
        form[name] = literal(content)


def _curl_body(request: _CurlRequest, warnings: Warnings) -> dict[str, Any]:
    if request.json_parts:
        return _curl_json(request)
    if request.form:
        return {"form": request.form}
    if not request.data:
        return {}
    text = "&".join(request.data)
    declared = get_header(request.headers, "Content-Type")
    content_type = (declared or "application/x-www-form-urlencoded").lower()  # what curl sends for -d
    parsed, document = parse_json(text) if "json" in content_type else (False, None)
    if parsed:
        return {"json": map_json_strings(document, literal)}
    form = form_fields(text) if "application/x-www-form-urlencoded" in content_type else None
    if form is not None:
        return {"form": form}
    if declared is None:
        request.headers["Content-Type"] = content_type
        if parse_json(text)[0]:
            warnings.add("the data looks like JSON but no Content-Type says so; sent as curl does, form-urlencoded")
    return {"body": literal(text)}


def _curl_json(request: _CurlRequest) -> dict[str, Any]:
    text = "".join(request.json_parts)
    try:
        document = decode_json(text)
    except ValueError as error:
        raise ImportFailed("curl: --json", f"expected JSON ({json_problem(error)}), got {shorten(text)!r}") from None
    for name in ("Content-Type", "Accept"):  # as curl's --json does
        if get_header(request.headers, name) is None:
            request.headers[name] = "application/json"
    return {"json": map_json_strings(document, literal)}
