"""Faulty: a "dead code" sweep that erases every call with no users, mutating or not.

Modelled on pytorch/pytorch#145697 (a cleanup treated a side-effecting node whose result
nobody reads as dead). The sound rule is "no users *and* pure" (``Node.is_impure``); this
sweep checks only the first half, so the trailing aten.copy_ that writes a mutated graph
input back disappears with every other unused node, and the caller never sees the mutation.
"""

from __future__ import annotations

import torch

from .._base import GraphPass, Trigger
from .._fx import erase_where
from .._registry import register


@register
class FoldSideEffect(GraphPass):
    def rewrite(self, graph: torch.fx.Graph) -> int:
        # Reverse order: erasing a node can leave its inputs without users in turn.
        # BUG: missing `and not node.is_impure()`.
        return erase_where(reversed(list(graph.nodes)), lambda node: node.op == "call_function" and not node.users)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            # An in-place update through a view of the second input, read back afterwards.
            y[1:].mul_(x[1:])
            return y.sum(0)

        return fn, (torch.randn(4, 8), torch.randn(4, 8))
