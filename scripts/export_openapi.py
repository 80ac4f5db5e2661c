"""Write the fleet API's OpenAPI description (derived from protos/fleet.proto) to a file, for the page's build.

`scripts/install.sh` runs it before `npm run build`, which generates the page's TypeScript types from it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from locust_ext.master.web.openapi import document


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: export_openapi.py OUTPUT.json")
    output = Path(sys.argv[1])
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".partial")
    partial.write_text(json.dumps(document(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(output)


if __name__ == "__main__":
    main()
