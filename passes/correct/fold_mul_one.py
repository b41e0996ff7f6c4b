"""x * 1 -> x: exact for every IEEE value (NaN, +-Inf, -0.0 all survive)."""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import (
    aliases_input_if_replaced,
    aten,
    calls,
    is_number_equal,
    same_shape_dtype,
)


class FoldMulOne(GraphPass):
    info = PassInfo(
        name="fold_mul_one",
        hook="joint_custom_pre_pass",
        faulty=False,
        issue=None,
        bug_class=None,
        guilty_targets=("aten.mul.Tensor",),
        description="Remove aten.mul(x, 1) when the result has x's dtype and shape.",
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for node in calls(graph, aten.mul.Tensor):
            if len(node.args) != 2 or node.kwargs:
                continue
            a, b = node.args
            x = a if is_number_equal(b, 1) else b if is_number_equal(a, 1) else None
            # Same dtype and shape: `int * 1.0` promotes, so it is not a no-op.
            if not isinstance(x, torch.fx.Node) or not same_shape_dtype(x, node):
                continue
            if aliases_input_if_replaced(node, x):
                continue
            node.replace_all_uses_with(x)
            count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return (x * 1.0).neg()

        x = torch.randn(4, 8)
        x[0, :4] = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0])
        return fn, (x,)
