"""JMeter is the oracle of the .jmx import: the same test plan run by JMeter (`jmeter -n`, one thread, one loop) and,
imported, by try once must agree sample for sample (label, URL path, success) and assertion for assertion (name,
passed or failed). The example plan, imported, also runs clean under load in Locust.

JMeter 2.13 (Debian's) has no JSON extractor, Boundary extractor or JSON assertion, so the .jmx files here use the
Regex and XPath extractors and the Response, Duration and Size assertions; the unit tests cover the others.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from locust_ext.master.tryout import try_plan
from locust_ext.plan.importers import ImportResult, import_plan
from locust_ext.plan.validation import load_plan
from tests.helpers import ROOT, run_fleet

pytestmark = pytest.mark.e2e

EXAMPLE = ROOT / "examples" / "jmeter" / "shop.jmx"
PARITY = ROOT / "tests" / "data" / "jmeter" / "parity.jmx"
# Debian's JMeter 2.13 with XStream's allow-list opened: as installed, it loads no test plan (tools/jmeter says why).
JMETER = ROOT / "tools" / "jmeter" / "jmeter"
JMETER_WITHIN_S = 180
# A cart's id is new in every run: paths are compared with ids masked.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# What JMeter writes: XML results with every assertion's outcome and each sample's URL.
JMETER_RESULTS = (
    "-Jjmeter.save.saveservice.output_format=xml",
    "-Jjmeter.save.saveservice.assertion_results=all",
    "-Jjmeter.save.saveservice.url=true",
    "-Jjmeter.save.saveservice.label=true",
    "-Jjmeter.save.saveservice.successful=true",
)


@dataclass(frozen=True)
class Sample:
    """One request as a report shows it: its label, path, outcome, and each named assertion's outcome."""

    label: str
    path: str
    success: bool
    assertions: tuple[tuple[str, bool], ...]


def for_demo_app(jmx: Path, port: int, one_iteration: bool = True) -> str:
    """The .jmx aimed at the demo app (its `port` User Defined Variable); for JMeter, one thread and one loop."""
    root = ET.parse(jmx).getroot()
    ports = [item for item in root.iter("elementProp") if item.get("name") == "port"]
    assert len(ports) == 1, f"{jmx} should define the variable port once"
    value = next(child for child in ports[0] if child.get("name") == "Argument.value")
    value.text = str(port)
    for group in root.iter("ThreadGroup") if one_iteration else ():
        for prop in group.iter():
            if prop.get("name") == "ThreadGroup.num_threads" or prop.get("name") == "LoopController.loops":
                prop.text = "1"
    return ET.tostring(root, encoding="unicode")


def run_jmeter(text: str, csv_file: Path, work: Path) -> list[Sample]:
    """JMeter's samples; a JMeter that ran nothing fails the test with the reason from its log (never a skip)."""
    work.mkdir()
    jmx, results, log = work / "plan.jmx", work / "results.jtl", work / "jmeter.log"
    jmx.write_text(text)
    shutil.copy(csv_file, work / csv_file.name)  # a relative CSV path is read next to the .jmx
    command = [str(JMETER), "-n", "-t", str(jmx), "-l", str(results), "-j", str(log), *JMETER_RESULTS]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=JMETER_WITHIN_S, cwd=work)
    # JMeter exits 0 even when it cannot load the plan, so what it wrote says whether it ran.
    assert results.exists() and "<httpSample" in results.read_text(), jmeter_failure(ran, log)
    return jmeter_samples(ET.parse(results).getroot())


def jmeter_failure(ran: subprocess.CompletedProcess[str], log: Path) -> str:
    logged = log.read_text() if log.exists() else ""
    errors = [line for line in logged.splitlines() if "ERROR" in line or "Exception" in line][:5]
    why = f"JMeter ran no sample (exit {ran.returncode}).\nstdout: {ran.stdout[-1500:]}\nlog errors: {errors}"
    return why


