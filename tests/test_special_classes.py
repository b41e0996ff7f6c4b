"""Divergence classes judged in the program's own dtype: overflow, underflow and signed zeros.

Each class has a unit test of the comparison, and an end-to-end check on a real torch bug from
the public tracker (validator/zoo/tracker) or on an injected rewrite.
"""

import pytest
import torch
import torch.fx

from validator import validate
from validator.numeric import compare_values, tolerance_for
from validator.numeric._signed_zero import defines_sign, zero_sign_defined
from validator.zoo import get_case

F32 = tolerance_for(torch.float32, 1)


def _kinds(before: torch.Tensor, after: torch.Tensor, ref: torch.Tensor | None = None) -> list[str]:
    return [m.kind for m in compare_values("o", before, after, ref, F32)]


def test_overflow_in_the_programs_dtype_even_if_float64_is_fine() -> None:
    big = torch.tensor([3e38, 1.0])
    # (x * y) / z overflows in float32 where x * (y / z) does not; float64 sees no overflow
    assert _kinds(big, torch.tensor([float("inf"), 1.0]), big.double()) == ["overflow"]
    # an infinity the before-graph has too, with the other sign, stays an `inf` mismatch
    assert _kinds(torch.tensor([float("inf")]), torch.tensor([float("-inf")])) == ["inf"]


def test_underflow_near_the_subnormal_range_only() -> None:
    tiny = torch.tensor([1e-40, 1.0])  # a float32 subnormal
    assert _kinds(tiny, torch.tensor([0.0, 1.0]), tiny.double()) == ["underflow"]
    # far from the subnormal range a zero for a small value is rounding, judged by the tolerance
    small = torch.tensor([1e-12, 1.0])
    assert _kinds(small, torch.tensor([0.0, 1.0]), small.double()) == []


def test_signed_zero_only_where_the_reference_agrees_with_before() -> None:
    z = torch.tensor([-0.0, 1.0])
    assert _kinds(z, torch.tensor([0.0, 1.0]), z.double()) == ["signed-zero"]
    # float64 gives +0.0 (a product that underflows only in float32): the sign means nothing
    assert _kinds(z, torch.tensor([0.0, 1.0]), torch.tensor([0.0, 1.0], dtype=torch.float64)) == []


def _graph(fn) -> torch.fx.GraphModule:  # type: ignore[no-untyped-def]
    return torch.fx.symbolic_trace(fn)


def test_which_ops_define_the_sign_of_a_zero() -> None:
    gm = _graph(lambda x, y: (torch.minimum(x, y), x.sum(0), torch.cat([x * 2.0, x]), torch.cat([x * 2, -y])))
    assert zero_sign_defined(gm, "output 0")  # minimum(-0, +0) is -0 by IEEE
    assert not zero_sign_defined(gm, "output 1")  # a sum's zero sign follows the order of accumulation
    assert not zero_sign_defined(gm, "output 2")  # a cat of a product and a plain input: not all defined
    assert zero_sign_defined(gm, "output 3")  # every piece defined
    out = next(n for n in gm.graph.nodes if n.op == "output")
    assert defines_sign(out.args[0][0]) and not defines_sign(out.args[0][1])


def test_real_minimum_signed_zero_bug_is_its_own_class() -> None:
    # pytorch/pytorch#194347: the CPU kernel of minimum loses the sign of -0.0
    case = get_case("real_194347_minimum_signed_zero")
    fn, args = case.build()
    report = validate(fn, *args, random_trials=0)
    if report.fidelity is not None and not report.fidelity.plain.diverged and not report.fidelity.plain.warnings:
        pytest.skip(f"torch {torch.__version__} keeps the sign (fixed)")
    assert report.verdict == "diverged" and report.guilty is not None
    assert report.guilty.step.kind == "lowering"
    kinds = {m.kind for t in report.guilty.check.trials for m in t.mismatches}
    assert kinds == {"signed-zero"}
    below = report.localization.below
    assert below is not None and "minimum" in (below.culprit or "")
    # the option turns the class into warnings, the user's compile included
    fn, args = case.build()
    ignored = validate(fn, *args, random_trials=0, signed_zero=False)
    assert ignored.verdict == "equivalent", ignored.guilty_step
    assert ignored.fidelity is not None and ignored.fidelity.plain.warnings


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_a_rewrite_that_overflows_is_a_divergence(dtype: torch.dtype) -> None:
    from torch._inductor import config

    aten = torch.ops.aten

    def reassociate(graph: torch.fx.Graph) -> None:
        # (x * y) / z  ->  x * (y / z) is exact algebra; the reverse overflows for large x * y
        for n in list(graph.nodes):
            if n.target == aten.mul.Tensor and isinstance(n.args[1], torch.fx.Node):
                y = n.args[1]
                if y.target == aten.div.Tensor:
                    with graph.inserting_before(n):
                        prod = graph.call_function(aten.mul.Tensor, (n.args[0], y.args[0]))
                        new = graph.call_function(aten.div.Tensor, (prod, y.args[1]))
                    n.replace_all_uses_with(new)
                    graph.erase_node(n)

    def fn(x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return x * (y / z)

    big = float(torch.finfo(dtype).max) ** 0.75
    x = torch.full((4, 4), big, dtype=dtype)
    with config.patch(post_grad_custom_post_pass=reassociate):
        report = validate(fn, x, x.clone(), x.clone(), random_trials=0, special_values=False)
    assert report.verdict == "diverged" and report.guilty is not None
    assert report.guilty.step.name == "post_grad_custom_post_pass"
    kinds = {m.kind for t in report.guilty.check.trials for m in t.mismatches}
    assert "overflow" in kinds


def test_a_gradients_zero_sign_after_partitioning_is_a_warning() -> None:
    # found by fxtv hunt: the partitioned forward + backward give a masked gradient -0.0 where the
    # joint graph gives +0.0; no op defines the sign of a gradient's zero, so the partition step
    # holds it to the joint-graph rule (a warning), as the user's compile agrees with eager
    def fn(x0: torch.Tensor, index: torch.Tensor, x4: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        amax = torch.scatter_reduce(x0, 0, index, x4, "amax", include_self=False)
        return amax, x4.masked_fill(x4 > 0.0, -0.0)

    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(8, 5, generator=g, requires_grad=True)
    x4 = torch.randn(8, 5, generator=g, requires_grad=True)
    index = torch.randint(0, 8, (8, 5), generator=g)
    report = validate(fn, x0, index, x4, training=True, dynamic=True)
    assert report.verdict == "equivalent", report.guilty_step
