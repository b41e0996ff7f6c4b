"""Faulty: x * 0 -> zeros, losing NaN/Inf (NaN * 0 = Inf * 0 = NaN) and the sign of -x * 0.

Reintroduces pytorch/pytorch#186281 (uniform-value constant folding rewrote aten.mul(x, 0)
into aten.full(0) for floating x). The correct side condition is "x is an integer tensor".
"""

from __future__ import annotations

import math

import torch
from torch.fx import Node

from .._base import NodeRewrite, Trigger, randn_with
from .._fx import aten, other_operand
from .._registry import register


@register
class MulZeroFold(NodeRewrite):
    targets = (aten.mul.Tensor,)

    def replace(self, node: Node) -> Node | None:
        if other_operand(node, 0) is None:
            return None
        # BUG: no `not out.is_floating_point()` guard, so NaN/Inf/-0.0 information is lost.
        return self.full(node, 0)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            # A float 0.0: inductor's own peephole only folds the integer literal 0.
            return x * 0.0 + 1

        return fn, (randn_with(math.nan, math.inf, -math.inf),)
