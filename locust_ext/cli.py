"""`locust-fleet [locust args]`: exactly `locust -f <installed locust_ext/locustfile.py> [locust args]`.

`locust-fleet eject PLAN [-o FILE]` writes the plan as a plain locustfile instead (locust_ext/plan/eject.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# Locust's code for a bad option; a bad plan exits with it too, before any load.
EXIT_BAD_INPUT = 2


def main() -> None:
    if sys.argv[1:2] == ["eject"]:
        sys.exit(eject_command(sys.argv[2:]))
    sys.argv = ["locust", "-f", str(LOCUSTFILE), *sys.argv[1:]]
    from locust.main import main as locust_main  # imported here: importing locust monkey-patches the process

    locust_main()


def eject_command(arguments: list[str]) -> int:
    """Write the plan as a locustfile that runs with plain Locust; warnings about what it leaves out go to stderr."""
    from locust_ext.plan.eject import eject
    from locust_ext.plan.validation import PlanError, load_plan

    parser = argparse.ArgumentParser(
        prog="locust-fleet eject", description="Write a plan as a plain locustfile that runs without locust-fleet."
    )
    parser.add_argument("plan", help="the plan's JSON file")
    parser.add_argument("-o", "--output", default="-", help="the locustfile to write; '-' (the default) is stdout")
    options = parser.parse_args(arguments)
    try:
        plan = load_plan(options.plan)
    except PlanError as error:
        for issue in error.issues:
            print(f"{options.plan}: {issue}", file=sys.stderr)
        return EXIT_BAD_INPUT
    text, warnings = eject(plan)
    if options.output == "-":
        sys.stdout.write(text)
    else:
        Path(options.output).write_text(text, encoding="utf-8")
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0
