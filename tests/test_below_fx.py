"""Below the FX graph: faults in a lowering, a fusion decision and a codegen rule are named.

Each fault (``passes.below``) is installed for a whole ``validate``; every FX step must agree,
the lowering step must diverge, and the below-FX blame must name the fault's component and its
culprit, the kernel and its FX nodes, with the recompiles it took.
"""

from typing import Any

import pytest
import torch

from passes.below import BELOW_FX_FAULTS, Fault
from validator import validate
from validator.capture import capture
from validator.localize.below_fx import compare_buffers

# Recompiles a blame may take: baseline, one probe per component, log2 of the candidates.
MAX_RECOMPILES = 10


@pytest.mark.parametrize("fault", BELOW_FX_FAULTS, ids=lambda f: f.name)
def test_fault_below_fx_is_named(fault: Fault) -> None:
    fn, args = fault.trigger()
    with fault.installed():
        report = validate(fn, *args, name=fault.name)
    assert fault.fired > 0, "the trigger must make the fault take effect"
    assert report.verdict == "diverged"
    guilty = report.guilty
    assert guilty is not None and guilty.step.kind == "lowering", "every FX step must agree"
    below = report.localization.below
    assert below is not None
    assert below.component == fault.info.component, below.to_json()
    assert below.kernel, "the kernel that first writes a wrong buffer is named"
    assert below.buffer is not None and below.buffer.fx_node in [n.name for n in guilty.step.before.graph.nodes]
    assert 1 <= below.recompiles <= MAX_RECOMPILES
    assert below.probes[0].diverged is True, "the baseline recompile reproduces the divergence"
    if fault.info.component == "lowering":
        assert below.fx_nodes == ["remainder"]
        assert "aten.remainder" in below.culprit
    elif fault.info.component == "codegen":
        assert below.culprit.startswith(fault.info.guilty)
    else:
        # the guilty merge joins the in-place copy to the kernel that reads the input it overwrites
        assert "copy_" in below.culprit and "fused onto" in below.culprit
        assert any("refuted" in e for e in below.evidence), "the fused loads/stores are refuted symbolically"
    data = report.to_json()["guilty"]["below_fx"]
    assert data["component"] == fault.info.component and data["recompiles"] == below.recompiles


def test_unreproducible_divergence_is_not_blamed() -> None:
    """When a recompile of the last FX graph does not reproduce the divergence, no component is named."""
    from torch._inductor import lowering

    from passes import get_fault

    fault = get_fault("remainder_as_fmod")
    fn, args = fault.trigger()
    real = lowering.lowerings[torch.ops.aten.remainder.Scalar]
    calls = {"n": 0}
    with fault.installed():
        faulty = lowering.lowerings[torch.ops.aten.remainder.Scalar]

        def first_compile_only(*a: Any, **k: Any) -> Any:
            calls["n"] += 1
            return (faulty if calls["n"] == 1 else real)(*a, **k)

        lowering.lowerings[torch.ops.aten.remainder.Scalar] = first_compile_only
        try:
            report = validate(fn, *args)
        finally:  # the fault's own exit restores the real lowering
            lowering.lowerings[torch.ops.aten.remainder.Scalar] = faulty
    assert lowering.lowerings[torch.ops.aten.remainder.Scalar] is real
    assert report.verdict == "diverged" and report.guilty.step.kind == "lowering"
    below = report.localization.below
    assert below is not None and below.component == "unattributed"
    assert below.recompiles == 1 and below.probes[0].diverged is False
    assert "does not reproduce" in below.note
    assert below.buffer is not None, "the per-buffer comparison still names the first wrong kernel"


def test_buffer_probe_names_the_first_wrong_kernel() -> None:
    """The per-buffer comparison needs no recompile: earlier buffers agree, the faulty one does not."""
    from passes import get_fault

    fault = get_fault("remainder_as_fmod")
    fn, args = fault.trigger()
    with fault.installed(), capture() as trace:
        torch.compile(fn)(*[a.clone() for a in args])
    step = next(s for s in trace.steps if s.kind == "lowering")
    inputs = trace.graphs[step.graph].runtime_inputs
    res = compare_buffers(trace, step, inputs)
    assert res.error is None and res.first is not None
    assert "remainder" in res.first.fx_nodes
    assert res.compared >= 2, "the matmul's buffer was compared and agreed first"
    # without the fault, the same program's buffers all agree
    torch._dynamo.reset()
    with capture() as clean:
        torch.compile(fn)(*[a.clone() for a in args])
    step = next(s for s in clean.steps if s.kind == "lowering")
    res = compare_buffers(clean, step, clean.graphs[step.graph].runtime_inputs)
    assert res.error is None and res.first is None and res.compared >= 2


