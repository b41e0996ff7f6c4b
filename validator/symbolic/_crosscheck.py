"""Soundness cross-check: evaluate both sides of a proved rewrite at random domain points.

A proof the solver found must never be contradicted by concrete evaluation. This is the
independent check on the translation: it uses sympy's own evaluation of inductor's functions,
not the Z3 encoding.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy

from ..capture import IndexRewrite
from ._domain import Domain
from ._facts import build_domain

_UNBOUNDED_SPAN = 24  # sample unbounded symbols from [lo, lo + span]


@dataclass(frozen=True)
class CrossCheck:
    points: int  # domain points evaluated
    contradictions: list[dict[str, int]]


def sample_points(domain: Domain, n: int, rng: random.Random, *, tries: int = 40) -> list[dict[sympy.Symbol, int]]:
    """Up to ``n`` points of ``domain`` by rejection sampling (shape symbols kept small)."""
    symbols = sorted(domain.symbols(), key=str)
    out: list[dict[sympy.Symbol, int]] = []
    for _ in range(n * tries):
        if len(out) >= n:
            break
        point: dict[sympy.Symbol, int] = {}
        for s in symbols:
            lo, hi = domain.bounds.get(s, (None, None))
            lo = 0 if lo is None else lo
            hi = lo + _UNBOUNDED_SPAN if hi is None else min(hi, lo + 4 * _UNBOUNDED_SPAN)
            point[s] = rng.randint(lo, hi) if hi >= lo else lo
        if domain.contains(point):
            out.append(point)
    return out


def _value(expr: sympy.Basic, point: dict[sympy.Symbol, int]) -> object:
    v = expr.xreplace({s: sympy.Integer(x) for s, x in point.items()})
    return None if v.free_symbols else v


def crosscheck_rewrite(rw: IndexRewrite, n: int = 16, seed: int = 0) -> CrossCheck:
    """Evaluate ``before`` and ``after`` of one recorded rewrite at ``n`` random points."""
    if rw.after is None:
        return CrossCheck(0, [])
    domain = build_domain([rw.before, rw.after], rw.var_ranges, rw.facts, with_axioms=True)
    rng = random.Random(seed)
    bad: list[dict[str, int]] = []
    points = sample_points(domain, n, rng)
    for p in points:
        try:
            a, b = _value(rw.before, p), _value(rw.after, p)
        except (ZeroDivisionError, TypeError, ValueError):
            continue
        if a is not None and b is not None and a != b:
            bad.append({str(k): v for k, v in p.items()})
    return CrossCheck(len(points), bad)
