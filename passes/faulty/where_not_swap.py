"""Faulty: where(logical_not(c), x, y) -> where(c, x, y), forgetting to swap x and y.

Synthetic: a swapped-operand mutant of the boolean simplifications in inductor's pattern
passes (a negated condition can be dropped only by exchanging the two branches). Every
element takes the other branch.
"""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aten, calls, new_call


class WhereNotSwap(GraphPass):
    info = PassInfo(
        name="where_not_swap",
        hook="post_grad_custom_pre_pass",
        faulty=True,
        issue="synthetic: swapped operand, of the where(logical_not(c)) simplification",
        bug_class="Unsound Graph Optimization",
        guilty_targets=("aten.where.self",),
        description="Drops the aten.logical_not on a where condition without swapping the two branches.",
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for node in calls(graph, aten.where.self):
            if len(node.args) != 3 or node.kwargs:
                continue
            cond, x, y = node.args
            if not (isinstance(cond, torch.fx.Node) and cond.target is aten.logical_not.default):
                continue
            with graph.inserting_before(node):
                # BUG: the sound rewrite is where(c, y, x).
                new = new_call(graph, aten.where.self, (cond.args[0], x, y), like=node, creator=self.name)
            node.replace_all_uses_with(new)
            count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return torch.where(torch.logical_not(x > 0), x, y) + 1

        return fn, (torch.randn(4, 8), torch.randn(4, 8))
