"""Faulty: x + 0.0 -> x. IEEE gives -0.0 + 0.0 = +0.0, so the fold keeps a -0.0 that eager loses.

Reintroduces pytorch/pytorch#189799 (inductor folded v + zeros into v and returned -0.0,
flipping 1/v from +inf to -inf). Sound versions: x - 0.0 -> x and x + (-0.0) -> x.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from .._base import NodeRewrite, Trigger
from .._fx import aliases_input_if_replaced, aten, is_number_equal, same_shape_dtype
from .._registry import register


@register
class AddZeroSigned(NodeRewrite):
    targets = (aten.add.Tensor, aten.sub.Tensor)

    def replace(self, node: Node) -> Node | None:
        if len(node.args) != 2 or node.kwargs.get("alpha", 1) != 1:
            return None
        a, b = node.args
        # BUG: treats any zero as the additive identity; only -0.0 is one for add.
        if node.target is aten.add.Tensor and is_number_equal(a, 0):
            x = b
        elif is_number_equal(b, 0):
            x = a
        else:
            return None
        if not isinstance(x, Node) or not same_shape_dtype(x, node) or aliases_input_if_replaced(node, x):
            return None
        return x

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.reciprocal(x + 0.0)

        x = torch.randn(4, 8)
        x[0, :4] = -0.0
        return fn, (x,)
