"""Generate locust_ext/proto/ from protos/fleet.proto with grpcio-tools.

The output is committed; tests/test_proto.py fails when running this again would change it.
Usage: python scripts/generate_proto.py [OUTPUT_DIR]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "protos"
DEFAULT_OUT = ROOT / "locust_ext" / "proto"


def generate(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    include = Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTO_DIR}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        str(PROTO_DIR / "fleet.proto"),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed; see the messages above")
    grpc_module = out_dir / "fleet_pb2_grpc.py"
    # protoc writes a top-level import; the generated modules live inside a package.
    source = grpc_module.read_text()
    grpc_module.write_text(re.sub(r"^import fleet_pb2 ", "from . import fleet_pb2 ", source, flags=re.M))
    return sorted(out_dir.glob("fleet_pb2*"))


if __name__ == "__main__":
    for path in generate(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT):
        print(path)
