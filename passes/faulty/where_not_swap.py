"""Faulty: where(logical_not(c), x, y) -> where(c, x, y), forgetting to swap x and y.

Synthetic: a swapped-operand mutant of the boolean simplifications in inductor's pattern
passes (a negated condition can be dropped only by exchanging the two branches). Every
element takes the other branch.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from .._base import NodeRewrite, Trigger
from .._fx import aten, is_call
from .._registry import register


@register
class WhereNotSwap(NodeRewrite):
    targets = (aten.where.self,)

    def replace(self, node: Node) -> Node | None:
        if len(node.args) != 3 or node.kwargs:
            return None
        cond, x, y = node.args
        if not is_call(cond, aten.logical_not.default):
            return None
        # BUG: the sound rewrite is where(c, y, x).
        return self.emit(node, aten.where.self, (cond.args[0], x, y))

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return torch.where(torch.logical_not(x > 0), x, y) + 1

        return fn, (torch.randn(4, 8), torch.randn(4, 8))
