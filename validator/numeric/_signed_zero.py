"""Which zeros have a defined sign: the op that produced a zero says whether its sign is meaningful.

IEEE 754 and ATen agree on the sign of a zero from minimum / maximum / fmin / fmax, copysign,
atan2, signbit, negation and products (the xor of the signs), divisions (the sign of an infinite
quotient comes from the zero divisor) and complex arithmetic with literal constants. There a
compiled program that flips the sign is wrong (a CPU vectorised ``max`` that returns its second
operand on ties, a ``-0.0`` printed as ``0.0``), and the ``signed-zero`` mismatch is a divergence
of its own class. Reductions, matmuls and clamps leave the sign to the order of accumulation or
to the kernel (eager ``sum`` of ``-0.0`` is ``+0.0``, inductor's is ``-0.0``; eager
``clamp_min(-0.0, 0)`` is ``-0.0``, inductor's ``+0.0``): a flip there is only a warning.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import torch
import torch.fx

from ..fx import target_base
from ._movers import MOVERS

# Base names (overload and namespace stripped) of the ops that define the sign of a zero result.
SIGN_DEFINING = frozenset(
    {
        "minimum",
        "maximum",
        "fmin",
        "fmax",
        "copysign",
        "signbit",
        "atan2",
        "div",
        "true_divide",
        "reciprocal",
        "neg",
        "mul",
        "sgn",
        "sign",
        "view_as_complex",
        "complex",
        "polar",
    }
)

# Ops that move values without computing them: the sign comes from their producer.
_TRANSPARENT = MOVERS | {"where", "getitem", "real", "imag", "view_as_real"}


def _sign_literal(v: Any) -> bool:
    """A literal whose sign bits matter: a complex constant, or a float zero / infinity."""
    if isinstance(v, complex):
        return True
    return isinstance(v, float) and (v == 0.0 or math.isinf(v))


def _node_defines(n: torch.fx.Node) -> bool:
    if target_base(n.target) in SIGN_DEFINING:
        return True
    found: list[bool] = []
    torch.fx.node.map_aggregate((n.args, dict(n.kwargs)), lambda a: found.append(_sign_literal(a)))
    return any(found)


def call_defines_sign(func: Any, args: Any, kwargs: Any, inputs_defined: list[bool]) -> bool:
    """The eager-run twin of ``defines_sign``: whether one dispatched call gave its result's zeros
    a defined sign (a sign-defining op, a signed literal, or a mover of values that all had one)."""
    name = target_base(func)
    if name in SIGN_DEFINING:
        return True
    found: list[bool] = []
    torch.fx.node.map_aggregate((tuple(args), dict(kwargs or {})), lambda a: found.append(_sign_literal(a)))
    if any(found):
        return True
    return name in _TRANSPARENT and bool(inputs_defined) and all(inputs_defined)


def _carries_values(n: torch.fx.Node) -> bool:
    """Whether ``n`` feeds floating values (not a mask, an index or a size) into a mover."""
    val = n.meta.get("val", n.meta.get("example_value"))
    dtype = getattr(val, "dtype", None)
    return dtype is None or dtype.is_floating_point or dtype.is_complex


def defines_sign(value: Any) -> bool:
    """Whether the FX value ``value`` (a node, or a graph-output constant) got its zeros' sign
    from sign-defining ops, looking through ops that only move values. A mover (a ``cat``, a
    ``where``) defines the sign only if everything it moves does: which input an element came
    from is not known here, and a flip from a sum beside a product is no divergence."""
    memo: dict[torch.fx.Node, bool] = {}

    def walk(n: Any) -> bool:
        if not isinstance(n, torch.fx.Node) or n.op not in ("call_function", "call_method"):
            return False
        if n in memo:
            return memo[n]
        memo[n] = False  # a cycle cannot occur in a graph; this only bounds the recursion
        if _node_defines(n):
            memo[n] = True
        elif target_base(n.target) in _TRANSPARENT:
            moved = [a for a in n.all_input_nodes if _carries_values(a)]
            memo[n] = bool(moved) and all(walk(a) for a in moved)
        return memo[n]

    return walk(value)


def ops_define_sign(ops: Iterable[Any]) -> bool:
    """Whether any of ``ops`` (overloads a program dispatched) defines the sign of a zero."""
    return any(target_base(op) in SIGN_DEFINING for op in ops)


SIGNED_ZERO = "signed-zero"  # the mismatch kind (and divergence class) of a flipped zero


def zero_sign_defined(gm: torch.fx.GraphModule, where: str) -> bool:
    """Whether the zeros of ``where`` ("output 3", "input 1 (after the run)") in ``gm`` have a
    defined sign: its producer (or, for an input, whatever the graph writes into it) defines it."""
    kind, _, rest = where.partition(" ")
    index = rest.split(" ")[0]
    if not index.isdigit():
        return False
    i = int(index)
    if kind == "output":
        out = next(n for n in gm.graph.nodes if n.op == "output")
        flat: list[Any] = []
        torch.fx.node.map_aggregate(out.args[0], flat.append)
        return i < len(flat) and defines_sign(flat[i])
    if kind == "input":
        placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
        if i >= len(placeholders):
            return False
        writers = [u for u in placeholders[i].users if target_base(u.target) == "copy" and u.args[0] is placeholders[i]]
        return any(defines_sign(w.args[1]) for w in writers if len(w.args) > 1)
    return False
