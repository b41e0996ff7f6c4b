"""Bound-aware index arithmetic for element maps, so that e.g. a reshape round trip maps back to the plain index.

``x // b`` and ``(x // b) % m`` are simplified using what is known of ``x``'s range (index symbols lie in
``[0, extent)``, shape symbols are >= 1); a reshape unravels only within groups of dims whose size products
agree; :func:`join_digits` folds the digits of one unravelled quantity back together. :class:`Prover` decides
sign and size facts, from the expression alone or from the trace's ShapeEnv.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy
import torch.fx
from torch.utils._sympy.functions import FloorDiv, ModularIndexing, Where

from .. import _compat
from ._view_args import Ranges, Sizes, shape_env_of

ZERO = sympy.S.Zero
ONE = sympy.S.One


def _is_int(e: sympy.Expr) -> bool:
    # sympy < 1.15 may call ``(1/22)*x*y`` an integer; a fractional coefficient is never a clean quotient.
    return e.is_integer is True and all(r.q == 1 for r in e.atoms(sympy.Rational))


def eq(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Equal as polynomials (structurally, else after expanding the difference)."""
    return a == b or sympy.expand(a - b) == 0


def _shifted(e: sympy.Expr) -> sympy.Expr:
    # Shape symbols are >= 1: write each as 1 + u with u >= 0, so a polynomial with nonnegative coefficients in
    # the u's (e.g. s*s - s == u*u + u) is evidently nonnegative to sympy's assumption system.
    e = sympy.expand(e)
    subs = {s: _unit_shift(s) for s in e.free_symbols if isinstance(s, sympy.Symbol) and s.is_positive}
    return sympy.expand(e.xreplace(subs)) if subs else e


_SHIFTS: dict[sympy.Symbol, sympy.Expr] = {}


def _unit_shift(s: sympy.Symbol) -> sympy.Expr:
    if s not in _SHIFTS:
        _SHIFTS[s] = sympy.Dummy(f"{s.name}m1", integer=True, nonnegative=True) + 1
    return _SHIFTS[s]


def _nonneg(e: sympy.Expr) -> bool:
    """Provably ``e >= 0`` (False also means "could not tell")."""
    if e.is_number:
        return bool(e >= 0)
    return _shifted(e).is_nonnegative is True


def _positive(e: sympy.Expr) -> bool:
    if e.is_number:
        return bool(e > 0)
    return _shifted(e).is_positive is True


class Prover:
    """Decides facts about size arithmetic: structurally, else from the trace's ShapeEnv.

    The ShapeEnv knows what the trace's guards established (e.g. ``s0 >= 3`` after ``x[-3:]``); the graph is only
    valid under those guards anyway.
    """

    def __init__(self) -> None:
        self.shape_env: Any = None

    def learn(self, node: torch.fx.Node) -> None:
        """Adopt the ShapeEnv behind ``node``'s meta, unless one is known already."""
        if self.shape_env is None:
            self.shape_env = shape_env_of(node)

    def _guarded(self, cond: sympy.Basic) -> bool:
        # value ranges, then the guards as axioms
        return self.shape_env is not None and _compat.statically_true(self.shape_env, cond)

    def nonneg(self, e: sympy.Expr) -> bool:
        return _nonneg(e) or (not e.is_number and self._guarded(sympy.Ge(e, 0)))

    def positive(self, e: sympy.Expr) -> bool:
        return self.nonneg(e - 1)  # integers only

    def is_one(self, e: sympy.Expr) -> bool:
        """A size that is 1 for every shape the trace admits (e.g. ``(s0 - 1) // 3 + 1`` under ``s0 < 4``)."""
        return e == 1 or (not e.is_number and self._guarded(sympy.Eq(e, 1)))


