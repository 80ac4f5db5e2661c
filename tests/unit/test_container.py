"""The image definition, checked without building it (no container engine runs here): hadolint, and the rules
hadolint has none for."""

from __future__ import annotations

import configparser
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"
PINNED_IMAGE = re.compile(r"^[\w.\-/:]+:(?P<tag>[\w.\-]+)@sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(text: str) -> list[Instruction]:
    """The Containerfile's instructions, each on one line: continuations joined, comments left out."""
    joined: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not (pending or line.strip()):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    result = []
    for line in joined:
        keyword, _, arguments = line.strip().partition(" ")
        result.append(Instruction(keyword.upper(), arguments.strip()))
    return result


def stages(text: str) -> list[list[Instruction]]:
    """The build's stages, each starting with its FROM."""
    found: list[list[Instruction]] = []
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            found.append([])
        found[-1].append(instruction)
    return found


def console_scripts() -> set[str]:
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    entries = setup["options.entry_points"]["console_scripts"].strip().splitlines()
    return {entry.split("=")[0].strip() for entry in entries}


def test_hadolint_finds_nothing() -> None:
    if not HADOLINT.exists():
        pytest.fail(f"{HADOLINT} is missing: install the test extras (scripts/install.sh does)", pytrace=False)
    result = subprocess.run([str(HADOLINT), str(CONTAINERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_base_image_is_pinned_by_tag_and_digest() -> None:
    names: set[str] = set()
    for stage in stages(CONTAINERFILE.read_text()):
        image, _, name = stage[0].arguments.partition(" AS ")
        if image not in names:
            pinned = PINNED_IMAGE.match(image)
            assert pinned, f"FROM {image}: expected a tag and a digest (name:tag@sha256:...)"
            assert pinned["tag"] != "latest", f"FROM {image}: 'latest' is not a version"
        names.add(name.strip())


def test_the_image_runs_as_a_numeric_non_root_user_and_checks_its_health() -> None:
    final = stages(CONTAINERFILE.read_text())[-1]
    users = [instruction.arguments for instruction in final if instruction.keyword == "USER"]
    assert users, "the final stage never leaves root: add a USER"
    user = users[-1].split(":")[0]
    # Numeric: Kubernetes' runAsNonRoot can only check a numeric user without reading the image's /etc/passwd.
    assert user.isdigit() and int(user) != 0, f"USER {users[-1]}: expected a numeric user other than 0"
    healthchecks = [instruction.arguments for instruction in final if instruction.keyword == "HEALTHCHECK"]
    assert healthchecks and healthchecks[-1] != "NONE", "the final stage has no HEALTHCHECK"


def test_apt_lists_are_removed_in_the_layer_that_fetched_them() -> None:
    for stage in stages(CONTAINERFILE.read_text()):
        for instruction in stage:
            if instruction.keyword == "RUN" and "apt-get update" in instruction.arguments:
                assert "rm -rf /var/lib/apt/lists/*" in instruction.arguments, instruction.arguments


def test_the_default_command_and_both_roles_are_console_scripts() -> None:
    final = stages(CONTAINERFILE.read_text())[-1]
    command = next(instruction.arguments for instruction in final if instruction.keyword == "CMD")
    scripts = console_scripts()
    assert {"locust-fleet", "locust-fleet-agent"} <= scripts, scripts
    assert json.loads(command)[0] in scripts, f"CMD {command}: not one of the console scripts {sorted(scripts)}"
