"""permute(permute(x, p), q) -> permute(x, p o q), or x when the composition is the identity."""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aliases_input_if_replaced, aten, calls, int_list, new_call


def compose(p: list[int], q: list[int]) -> list[int]:
    """Dims of permute(permute(x, p), q) in terms of x: output dim i is x's dim p[q[i]]."""
    n = len(p)
    p = [d % n for d in p]
    return [p[d % n] for d in q]


class FusePermutes(GraphPass):
    info = PassInfo(
        name="fuse_permutes",
        hook="post_grad_custom_pre_pass",
        faulty=False,
        issue=None,
        bug_class=None,
        guilty_targets=("aten.permute.default",),
        description="Fuse two consecutive aten.permute into one (drop both if they cancel).",
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for outer in calls(graph, aten.permute.default):
            inner = outer.args[0]
            if not (
                isinstance(inner, torch.fx.Node)
                and inner.op == "call_function"
                and inner.target is aten.permute.default
            ):
                continue
            x = inner.args[0]
            p, q = int_list(inner.args[1]), int_list(outer.args[1])
            if not isinstance(x, torch.fx.Node) or p is None or q is None:
                continue
            dims = compose(p, q)
            if dims == list(range(len(dims))):
                if aliases_input_if_replaced(outer, x):
                    continue
                outer.replace_all_uses_with(x)
            else:
                with graph.inserting_before(outer):
                    fused = new_call(graph, aten.permute.default, (x, dims), like=outer, creator=self.name)
                outer.replace_all_uses_with(fused)
            count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x.permute(1, 2, 0).permute(1, 0, 2) + 1

        return fn, (torch.randn(2, 4, 8),)
