"""x * 2 -> x + x (exact in IEEE arithmetic and in wrapping integer arithmetic)."""

from __future__ import annotations

import math

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger, randn_with
from .._fx import aten, other_operand
from .._registry import register


@register
class MulTwoToAdd(NodeRewrite):
    targets = (aten.mul.Tensor,)

    def replace(self, node: Node) -> Node | None:
        x = other_operand(node, 2)
        fx_, fout = fake_tensor(x), fake_tensor(node)
        # Only when x already has the result dtype: `bool * 2` or `int * 2.0` promote.
        if fx_ is None or fout is None or fx_.dtype != fout.dtype or fx_.shape != fout.shape:
            return None
        return self.emit(node, aten.add.Tensor, (x, x))

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return (x * 2).neg()

        return fn, (randn_with(math.nan, math.inf, -math.inf, -0.0),)