def jmeter_samples(results: ET.Element) -> list[Sample]:
    """The HTTP samples, in order; a Transaction Controller's own sample has no plan counterpart and is left out."""
    samples: list[Sample] = []
    for sample in results.findall("httpSample"):
        assertions = tuple(
            (result.findtext("name", ""), result.findtext("failure") != "true" and result.findtext("error") != "true")
            for result in sample.findall("assertionResult")
        )
        path = comparable_path(sample.findtext("java.net.URL", ""))
        samples.append(Sample(sample.get("lb", ""), path, sample.get("s") == "true", assertions))
    return samples


def comparable_path(url: str) -> str:
    return UUID.sub("<id>", urlsplit(url).path)


def import_next_to_csv(text: str, jmeter_csv: Path, work: Path) -> tuple[ImportResult, Path]:
    """The import saved as a plan file, with the CSV its warning asks for next to it: JMeter's rows under a header."""
    result = import_plan(text, "jmeter")
    (data_set,) = result.plan["dataSets"]
    header = next(
        message.split("header row '")[1].split("'")[0] for message in result.messages if "header row" in message
    )
    work.mkdir()
    (work / data_set["file"]).write_text(f"{header}\n{jmeter_csv.read_text()}")
    plan_file = work / "plan.json"
    plan_file.write_text(json.dumps(result.plan))
    return result, plan_file


def tried_samples(plan_file: Path) -> list[Sample]:
    outcome = try_plan(load_plan(plan_file), reveal=True)
    samples: list[Sample] = []
    for step in outcome["steps"]:
        checks = [check for check in step.get("checks", []) if check["kind"] == "assert"]
        names = dict.fromkeys(check["label"].partition(": assert ")[0] for check in checks)
        assertions = tuple(
            (name, all(check["ok"] for check in checks if check["label"].startswith(f"{name}: "))) for name in names
        )
        path = comparable_path(step.get("request", {}).get("url", ""))
        samples.append(Sample(step["name"], path, step["ok"], assertions))
    return samples


def test_the_parity_plan_passes_and_fails_in_jmeter_as_in_try_once(demo_app: str, tmp_path: Path) -> None:
    text = for_demo_app(PARITY, urlsplit(demo_app).port or 0)
    csv_file = PARITY.parent / "users.csv"
    jmeter = run_jmeter(text, csv_file, tmp_path / "jmeter")
    _, plan_file = import_next_to_csv(text, csv_file, tmp_path / "plan")
    tried = tried_samples(plan_file)
    assert tried == jmeter
    failed = {(sample.label, name) for sample in jmeter for name, passed in sample.assertions if not passed}
    assert failed == {("teapot", "expects teapot"), ("wrong item", "wrong name")}
    assert [sample.label for sample in jmeter if not sample.success] == ["missing", "teapot", "wrong item"]


def test_the_example_runs_clean_in_jmeter_in_try_once_and_under_load(demo_app: str, tmp_path: Path) -> None:
    text = for_demo_app(EXAMPLE, urlsplit(demo_app).port or 0)
    csv_file = EXAMPLE.parent / "users.csv"
    jmeter = run_jmeter(text, csv_file, tmp_path / "jmeter")
    # Imported as a user would: its thread group's users and ramp-up become the load.
    loaded = for_demo_app(EXAMPLE, urlsplit(demo_app).port or 0, one_iteration=False)
    result, plan_file = import_next_to_csv(loaded, csv_file, tmp_path / "plan")
    tried = tried_samples(plan_file)
    assert tried == jmeter
    assert all(sample.success for sample in tried), tried
    assert result.plan["host"] == demo_app  # loopback only: every step's URL is relative to it
    assert all("://" not in step["url"] for task in result.plan["tasks"] for step in task["steps"])

    run = run_fleet(tmp_path / "plan", plan_file, seconds=6)
    steps = [step["name"] for step in result.plan["tasks"][0]["steps"]]
    assert run.returncode == 0, run.explain()
    assert all(run.requests(name) > 0 for name in steps), run.explain()
    assert sum(run.failed(name) for name in run.stats) == 0 and not run.failures, run.explain()
