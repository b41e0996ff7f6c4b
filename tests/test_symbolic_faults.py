"""Fault injection: faulty index simplifications and a contiguity-assuming reshape are refuted
with replayed counterexamples; correct rewrites of real compiles are proved."""

from __future__ import annotations

from typing import Any

import pytest
import sympy
import torch
from torch._inductor.sizevars import SizeVarAllocator
from torch.utils._sympy.functions import FloorDiv, IntTrueDiv, ModularIndexing, TruncToInt

from passes import get_pass
from validator import validate
from validator.capture import IndexRewrite, ShapeFacts, capture
from validator.symbolic import INDEX, INT32, VIEW_MAP, SymbolicOptions, check_trace
from validator.symbolic._crosscheck import crosscheck_rewrite
from validator.symbolic._index_checks import index_obligations
from validator.zoo import get_case

_ORIG = SizeVarAllocator._simplify_with_ranges
_NO_FACTS = ShapeFacts(ranges={}, axioms=(), replacements={})


def _permute_reshape(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 1).reshape(4, -1) * 2


def _repeat_slice(x: torch.Tensor) -> torch.Tensor:
    return x.repeat(2)[:9] * 2


def _drop_modular_indexing(self: Any, expr: Any, var_ranges: Any) -> Any:
    """Faulty rule: ModularIndexing(a, b, c) -> a // b, dropping the modulus."""
    out = _ORIG(self, expr, var_ranges)
    return out.replace(ModularIndexing, lambda a, b, c: FloorDiv(a, b))


def _off_by_one(self: Any, expr: Any, var_ranges: Any) -> Any:
    """Faulty rule: simplifies as if every static loop ran one iteration fewer."""
    shrunk = {v: s - 1 if isinstance(s, int | sympy.Integer) and s > 1 else s for v, s in var_ranges.items()}
    return _ORIG(self, expr, shrunk)


def _refuted_index(report: Any) -> list[Any]:
    assert report.symbolic is not None
    return [o for o in report.symbolic.refuted if o.kind == INDEX]


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_dropped_modular_indexing_is_refuted(monkeypatch: pytest.MonkeyPatch, dynamic: bool) -> None:
    monkeypatch.setattr(SizeVarAllocator, "_simplify_with_ranges", _drop_modular_indexing)
    report = validate(_permute_reshape, torch.randn(4, 6, 8), dynamic=dynamic, random_trials=0, special_values=False)
    bad = _refuted_index(report)
    assert bad, report.symbolic.counts() if report.symbolic else None
    ob = bad[0]
    assert "ModularIndexing" in ob.before and "ModularIndexing" not in ob.after
    replay = ob.verdict.replay
    assert replay is not None and replay.differs and replay.in_domain
    assert ob.verdict.counterexample
    assert report.verdict == "diverged"
    assert report.guilty is not None and report.guilty.step.kind == "lowering"
    assert any(o.subject.startswith("buf") for o in bad)  # the buffer is named
    # the refuted rewrite is the culprit, named before any recompile
    below = report.localization.below
    assert below is not None and below.component == "index" and below.recompiles == 0
    assert below.culprit and below.culprit.startswith("SizeVarAllocator._simplify_with_ranges")
    assert "ModularIndexing" in below.culprit and "refuted at" in below.culprit
    assert below.kernel and any("replayed concretely" in e for e in below.evidence)


def test_off_by_one_range_is_refuted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SizeVarAllocator, "_simplify_with_ranges", _off_by_one)
    with capture() as trace, torch.no_grad():
        torch.compile(_repeat_slice)(torch.randn(8))
    res = check_trace(trace)
    bad = [o for o in res.refuted if o.kind == INDEX]
    assert bad, [(o.before, o.after, o.status) for o in res.obligations]
    ob = bad[0]
    # the loop really runs to 8 (9 elements); the faulty rule assumed it stops at 7
    assert ob.ranges == {"q0": "[0, 9)"} or "9)" in str(ob.ranges)
    assert ob.verdict.counterexample and max(ob.verdict.counterexample.values()) == 8
    assert ob.verdict.replay is not None and ob.verdict.replay.differs


def _rewrite(before: Any, after: Any, ranges: dict[Any, Any], facts: ShapeFacts = _NO_FACTS) -> IndexRewrite:
    return IndexRewrite("simplify_with_ranges", "g#0", before, after, ranges, facts)


