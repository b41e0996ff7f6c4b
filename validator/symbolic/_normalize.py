"""Proof by normalisation for index identities Z3's nonlinear integer reasoning times out on.

Typical case (dynamic shapes): ``s1*ModularIndexing(q, s1*s2, s3) + ModularIndexing(q, s2, s1)``
vs ``q // s2`` with ``0 <= q < s1*s2*s3``. Z3 cannot prove it (products of unknowns), yet it is
mechanical once ``q`` is split in mixed radix, ``q = x + s2*(y + s1*z)`` with ``0 <= x < s2``,
``0 <= y < s1``, ``0 <= z < s3`` (a bijection onto the loop range). Every step below is an
identity, or a reduction whose side condition we check soundly:

* ``(d*Q + R) // d == Q + R // d`` for any integer ``Q`` and ``d != 0`` (Python floor division);
* ``(m*Q + R) % m == R % m``;
* ``R // d == 0`` and ``R % d == R`` when ``0 <= R < d``, checked by monotonicity: ``R`` is a
  polynomial with positive coefficients in non-negative variables, so its maximum is at the
  variables' upper bounds, and ``d - 1 - max(R)`` expands to a polynomial with non-negative
  coefficients in non-negative symbols.

If both sides normalise to the same polynomial, the identity holds on the whole domain. Anything
this cannot show is left to the solver's verdict; this never refutes.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import sympy
from torch.utils._sympy.functions import CleanDiv, FloorDiv, ModularIndexing, PythonMod

from ._domain import Domain

_MAX_ORDERINGS = 48


class _Normaliser:
    def __init__(self, lower: Mapping[sympy.Symbol, int], upper: Mapping[sympy.Symbol, sympy.Expr]) -> None:
        self.lower = lower  # known lower bounds (>= 0 only)
        self.upper = upper  # exclusive upper bounds of bounded variables

    def nonneg_symbol(self, s: sympy.Basic) -> bool:
        return isinstance(s, sympy.Symbol) and self.lower.get(s, -1) >= 0

    def positive(self, d: sympy.Expr) -> bool:
        """d is a product of a positive integer and symbols known to be >= 1."""
        coeff, rest = d.as_coeff_Mul()
        if coeff <= 0:
            return False
        factors = [f for f in sympy.Mul.make_args(rest) if f != 1]
        return all(isinstance(f, sympy.Symbol) and self.lower.get(f, 0) >= 1 for f in factors)

    def nonneg_poly(self, p: sympy.Expr) -> bool:
        """Every term has a positive coefficient and non-negative symbols only."""
        p = sympy.expand(p)
        if p.is_Integer:
            return bool(p >= 0)
        for t in sympy.Add.make_args(p):
            c, rest = t.as_coeff_Mul()
            if c < 0 or not all(self.nonneg_symbol(s) for s in rest.free_symbols):
                return False
            if any(not (f.is_Symbol or (f.is_Pow and f.base.is_Symbol and f.exp.is_Integer and f.exp > 0))
                   for f in sympy.Mul.make_args(rest) if f != 1):
                return False
        return True

    def below(self, r: sympy.Expr, d: sympy.Expr) -> bool:
        """0 <= r < d on the domain (sufficient check, see module docstring)."""
        if not self.nonneg_poly(r):
            return False
        top = r.xreplace({v: u - 1 for v, u in self.upper.items() if v in r.free_symbols})
        return self.nonneg_poly(sympy.expand(d - 1 - top))

    @staticmethod
    def split(p: sympy.Expr, d: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
        """p == d*q + r with q, r polynomials: the terms of p divisible by the monomial d go to q."""
        q, r = sympy.S.Zero, sympy.S.Zero
        for t in sympy.Add.make_args(sympy.expand(p)):
            num, den = sympy.fraction(sympy.cancel(t / d))
            if den == 1 and not num.has(FloorDiv, ModularIndexing):
                q += num
            else:
                r += t
        return q, r

    def floordiv(self, p: sympy.Expr, d: sympy.Expr) -> sympy.Expr:
        if not self.positive(d):
            return FloorDiv(p, d)
        q, r = self.split(p, d)
        if r == 0 or self.below(r, d):
            return q
        return q + FloorDiv(r, d)

    def mod(self, p: sympy.Expr, m: sympy.Expr) -> sympy.Expr:
        if not self.positive(m):
            return PythonMod(p, m)
        _, r = self.split(p, m)
        if self.below(r, m):
            return r
        return PythonMod(r, m)

    def __call__(self, e: sympy.Basic) -> sympy.Expr:
        if not isinstance(e, sympy.Basic) or not e.args:
            return e  # type: ignore[return-value]
        args = [self(a) for a in e.args]
        if not isinstance(e, sympy.Expr):
            return e.func(*args)  # type: ignore[no-any-return]
        if isinstance(e, FloorDiv | CleanDiv):
            return self.floordiv(args[0], args[1])
        if isinstance(e, ModularIndexing):
            return self.mod(self.floordiv(args[0], args[1]), args[2])
        if isinstance(e, PythonMod):
            return self.mod(args[0], args[1])
        return sympy.expand(e.func(*args))


def _bounds(domain: Domain) -> tuple[dict[sympy.Symbol, int], dict[sympy.Symbol, sympy.Expr]]:
    lower = {s: lo for s, (lo, _) in domain.bounds.items() if lo is not None and lo >= 0}
    upper: dict[sympy.Symbol, sympy.Expr] = {
        s: sympy.Integer(hi + 1) for s, (_, hi) in domain.bounds.items() if hi is not None
    }
    for f in domain.facts:
        if isinstance(f, sympy.StrictLessThan) and isinstance(f.lhs, sympy.Symbol) and f.lhs in lower:
            upper[f.lhs] = f.rhs
    return lower, upper


def prove_by_normalisation(lhs: sympy.Expr, rhs: sympy.Expr, domain: Domain) -> str | None:
    """A reason string if ``lhs == rhs`` on ``domain`` is shown by normalisation, else None."""
    lower, upper = _bounds(domain)
    # Loop variables whose range is a product of several factors get a mixed-radix split; the
    # order of the factors matters, so try each (a bijection whichever order is used).
    splittable = {
        v: [f for f in sympy.Mul.make_args(u) if f != 1]
        for v, u in upper.items()
        if v in (lhs.free_symbols | rhs.free_symbols) and len(sympy.Mul.make_args(u)) > 1
    }
    if any(not all((f.is_Symbol and lower.get(f, 0) >= 1) or (f.is_Integer and f > 0) for f in fs)
           for fs in splittable.values()):
        splittable = {}
    choices = [list(itertools.permutations(fs)) for fs in splittable.values()]
    for n, orders in enumerate(itertools.product(*choices) if choices else [()]):
        if n >= _MAX_ORDERINGS:
            break
        sub: dict[sympy.Symbol, sympy.Expr] = {}
        lo2, up2 = dict(lower), dict(upper)
        for (v, _), order in zip(splittable.items(), orders, strict=True):
            value, scale = sympy.S.Zero, sympy.S.One
            for k, f in enumerate(order):
                digit = sympy.Symbol(f"{v.name}_r{k}", integer=True, nonnegative=True)
                lo2[digit], up2[digit] = 0, f
                value += scale * digit
                scale *= f
            sub[v] = value
            up2.pop(v, None)
        norm = _Normaliser(lo2, up2)
        a, b = norm(lhs.xreplace(sub)), norm(rhs.xreplace(sub))
        if sympy.expand(a - b) == 0:
            how = ", ".join(f"{v} over {tuple(o)}" for (v, _), o in zip(splittable.items(), orders, strict=True))
            return "by normalisation" + (f" (mixed-radix split of {how})" if how else "")
    return None
