"""Z3 integer arithmetic with Python's semantics: the building blocks of the sympy -> Z3 translation.

Z3's ``div``/``mod`` are Euclidean; :func:`floordiv` and :func:`pymod` round like Python for any nonzero
divisor. The ``*_q`` functions round a fraction ``n/d`` (``d > 0``) as ``floor``/``ceil``/``trunc``/``round``
do. :class:`Unsupported` is what every part of the translation raises for an expression it does not model.
"""

from __future__ import annotations

from typing import Any

import sympy
import z3  # type: ignore[import-untyped]

Term = Any  # z3.ExprRef (z3 ships no type stubs)

# Float-based rounding is exact (equals the rational result) while |numerator| stays below these:
# integers up to 2**53 are exact doubles, and a fraction n/d with |n| < 2**52 cannot round onto or
# across an integer or half-integer.
EXACT_INT = 2**53
EXACT_FRACTION = 2**52


class Unsupported(Exception):
    """An expression we do not model; ``name`` is the sympy class/function name."""

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(f"{name}: {detail}" if detail else name)
        self.name = name


def fname(expr: sympy.Basic) -> str:
    """The sympy class or function name of ``expr``, as :class:`Unsupported` reports it."""
    return type(expr).__name__


def const(t: Term) -> int | None:
    """The value of an integer literal term, else None."""
    return t.as_long() if z3.is_int_value(t) else None


def floordiv(a: Term, b: Term) -> Term:
    """Python ``a // b`` for b != 0 (Euclidean ``div`` equals floor only for b > 0)."""
    ca, cb = const(a), const(b)
    if cb:
        if ca is not None:
            return z3.IntVal(ca // cb)
        return a / cb if cb > 0 else (-a) / -cb
    return z3.If(b > 0, a / b, (-a) / (-b))


def pymod(a: Term, b: Term) -> Term:
    """Python ``a % b`` for b != 0: the remainder takes the sign of the divisor."""
    ca, cb = const(a), const(b)
    if cb:
        if ca is not None:
            return z3.IntVal(ca % cb)
        return a % cb if cb > 0 else -((-a) % -cb)
    return z3.If(b > 0, a % b, -((-a) % (-b)))


def absolute(a: Term) -> Term:
    """``|a|``, folded for a literal."""
    c = const(a)
    return z3.IntVal(abs(c)) if c is not None else z3.If(a >= 0, a, -a)


def nonzero(b: Term) -> Term:
    """The condition ``b != 0``, folded for a literal."""
    c = const(b)
    return z3.BoolVal(c != 0) if c is not None else b != 0


MAX_EXPONENT = 1024  # a literal power beyond this is not index arithmetic; refuse rather than build it


def power(base: Term, exp: int) -> Term:
    """base**exp by repeated squaring (O(log exp) terms)."""
    if exp > MAX_EXPONENT:
        raise Unsupported("Pow", f"exponent {exp} > {MAX_EXPONENT}")
    result, square = z3.IntVal(1), base
    while exp:
        if exp & 1:
            result = square if const(result) == 1 else result * square
        exp >>= 1
        if exp:
            square = square * square
    return result


# Rounding of a fraction n/d with d > 0 (d a Python int or a Z3 term known positive).
def floor_q(n: Term, d: Term) -> Term:
    return n if is_one(d) else n / d


def ceil_q(n: Term, d: Term) -> Term:
    return n if is_one(d) else -((-n) / d)


def trunc_q(n: Term, d: Term) -> Term:
    return n if is_one(d) else z3.If(n >= 0, n / d, -((-n) / d))


def round_q(n: Term, d: Term) -> Term:
    """Round half to even, like Python's ``round``."""
    if is_one(d):
        return n
    q, r = n / d, n % d
    return z3.If(2 * r < d, q, z3.If(2 * r > d, q + 1, q + q % 2))


def is_one(d: Term) -> bool:
    """A denominator that is the plain int 1 (the fraction is an integer)."""
    return isinstance(d, int) and d == 1
