"""Silent bugs of plain inductor in the installed torch (no fxtv pass installed).

Each is skipped when this torch version no longer has it (compiled == eager), so the test
tracks the bug, not a version.
"""

import pytest
import torch

from validator import validate


def _addmm_alpha(c, x, y):
    return torch.add(c, x @ y, alpha=0.5)


def _mul_int_zero(x):
    return (x * 0) + 1


CASES = [
    # post-grad addmm pattern drops add's alpha (same family as pytorch/pytorch#122382)
    (
        "addmm_alpha",
        _addmm_alpha,
        (torch.randn(8, 8), torch.randn(8, 16), torch.randn(16, 8)),
        "pattern: addmm",
        "addmm",
    ),
    # joint constant folding turns x * 0 into zeros for float x, losing NaN/Inf
    (
        "mul_int_zero",
        _mul_int_zero,
        (torch.tensor([1.0, float("nan"), float("inf"), -2.0]),),
        "constant_fold_uniform_value",
        "full",
    ),
]


def _bug_present(fn, args) -> bool:
    torch._dynamo.reset()
    with torch._inductor.config.patch(fx_graph_cache=False):
        got = torch.compile(fn)(*args)
    return not torch.allclose(got, fn(*args), equal_nan=True)


@pytest.mark.parametrize("name, fn, args, step, op", CASES, ids=[c[0] for c in CASES])
def test_live_bug_localized(name, fn, args, step, op) -> None:
    if not _bug_present(fn, args):
        pytest.skip(f"torch {torch.__version__} does not have this bug")
    report = validate(fn, *args, name=name)
    assert report.verdict == "diverged"
    assert report.guilty.step.name == step
    assert op in (report.localization.blame.op or "")
