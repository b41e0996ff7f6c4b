"""Faulty: x / x -> ones, which is wrong where x is 0, NaN or +-Inf (all give NaN).

Synthetic: an unsafe-identity mutant of inductor's algebraic simplifications (the fold is
sound only for integer division guarded against zero, never for floating x).
"""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aten, calls, replace_with_full


class DivSelfToOne(GraphPass):
    info = PassInfo(
        name="div_self_to_one",
        hook="post_grad_custom_post_pass",
        faulty=True,
        issue="synthetic: unsafe identity on special values, of the algebraic simplifications",
        bug_class="Unsound Graph Optimization",
        guilty_targets=("aten.full.default",),
        description="Folds aten.div(x, x) to aten.full(shape, 1); 0/0, NaN/NaN and Inf/Inf give 1 instead of NaN.",
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for node in calls(graph, aten.div.Tensor):
            if len(node.args) != 2 or node.kwargs or node.args[0] is not node.args[1]:
                continue
            # BUG: x / x is 1 only for finite, non-zero x.
            count += replace_with_full(graph, node, 1, self.name)
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x / x + 1

        x = torch.randn(4, 8)
        x[0, :4] = torch.tensor([0.0, float("nan"), float("inf"), -float("inf")])
        return fn, (x,)
