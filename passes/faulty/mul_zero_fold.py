"""Faulty: x * 0 -> zeros, losing NaN/Inf (NaN * 0 = Inf * 0 = NaN) and the sign of -x * 0.

Reintroduces pytorch/pytorch#186281 (uniform-value constant folding rewrote aten.mul(x, 0)
into aten.full(0) for floating x). The correct side condition is "x is an integer tensor".
"""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aten, calls, is_number_equal, replace_with_full


class MulZeroFold(GraphPass):
    info = PassInfo(
        name="mul_zero_fold",
        hook="post_grad_custom_post_pass",
        faulty=True,
        issue="pytorch/pytorch#186281",
        bug_class="Unsound Graph Optimization",
        guilty_targets=("aten.full.default",),
        description=(
            "Folds aten.mul(x, 0) to aten.full(shape, 0) for every dtype; NaN/Inf inputs give 0 instead of NaN."
        ),
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for node in calls(graph, aten.mul.Tensor):
            if len(node.args) != 2 or node.kwargs:
                continue
            a, b = node.args
            if not (is_number_equal(a, 0) or is_number_equal(b, 0)):
                continue
            # BUG: no `not out.is_floating_point()` guard, so NaN/Inf/-0.0 information is lost.
            count += replace_with_full(graph, node, 0, self.name)
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            # A float 0.0: inductor's own peephole only folds the integer literal 0.
            return x * 0.0 + 1

        x = torch.randn(4, 8)
        x[0, :3] = torch.tensor([float("nan"), float("inf"), -float("inf")])
        return fn, (x,)
