"""Constants the code printer cannot print: named below FX, and never a crash of the AOT blame.

torch.fx prints a complex constant with repr(): complex(-0.0, 0.0) becomes `(-0+0j)` (read back
as 0j) and complex(1, nan) becomes `(1+nanj)`, which does not evaluate (docs/live-bugs.md).
"""

import math
import types

import pytest
import torch
import torch.fx

from validator import validate
from validator.localize._aot_nodes import blame_decompositions
from validator.localize.below_fx._literals import misprinted


def _mul_by(c: complex) -> torch.fx.GraphModule:
    g = torch.fx.Graph()
    x = g.placeholder("x")
    g.output(g.call_function(torch.ops.aten.mul.Tensor, (x, c)))
    return torch.fx.GraphModule(torch.nn.Module(), g)


def test_misprinted_constants_are_found() -> None:
    assert [m.read_back for m in misprinted(_mul_by(complex(-0.0, 0.0)))] == [0j]
    (nan,) = misprinted(_mul_by(complex(1.0, math.nan)))
    assert nan.read_back is None and "nanj" in nan.printed
    assert misprinted(_mul_by(complex(1.0, 2.0))) == []
    assert misprinted(_mul_by(complex(0.0, 0.0))) == []


def test_printed_literal_is_the_below_fx_culprit() -> None:
    def fn(x: torch.Tensor) -> torch.Tensor:
        return x * complex(-0.0, 0.0)

    report = validate(fn, torch.randn(8, dtype=torch.complex64), random_trials=0)
    if report.fidelity is not None and not report.fidelity.missed and report.verdict == "equivalent":
        pytest.skip(f"torch {torch.__version__} prints the constant right (fixed)")
    assert report.verdict == "diverged" and report.guilty is not None
    assert report.guilty.step.kind == "lowering"
    below = report.localization.below
    assert below is not None and below.component == "codegen"
    assert below.culprit and below.culprit.startswith("literal printing") and below.recompiles == 0
    assert below.fx_nodes == ["mul"]


def test_aot_blame_runs_a_graph_with_a_complex_nan_constant() -> None:
    gm = _mul_by(complex(1.0, math.nan))
    x = torch.randn(4, dtype=torch.complex64)
    try:
        gm(x)  # torch 2.13's printer writes `(1+nanj)`: the printed code itself does not run
    except NameError:
        pass
    blame = blame_decompositions(types.SimpleNamespace(before=gm), [x])  # type: ignore[arg-type]
    assert blame.first_diverging is None and "none of the" in (blame.note or "")
