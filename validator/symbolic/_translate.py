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
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from functools import reduce
from typing import Any

import sympy
import torch.utils._sympy.functions as tf
import z3  # type: ignore[import-untyped]
from sympy.core.kind import BooleanKind

Term = Any  # z3.ExprRef (z3 ships no type stubs)

# Float-based rounding is exact (equals the rational result) while |numerator| stays below these:
# integers up to 2**53 are exact doubles, and a fraction n/d with |n| < 2**52 cannot round onto or
# across an integer or half-integer.
_EXACT_INT = 2**53
_EXACT_FRACTION = 2**52


class Unsupported(Exception):
    """An expression we do not model; ``name`` is the sympy class/function name."""

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(f"{name}: {detail}" if detail else name)
        self.name = name


def _fname(expr: sympy.Basic) -> str:
    return type(expr).__name__


def _const(t: Term) -> int | None:
    return t.as_long() if z3.is_int_value(t) else None


def floordiv(a: Term, b: Term) -> Term:
    """Python ``a // b`` for b != 0 (Euclidean ``div`` equals floor only for b > 0)."""
    ca, cb = _const(a), _const(b)
    if cb:
        if ca is not None:
            return z3.IntVal(ca // cb)
        return a / cb if cb > 0 else (-a) / -cb
    return z3.If(b > 0, a / b, (-a) / (-b))


def pymod(a: Term, b: Term) -> Term:
    """Python ``a % b`` for b != 0: the remainder takes the sign of the divisor."""
    ca, cb = _const(a), _const(b)
    if cb:
        if ca is not None:
            return z3.IntVal(ca % cb)
        return a % cb if cb > 0 else -((-a) % -cb)
    return z3.If(b > 0, a % b, -((-a) % (-b)))


def _abs(a: Term) -> Term:
    c = _const(a)
    return z3.IntVal(abs(c)) if c is not None else z3.If(a >= 0, a, -a)


def _nonzero(b: Term) -> Term:
    c = _const(b)
    return z3.BoolVal(c != 0) if c is not None else b != 0


_MAX_EXPONENT = 1024  # a literal power beyond this is not index arithmetic; refuse rather than build it


def _power(base: Term, exp: int) -> Term:
    """base**exp by repeated squaring (O(log exp) terms)."""
    if exp > _MAX_EXPONENT:
        raise Unsupported("Pow", f"exponent {exp} > {_MAX_EXPONENT}")
    result, square = z3.IntVal(1), base
    while exp:
        if exp & 1:
            result = square if _const(result) == 1 else result * square
        exp >>= 1
        if exp:
            square = square * square
    return result


# Rounding of a fraction n/d with d > 0 (d a Python int or a Z3 term known positive).
def _floor_q(n: Term, d: Term) -> Term:
    return n if _is_one(d) else n / d


def _ceil_q(n: Term, d: Term) -> Term:
    return n if _is_one(d) else -((-n) / d)


def _trunc_q(n: Term, d: Term) -> Term:
    return n if _is_one(d) else z3.If(n >= 0, n / d, -((-n) / d))


def _round_q(n: Term, d: Term) -> Term:
    """Round half to even, like Python's ``round``."""
    if _is_one(d):
        return n
    q, r = n / d, n % d
    return z3.If(2 * r < d, q, z3.If(2 * r > d, q + 1, q + q % 2))


def _is_one(d: Term) -> bool:
    return isinstance(d, int) and d == 1


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
        return [self.int_(a, _fname(expr)) for a in expr.args]

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
            raise Unsupported(_fname(expr))
        return handler(self, expr)

    # -- fractions (arguments of the rounding functions) -------------------------------------
    def fraction(self, expr: sympy.Basic, where: str) -> tuple[Term, Any, bool]:
        """``expr`` as (numerator, positive denominator, came-from-a-float).

        Supports rationals, ``IntTrueDiv`` and Add/Mul of those with integer terms (exact in
        sympy); a float inside Add/Mul would round again, so that is unsupported.
        """
        if isinstance(expr, tf.IntTrueDiv):
            a, b = self.int_(expr.args[0], "IntTrueDiv"), self.int_(expr.args[1], "IntTrueDiv")
            self.require(_nonzero(b))
            cb = _const(b)
            if cb is not None and cb != 0:
                return (a if cb > 0 else -a), abs(cb), True
            return z3.If(b > 0, a, -a), _abs(b), True
        if isinstance(expr, sympy.Rational):
            return z3.IntVal(int(expr.p)), int(expr.q), False
        if isinstance(expr, sympy.Add | sympy.Mul):
            parts = [self.fraction(a, where) for a in expr.args]
            if all(_is_one(d) and not fl for _, d, fl in parts):
                return self.int_(expr, where), 1, False
            if any(fl for _, _, fl in parts) or not all(isinstance(d, int) for _, d, _ in parts):
                raise Unsupported("IntTrueDiv", f"float arithmetic inside {where}")
            if isinstance(expr, sympy.Mul):
                return reduce(lambda x, y: x * y, [n for n, _, _ in parts]), math.prod(d for _, d, _ in parts), False
            lcm = math.lcm(*(d for _, d, _ in parts))
            return z3.Sum(*[n * (lcm // d) for n, d, _ in parts]), lcm, False
        return self.int_(expr, where), 1, False

    def rounding(self, expr: sympy.Basic, op: Callable[[Term, Any], Term], float_based: bool) -> Term:
        n, d, floaty = self.fraction(expr.args[0], _fname(expr))
        if floaty or (float_based and not (_is_one(d) and isinstance(expr, tf.FloorToInt))):
            self.assume(_abs(n) <= _EXACT_INT if _is_one(d) else _abs(n) < _EXACT_FRACTION)
        return op(n, d)

    def pow_by_natural(self, base: Term, exp: Term) -> Term:
        """torch's PowByNatural: exp >= 0, and sympy yields int_oo once |result| > sys.maxsize."""
        self.require(exp >= 0)
        ce = _const(exp)
        value = _power(base, ce) if ce is not None and ce >= 0 else z3.If(exp == 0, 1, base**exp)
        self.require(_abs(value) <= sys.maxsize)
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
    return _power(t.int_(base, "Pow"), int(exp))


def _relational(op: Callable[[Term, Term], Term], bools_ok: bool) -> Handler:
    def handle(t: Z3Translator, e: sympy.Basic) -> Term:
        name = _fname(e)
        if bools_ok and e.args[0].kind is BooleanKind:
            return op(t.bool_(e.args[0], name), t.bool_(e.args[1], name))
        # Exact rational comparison: sympy solves conditions into forms like ``y <= 7/2``.
        (an, ad, af), (bn, bd, bf) = t.fraction(e.args[0], name), t.fraction(e.args[1], name)
        if af or bf:
            raise Unsupported("IntTrueDiv", f"float comparison in {name}")
        return op(an, bn) if _is_one(ad) and _is_one(bd) else op(an * bd, bn * ad)

    return handle


def _logic(op: Callable[..., Term]) -> Handler:
    return lambda t, e: op(*[t.bool_(a, _fname(e)) for a in e.args])


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


def _floordiv(t: Z3Translator, e: Any) -> Term:
    a, b = t.ints(e)
    t.require(_nonzero(b))
    return floordiv(a, b)


def _cleandiv(t: Z3Translator, e: Any) -> Term:
    """FloorDiv whose rounding inductor may assume away: defined only when exact."""
    a, b = t.ints(e)
    t.require(_nonzero(b))
    t.require(pymod(a, b) == 0)
    return floordiv(a, b)


def _ceildiv(t: Z3Translator, e: Any) -> Term:
    # torch 2.13's CeilDiv.__new__ returns CleanDiv(a, b) or FloorDiv(a + b - 1, b), so instances do
    # not exist; if one ever does, give it that constructor's meaning (a ceiling only for b > 0).
    a, b = t.ints(e)
    t.require(_nonzero(b))
    return floordiv(a + b - 1, b)


def _modular_indexing(t: Z3Translator, e: Any) -> Term:
    """(a // b) % c with Python rounding (sympy evaluates it on Integers; the docstring's "C modulus"
    is what Triton/C++ codegen computes, and differs for negative operands)."""
    a, b, c = t.ints(e)
    t.require(_nonzero(b))
    t.require(_nonzero(c))
    return pymod(floordiv(a, b), c)


def _python_mod(t: Z3Translator, e: Any) -> Term:
    a, b = t.ints(e)
    t.require(_nonzero(b))
    return pymod(a, b)


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
    sympy.Abs: lambda t, e: _abs(t.int_(e.args[0], "Abs")),
    sympy.floor: _rounder(_floor_q, float_based=False),
    sympy.ceiling: _rounder(_ceil_q, float_based=False),
    sympy.Mod: _python_mod,
    tf.FloorDiv: _floordiv,
    tf.CleanDiv: _cleandiv,
    tf.CeilDiv: _ceildiv,
    tf.ModularIndexing: _modular_indexing,
    tf.PythonMod: _python_mod,
    tf.Mod: _torch_mod,
    tf.Where: _where,
    tf.Identity: lambda t, e: t.translate(e.args[0]),
    tf.CeilToInt: _rounder(_ceil_q, float_based=True),
    tf.FloorToInt: _rounder(_floor_q, float_based=True),
    tf.TruncToInt: _rounder(_trunc_q, float_based=True),
    tf.RoundToInt: _rounder(_round_q, float_based=True),
    tf.IntTrueDiv: _int_true_div,
    tf.PowByNatural: _pow_by_natural,
    tf.LShift: _lshift,
    tf.RShift: _rshift,
}

SUPPORTED: frozenset[str] = frozenset(c.__name__ for c in _HANDLERS if c is not tf.IntTrueDiv)


# -- the same contracts, checked concretely (for replaying counterexamples) -------------------
def _ints(values: list[sympy.Basic]) -> list[int] | None:
    return [int(v) for v in values] if all(isinstance(v, sympy.Integer) for v in values) else None


def _pow_overflows(b: int, e: int) -> bool:
    if abs(b) <= 1:
        return False
    return e >= 64 or abs(b) ** e > sys.maxsize


_CONTRACTS: dict[type, Callable[[list[int]], str | None]] = {
    tf.FloorDiv: lambda v: "division by zero" if v[1] == 0 else None,
    tf.CleanDiv: lambda v: "division by zero" if v[1] == 0 else ("inexact CleanDiv" if v[0] % v[1] else None),
    tf.CeilDiv: lambda v: "division by zero" if v[1] == 0 else None,
    tf.ModularIndexing: lambda v: "division by zero" if v[1] == 0 or v[2] == 0 else None,
    tf.PythonMod: lambda v: "modulo by zero" if v[1] == 0 else None,
    sympy.Mod: lambda v: "modulo by zero" if v[1] == 0 else None,
    tf.Mod: lambda v: None if v[0] >= 0 and v[1] >= 1 else "Mod outside p >= 0, q >= 1",
    tf.IntTrueDiv: lambda v: "division by zero" if v[1] == 0 else None,
    tf.PowByNatural: lambda v: "negative exponent" if v[1] < 0 else ("overflow" if _pow_overflows(*v) else None),
    tf.LShift: lambda v: "negative shift" if v[1] < 0 else ("overflow" if _pow_overflows(2, v[1]) else None),
    tf.RShift: lambda v: "negative shift" if v[1] < 0 else ("overflow" if _pow_overflows(2, v[1]) else None),
}


class _Undefined(Exception):
    pass


def evaluate(expr: sympy.Basic, point: Mapping[sympy.Symbol, sympy.Integer]) -> tuple[sympy.Basic | None, str]:
    """Evaluate ``expr`` at ``point`` with sympy: (value, "") or (None, why it is undefined there).

    Independent of the Z3 encoding.  Like ``xreplace`` it rebuilds the tree bottom-up so sympy
    evaluates every node on concrete arguments, but it also unwraps ``Identity`` (which sympy never
    evaluates away) and checks the translator's contracts on every partial node's arguments,
    including nodes of untaken branches (definedness is strict).  Unassigned symbols stay symbolic.
    """
    memo: dict[sympy.Basic, sympy.Basic] = {}

    def ev(node: sympy.Basic) -> sympy.Basic:
        hit = memo.get(node)
        if hit is not None:
            return hit
        if isinstance(node, sympy.Symbol):
            out: sympy.Basic = point.get(node, node)
        elif not node.args:
            out = node
        else:
            args = [ev(a) for a in node.args]
            if isinstance(node, tf.Identity):
                out = args[0]
            else:
                _check(node, args)
                out = node.func(*args)
        memo[node] = out
        return out

    try:
        return ev(expr), ""
    except _Undefined as exc:
        return None, str(exc)
    except Exception as exc:  # ZeroDivisionError, torch Mod's AssertionError, ...
        return None, f"{type(exc).__name__}: {exc}"


def _check(node: sympy.Basic, args: list[sympy.Basic]) -> None:
    if isinstance(node, sympy.Pow | tf.PowByNatural) and len(args) == 2:
        b, e = args
        if isinstance(b, sympy.Integer) and isinstance(e, sympy.Integer) and abs(b) > 1 and e > 4 * _MAX_EXPONENT:
            raise _Undefined(f"{node}: power too large to evaluate")  # sympy would compute it exactly
    if isinstance(node, sympy.Piecewise):
        if not any(pair.args[1] is sympy.true for pair in args):
            raise _Undefined(f"{node}: no branch applies")
        return
    check = _CONTRACTS.get(type(node))
    values = _ints(args) if check is not None else None
    why = check(values) if check is not None and values is not None else None
    if why:
        raise _Undefined(f"{node}: {why}")
