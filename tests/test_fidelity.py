"""Capture fidelity: fxtv judges the program the user's own torch.compile produces.

Faults are placed in each table inductor reads (passes/tables): each must be detected and named,
including one the capture cannot see (it takes another config path), which the fidelity check
reports as unlocalized and bisects. The check is on by default and costs one plain compile.
"""

import pytest
import torch
import torch._inductor.config as inductor_config
from rich.console import Console

from passes import get_fault
from validator import validate
from validator.fidelity import Observation, beyond_testing, observe, observe_float64
from validator.numeric import compare_values, tolerance_for
from validator.report import UNLOCALIZED, render
from validator.report._html import render_html

# fault -> (config the user compiles under, guilty stage, op fxtv must name)
_TABLES = {
    "fast_table_hardsigmoid": ({}, "aot", "hardsigmoid"),
    "base_table_hardswish": ({"fallback_random": True}, "aot", "hardswish"),
    "remainder_as_fmod": ({}, "lowering", "remainder"),
    "fallback_cumsum_drops_dtype": ({}, "lowering", "cumsum"),
}


@pytest.mark.parametrize("name", list(_TABLES))
def test_fault_in_each_table_is_detected_and_named(name: str) -> None:
    config, stage, op = _TABLES[name]
    fault = get_fault(name)
    fn, args = fault.trigger()
    with inductor_config.patch(config), fault.installed():
        report = validate(fn, *args)
    assert fault.fired > 0
    assert report.verdict == "diverged" and report.guilty is not None, report.guilty_step
    assert report.guilty.step.stage == stage
    loc = report.localization
    named = (loc.blame.op or "") if stage == "aot" else (loc.below.culprit or "" if loc.below else "")
    assert op in named, (named, loc.blame.note)
    assert report.fidelity is not None and report.fidelity.plain.diverged  # the user sees it too


def test_fault_the_capture_cannot_see_is_unlocalized_and_bisected() -> None:
    fault = get_fault("config_gated_maximum")
    fn, args = fault.trigger()
    with fault.installed():
        report = validate(fn, *args)
    assert fault.fired > 0
    # every captured step is equivalent, the user's compile is not: never "equivalent"
    assert report.guilty is None and report.unlocalized
    assert report.verdict == "diverged" and report.guilty_step == UNLOCALIZED
    fid = report.fidelity
    assert fid is not None and fid.plain.diverged and not fid.captured.diverged
    assert fid.agreement.diverged  # the capture's compile and the user's differ
    assert fid.gap is not None and fid.gap.stage == "lowering" and "maximum" in (fid.gap.detail or "")
    data = report.to_json()
    assert data["guilty_step"] == UNLOCALIZED and data["fidelity"]["gap"]["stage"] == "lowering"
    # the reports for people say so too, and never that no step changed the results
    html = render_html(report)
    assert "Divergence the capture missed" in html and "No step changed" not in html
    con = Console(record=True, width=160)
    render(report, con)
    text = con.export_text()
    assert "divergence the capture missed" in text and "No step changed" not in text


def test_fidelity_is_on_by_default_and_timed() -> None:
    def fn(x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x) * 2 + x.sum(0)

    x = torch.randn(8, 8)
    report = validate(fn, x)
    assert report.verdict == "equivalent"
    fid = report.fidelity
    assert fid is not None and not fid.missed and fid.gap is None  # no bisection when nothing is missed
    assert "fidelity" in report.timing and report.timing["fidelity"] >= 0
    off = validate(fn, x, fidelity=False)
    assert off.fidelity is None and "fidelity" not in off.timing


