"""The generated code in locust_ext/proto/ is what protos/fleet.proto generates today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.helpers import ROOT


def test_generated_code_matches_the_proto(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate_proto", ROOT / "scripts" / "generate_proto.py")
    if spec is None or spec.loader is None:
        raise ImportError("cannot load scripts/generate_proto.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generated = module.generate(tmp_path)
    committed = ROOT / "locust_ext" / "proto"
    assert [path.name for path in generated] == ["fleet_pb2.py", "fleet_pb2.pyi", "fleet_pb2_grpc.py"]
    for path in generated:
        assert path.read_text() == (committed / path.name).read_text(), (
            f"{path.name} is stale: run `python scripts/generate_proto.py` and commit the result"
        )
