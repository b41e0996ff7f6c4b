"""Inside a diverging AOT trace, the op whose decomposition alone diverges is named."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch._inductor import decomposition

from validator import validate

aten = torch.ops.aten


@contextmanager
def _decomposed_as(op: Any, fn: Callable[..., Any]) -> Iterator[None]:
    # both tables select_decomp_table() can return: ``decompositions`` (fallback_random) and the
    # copy fast_random_decomps() caches on its first call (the default)
    tables = [decomposition.decompositions, decomposition.fast_random_decomps()]
    saved = [t.get(op) for t in tables]
    for t in tables:
        t[op] = fn
    try:
        yield
    finally:
        for t, s in zip(tables, saved, strict=True):
            if s is None:
                t.pop(op)
            else:
                t[op] = s


def test_wrong_decomposition_names_its_op() -> None:
    def logit_unclamped(x: torch.Tensor, eps: float | None = None) -> torch.Tensor:
        return torch.log(x / (1 - x))  # eps ignored

    def fn(x: torch.Tensor) -> torch.Tensor:
        return x.sin() + torch.logit(x, eps=0.1) * 2

    with _decomposed_as(aten.logit.default, logit_unclamped):
        report = validate(fn, torch.rand(8, 8))
    assert report.verdict == "diverged"
    assert report.guilty.step.kind == "aot"
    blame = report.localization.blame
    assert blame.first_diverging == "logit" and "decomposition of logit" in blame.note
    assert blame.mismatch is not None and blame.mismatch.count > 0


def test_right_decompositions_are_not_blamed() -> None:
    from validator.capture import capture
    from validator.localize._aot_nodes import blame_decompositions

    def fn(x: torch.Tensor) -> torch.Tensor:
        return torch.logit(x, eps=0.1) + torch.nn.functional.gelu(x, approximate="tanh")

    x = torch.rand(8, 8)
    with capture() as trace:
        torch.compile(fn)(x)
    step = next(s for s in trace.steps if s.kind == "aot")
    blame = blame_decompositions(step, [x])
    assert blame.first_diverging is None and "none of the" in blame.note


def test_a_flipped_zero_the_step_counted_is_blamed_on_its_op() -> None:
    # complex add's decomposition adds 0 to each operand first: -0.0 + 0 = +0.0 (docs/live-bugs.md).
    # On the user's own inputs the step counts the flip, so the node search must count it too,
    # though add is not one of the ops that define the sign of a zero on every trial.
    from validator.zoo import get_case

    fn, args = get_case("hunt_complex_add_signed_zero").build()
    report = validate(fn, *args)
    assert report.verdict == "diverged" and report.guilty.step.kind == "aot"
    blame = report.localization.blame
    assert blame.op is not None and "add" in blame.op, blame.note
    assert blame.mismatch is not None and blame.mismatch.kind == "signed-zero"
