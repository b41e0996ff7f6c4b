"""The integer domain a proof quantifies over: per-symbol bounds plus extra boolean facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import sympy

from ._evaluate import evaluate

Bound = tuple[int | None, int | None]


def _as_bound(bound: Bound) -> Bound:
    lo, hi = bound
    return (None if lo is None else int(lo), None if hi is None else int(hi))


@dataclass(frozen=True)
class Domain:
    """Integer domain of the free symbols: inclusive bounds (None = unbounded) and extra sympy boolean facts.

    Symbols that are not in ``bounds`` are unconstrained integers (their sympy assumptions such as
    ``nonnegative=True`` are *not* used: state them as bounds if they should hold).
    """

    bounds: Mapping[sympy.Symbol, Bound] = field(default_factory=dict)
    facts: tuple[sympy.Basic, ...] = ()

    def __post_init__(self) -> None:
        # Normalise so that equal domains compare and hash equal, and freeze the mapping.
        bounds = {s: _as_bound(b) for s, b in self.bounds.items()}
        object.__setattr__(self, "bounds", MappingProxyType(bounds))
        object.__setattr__(self, "facts", tuple(sympy.sympify(f) for f in self.facts))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Domain) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def key(self) -> tuple:
        """Hashable and deterministic (symbols sorted by name, facts by srepr): the cache key."""
        bounds = sorted((s.name, sympy.srepr(s), lo, hi) for s, (lo, hi) in self.bounds.items())
        return (tuple(bounds), tuple(sorted(sympy.srepr(f) for f in self.facts)))

    def symbols(self) -> set[sympy.Symbol]:
        """Every symbol the domain mentions (bounded ones and those in facts)."""
        out: set[sympy.Symbol] = set(self.bounds)
        for f in self.facts:
            out |= f.free_symbols  # type: ignore[arg-type]
        return out

    def contains(self, point: Mapping[sympy.Symbol, int]) -> bool:
        """Concrete check with sympy that ``point`` satisfies every bound and fact.

        A point that leaves a bounded symbol (or a symbol of a fact) unassigned is not known to be
        in the domain, so the answer is False.
        """
        for s, (lo, hi) in self.bounds.items():
            if s not in point:
                return False
            v = int(point[s])
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                return False
        subs = {s: sympy.Integer(int(v)) for s, v in point.items()}
        # A fact that is undefined at the point (division by zero, ...) does not hold there.
        return all(evaluate(f, subs)[0] is sympy.true for f in self.facts)

    def restrict(self, symbols: Iterable[sympy.Symbol]) -> Domain:
        """Keep the bounds of ``symbols`` and the facts that mention only ``symbols``.

        Dropping bounds and facts only enlarges the domain, so a proof over the restricted domain
        is also a proof over this one (the converse does not hold: a counterexample may leave it).
        """
        keep = set(symbols)
        bounds = {s: b for s, b in self.bounds.items() if s in keep}
        facts = tuple(f for f in self.facts if f.free_symbols <= keep)
        return Domain(bounds=bounds, facts=facts)
