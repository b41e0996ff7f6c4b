"""Real torch bugs from the public tracker (validator/zoo/tracker, specs/cases/real__*.toml).

By default a few cases, one per pipeline stage and component, must be localized exactly; the
slow run checks every real case: fxtv never says "equivalent" where torch.compile diverges.
"""

from pathlib import Path

import pytest
import torch

from validator.bench import load_specs
from validator.bench._case import run_case

SPECS = Path(__file__).resolve().parent.parent / "specs" / "cases"
REAL = [s for s in load_specs(SPECS, "real__") if s.real]
# below one float16 ulp of the operands, and remainder(-0.0) has no IEEE-defined sign (docs/tolerance.md)
KNOWN_EQUIVALENT = {"real__183083_remainder_fp16_scalar"}

QUICK = {
    "real__175154_upsample_nearest_scale_1_3",  # aot: a decomposition
    "real__189799_add_zeros_like_signed_zero",  # joint: constant folding of a uniform value
    "real__198094_scatter_reinplaced_into_input",  # post_grad: reinplacing
    "real__197895_floor_divide_off_by_one",  # lowering
    "real__191499_uint8_min_vec_tail",  # codegen: vectorisation
    "real__186875_fmod_bf16_scalar",  # only the fidelity check sees it: unlocalized, bisected
    "real__190765_flip_repeat_interleave_transposed",  # index: a ModularIndexing base made negative
    "real__186799_atan2_amin_backward",  # training, unlocalized: a codegen feature of the user's compile
}


def _skip_if_fixed(rec: dict) -> None:  # type: ignore[type-arg]
    # the corpus is of torch 2.13.0 bugs; a later torch may have fixed one
    if rec.get("compile_diverges") is False and rec.get("verdict") == "equivalent":
        pytest.skip(f"torch {torch.__version__} compiles this program right (fixed)")


def test_corpus_has_thirty_real_bugs_each_with_its_issue() -> None:
    assert len(REAL) >= 30
    assert all(s.source.startswith("pytorch/pytorch#") and s.evidence for s in REAL)


@pytest.mark.parametrize("spec", [s for s in REAL if s.name in QUICK], ids=lambda s: s.name)
def test_real_bug_is_localized(spec) -> None:  # type: ignore[no-untyped-def]
    rec = run_case(spec, baselines=False)["fxtv"]
    _skip_if_fixed(rec)
    assert rec["detected"], rec
    assert rec["step_right"], rec


@pytest.mark.slow
@pytest.mark.parametrize("spec", REAL, ids=lambda s: s.name)
def test_no_false_equivalent_on_real_bugs(spec) -> None:  # type: ignore[no-untyped-def]
    rec = run_case(spec, baselines=False)["fxtv"]
    if spec.name in KNOWN_EQUIVALENT and rec["verdict"] == "equivalent":
        pytest.xfail("documented miss (BENCHMARKS.md): " + spec.name)
    _skip_if_fixed(rec)
    assert rec["verdict"] == "diverged", rec


def test_as_strided_over_a_realized_view_is_charged_to_as_strided() -> None:
    # pytorch/pytorch#197431: an eager kernel for the producer (repeat) fixes the result, but only
    # because as_strided then reads another buffer; the wrong lowering is as_strided's
    spec = next(s for s in REAL if s.name == "real__197431_as_strided_over_strided_slice")
    rec = run_case(spec, baselines=False)["fxtv"]
    _skip_if_fixed(rec)
    assert rec["component"] == "lowering" and rec["step_right"], rec
    assert rec["culprit"].startswith("lowering of as_strided") and "repeat" in rec["culprit"], rec


def test_dynamic_shape_kernel_is_recompiled_at_its_symbolic_sizes() -> None:
    # pytorch/pytorch#190765 reads out of bounds only in the symbolic-size kernel: with the index
    # proofs off, the below-FX recompiles must still reproduce it (a static recompile agrees)
    from validator import validate
    from validator.zoo import get_case

    fn, args = get_case("real_190765_flip_repeat_interleave_transposed").build()
    report = validate(fn, *args, dynamic=True, symbolic=False)
    if report.fidelity is not None and not report.fidelity.missed and report.verdict == "equivalent":
        pytest.skip(f"torch {torch.__version__} compiles this program right (fixed)")
    below = report.localization.below
    assert below is not None and below.probes and below.probes[0].diverged is True, below.summary()
    assert below.component != "unattributed", below.summary()


NODE_NAMED = {
    # the refuted index reads a graph input: the FX nodes named are those of the kernel reading it
    "real__187027_flip_repeat_interleave": "rev",
    # the first diverging value is an element of a multi-output node: the node, not its getitem
    "real__198031_custom_op_clone_dropped": "auto_functionalized_v2",
    # an in-place op writes the buffer its operand gathers from: the writer, not the gather
    "real__198033_foreach_inplace_reads_self": "_foreach_mul_",
    # eager kernels for the producer or for the argmax fused with it fix the result: the argmax
    "real__193751_argmax_mean_channels_last": "argmax",
}


@pytest.mark.parametrize("spec", [s for s in REAL if s.name in NODE_NAMED], ids=lambda s: s.name)
def test_guilty_node_is_named(spec) -> None:  # type: ignore[no-untyped-def]
    rec = run_case(spec, baselines=False)["fxtv"]
    _skip_if_fixed(rec)
    assert rec["node_right"], rec
    assert NODE_NAMED[spec.name] in rec["ops"], rec
