"""Faulty: convert(convert(x, d1), d0) -> x whenever x already has dtype d0.

Reintroduces the behaviour of pytorch/pytorch#185337 (an explicit float32 -> float16 ->
float32 cast pair was not preserved). The sound side condition is that d1 represents every
value of d0 exactly (a widening first cast); this pass never checks d1, so narrowing
round trips (float -> int truncation, float64 -> float32 rounding) disappear.
"""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aliases_input_if_replaced, calls, fake, prims


class RoundtripCastFold(GraphPass):
    info = PassInfo(
        name="roundtrip_cast_fold",
        hook="joint_custom_post_pass",
        faulty=True,
        issue="pytorch/pytorch#185337",
        bug_class="Incorrect Operand Type-Promotion",
        guilty_targets=("prims.convert_element_type.default",),
        description=(
            "Drops a prims.convert_element_type pair that returns to the source dtype, even through a narrower dtype."
        ),
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for outer in calls(graph, prims.convert_element_type.default):
            inner = outer.args[0]
            if not (isinstance(inner, torch.fx.Node) and inner.target is prims.convert_element_type.default):
                continue
            x = inner.args[0]
            fx_ = fake(x)
            # BUG: missing "inner.args[1] can represent every value of fx_.dtype".
            if fx_ is None or fx_.dtype != outer.args[1] or not isinstance(x, torch.fx.Node):
                continue
            if aliases_input_if_replaced(outer, x):
                continue
            outer.replace_all_uses_with(x)
            count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            # Truncation through int32, and float64 rounded through float32.
            return x.to(torch.int32).to(torch.float32) + 1, y.float().double() + 1

        # Finite values only: float -> int of NaN/Inf is undefined behaviour in C++.
        x = torch.tensor([0.5, -1.7, 2.25, -3.99, 0.1, 1.0 / 3.0, 123.456, 7.0]).repeat(4, 1)
        return fn, (x, x.double() / 3)
