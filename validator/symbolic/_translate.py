"""Pure-integer translation of sympy / TorchInductor index arithmetic to Z3.

Every supported function gets its own exact semantics, matching what sympy computes when the
function is evaluated on integer arguments (that is what a counterexample is replayed against):

* ``FloorDiv``, ``ModularIndexing``, ``PythonMod`` and ``sympy.Mod`` round like Python (towards
  -inf, remainder has the divisor's sign).  Z3's ``div``/``mod`` are Euclidean, which agrees only for a
  positive divisor, so other divisors are rewritten through ``a // b == (-a) // (-b)``.
* Partial functions add a *definedness condition* (divisor != 0, ``Mod``'s ``p >= 0, q >= 1``
  contract, ``CleanDiv`` being exact, ...).  Definedness is strict: a sub-term inside an untaken
  ``Where``/``Piecewise`` branch must be defined too, as sympy evaluates every argument.
* The float-based rounding functions (``CeilToInt``, ``TruncToInt``, ``RoundToInt``, ``FloorToInt`` of
  a fraction, and anything of ``IntTrueDiv``) are modelled exactly; they agree with sympy's float
  evaluation only while the numerator is small, which is recorded in ``assumptions``.

Anything else raises :class:`Unsupported`, so it can never be part of a proof.

The arithmetic the handlers build on is in ``_z3_arith``; the concrete evaluation that replays a
counterexample under the same contracts, :func:`evaluate`, in ``_evaluate`` (both re-exported here).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from functools import reduce
from typing import Any

import sympy
import torch.utils._sympy.functions as tf
import z3  # type: ignore[import-untyped]
from sympy.core.kind import BooleanKind

from ._evaluate import evaluate
from ._z3_arith import (
    EXACT_FRACTION,
    EXACT_INT,
    Term,
    Unsupported,
    absolute,
    ceil_q,
    const,
    floor_q,
    floordiv,
    fname,
    is_one,
    nonzero,
    power,
    pymod,
    round_q,
    trunc_q,
)

__all__ = ["SUPPORTED", "Term", "Unsupported", "Z3Translator", "evaluate"]


class Z3Translator:
    """Translate sympy expressions to Z3 terms, memoised per sub-expression.

    ``definedness`` collects the conditions under which the translated expressions are defined;
    ``assumptions`` the conditions under which float-based rounding agrees with the exact model.
    Translators that share a ``symbols`` dict share Z3 variables (one translator per side keeps
    each side's definedness apart).
    """

    def __init__(self, symbols: dict[sympy.Symbol, Term] | None = None) -> None:
        self.symbols: dict[sympy.Symbol, Term] = symbols if symbols is not None else {}
        self.definedness: list[Term] = []
        self.assumptions: list[Term] = []
        self._memo: dict[sympy.Basic, Term] = {}

    def translate(self, expr: Any) -> Term:
        expr = sympy.sympify(expr)
        hit = self._memo.get(expr)
        if hit is None:
            hit = self._translate(expr)
            self._memo[expr] = hit
        return hit

    # -- helpers ------------------------------------------------------------------------------
    def int_(self, expr: sympy.Basic, where: str) -> Term:
        t = self.translate(expr)
        if not z3.is_int(t):
            raise Unsupported(where, f"boolean argument {expr}")
        return t

    def bool_(self, expr: sympy.Basic, where: str) -> Term:
        t = self.translate(expr)
        if not z3.is_bool(t):
            raise Unsupported(where, f"integer used as a condition: {expr}")
        return t

    def ints(self, expr: sympy.Basic) -> list[Term]:
        return [self.int_(a, fname(expr)) for a in expr.args]

    def require(self, cond: Term) -> None:
        if not z3.is_true(cond):
            self.definedness.append(cond)

    def assume(self, cond: Term) -> None:
        if not z3.is_true(cond):
            self.assumptions.append(cond)

    def _symbol(self, s: sympy.Symbol) -> Term:
        v = self.symbols.get(s)
        if v is None:
            # Distinct sympy symbols may share a name (different assumptions): keep them apart.
            taken = {str(t) for t in self.symbols.values()}
            name, k = s.name, 1
            while name in taken:
                name, k = f"{s.name}!{k}", k + 1
            v = self.symbols[s] = z3.Int(name)
        return v

    def _translate(self, expr: sympy.Basic) -> Term:
        if isinstance(expr, sympy.Symbol):
            return self._symbol(expr)
        if isinstance(expr, sympy.Integer):
            return z3.IntVal(int(expr))
        if expr is sympy.true or expr is sympy.false:
            return z3.BoolVal(bool(expr))
        if isinstance(expr, sympy.Rational | sympy.Float):
            raise Unsupported("Rational" if isinstance(expr, sympy.Rational) else "Float", str(expr))
        handler = _HANDLERS.get(type(expr))
        if handler is None:
            # oo, int_oo, nan, BitwiseFn_*, OpaqueUnaryFn_*, FloatTrueDiv, unknown functions, ...
            raise Unsupported(fname(expr))
        return handler(self, expr)

    # -- fractions (arguments of the rounding functions) -------------------------------------
    def fraction(self, expr: sympy.Basic, where: str) -> tuple[Term, Any, bool]:
        """``expr`` as (numerator, positive denominator, came-from-a-float).

        Supports rationals, ``IntTrueDiv`` and Add/Mul of those with integer terms (exact in
        sympy); a float inside Add/Mul would round again, so that is unsupported.
        """
        if isinstance(expr, tf.IntTrueDiv):
            a, b = self.int_(expr.args[0], "IntTrueDiv"), self.int_(expr.args[1], "IntTrueDiv")
            self.require(nonzero(b))
            cb = const(b)
            if cb is not None and cb != 0:
                return (a if cb > 0 else -a), abs(cb), True
            return z3.If(b > 0, a, -a), absolute(b), True
        if isinstance(expr, sympy.Rational):
            return z3.IntVal(int(expr.p)), int(expr.q), False
        if isinstance(expr, sympy.Add | sympy.Mul):
            parts = [self.fraction(a, where) for a in expr.args]
            if all(is_one(d) and not fl for _, d, fl in parts):
                return self.int_(expr, where), 1, False
            if any(fl for _, _, fl in parts) or not all(isinstance(d, int) for _, d, _ in parts):
                raise Unsupported("IntTrueDiv", f"float arithmetic inside {where}")
            if isinstance(expr, sympy.Mul):
                return reduce(lambda x, y: x * y, [n for n, _, _ in parts]), math.prod(d for _, d, _ in parts), False
            lcm = math.lcm(*(d for _, d, _ in parts))
            return z3.Sum(*[n * (lcm // d) for n, d, _ in parts]), lcm, False
        return self.int_(expr, where), 1, False

    def rounding(self, expr: sympy.Basic, op: Callable[[Term, Any], Term], float_based: bool) -> Term:
        n, d, floaty = self.fraction(expr.args[0], fname(expr))
        if floaty or (float_based and not (is_one(d) and isinstance(expr, tf.FloorToInt))):
            self.assume(absolute(n) <= EXACT_INT if is_one(d) else absolute(n) < EXACT_FRACTION)
        return op(n, d)

    def pow_by_natural(self, base: Term, exp: Term) -> Term:
        """torch's PowByNatural: exp >= 0, and sympy yields int_oo once |result| > sys.maxsize."""
        self.require(exp >= 0)
        ce = const(exp)
        value = power(base, ce) if ce is not None and ce >= 0 else z3.If(exp == 0, 1, base**exp)
        self.require(absolute(value) <= sys.maxsize)
        return value


# -- handlers ----------------------------------------------------------------------------------
Handler = Callable[[Z3Translator, Any], Term]


def _add(t: Z3Translator, e: sympy.Add) -> Term:
    return z3.Sum(*t.ints(e))


def _mul(t: Z3Translator, e: sympy.Mul) -> Term:
    return reduce(lambda x, y: x * y, t.ints(e))


def _pow(t: Z3Translator, e: sympy.Pow) -> Term:
    base, exp = e.args
    if not (isinstance(exp, sympy.Integer) and exp >= 0):
        raise Unsupported("Pow", f"exponent {exp} is not a non-negative integer")
    return power(t.int_(base, "Pow"), int(exp))


def _relational(op: Callable[[Term, Term], Term], bools_ok: bool) -> Handler:
    def handle(t: Z3Translator, e: sympy.Basic) -> Term:
        name = fname(e)
        if bools_ok and e.args[0].kind is BooleanKind:
            return op(t.bool_(e.args[0], name), t.bool_(e.args[1], name))
        # Exact rational comparison: sympy solves conditions into forms like ``y <= 7/2``.
        (an, ad, af), (bn, bd, bf) = t.fraction(e.args[0], name), t.fraction(e.args[1], name)
        if af or bf:
            raise Unsupported("IntTrueDiv", f"float comparison in {name}")
        return op(an, bn) if is_one(ad) and is_one(bd) else op(an * bd, bn * ad)

    return handle


def _logic(op: Callable[..., Term]) -> Handler:
    return lambda t, e: op(*[t.bool_(a, fname(e)) for a in e.args])


def _minmax(pick_first: Callable[[Term, Term], Term]) -> Handler:
    def handle(t: Z3Translator, e: sympy.Basic) -> Term:
        return reduce(lambda m, a: z3.If(pick_first(a, m), a, m), t.ints(e))

    return handle


def _ite(c: Term, a: Term, b: Term, where: str) -> Term:
    if a.sort() != b.sort():
        raise Unsupported(where, "branches of different types")
    return z3.If(c, a, b)


def _where(t: Z3Translator, e: Any) -> Term:
    c = t.bool_(e.args[0], "Where")
    return _ite(c, t.translate(e.args[1]), t.translate(e.args[2]), "Where")


def _piecewise(t: Z3Translator, e: sympy.Piecewise) -> Term:
    pairs = [(t.translate(v), t.bool_(c, "Piecewise")) for v, c in e.args]
    if not pairs:  # Piecewise(evaluate=False) drops false branches; sympy evaluates it to nan
        t.require(z3.BoolVal(False))
        return z3.IntVal(0)
    t.require(z3.Or(*[c for _, c in pairs]))  # no branch applies -> sympy gives nan
    acc = pairs[-1][0]
    for v, c in reversed(pairs[:-1]):
        acc = _ite(c, v, acc, "Piecewise")
    if acc.sort() != pairs[-1][0].sort():
        raise Unsupported("Piecewise", "branches of different types")
    return acc


def _division(op: Callable[[Term, Term], Term], *, exact: bool = False) -> Handler:
    """A two-argument division-like function: defined for a nonzero divisor (and, if ``exact``, no remainder)."""

    def handle(t: Z3Translator, e: Any) -> Term:
        a, b = t.ints(e)
        t.require(nonzero(b))
        if exact:
            t.require(pymod(a, b) == 0)
        return op(a, b)

    return handle


def _ceildiv(a: Term, b: Term) -> Term:
    # torch 2.13's CeilDiv.__new__ returns CleanDiv(a, b) or FloorDiv(a + b - 1, b), so instances do
    # not exist; if one ever does, give it that constructor's meaning (a ceiling only for b > 0).
    return floordiv(a + b - 1, b)


def _modular_indexing(t: Z3Translator, e: Any) -> Term:
    """(a // b) % c with Python rounding (sympy evaluates it on Integers; the docstring's "C modulus"
    is what Triton/C++ codegen computes, and differs for negative operands)."""
    a, b, c = t.ints(e)
    t.require(nonzero(b))
    t.require(nonzero(c))
    return pymod(floordiv(a, b), c)


def _torch_mod(t: Z3Translator, e: Any) -> Term:
    """torch's Mod is only defined on non-negative arguments (its eval asserts p >= 0, q >= 1)."""
    a, b = t.ints(e)
    t.require(a >= 0)
    t.require(b >= 1)
    return a % b


def _int_true_div(t: Z3Translator, e: Any) -> Term:
    raise Unsupported("IntTrueDiv", "a float; only supported directly under a rounding function")


def _pow_by_natural(t: Z3Translator, e: Any) -> Term:
    base, exp = t.ints(e)
    return t.pow_by_natural(base, exp)


def _lshift(t: Z3Translator, e: Any) -> Term:
    a, s = t.ints(e)
    return a * t.pow_by_natural(z3.IntVal(2), s)


def _rshift(t: Z3Translator, e: Any) -> Term:
    a, s = t.ints(e)
    return floordiv(a, t.pow_by_natural(z3.IntVal(2), s))


def _rounder(op: Callable[[Term, Any], Term], float_based: bool) -> Handler:
    return lambda t, e: t.rounding(e, op, float_based)


_HANDLERS: dict[type, Handler] = {
    sympy.Add: _add,
    sympy.Mul: _mul,
    sympy.Pow: _pow,
    sympy.Eq: _relational(lambda a, b: a == b, bools_ok=True),
    sympy.Ne: _relational(lambda a, b: a != b, bools_ok=True),
    sympy.Lt: _relational(lambda a, b: a < b, bools_ok=False),
    sympy.Le: _relational(lambda a, b: a <= b, bools_ok=False),
    sympy.Gt: _relational(lambda a, b: a > b, bools_ok=False),
    sympy.Ge: _relational(lambda a, b: a >= b, bools_ok=False),
    sympy.And: _logic(z3.And),
    sympy.Or: _logic(z3.Or),
    sympy.Not: _logic(z3.Not),
    sympy.Xor: _logic(lambda *xs: reduce(z3.Xor, xs)),
    sympy.Implies: _logic(z3.Implies),
    sympy.Equivalent: _logic(lambda *xs: z3.And(*[x == xs[0] for x in xs[1:]])),
    sympy.ITE: _logic(z3.If),
    sympy.Piecewise: _piecewise,
    sympy.Min: _minmax(lambda a, m: a < m),
    sympy.Max: _minmax(lambda a, m: a > m),
    tf.Min: _minmax(lambda a, m: a < m),
    tf.Max: _minmax(lambda a, m: a > m),
    sympy.Abs: lambda t, e: absolute(t.int_(e.args[0], "Abs")),
    sympy.floor: _rounder(floor_q, float_based=False),
    sympy.ceiling: _rounder(ceil_q, float_based=False),
    sympy.Mod: _division(pymod),
    tf.FloorDiv: _division(floordiv),
    # FloorDiv whose rounding inductor may assume away: defined only when exact.
    tf.CleanDiv: _division(floordiv, exact=True),
    tf.CeilDiv: _division(_ceildiv),
    tf.ModularIndexing: _modular_indexing,
    tf.PythonMod: _division(pymod),
    tf.Mod: _torch_mod,
    tf.Where: _where,
    tf.Identity: lambda t, e: t.translate(e.args[0]),
    tf.CeilToInt: _rounder(ceil_q, float_based=True),
    tf.FloorToInt: _rounder(floor_q, float_based=True),
    tf.TruncToInt: _rounder(trunc_q, float_based=True),
    tf.RoundToInt: _rounder(round_q, float_based=True),
    tf.IntTrueDiv: _int_true_div,
    tf.PowByNatural: _pow_by_natural,
    tf.LShift: _lshift,
    tf.RShift: _rshift,
}

SUPPORTED: frozenset[str] = frozenset(c.__name__ for c in _HANDLERS if c is not tf.IntTrueDiv)
