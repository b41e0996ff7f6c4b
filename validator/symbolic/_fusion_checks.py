"""Prove that each fused kernel's loads and stores are safe to run in one loop nest.

A fused group runs under one outer loop over ``o`` in ``[0, N)`` (the group's pointwise sizes).
Inside it each node runs its own inner loop (a reduction's, or a pointwise node's rest after
outer-loop fusion), of ``R`` iterations: an access whose sizes multiply to ``N * R`` touches
``index(o * R + i)`` at inner step ``i`` (the flat iteration split row-major over its own
sizes); ``R = 1`` is an access made once per outer iteration. Backends also run outer
iterations in parallel and vectorise inner ones. For a location one node writes and another
reads:

- the writer comes first (producer -> consumer): at every iteration the consumer must read
  exactly the element the producer stored in that iteration: ``w(o, i) == r(o, i)``;
- the reader comes first (a read, then an in-place write, as in ``x.copy_(x.flip(1))``): no
  iteration may overwrite what another one reads: ``w(o1, i1) == r(o2, i2) -> o1 == o2``, and
  ``i1 == i2`` too when both are element-wise accesses of one inner loop (pointwise nodes whose
  inner loops have the same length may be interleaved element by element).

Accesses whose sizes are not a multiple of ``N``, or a consumer whose inner loop differs from
its producer's, are "unsupported", never "proved".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy
from torch.utils._sympy.functions import FloorDiv, ModularIndexing

from ..capture import Access, GraphRecord, KernelGroup, Schedule
from ._facts import build_domain
from ._obligation import FUSION, Obligation
from ._solver import Verdict, prove_equal, prove_holds


def _sym(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, nonnegative=True)


def _numel(sizes: tuple[object, ...]) -> sympy.Expr:
    return sympy.Mul(*[sympy.sympify(s) for s in sizes]) if sizes else sympy.Integer(1)


def flat_index(a: Access, t: sympy.Expr) -> sympy.Expr:
    """``a.index`` with its loop variables expressed through the flat iteration ``t``."""
    subs: dict[object, sympy.Expr] = {}
    sizes = [sympy.sympify(s) for s in a.sizes]
    for k, (v, n) in enumerate(zip(a.var_names, sizes, strict=True)):
        stride = _numel(tuple(sizes[k + 1 :]))
        subs[v] = FloorDiv(t, stride) if k == 0 else ModularIndexing(t, stride, n)
    return sympy.sympify(a.index).xreplace(subs)


def _same(a: sympy.Expr, b: sympy.Expr) -> bool:
    return sympy.simplify(a - b) == 0


class _Nest:
    """The group's outer loop, and each access's inner loop in it."""

    def __init__(self, g: KernelGroup) -> None:
        self.n = _numel(g.loop[0])

    def inner(self, a: Access) -> sympy.Expr | None:
        """R of the access: its sizes are N * R (None: not a multiple of the outer loop)."""
        r = sympy.simplify(_numel(a.sizes) / self.n)
        return r if r.is_integer or (r.is_polynomial() and sympy.fraction(sympy.together(r))[1] == 1) else None

    def index(self, a: Access, o: sympy.Symbol, i: sympy.Symbol) -> sympy.Expr:
        r = self.inner(a)
        assert r is not None
        return flat_index(a, o if _same(r, 1) else o * r + i)


def _pairs(g: KernelGroup) -> list[tuple[Access, Access]]:
    writes = [a for a in g.accesses if a.kind == "write"]
    reads = [a for a in g.accesses if a.kind == "read"]
    return [(w, r) for w in writes for r in reads if w.location == r.location and w.node != r.node]


def group_obligations(g: KernelGroup, schedule: Schedule, step: int | None, *, timeout_ms: int) -> list[Obligation]:
    out: list[Obligation] = []
    nest = _Nest(g)
    o1, i1, o2, i2 = _sym("o1"), _sym("i1"), _sym("o2"), _sym("i2")
    for w, r in _pairs(g):
        wn, rn = g.nodes[w.node], g.nodes[r.node]
        common: dict[str, Any] = {
            "kind": FUSION,
            "graph": schedule.graph,
            "subject": g.name,
            "step": step,
            "rewrite": "fusion",
            "origins": g.origins,
        }
        rw, rr = nest.inner(w), nest.inner(r)
        producer_first = w.node < r.node
        if rw is None or rr is None or (producer_first and not _same(rw, rr)):
            why = "an access is not a multiple of the outer loop" if None in (rw, rr) else "inner loops differ"
            verdict = Verdict("unsupported", reason=f"unsupported: {why}")
            out.append(
                Obligation(before=f"{rn} reads {r.location}", after=f"{wn} writes it", verdict=verdict, **common)
            )
            continue
        assert rw is not None and rr is not None
        ranges = {"o": f"[0, {nest.n})"}
        if producer_first:  # producer -> consumer within one iteration
            wi, ri = nest.index(w, o1, i1), nest.index(r, o1, i1)
            loops = {o1: nest.n, **({i1: rw} if not _same(rw, 1) else {})}
            dom = build_domain([wi, ri], loops, schedule.facts)
            verdict = prove_equal(wi, ri, dom, timeout_ms=timeout_ms)
            before, after = f"{wn} writes {w.location}[{wi}]", f"{rn} reads {r.location}[{ri}]"
            note = "the consumer reads the element the producer wrote in the same iteration"
        else:  # read, then overwrite: no iteration may clobber what another one reads
            wi, ri = nest.index(w, o1, i1), nest.index(r, o2, i2)
            same = sympy.Eq(o1, o2)
            elementwise = not (_same(rw, 1) or g.reductions[w.node] or g.reductions[r.node])
            if elementwise and _same(rw, rr):
                same = sympy.And(same, sympy.Eq(i1, i2))
            pred = sympy.Implies(sympy.Eq(wi, ri), same)
            loops = {o1: nest.n, o2: nest.n}
            loops.update({i1: rw} if not _same(rw, 1) else {})
            loops.update({i2: rr} if not _same(rr, 1) else {})
            dom = build_domain([wi, ri], loops, schedule.facts)
            verdict = prove_holds(pred, dom, timeout_ms=timeout_ms)
            before = f"{rn} reads {r.location}[{ri}] in iteration 2"
            after = f"{wn} writes {r.location}[{wi}] in iteration 1"
            note = "no iteration may overwrite what another iteration reads first"
        out.append(Obligation(before=before, after=after, verdict=verdict, ranges=ranges, note=note, **common))
    return out


def fusion_obligations(
    graphs: Mapping[str, GraphRecord], step_of_graph: Mapping[str, int], *, timeout_ms: int
) -> list[Obligation]:
    out: list[Obligation] = []
    for label, rec in graphs.items():
        schedule: Schedule | None = rec.schedule
        if schedule is None:
            continue
        for g in schedule.groups:
            if len(g.nodes) > 1:
                out += group_obligations(g, schedule, step_of_graph.get(label), timeout_ms=timeout_ms)
    return out
