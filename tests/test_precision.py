"""Working precision: how far eager may stray from the float64 reference before the reference is
taken not to model the program depends on the coarsest dtype the value was computed in."""

import torch

from validator.fidelity._runs import observe
from validator.fx import RunResult
from validator.numeric import compare_runs

F32_ULP = float(torch.finfo(torch.float32).eps) * 2  # at values in [2, 4)


def test_the_eager_run_records_working_precision_per_value() -> None:
    def program(x, y):
        return (
            torch.atan2(x, y).to(torch.float64),  # computed in float32: float32
            x.double() * 3,  # widened exactly, computed in float64
            x.bfloat16().float() * 2,  # a narrowing cast rounds: bfloat16
            x.t().float().sum(),  # views and widening casts round nothing: float32
            torch.where(x.bfloat16() > 0, y, -y),  # a comparison passes no precision on
        )

    obs = observe(program, (torch.randn(5), torch.randn(5)), False, ops=set())
    assert obs.precisions == [torch.float32, torch.float64, torch.bfloat16, torch.float32, torch.float32]

    lin = torch.nn.Linear(4, 2)
    obs = observe(lin, (torch.randn(3, 4, requires_grad=True),), True, ops=set())
    assert obs.labels[0] == "output 0" and len(obs.precisions) == len(obs.values) == 4
    assert all(p == torch.float32 for p in obs.precisions)


def test_a_float32_result_cast_to_float64_may_differ_by_a_float32_ulp() -> None:
    # atan2 in float32, cast to float64: eager strays from the exact value by float32 rounding
    ref = torch.tensor([2.665542948517463], dtype=torch.float64)
    eager = torch.tensor([2.6655430793762207], dtype=torch.float64)
    b, r, scale = RunResult([eager], []), RunResult([ref], []), 2.7
    compiled = RunResult([eager - F32_ULP], [])
    assert compare_runs(b, compiled, r, 1, program_scale=scale)  # held to float64: a false alarm
    assert not compare_runs(b, compiled, r, 1, program_scale=scale, precisions=[torch.float32])
    wrong = RunResult([eager + 1e-3], [])
    assert compare_runs(b, wrong, r, 1, program_scale=scale, precisions=[torch.float32])


def test_a_dropped_narrowing_cast_is_still_a_divergence() -> None:
    # x.half().float() * 2 (#185337): the float64 run keeps the cast, so eager matches it; a
    # compiled program that skips the rounding strays by half-precision rounding
    x = torch.tensor([1.2345678], dtype=torch.float64)
    rounded = x.half().double() * 2
    b, r = RunResult([rounded.float().double()], []), RunResult([rounded], [])
    skipped = RunResult([(x * 2).float().double()], [])
    assert compare_runs(b, skipped, r, 1, program_scale=2.5, precisions=[torch.float16])
