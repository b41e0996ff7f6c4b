import os
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TORCHINDUCTOR_FX_GRAPH_CACHE", "0")


def op_base(op: str | None) -> str:
    """'aten.add.Tensor' / 'add' / 'prims.convert_element_type.default' -> the op's base name."""
    if not op:
        return ""
    parts = op.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] in ("aten", "prims", "inductor") else parts[0]


@pytest.fixture(autouse=True)
def _reset_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()
