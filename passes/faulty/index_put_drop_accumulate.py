"""Faulty: index_put(x, idx, v, accumulate=True) -> index_put(x, idx, v, accumulate=False).

Synthetic: a dropped-keyword mutant of inductor's index_put rewrites (a rebuilt index_put
that forgets accumulate). Equal only when no index repeats and x is zero at the indexed
places; with a repeated index, accumulation sums the values while a plain put keeps one.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from .._base import NodeRewrite, Trigger
from .._fx import aten
from .._registry import register


@register
class IndexPutDropAccumulate(NodeRewrite):
    targets = (aten.index_put.default,)

    def replace(self, node: Node) -> Node | None:
        accumulate = node.args[3] if len(node.args) > 3 else node.kwargs.get("accumulate", False)
        if accumulate is not True:
            return None
        x, indices, values = node.args[:3]
        # BUG: accumulate=True is not carried over.
        return self.emit(node, aten.index_put.default, (x, indices, values, False))

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, i: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
            return torch.index_put(x, (i,), v, accumulate=True) * 2

        return fn, (torch.randn(8), torch.tensor([0, 1, 1, 3]), torch.randn(4))
