"""`locust-fleet [locust args]`: exactly `locust -f <installed locust_ext/locustfile.py> [locust args]`."""

from __future__ import annotations

import sys
from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def main() -> None:
    sys.argv = ["locust", "-f", str(LOCUSTFILE), *sys.argv[1:]]
    from locust.main import main as locust_main  # imported here: importing locust monkey-patches the process

    locust_main()
