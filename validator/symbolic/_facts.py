"""Build proof domains from what inductor knows: loop ranges and the ShapeEnv's facts.

The rule is "assume exactly what inductor assumes": loop variables lie in ``[0, size)``,
shape symbols in the ShapeEnv's value ranges, guards and runtime asserts hold, replaced
symbols equal their replacements, and any other symbol is non-negative (inductor's
``_simplify_with_ranges`` gives unknown symbols the range ``[0, oo)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy

from ..capture import ShapeFacts
from ._domain import Domain

Bound = tuple[int | None, int | None]


def _int_or_none(v: Any) -> int | None:
    if isinstance(v, int | sympy.Integer) and not isinstance(v, bool):
        return int(v)
    return None  # +-int_oo, or a symbolic bound we do not model


def _closure(symbols: set[sympy.Symbol], facts: Iterable[sympy.Basic]) -> list[sympy.Basic]:
    """Facts transitively connected to ``symbols`` (others cannot matter to the query)."""
    pending = [f for f in facts if isinstance(f, sympy.Basic) and f.free_symbols]
    keep: list[sympy.Basic] = []
    grown = True
    while grown:
        grown = False
        for f in list(pending):
            if f.free_symbols & symbols:
                keep.append(f)
                symbols |= f.free_symbols  # type: ignore[arg-type]
                pending.remove(f)
                grown = True
    return keep


def build_domain(
    exprs: Iterable[Any],
    loop_ranges: Mapping[sympy.Symbol, Any],
    facts: ShapeFacts | None,
    *,
    with_axioms: bool = True,
    unknown_nonnegative: bool = True,
) -> Domain:
    """Domain of every free symbol of ``exprs`` (and of the loop sizes and relevant facts)."""
    symbols: set[sympy.Symbol] = set()
    for e in exprs:
        if isinstance(e, sympy.Basic):
            symbols |= e.free_symbols  # type: ignore[arg-type]
    for v, size in loop_ranges.items():
        symbols.add(v)
        if isinstance(size, sympy.Basic):
            symbols |= size.free_symbols  # type: ignore[arg-type]
    ranges = facts.ranges if facts else {}
    extra: list[sympy.Basic] = []
    if facts is not None:
        extra += [sympy.Eq(s, r) for s, r in facts.replacements.items() if isinstance(r, sympy.Expr)]
        if with_axioms:
            extra += list(facts.axioms)
    kept = _closure(symbols, extra)
    bounds: dict[sympy.Symbol, Bound] = {}
    conds: list[sympy.Basic] = []
    for s in sorted(symbols, key=str):
        if s in loop_ranges:
            size = loop_ranges[s]
            n = _int_or_none(size)
            bounds[s] = (0, n - 1 if n is not None else None)
            if n is None:
                conds.append(sympy.Lt(s, size))
        elif s in ranges:
            lo, hi = ranges[s]
            bounds[s] = (_int_or_none(lo), _int_or_none(hi))
        elif unknown_nonnegative:
            bounds[s] = (0, None)
    return Domain(bounds=bounds, facts=tuple(conds + kept))


def shape_facts(shape_env: Any) -> ShapeFacts | None:
    if shape_env is None:
        return None
    return ShapeFacts.of(shape_env)