def _bounds(e: sympy.Basic, ranges: Mapping[sympy.Symbol, sympy.Expr]) -> tuple[sympy.Expr, sympy.Expr] | None:
    """Inclusive lower and (possibly non-integral) upper bound of an index expression, or None."""
    if isinstance(e, sympy.Integer):
        return e, e
    if isinstance(e, sympy.Symbol):
        if e in ranges:
            return ZERO, ranges[e] - 1
        if e.is_integer and e.is_positive:
            return ONE, e
        if e.is_integer and e.is_nonnegative:
            return ZERO, e
        return None
    if isinstance(e, sympy.Add):
        parts = [_bounds(a, ranges) for a in e.args]
        if any(p is None for p in parts):
            return None
        return sympy.Add(*(p[0] for p in parts if p)), sympy.Add(*(p[1] for p in parts if p))
    if isinstance(e, sympy.Mul):
        coeff, factors = e.as_coeff_mul()
        lo: sympy.Expr = ONE
        hi: sympy.Expr = ONE
        for f in factors:
            b = _bounds(f, ranges)
            if b is None or not _nonneg(b[0]):
                return None
            lo, hi = lo * b[0], hi * b[1]
        return (coeff * lo, coeff * hi) if coeff >= 0 else (coeff * hi, coeff * lo)
    if isinstance(e, sympy.Pow) and isinstance(e.exp, sympy.Integer) and e.exp > 0:
        b = _bounds(e.base, ranges)
        return (b[0] ** e.exp, b[1] ** e.exp) if b is not None and _nonneg(b[0]) else None
    if isinstance(e, FloorDiv):
        a, d = _bounds(e.args[0], ranges), _bounds(e.args[1], ranges)
        if a is None or d is None or not _nonneg(a[0]) or not _nonneg(d[0] - 1):
            return None
        if all(x.is_Integer for x in (*a, *d)):
            return sympy.Integer(int(a[0]) // int(d[1])), sympy.Integer(int(a[1]) // int(d[0]))
        return ZERO, a[1] / d[0]
    if isinstance(e, ModularIndexing):
        a, m = _bounds(e.args[0], ranges), _bounds(e.args[2], ranges)
        # Only a nonnegative dividend has a C and a Python remainder in [0, m).
        if a is None or m is None or not _nonneg(a[0]) or not _nonneg(m[0] - 1):
            return None
        return ZERO, m[1] - 1
    if isinstance(e, Where | sympy.Max | sympy.Min):
        branches = e.args[1:] if isinstance(e, Where) else e.args
        bs = [_bounds(b, ranges) for b in branches]
        if any(b is None for b in bs):
            return None
        los, his = [b[0] for b in bs if b], [b[1] for b in bs if b]
        if isinstance(e, sympy.Min):
            return sympy.Min(*los), sympy.Min(*his)
        return (sympy.Min(*los) if isinstance(e, Where) else sympy.Max(*los)), sympy.Max(*his)
    return None


def _in_range(e: sympy.Expr, hi: sympy.Expr, ranges: Mapping[sympy.Symbol, sympy.Expr]) -> bool:
    """Provably ``0 <= e < hi``."""
    b = _bounds(e, ranges)
    return b is not None and _nonneg(b[0]) and _positive(hi - b[1])


def _div_parts(a: sympy.Expr, b: sympy.Expr, ranges: Ranges) -> tuple[sympy.Expr, sympy.Expr | None]:
    """``a // b`` as (exact part, rest) with ``a // b == exact + rest // b``; rest None when ``rest // b == 0``."""
    exact: list[sympy.Expr] = []
    rest: list[sympy.Expr] = []
    for t in sympy.Add.make_args(sympy.expand(a)):
        q = t / b
        if _is_int(q):
            exact.append(q)
        else:
            rest.append(t)
    r = sympy.Add(*rest)
    if not rest or _in_range(r, b, ranges):
        return sympy.Add(*exact), None
    return sympy.Add(*exact), r


def _floordiv(a: sympy.Expr, b: sympy.Expr, ranges: Ranges) -> sympy.Expr:
    """``a // b`` for nonnegative ``a``, the parts of ``a`` that ``b`` divides exactly taken out."""
    if b == 0:
        return ZERO  # a zero divisor only comes from an empty tensor, whose map is vacuous
    if b == 1:
        return a
    exact, rest = _div_parts(a, b, ranges)
    return exact if rest is None else exact + FloorDiv(rest, b)


def mod(a: sympy.Expr, b: sympy.Expr, m: sympy.Expr, ranges: Ranges) -> sympy.Expr:
    """``(a // b) % m`` for nonnegative ``a``."""
    if m == 1 or m == 0 or b == 0:
        return ZERO  # m == 0 / b == 0: empty tensor, vacuous
    exact, rest = _div_parts(a, b, ranges) if b != 1 else (a, None)
    if rest is None:
        keep = sympy.Add(*(t for t in sympy.Add.make_args(sympy.expand(exact)) if not _is_int(t / m)))
        if _in_range(keep, m, ranges):
            return keep
        if isinstance(keep, ModularIndexing) and _is_int(sympy.cancel(keep.args[2] / m)):
            return mod(keep.args[0], keep.args[1], m, ranges)  # (y % km) % m == y % m
        return ModularIndexing(keep, 1, m)
    # Terms that are multiples of b*m do not change (a // b) % m.
    bm = b * m
    keep = sympy.Add(*(t for t in sympy.Add.make_args(sympy.expand(a)) if not _is_int(t / bm)))
    return ModularIndexing(keep, b, m)


def prod(xs: Sequence[sympy.Expr]) -> sympy.Expr:
    """The product of ``xs`` (1 when empty)."""
    return sympy.Mul(*xs) if xs else ONE


def ravel(idx: Sequence[sympy.Expr], sizes: Sequence[sympy.Expr]) -> sympy.Expr:
    """Row-major flat offset of the multi-index ``idx`` in ``sizes``."""
    return sympy.Add(*(e * prod(sizes[d + 1 :]) for d, e in enumerate(idx)))


def _unravel(flat: sympy.Expr, sizes: Sequence[sympy.Expr], ranges: Ranges) -> list[sympy.Expr]:
    """Row-major multi-index of ``flat``, assumed to lie in ``[0, prod(sizes))``."""
    out = []
    for d, s in enumerate(sizes):
        inner = prod(sizes[d + 1 :])
        out.append(_floordiv(flat, inner, ranges) if d == 0 else mod(flat, inner, s, ranges))
    return out


def reshape(idx: Sequence[sympy.Expr], out: Sizes, ins: Sizes, ranges: Ranges) -> list[sympy.Expr]:
    """Row-major reshape from ``ins`` to ``out`` (equal numel), input index of output index ``idx``.

    Dims are split into groups whose size products agree: within a group the flat index is unravelled, across
    groups indices pass through, which keeps e.g. ``[a, b*c] -> [a, b, c]`` free of a divide by ``b*c``.
    """
    if any(s == 0 for s in out):
        return [ZERO] * len(ins)  # empty: any map is valid
    res: list[sympy.Expr] = [ZERO] * len(ins)  # size-1 input dims stay at 0
    o = [(e, s) for e, s in zip(idx, out, strict=True) if s != 1]
    p = [k for k, s in enumerate(ins) if s != 1]
    groups: list[tuple[list[tuple[sympy.Expr, sympy.Expr]], list[int]]] = []
    i = j = 0
    while i < len(o) and j < len(p):
        gi, gj = i + 1, j + 1
        po, pi = o[i][1], ins[p[j]]
        while not eq(po, pi):
            if po.is_Integer and pi.is_Integer:
                grow_out, grow_in = bool(po < pi), bool(pi < po)
            else:
                grow_out, grow_in = _is_int(sympy.cancel(pi / po)), _is_int(sympy.cancel(po / pi))
            if grow_out and gi < len(o):
                po, gi = po * o[gi][1], gi + 1
            elif grow_in and gj < len(p):
                pi, gj = pi * ins[p[gj]], gj + 1
            else:  # cannot line the products up: one group for everything left
                gi, gj = len(o), len(p)
                break
        groups.append((o[i:gi], p[j:gj]))
        i, j = gi, gj
    if i < len(o) or j < len(p):  # leftovers have product 1; folding them into the last group is exact
        last_o, last_p = groups.pop() if groups else ([], [])
        groups.append((last_o + o[i:], last_p + p[j:]))
    for go, gp in groups:
        # Re-joining digits first turns e.g. a flatten of an unflatten back into the plain flat index.
        flat = join_digits(ravel([e for e, _ in go], [s for _, s in go]), ranges)
        for k, e in zip(gp, _unravel(flat, [ins[k] for k in gp], ranges), strict=True):
            res[k] = e
    return res


def _only_factor(t: sympy.Expr, kinds: tuple[type, ...]) -> sympy.Expr | None:
    found = [f for f in sympy.Mul.make_args(t) if isinstance(f, kinds)]
    return found[0] if len(found) == 1 else None


def join_digits(e: sympy.Expr, ranges: Ranges) -> sympy.Expr:
    """Fold adjacent digits of a mixed-radix number together (inductor's ``join_dimensions``).

    ``c*MI(x, b, m) + c*m*MI(x, b*m, n) -> c*MI(x, b, m*n)`` and ``c*MI(x, b, m) + c*m*(x // (b*m)) -> c*(x // b)``,
    until nothing folds; ``x // 1`` is ``x``.
    """
    terms = list(sympy.Add.make_args(sympy.expand(e)))
    for _ in range(64):  # each fold shrinks the expression; the cap only bounds pathological inputs
        folded = _fold_once(terms, ranges)
        if folded is None:
            break
        terms = folded
    return sympy.Add(*terms)


def _fold_once(terms: list[sympy.Expr], ranges: Ranges) -> list[sympy.Expr] | None:
    for t in terms:
        f = _only_factor(t, (ModularIndexing,))
        if f is None:
            continue
        x, b, m = f.args
        c = t / f
        for u in terms:
            g = _only_factor(u, (ModularIndexing, FloorDiv)) if u is not t else None
            if g is None or g.args[0] != x or not eq(g.args[1], b * m) or not eq(u / g, c * m):
                continue
            joined = mod(x, b, m * g.args[2], ranges) if isinstance(g, ModularIndexing) else _floordiv(x, b, ranges)
            rest = [v for v in terms if v is not t and v is not u]
            return rest + list(sympy.Add.make_args(sympy.expand(c * joined)))
    return None
