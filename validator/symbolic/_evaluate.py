"""Concrete evaluation of index expressions, with the Z3 translation's contracts checked on every node.

:func:`evaluate` is what a counterexample is replayed against: independent of the Z3 encoding, it evaluates
an expression at a point with sympy and says where a partial function (a division by zero, torch's ``Mod``
outside ``p >= 0, q >= 1``, an overflowing power...) makes it undefined.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping

import sympy
import torch.utils._sympy.functions as tf

from ._z3_arith import MAX_EXPONENT


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
        if isinstance(b, sympy.Integer) and isinstance(e, sympy.Integer) and abs(b) > 1 and e > 4 * MAX_EXPONENT:
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