def test_dynamic_shapes_fault_named() -> None:
    """A dynamic-shape compile is recompiled at its concrete sizes; the blame still holds."""
    from passes import get_fault

    fault = get_fault("fuse_across_mutation")
    fn, args = fault.trigger()
    with fault.installed():
        report = validate(fn, *args, dynamic=True)
    below = report.localization.below
    assert below is not None and below.component == "fusion", report.to_json()["guilty"]


def test_below_fx_can_be_switched_off() -> None:
    from passes import get_fault

    fault = get_fault("vec_minimum_swapped")
    fn, args = fault.trigger()
    with fault.installed():
        report = validate(fn, *args, below_fx=False)
    assert report.guilty is not None and report.guilty.step.kind == "lowering"
    assert report.localization.below is None
    assert "lowering / fusion / codegen" in report.localization.blame.note


def test_fallback_with_other_strides_than_its_fake_kernel() -> None:
    """An eager kernel whose output strides are not its fake kernel's makes inductor's fallback
    raise (a stride assertion): that probe is evidence of nothing, and the kernel is tried again
    on contiguous operands. ``div`` with a rounding mode over a transposed operand is such a
    kernel; a lowering that rounds towards zero instead of down is the fault."""
    from torch._inductor import lowering

    op = torch.ops.aten.div.Tensor_mode
    real = lowering.lowerings[op]

    def trunc_for_floor(a: Any, b: Any, rounding_mode: Any = None) -> Any:
        return real(a, b, rounding_mode="trunc" if rounding_mode == "floor" else rounding_mode)

    def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.div(x, y, rounding_mode="floor")

    x = torch.tensor([[-7.5, 3.0], [2.5, -1.0], [4.0, -9.0]]).t()  # strides (1, 2)
    y = torch.tensor([[2.0], [-3.0]])
    lowering.lowerings[op] = trunc_for_floor
    try:
        report = validate(fn, x, y)
    finally:
        lowering.lowerings[op] = real
    assert report.verdict == "diverged" and report.guilty.step.kind == "lowering"
    below = report.localization.below
    assert below is not None and below.component == "lowering", below.to_json()
    assert "aten.div.Tensor_mode" in below.culprit
    raising = [p for p in below.probes if p.error and "raises" in p.error]
    assert raising and all(p.diverged is None for p in raising), "a raising variant judges nothing"
    assert any("contiguous operands" in p.what and p.diverged is False for p in below.probes)


def test_precision_casts_probe_marks_the_nodes_tracing_would() -> None:
    """``emulate_precision_casts`` acts through a mark tracing leaves on each fp16 / bf16 op, so a
    recompile of the last FX graph marks its nodes first: an fp16 tie that float32 intermediates
    break (1 + 1.5e-5 == 1 in fp16) is then charged on precision casts, not on the add's code."""
    from validator._compat import mark_low_precision_ops

    def fn(x: torch.Tensor) -> torch.Tensor:
        return torch.argmax(torch.rsqrt(x.abs() + 1), 0)

    x = torch.tensor([1.5259e-05, 0.0, 0.5], dtype=torch.float16)
    torch._dynamo.reset()
    if torch.equal(torch.compile(fn)(x), fn(x)):
        pytest.skip(f"torch {torch.__version__} keeps this fp16 tie")
    report = validate(fn, x)
    below = report.localization.below
    assert below is not None and below.component == "codegen", below.to_json()
    assert below.culprit.startswith("precision casts"), below.culprit
    # only ops the trace made itself: not one from inside another op's decomposition
    g = torch.fx.Graph()
    a = g.placeholder("a")
    a.meta["val"] = torch.empty(3, dtype=torch.float16)
    own = g.call_function(torch.ops.aten.abs.default, (a,))
    inner = g.call_function(torch.ops.aten.mul.Tensor, (own, 2.0))
    wide = g.call_function(torch.ops.aten.add.Tensor, (torch.empty(0),))
    for n, v, origin in (
        (own, a.meta["val"], torch.ops.aten.abs.default),
        (inner, a.meta["val"], torch.ops.aten.gelu.default),
        (wide, torch.empty(3), torch.ops.aten.add.Tensor),
    ):
        n.meta["val"], n.meta["original_aten"] = v, origin
    g.output((inner, wide))
    assert mark_low_precision_ops(torch.fx.GraphModule({}, g)) == 1
    assert own.meta.get("low_precision_pointwise_barrier") and "low_precision_pointwise_barrier" not in inner.meta