def test_float64_oracle_replays_eager_random_draws() -> None:
    def fn(x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.dropout(x, 0.5, training=True) + torch.rand_like(x)

    x = torch.randn(16, 16)
    ops: set = set()
    eager = observe(fn, (x,), False, ops=ops)
    assert eager.random_draws
    ref = observe_float64(fn, (x,), False, eager)
    assert ref.error is None and ref.values[0].dtype == torch.float64
    tol = tolerance_for(torch.float32, 1)
    assert compare_values("output 0", eager.values[0], ref.values[0].float(), ref.values[0], tol) == []


def test_where_the_oracle_does_not_model_eager_the_compile_is_held_to_eager() -> None:
    # eager rounds a Python scalar to bfloat16 (remainder(-1.703125, bf16(1.7)) = 0); a float64
    # run keeps 1.7 exact (a whole period: 1.696875) and sides with a compile that does the same
    # (pytorch/pytorch#186875)
    eager = torch.tensor([0.0, 0.5], dtype=torch.bfloat16)
    compiled = torch.tensor([1.6953, 0.5], dtype=torch.bfloat16)
    ref = torch.tensor([1.696875, 0.5], dtype=torch.float64)
    assert compare_values("o", eager, compiled, ref, tolerance_for(torch.bfloat16, 1)) == []
    found = compare_values("o", eager, compiled, ref, tolerance_for(torch.bfloat16, 1, program_scale=1.3))
    assert [m.kind for m in found] == ["value"]
    # rounding noise far below the program's scale still trusts the oracle
    noisy = torch.tensor([1e-9, 1.0])
    exact = torch.tensor([0.0, 1.0], dtype=torch.float64)
    tol = tolerance_for(torch.float32, 64, program_scale=1.0)
    assert compare_values("o", noisy, torch.tensor([-2e-9, 1.0]), exact, tol) == []


def test_a_difference_only_assert_close_sees_is_rounding_not_equivalent() -> None:
    # eager rounds 3.14 to float16 before remainder, the compile keeps it exact: remainder(3.140625,
    # 3.14) is 0 eagerly and 6.25e-4 compiled, an ulp-level change of the operands that fxtv's
    # rounding model accepts but a user's assert_close does not (pytorch/pytorch#183083)
    def fn(x: torch.Tensor) -> torch.Tensor:
        return torch.remainder(x, 3.14)

    x = torch.tensor([-4.0, -1.5, 0.1, 1.0, 3.140625, 8.0], dtype=torch.float16)
    torch._dynamo.reset()
    compiled = torch.compile(fn)(x)
    torch._dynamo.reset()
    if torch.allclose(compiled.float(), fn(x).float(), rtol=1e-3, atol=1e-5):
        pytest.skip(f"torch {torch.__version__} rounds the scalar as eager does (#183083 fixed)")
    report = validate(fn, x, special_values=False, random_trials=0)
    assert report.verdict == "rounding" and report.exit_code == 0
    assert report.fidelity is not None and report.fidelity.beyond_testing[0].startswith("output 0")
    assert "assert_close" in _text(report)
    # a compile that matches eager to assert_close's tolerances stays "equivalent"
    plain = validate(lambda x: torch.remainder(x, 2.0), x, special_values=False, random_trials=0)
    assert plain.verdict == "equivalent" and plain.fidelity is not None and not plain.fidelity.beyond_testing


def test_beyond_testing_compares_outputs_and_mutated_inputs_with_assert_close_defaults() -> None:
    eager = Observation(values=[torch.tensor([1.0, 2.0])], labels=["output 0"], inputs_after=[torch.ones(2)])
    same = Observation(values=[torch.tensor([1.0, 2.0 + 1e-7])], labels=["output 0"], inputs_after=[torch.ones(2)])
    assert beyond_testing(eager, same) == []
    off = Observation(values=[torch.tensor([1.0, 2.0])], labels=["output 0"], inputs_after=[torch.tensor([1.0, 1.1])])
    found = beyond_testing(eager, off)
    assert len(found) == 1 and found[0].startswith("input 0 after the call")
    nan = Observation(values=[torch.tensor([float("nan"), 2.0])], labels=["output 0"])
    assert beyond_testing(nan, nan) == []  # NaN where eager has NaN is the IEEE rules' business


def _text(report: object) -> str:
    con = Console(record=True, width=200)
    render(report, con)  # type: ignore[arg-type]
    return con.export_text()


def test_a_compile_that_fails_is_not_equivalent() -> None:
    # the FX printer writes complex(1, inf) as `(1+infj)`, which Dynamo's printed graph cannot run
    def fn(x: torch.Tensor) -> torch.Tensor:
        return x * complex(1.0, float("inf"))

    report = validate(fn, torch.randn(4, dtype=torch.complex64))
    assert report.verdict != "equivalent"
    if report.verdict == "error":  # torch 2.13 and 2.14: Dynamo's printed graph cannot run `infj`
        assert report.error is not None and "torch.compile failed" in report.error


def test_a_gradient_zero_whose_sign_flips_is_a_warning() -> None:
    # grad of w sums +-0.0 terms where relu is off: the order of accumulation picks the sign
    class Scale(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.randn(4))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.relu(x * self.w) + 1

    torch.manual_seed(0)
    model, x = Scale(), torch.randn(3, 4)
    report = validate(model, x, training=True)
    assert report.verdict == "equivalent", report.to_json()["fidelity"]


def test_a_flipped_zero_counts_where_its_own_producer_defines_the_sign() -> None:
    # remainder(-0.0, 3.0): eager keeps -0.0, the vectorised compile gives +0.0; remainder defines
    # no sign, as at the step checks, even though the program also ran a sign-defining mul (before,
    # one such op anywhere made every flip count: an "unlocalized" divergence fxtv hunt found)
    def fn(x: torch.Tensor) -> torch.Tensor:
        x.view(-1).copy_(x.view(-1) * -0.5)
        return torch.remainder(x, 3.0)

    report = validate(fn, torch.zeros(4, 3, 1), special_values=False, random_trials=0)
    assert report.verdict in ("equivalent", "rounding"), report.guilty_step
    assert report.fidelity is not None and not report.fidelity.plain.diverged


def test_outputs_that_come_to_share_memory_make_the_compile_diverge() -> None:
    """A compile that hands back one buffer for two outputs (remove_noop_ops merging floor(v) and
    floor(v) of an integer v, #191449) changes what an in-place write does; the values alone
    cannot show it, so each run records its outputs' aliasing before they are copied."""
    from validator.fidelity._check import Rules, compare_observations

    x = torch.randn(4)
    y = x * 2
    merged = observe(lambda t: (y, y), (x,), False)
    apart = observe(lambda t: (y, y.clone()), (x,), False)
    through = observe(lambda t: (t, t.view(2, 2)), (x,), False)
    assert merged.aliases == {("out", 1, 0)} and apart.aliases == frozenset()
    assert through.aliases == {("in", 0, 0), ("in", 1, 0), ("out", 1, 0)}
    rules = Rules.of(apart, set(), 1, True)
    found = compare_observations("eager vs torch.compile", apart, merged, None, rules)
    assert [(m.where, m.kind) for m in found.mismatches] == [("output 1", "output_alias")]
    assert not compare_observations("eager vs torch.compile", merged, apart, None, rules).mismatches
