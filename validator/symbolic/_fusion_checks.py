"""Prove that each fused kernel's loads and stores are safe to run in one loop nest.

A fused group runs under one loop nest: an outer loop over ``o`` in ``[0, N)`` (the pointwise
sizes) and, for groups with a reduction, an inner loop over ``i`` in ``[0, R)``. An access of a
node spans either the whole nest (its own sizes multiply to ``N * R``: flat iteration
``o * R + i``, split row-major over its sizes) or the outer loop only (a reduction's result,
sizes multiplying to ``N``). Backends also run outer iterations in parallel and vectorise
inner ones. For a location one node writes and another reads:

- the writer comes first (producer -> consumer): at every iteration the consumer must read
  exactly the element the producer stored in that iteration (the value lives in a register):
  ``w(o, i) == r(o, i)``;
- the reader comes first (a read, then an in-place write, as in ``x.copy_(x.flip(1))``): no
  iteration may overwrite what another one reads: ``w(o1, i1) == r(o2, i2) -> (o1, i1) == (o2, i2)``;
  a reduction reader has finished its inner loop before later nodes run, so there ``o1 == o2``
  suffices.

Accesses that span neither the nest nor its outer loop are "unsupported", never "proved".
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
    """The group's loop nest and one access's iteration in it."""

    def __init__(self, g: KernelGroup) -> None:
        self.n = _numel(g.loop[0])
        self.r = _numel(g.loop[1])

    def spans(self, a: Access) -> str | None:
        size = _numel(a.sizes)
        if _same(size, self.n * self.r):
            return "nest"
        if not _same(self.r, 1) and _same(size, self.n):
            return "outer"
        return None

    def index(self, a: Access, o: sympy.Symbol, i: sympy.Symbol) -> sympy.Expr:
        inner = self.spans(a) == "nest" and not _same(self.r, 1)
        return flat_index(a, o * self.r + i if inner else o)


def _pairs(g: KernelGroup) -> list[tuple[Access, Access]]:
    writes = [a for a in g.accesses if a.kind == "write"]
    reads = [a for a in g.accesses if a.kind == "read"]
    return [(w, r) for w in writes for r in reads if w.location == r.location and w.node != r.node]


def group_obligations(g: KernelGroup, schedule: Schedule, step: int | None, *, timeout_ms: int) -> list[Obligation]:
    out: list[Obligation] = []
    nest = _Nest(g)
    o1, i1, o2, i2 = _sym("o1"), _sym("i1"), _sym("o2"), _sym("i2")
    inner = not _same(nest.r, 1)
    for w, r in _pairs(g):
        wn, rn = g.nodes[w.node], g.nodes[r.node]
        common: dict[str, Any] = {
            "kind": FUSION,
            "graph": schedule.graph,
            "subject": g.name,
            "step": step,
            "origins": g.origins,
            "rewrite": "fusion",
        }
        ranges = {"o": f"[0, {nest.n})", **({"i": f"[0, {nest.r})"} if inner else {})}
        spans = (nest.spans(w), nest.spans(r))
        if None in spans or (w.node < r.node and spans == ("nest", "outer")):
            verdict = Verdict(
                "unsupported", reason="unsupported: an access spans neither the fused loop nor its outer loop"
            )
            out.append(
                Obligation(before=f"{rn} reads {r.location}", after=f"{wn} writes it", verdict=verdict, **common)
            )
            continue
        if w.node < r.node:  # producer -> consumer within one iteration
            wi, ri = nest.index(w, o1, i1), nest.index(r, o1, i1)
            loops = {o1: nest.n, **({i1: nest.r} if inner else {})}
            dom = build_domain([wi, ri], loops, schedule.facts)
            verdict = prove_equal(wi, ri, dom, timeout_ms=timeout_ms)
            before, after = f"{wn} writes {w.location}[{wi}]", f"{rn} reads {r.location}[{ri}]"
            note = "the consumer reads the element the producer wrote in the same iteration"
        else:  # read, then overwrite: no iteration may clobber what another one reads
            wi, ri = nest.index(w, o1, i1), nest.index(r, o2, i2)
            same = sympy.Eq(o1, o2)
            if inner and not g.reductions[r.node]:
                same = sympy.And(same, sympy.Eq(i1, i2))
            pred = sympy.Implies(sympy.Eq(wi, ri), same)
            loops = {o1: nest.n, o2: nest.n, **({i1: nest.r, i2: nest.r} if inner else {})}
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
