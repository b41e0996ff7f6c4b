"""permute(permute(x, p), q) -> permute(x, p o q), or x when the composition is the identity."""

from __future__ import annotations

import torch
from torch.fx import Node

from .._base import NodeRewrite, Trigger
from .._fx import aliases_input_if_replaced, aten, permute_of_permute
from .._registry import register


def compose(p: list[int], q: list[int]) -> list[int]:
    """Dims of permute(permute(x, p), q) in terms of x: output dim i is x's dim p[q[i]]."""
    n = len(p)
    p = [d % n for d in p]
    return [p[d % n] for d in q]


@register
class FusePermutes(NodeRewrite):
    targets = (aten.permute.default,)

    def replace(self, node: Node) -> Node | None:
        found = permute_of_permute(node)
        if found is None:
            return None
        x, p, q = found
        dims = compose(p, q)
        if dims != list(range(len(dims))):
            return self.emit(node, aten.permute.default, (x, dims))
        return None if aliases_input_if_replaced(node, x) else x

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x.permute(1, 2, 0).permute(1, 0, 2) + 1

        return fn, (torch.randn(2, 4, 8),)
