"""CUDA: the same capture and checks on CUDA inputs (skipped without a GPU)."""

import pytest
import torch

from validator import validate

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def test_cuda_model_equivalent() -> None:
    m = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.GELU(), torch.nn.LayerNorm(32)).cuda().eval()
    report = validate(m, torch.randn(4, 16, device="cuda"), name="cuda_mlp")
    data = report.to_json()
    assert report.verdict == "equivalent", data["guilty"]
    assert any(s["kind"] == "lowering" and s["trials"] for s in data["steps"])


def test_cuda_faulty_pass_localized() -> None:
    from passes import get_pass

    p = get_pass("split_cat_order")
    fn, args = p.trigger()
    with p.installed():
        report = validate(fn, *(a.cuda() for a in args), name="cuda_split_cat")
    assert report.verdict == "diverged"
    assert report.guilty.step.name == p.info.hook
