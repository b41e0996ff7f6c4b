"""Plain-function passes (tests/plain_passes.py): no patterns, no trigger(); check_pass builds
programs around the ops their code names, fires them, catches the faulty ones with a shrunk
repro, and reports their line coverage."""

import plain_passes as pp
import pytest
import torch

from validator.passcheck import check_pass
from validator.passcheck._html import render_pass_html
from validator.passcheck._looks_for import ops_looked_for

aten = torch.ops.aten


def test_the_ops_a_pass_compares_against_are_read_from_its_code() -> None:
    assert ops_looked_for(pp.fuse_silu) == [aten.mul.Tensor, aten.sigmoid.default, aten.silu.default]
    assert ops_looked_for(pp.sqrt_square_cancel) == [aten.sqrt.default, aten.mul.Tensor]


@pytest.mark.parametrize("p", pp.CORRECT + pp.FAULTY, ids=lambda p: p.__name__)
def test_plain_pass_fires_and_is_judged(p) -> None:  # type: ignore[no-untyped-def]
    report = check_pass(p, stage="post_grad", corpus=("generated",), trials=20, shrink_seconds=20)
    assert report.fired > 0, report.warnings
    assert report.coverage is not None and report.coverage["reached"] > 1
    assert "pass line coverage" in report.summary() and "pass line coverage" in render_pass_html(report)
    if p in pp.FAULTY:
        assert report.verdict == "diverged", report.summary()
        assert any(f.repro is not None for f in report.failures), report.summary()
    else:
        assert report.verdict == "equivalent", report.summary()


def test_a_pass_that_never_fires_says_what_it_looked_for_and_takes_examples() -> None:
    def clamp_pass(graph: torch.fx.Graph) -> None:
        # clamp_min is decomposed before the post-grad passes: this never matches there
        for n in graph.nodes:
            if n.target == aten.clamp_min.default:
                n.target = aten.clamp_max.default

    report = check_pass(clamp_pass, stage="post_grad", corpus=("generated",), trials=5)
    assert report.verdict == "never-fired"
    (w,) = [w for w in report.warnings if "never fired" in w]
    assert "aten.clamp_min.default" in w and "examples=" in w and "lines" in w

    def silu_by_hand(x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x) + 1

    seeded = check_pass(
        pp.fuse_silu, stage="post_grad", corpus=(), examples=[(silu_by_hand, (torch.randn(4, 4),))], trials=0
    )
    assert [p.origin for p in seeded.programs if p.fired] and seeded.verdict == "equivalent"
    assert any(p.origin == "example" and p.fired for p in seeded.programs)
