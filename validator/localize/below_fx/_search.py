"""Find the one item whose switch-off removes a divergence, by halving (log2 n recompiles)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def culprit(items: Sequence[T], fixes: Callable[[Sequence[T]], bool]) -> list[T]:
    """The smallest run of ``items`` found whose switch-off fixes the result.

    ``fixes(items)`` is known to hold. Halves are tried in turn; when neither half alone fixes
    it, the items interact and the current run is returned whole (its length says so).
    """
    cand = list(items)
    while len(cand) > 1:
        mid = len(cand) // 2
        lo, hi = cand[:mid], cand[mid:]
        if fixes(lo):
            cand = lo
        elif fixes(hi):
            cand = hi
        else:
            break
    return cand
