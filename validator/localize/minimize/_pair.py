"""A before/after pair under fxtv's own comparison rules, and the result of shrinking one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx

from ...fx import has_random_ops, run_graph, to_float64, widen_value
from ...numeric import Mismatch, accumulation_length, compare_runs, output_magnitudes


def count_nodes(gm: torch.fx.GraphModule) -> int:
    """Nodes other than placeholders and the output: what a repro header's counts mean."""
    return sum(1 for n in gm.graph.nodes if n.op not in ("placeholder", "output"))


@dataclass
class ShrunkPair:
    """A shrunk before/after pair: both graphs take the same placeholders, fed with ``inputs``."""

    before: torch.fx.GraphModule
    after: torch.fx.GraphModule
    inputs: list[Any]
    original_nodes: tuple[int, int]  # (before, after) before shrinking
    target: str  # what the shrunk graphs return
    mismatches: list[Mismatch] = field(default_factory=list)  # of the shrunk pair; empty: it agrees
    cuts: list[str] = field(default_factory=list)  # nodes replaced by placeholders
    checks: int = 0  # candidate pairs run

    @property
    def nodes(self) -> tuple[int, int]:
        """(before, after) node counts, placeholders and the output aside."""
        return count_nodes(self.before), count_nodes(self.after)

    # what the comparison of this pair rests on (a replay needs the same)
    @property
    def float64_before(self) -> torch.fx.GraphModule:
        """The before-graph in float64: the reference, unless it draws random numbers."""
        return to_float64(self.before)

    @property
    def accumulation(self) -> int:
        """The longest accumulation in the before-graph (the tolerance model's K)."""
        return accumulation_length(self.before)

    @property
    def float64_reference(self) -> bool:
        """Whether the float64 copy is the reference (False: random ops, the before-graph is)."""
        return not has_random_ops(self.before)


def pair_mismatches(before: torch.fx.GraphModule, after: torch.fx.GraphModule, inputs: Sequence[Any]) -> list[Mismatch]:
    """What the fx step check reports for this pair (outputs and input states, no aliasing).

    An empty list also when the before-graph itself fails: such a candidate shows nothing.
    """
    b = run_graph(before, inputs)
    if b.error is not None:
        return []
    a = run_graph(after, inputs)
    if a.error is not None:
        return [Mismatch("graph", "error", f"after-side raises {a.error}")]
    ref = None
    mags = None
    if not has_random_ops(before):
        try:
            gm64, inputs64 = to_float64(before), [widen_value(x) for x in inputs]
            r = run_graph(gm64, inputs64)
            ref = r if r.error is None else None
            mags = (lambda: output_magnitudes(gm64, inputs64)) if ref is not None else None
        except Exception:  # no float64 copy: the before-graph is the reference, as in the checker
            ref = None
    # the fx step check's own comparison; new aliasing is left out (the script cannot show it)
    found = compare_runs(b, a, ref, accumulation_length(before), magnitudes=mags)
    return [m for m in found if m.kind not in ("input_alias", "output_alias")]
