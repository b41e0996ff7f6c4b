"""Faulty: x / c -> x * (1 / c) for every constant c.

Reintroduces pytorch/pytorch#157959 (x / 101 rewritten as x * (1/101), off by one ulp):
1/c is rounded before the multiply, so the result is rounded twice. The sound condition
is that c is a power of two (see the correct pass div_pow2_to_mul).
"""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aten, calls, fake, is_number, new_call


class DivToReciprocalMul(GraphPass):
    info = PassInfo(
        name="div_to_reciprocal_mul",
        hook="post_grad_custom_pre_pass",
        faulty=True,
        issue="pytorch/pytorch#157959",
        bug_class="Incorrect Operator Decomposition",
        guilty_targets=("aten.mul.Tensor",),
        description="Rewrites aten.div(x, c) into aten.mul(x, 1/c) for any scalar c, not only powers of two.",
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for node in calls(graph, aten.div.Tensor):
            if len(node.args) != 2 or node.kwargs:
                continue
            x, c = node.args
            fx_ = fake(x)
            # BUG: missing "c is a power of two" (power_of_two_exponent(c) is not None).
            if fx_ is None or not fx_.is_floating_point() or not is_number(c) or c == 0:
                continue
            with graph.inserting_before(node):
                mul = new_call(graph, aten.mul.Tensor, (x, 1.0 / c), like=node, creator=self.name)  # type: ignore[operator]
            node.replace_all_uses_with(mul)
            count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x / 101

        # Several of these differ by one ulp between x / 101 and x * (1 / 101).
        return fn, (torch.linspace(-50, 50, 32).reshape(4, 8),)
