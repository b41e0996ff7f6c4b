"""Faulty: x / x -> ones, which is wrong where x is 0, NaN or +-Inf (all give NaN).

Synthetic: an unsafe-identity mutant of inductor's algebraic simplifications (the fold is
sound only for integer division guarded against zero, never for floating x).
"""

from __future__ import annotations

import math

import torch
from torch.fx import Node

from .._base import NodeRewrite, Trigger, randn_with
from .._fx import aten, binary_args
from .._registry import register


@register
class DivSelfToOne(NodeRewrite):
    targets = (aten.div.Tensor,)

    def replace(self, node: Node) -> Node | None:
        args = binary_args(node)
        if args is None or args[0] is not args[1]:
            return None
        # BUG: x / x is 1 only for finite, non-zero x.
        return self.full(node, 1)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x / x + 1

        return fn, (randn_with(0.0, math.nan, math.inf, -math.inf),)