def test_c_division_for_python_division_is_refuted() -> None:
    q = sympy.Symbol("q0", integer=True, nonnegative=True)
    # a padded window start as pooling / convolution produce it: (q - 1) // 2 with q = 0 negative
    before = FloorDiv(q - 1, 2)
    c_div = TruncToInt(IntTrueDiv(q - 1, 2))
    [ob] = index_obligations([_rewrite(before, c_div, {q: 10})], {"g#0": 3}, timeout_ms=1000)
    assert ob.status == "refuted" and ob.step == 3
    assert ob.verdict.counterexample == {"q0": 0}
    assert ob.verdict.replay is not None and (ob.verdict.replay.lhs, ob.verdict.replay.rhs) == (-1, 0)
    # on non-negative numerators C and Python division agree: no false alarm
    [ok] = index_obligations([_rewrite(FloorDiv(q, 2), TruncToInt(IntTrueDiv(q, 2)), {q: 10})], {}, timeout_ms=1000)
    assert ok.status == "proved"


def test_int32_overflow_check() -> None:
    q, s = sympy.Symbol("q0", integer=True), sympy.Symbol("s0", integer=True, positive=True)
    facts = ShapeFacts(ranges={s: (sympy.Integer(2), sympy.Integer(1 << 19))}, axioms=(), replacements={})
    rw = _rewrite(ModularIndexing(q, 1, s * 4096), q, {q: s * 4096}, facts)
    obs = index_obligations([rw], {}, timeout_ms=1000, int32_graphs=frozenset({"g#0"}))
    [over] = [o for o in obs if o.kind == INT32]
    assert over.status == "proved"  # q0 < 2**19 * 4096 = 2**31: just fits
    facts_big = ShapeFacts(ranges={s: (sympy.Integer(2), sympy.Integer((1 << 19) + 1))}, axioms=(), replacements={})
    rw_big = _rewrite(ModularIndexing(q, 1, s * 4096), q, {q: s * 4096}, facts_big)
    [over_big] = [o for o in index_obligations([rw_big], {}, timeout_ms=1000, int32_graphs=frozenset({"g#0"}))
                  if o.kind == INT32]
    assert over_big.status == "refuted"
    assert over_big.verdict.counterexample and over_big.verdict.counterexample["q0"] > 2**31 - 1


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic"])
def test_reshape_assuming_contiguity_is_refuted(dynamic: bool) -> None:
    p = get_pass("reshape_assume_contiguous")
    fn, args = p.trigger()
    with p.installed():
        report = validate(fn, *args, dynamic=dynamic, random_trials=0, special_values=False)
    assert report.symbolic is not None
    maps = [o for o in report.symbolic.refuted if o.kind == VIEW_MAP]
    assert maps, report.symbolic.counts_by_kind()
    ob = maps[0]
    assert ob.verdict.replay is not None and ob.verdict.replay.differs
    if dynamic:  # a point with shape symbols: both graphs are run there
        assert ob.executed is not None and ob.executed.startswith("confirmed")
    assert report.guilty is not None and report.guilty.step.name == p.info.hook
    assert ob.step == report.guilty.step.index


@pytest.mark.parametrize(
    ("fn", "shape", "dynamic"),
    [
        (_permute_reshape, (4, 6, 8), False),
        (_permute_reshape, (4, 6, 8), True),
        (lambda x: torch.nn.functional.max_pool2d(x, 3, 2, 1) + 1, (1, 2, 9, 9), True),
        ("embedding_indexing", None, True),  # nonlinear: proved by normalisation
        ("dynamic_reshape", None, True),
    ],
    ids=["permute_reshape", "permute_reshape_dyn", "maxpool_dyn", "zoo_embedding_dyn", "zoo_dynamic_reshape"],
)
def test_real_rewrites_are_proved_and_cross_checked(fn: Any, shape: tuple[int, ...] | None, dynamic: bool) -> None:
    if isinstance(fn, str):
        fn, args = get_case(fn).build()
    else:
        args = (torch.randn(shape),)
    with capture() as trace, torch.no_grad():
        torch.compile(fn, dynamic=dynamic)(*args)
    assert trace.index_rewrites, "no index rewrite captured"
    # generous timeout: this checks verdicts, not speed (benchmarks/symbolic.py measures that)
    res = check_trace(trace, SymbolicOptions(timeout_ms=20_000))
    assert res.errors == []
    not_proved = [(o.kind, o.before, o.status, o.verdict.reason) for o in res.obligations if o.status != "proved"]
    assert not_proved == []
    for rw in trace.index_rewrites:
        cc = crosscheck_rewrite(rw, n=12)
        assert cc.contradictions == [], (rw.before, rw.after)
