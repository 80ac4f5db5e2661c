"""Fuzzing the Postman script converter: arbitrary and mutated JavaScript must import into a valid plan or be refused
with its place named, and every statement not converted must be warned about with a line the script has.

Inputs are token soups of what scripts are made of, and the scripts of tests/data/postman mutated. What was tried
and how it came out is reported for docs/RELIABILITY.md, as tests/test_fuzz.py does for the other targets.
"""

from __future__ import annotations

import json
import re
from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from locust_ext.plan.importers.postman_scripts import convert_script
from locust_ext.plan.importers.readers import Placeholders, Warnings
from tests.helpers import ROOT
from tests.test_fuzz import Tally, fuzz_settings, import_outcome

TOKENS = [
    "pm.test(",
    "pm.expect(",
    "pm.response",
    ".json()",
    ".text()",
    ".code",
    ".responseTime",
    ".headers.get(",
    ".to",
    ".be",
    ".have",
    ".not",
    ".eql(",
    ".include(",
    ".below(",
    ".a(",
    ".status(",
    ".header(",
    ".exist",
    ".oneOf(",
    ".match(",
    "pm.environment.set(",
    "pm.variables.set(",
    "pm.collectionVariables.get(",
    "pm.cookies.get(",
    "postman.setEnvironmentVariable(",
    "tests[",
    "responseBody",
    "responseCode.code",
    "JSON.parse(",
    "Date.now()",
    "require('uuid').v4()",
    "_.random(1, 5)",
    "function () {",
    "() =>",
    "=>",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ";",
    ",",
    "\n",
    " ",
    "=",
    "===",
    "!==",
    "<",
    "&&",
    "!",
    "+",
    "var j = ",
    "const m = ",
    "j.",
    "m[1]",
    "'name'",
    '"x"',
    "`a${b}`",
    "418",
    "-1",
    "0.5",
    "/re(g)/i",
    "/[/",
    "null",
    "true",
    "undefined",
    "if (",
    "for (const a of b)",
    "throw new Error('x')",
    "\\u{1F600}",
    "'${x}'",
    "{{v}}",
]


def _collection_scripts() -> list[str]:
    """Every script of the parity collections, folders' and requests' alike."""
    scripts: list[str] = []
    containers = [json.loads(path.read_text(encoding="utf-8")) for path in (ROOT / "tests/data/postman").glob("*.json")]
    while containers:
        container = containers.pop()
        scripts += ["\n".join(event["script"]["exec"]) for event in container.get("event", [])]
        containers += container.get("item", [])
    return sorted(scripts)


SCRIPTS = _collection_scripts()
SOURCES = st.lists(st.sampled_from(TOKENS) | st.text(max_size=6), max_size=40).map("".join)


@st.composite
def mutated_script(draw: st.DrawFn) -> str:
    script = draw(st.sampled_from(SCRIPTS))
    start = draw(st.integers(0, len(script)))
    end = draw(st.integers(start, min(len(script), start + 30)))
    return script[:start] + draw(st.sampled_from(TOKENS) | st.text(max_size=8)) + script[end:]


def converted(source: str, listen: str) -> str:
    placeholders = Placeholders(re.compile(r"\{\{([^{}]+)\}\}"), Warnings())
    result = convert_script(source, listen, placeholders.name, placeholders.text)
    lines = max(1, source.count("\n") + 1)
    assert all(1 <= line <= lines and why for line, _, why in result.problems), result.problems
    return "with problems" if result.problems else "converted"


def imported(source: str, listen: str) -> str:
    item = {
        "name": "i",
        "request": {"url": "http://127.0.0.1:9/"},
        "event": [{"listen": listen, "script": {"exec": source}}],
    }
    collection = {
        "info": {"schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [item],
    }
    return import_outcome(json.dumps(collection), "postman")


@pytest.mark.parametrize("listen", ["test", "prerequest"])
def test_postman_scripts_on_garbage_and_mutated_scripts(listen: str) -> None:
    tally = Tally()

    @fuzz_settings(300)
    @given(SOURCES | mutated_script())
    def convert(source: str) -> None:
        tally.run(partial(converted, source, listen))
        tally.run(partial(imported, source, listen))

    convert()
    tally.report(
        f"import postman: {listen} scripts",
        f"convert_script and import_plan fed token soups and mutated {listen} scripts",
    )
