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


def test_cuda_faulty_lowering_named_on_cuda() -> None:
    """Below FX on CUDA: Triton kernels are probed and the faulty lowering is named; the same
    graph compiled for the CPU agrees, so the device differential says which device diverges."""
    from passes import get_fault

    fault = get_fault("remainder_as_fmod")
    fn, args = fault.trigger()
    with fault.installed():
        report = validate(fn, *(a.cuda() for a in args), name="cuda_remainder")
    below = report.localization.below
    assert below is not None and below.component == "lowering", report.to_json()["guilty"]
    assert below.fx_nodes == ["remainder"]
    assert below.buffer is not None and below.buffer.kernel.startswith("triton")
    assert below.devices["cuda"] == "diverged" and below.devices["cpu"] == "diverged"


def test_cuda_differential_of_a_cpu_graph() -> None:
    """A graph captured on the CPU is retargeted and compiled on CUDA too (faulty fusion is CPU-only)."""
    from passes import get_fault

    fault = get_fault("fuse_across_mutation")
    fn, args = fault.trigger()
    with fault.installed():
        report = validate(fn, *args, name="cpu_fusion_on_cuda")
    below = report.localization.below
    assert below is not None and below.component == "fusion"
    assert below.devices["cpu"] == "diverged"
    assert below.devices["cuda"] in ("diverged", "equivalent")


def test_cuda_zoo_buffers_agree() -> None:
    from validator.localize.below_fx import compare_buffers
    from validator.zoo import get_case

    fn, args = get_case("transformer_block").build()
    fn = fn.cuda() if isinstance(fn, torch.nn.Module) else fn
    report = validate(fn, *(a.cuda() for a in args), name="cuda_transformer")
    assert report.verdict == "equivalent", report.to_json()["guilty"]
    step = next(s for s in report.trace.steps if s.kind == "lowering")
    res = compare_buffers(report.trace, step, report.trace.graphs[step.graph].runtime_inputs)
    assert res.error is None and res.first is None and res.compared > 0
