"""x / 2**k -> x * 2**-k in torch IR: exact, because both round the same real value once.

The counterpart of pytorch/pytorch#157959, where the rewrite was applied to every
divisor (x / 101 -> x * (1/101)) and changed results by one ulp.
"""

from __future__ import annotations

import math
import operator

import torch
from torch.fx import Node

from .._base import NodeRewrite, Trigger, randn_with
from .._fx import power_of_two_exponent, tensor_and_number
from .._registry import register

# float32 and float64 only: 2**-k is a normal number of either for |k| <= 64.
_DTYPES = (torch.float32, torch.float64)


@register
class DivPow2ToMul(NodeRewrite):
    targets = (operator.truediv, torch.div)
    methods = ("div",)

    def replace(self, node: Node) -> Node | None:
        # torch.div(x, c, rounding_mode=...) is floor/trunc division: leave it alone.
        found = tensor_and_number(node)
        if found is None:
            return None
        x, fx_, c = found
        k = power_of_two_exponent(c)
        if fx_.dtype not in _DTYPES or k is None or abs(k) > 64:
            return None
        return self.emit(node, operator.mul, (x, 1.0 / c))

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x / 4.0 + torch.div(x, 0.125)

        return fn, (randn_with(math.nan, math.inf, -0.0, 1e-44, 3e38, scale=1e3),)
