"""Faulty: convert(convert(x, d1), d0) -> x whenever x already has dtype d0.

Reintroduces the behaviour of pytorch/pytorch#185337 (an explicit float32 -> float16 ->
float32 cast pair was not preserved). The sound side condition is that d1 represents every
value of d0 exactly (a widening first cast); this pass never checks d1, so narrowing
round trips (float -> int truncation, float64 -> float32 rounding) disappear.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import aliases_input_if_replaced, is_call, prims
from .._registry import register


@register
class RoundtripCastFold(NodeRewrite):
    targets = (prims.convert_element_type.default,)

    def replace(self, node: Node) -> Node | None:
        inner = node.args[0]
        if not is_call(inner, prims.convert_element_type.default):
            return None
        x = inner.args[0]
        fx_ = fake_tensor(x)
        # BUG: missing "inner.args[1] can represent every value of fx_.dtype".
        if fx_ is None or fx_.dtype != node.args[1] or not isinstance(x, Node):
            return None
        return None if aliases_input_if_replaced(node, x) else x

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            # Truncation through int32, and float64 rounded through float32.
            return x.to(torch.int32).to(torch.float32) + 1, y.float().double() + 1

        # Finite values only: float -> int of NaN/Inf is undefined behaviour in C++.
        x = torch.tensor([0.5, -1.7, 2.25, -3.99, 0.1, 1.0 / 3.0, 123.456, 7.0]).repeat(4, 1)
        return fn, (x, x.double() / 3)
