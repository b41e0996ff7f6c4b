"""Delta debugging over a diverging before/after pair: cut shared upstream nodes while it diverges.

1. Both graphs output only what shows the divergence (the first diverging node and its
   counterpart, else the diverging output, else the mutated inputs, else everything), and are
   dead-code-eliminated.
2. Nodes upstream of the rewrite (same op and arguments in both graphs, so the same value) are
   cut: replaced in both graphs by a placeholder of the same name fed with the recorded value.
   Cuts are chosen by ddmin over those nodes and kept only while the pair still shows a mismatch
   of the same kind under fxtv's own rules; the result is 1-minimal (no further single cut keeps it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch.fx

from ...fx import clone_value, mutates, run_graph
from ...numeric import Mismatch
from .. import NodeBlame
from ._literals import encodable
from ._pair import ShrunkPair, count_nodes, pair_mismatches
from ._surgery import (
    Target,
    build_graph,
    inline_stubs,
    live_nodes,
    same_placeholders,
    same_value,
    shared_nodes,
    targets,
)

Graphs = tuple[torch.fx.GraphModule, torch.fx.GraphModule, list[Any]]


class _Shrinker:
    """One pair and its recorded values: builds and runs candidate pairs, counting the runs."""

    def __init__(self, before: torch.fx.GraphModule, after: torch.fx.GraphModule, inputs: list[Any]) -> None:
        self.before, self.after, self.inputs = before, after, inputs
        self.order = {n.name: i for i, n in enumerate(before.graph.nodes)}
        self.phs = [n.name for n in before.graph.nodes if n.op == "placeholder"]
        self.metas: dict[str, Any] = {n.name: n.meta for n in before.graph.nodes if n.op == "placeholder"}
        self.checks = 0
        b = run_graph(before, inputs, record=True)
        a = run_graph(after, inputs, record=True)
        shared = shared_nodes(before, after)
        b_nodes = {n.name: n for n in before.graph.nodes}
        # A cut feeds the recorded value: only for nodes whose value no later in-place op changes
        # (in either graph) and that can be written as a literal.
        self.values: dict[str, Any] = {}
        for name in shared:
            n = b_nodes[name]
            if n.op in ("placeholder", "output") or mutates(n) or name not in b.values:
                continue
            v = b.values[name]
            final = [r.final_values.get(name) for r in (b, a)]
            if all(f is not None and same_value(v, f) for f in final) and encodable(v):
                self.values[name] = v
                self.metas[name] = {"val": v}

    def live(self, target: Target, cuts: set[str]) -> tuple[set[str], set[str]]:
        return (
            live_nodes(self.before, target.before, cuts, target.keep_impure),
            live_nodes(self.after, target.after, cuts, target.keep_impure),
        )

    def build(self, target: Target, cuts: set[str]) -> Graphs:
        live_b, live_a = self.live(target, cuts)
        used = live_b | live_a
        # the same placeholders, in the same order, on both sides
        names = [p for p in self.phs if p in used] + sorted((c for c in cuts if c in used), key=self.order.__getitem__)
        inputs = [self.inputs[self.phs.index(p)] if p in self.phs else self.values[p] for p in names]
        b = build_graph(self.before, target.before, live_b, names, self.metas)
        a = build_graph(self.after, target.after, live_a, names, self.metas)
        return b, a, inputs

    def mismatches(self, target: Target, cuts: set[str]) -> list[Mismatch]:
        self.checks += 1
        try:
            return pair_mismatches(*self.build(target, cuts))
        except Exception:  # a candidate that cannot be built or run shows nothing
            return []

    def candidates(self, target: Target, cuts: set[str]) -> list[str]:
        """Cuttable nodes still in the shrunk graphs, nearest the outputs first (they cut most)."""
        live_b, live_a = self.live(target, cuts)
        return sorted(
            (n for n in live_b | live_a if n in self.values and n not in cuts), key=self.order.__getitem__, reverse=True
        )

    def ddmin(self, target: Target, kind: str) -> set[str]:
        cuts: set[str] = set()
        gran = 1
        while cands := self.candidates(target, cuts):
            gran = min(gran, len(cands))
            size = math.ceil(len(cands) / gran)
            for i in range(0, len(cands), size):
                chunk = set(cands[i : i + size])
                if any(m.kind == kind for m in self.mismatches(target, cuts | chunk)):
                    cuts |= chunk
                    gran = max(gran - 1, 1)
                    break
            else:
                if gran >= len(cands):
                    break  # no single cut keeps the divergence: 1-minimal
                gran = min(len(cands), 2 * gran)
        return cuts


def shrink_pair(
    before: torch.fx.GraphModule,
    after: torch.fx.GraphModule,
    inputs: Sequence[Any],
    mismatch: Mismatch | None = None,
    blame: NodeBlame | None = None,
    stubs: dict[int, Any] | None = None,
) -> ShrunkPair:
    """Shrink a diverging pair (same placeholders) on ``inputs``; a pair that agrees stays whole.

    ``mismatch`` (what the checker saw) and ``blame`` (the first diverging node) choose what the
    shrunk graphs return; ``stubs`` are the trace's lowering stubs, inlined first.
    """
    before, after = inline_stubs(before, stubs or {}), inline_stubs(after, stubs or {})
    after = same_placeholders(before, after)
    inputs = [clone_value(x) for x in inputs]
    original = (count_nodes(before), count_nodes(after))
    s = _Shrinker(before, after, inputs)
    for target in targets(before, after, mismatch, blame):
        found = s.mismatches(target, set())
        if found:
            cuts = s.ddmin(target, found[0].kind)
            b, a, inp = s.build(target, cuts)
            # a chunk may cut nodes another cut already made dead: name only the placeholders fed
            fed = [n.name for n in b.graph.nodes if n.op == "placeholder" and n.name in cuts]
            return ShrunkPair(b, a, inp, original, target.label, pair_mismatches(b, a, inp), fed, s.checks)
    # nothing diverges (e.g. a fixed pass): keep the whole pair, the script will say it agrees
    whole = targets(before, after, None, None)[-1]
    b, a, inp = s.build(whole, set())
    return ShrunkPair(b, a, inp, original, whole.label, [], [], s.checks)
