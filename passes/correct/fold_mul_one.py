"""x * 1 -> x: exact for every IEEE value (NaN, +-Inf, -0.0 all survive)."""

from __future__ import annotations

import math

import torch
from torch.fx import Node

from .._base import NodeRewrite, Trigger, randn_with
from .._fx import aliases_input_if_replaced, aten, other_operand, same_shape_dtype
from .._registry import register


@register
class FoldMulOne(NodeRewrite):
    targets = (aten.mul.Tensor,)

    def replace(self, node: Node) -> Node | None:
        x = other_operand(node, 1)
        # Same dtype and shape: `int * 1.0` promotes, so it is not a no-op.
        if not isinstance(x, Node) or not same_shape_dtype(x, node) or aliases_input_if_replaced(node, x):
            return None
        return x

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return (x * 1.0).neg()

        return fn, (randn_with(math.nan, math.inf, -math.inf, -0.0),)
