"""x * 2 -> x + x (exact in IEEE arithmetic and in wrapping integer arithmetic)."""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aten, calls, fake, is_number_equal, new_call


class MulTwoToAdd(GraphPass):
    info = PassInfo(
        name="mul_two_to_add",
        hook="post_grad_custom_post_pass",
        faulty=False,
        issue=None,
        bug_class=None,
        guilty_targets=("aten.add.Tensor",),
        description="Strength reduction aten.mul(x, 2) -> aten.add(x, x) when no type promotion happens.",
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for node in calls(graph, aten.mul.Tensor):
            if len(node.args) != 2 or node.kwargs:
                continue
            a, b = node.args
            x = a if is_number_equal(b, 2) else b if is_number_equal(a, 2) else None
            fx_, fout = fake(x), fake(node)
            # Only when x already has the result dtype: `bool * 2` or `int * 2.0` promote.
            if fx_ is None or fout is None or fx_.dtype != fout.dtype or fx_.shape != fout.shape:
                continue
            with graph.inserting_before(node):
                add = new_call(graph, aten.add.Tensor, (x, x), like=node, creator=self.name)
            node.replace_all_uses_with(add)
            count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return (x * 2).neg()

        x = torch.randn(4, 8)
        x[0, :4] = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0])
        return fn, (x,)
