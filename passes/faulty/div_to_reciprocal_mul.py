"""Faulty: x / c -> x * (1 / c) for every constant c.

Reintroduces pytorch/pytorch#157959 (x / 101 rewritten as x * (1/101), off by one ulp):
1/c is rounded before the multiply, so the result is rounded twice. The sound condition
is that c is a power of two (see the correct pass div_pow2_to_mul).
"""

from __future__ import annotations

import torch
from torch.fx import Node

from .._base import NodeRewrite, Trigger
from .._fx import aten, tensor_and_number
from .._registry import register


@register
class DivToReciprocalMul(NodeRewrite):
    targets = (aten.div.Tensor,)

    def replace(self, node: Node) -> Node | None:
        found = tensor_and_number(node)
        if found is None:
            return None
        x, fx_, c = found
        # BUG: missing "c is a power of two" (power_of_two_exponent(c) is not None).
        if not fx_.is_floating_point() or c == 0:
            return None
        return self.emit(node, aten.mul.Tensor, (x, 1.0 / c))

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x / 101

        # Several of these differ by one ulp between x / 101 and x * (1 / 101).
        return fn, (torch.linspace(-50, 50, 32).reshape(4, 8),)
