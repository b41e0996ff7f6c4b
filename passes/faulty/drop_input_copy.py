"""Faulty: "dead store elimination" that erases aten.copy_ nodes whose result is unused.

In a post-grad graph, a trailing copy_(graph_input, new_value) is the only record of an
input mutation and its result is never used, so this pass drops the mutation. Reintroduces
the lost-input-mutation behaviour of pytorch/pytorch#155242 (copy_ into an input dropped
after its source was constant-folded) and pytorch/pytorch#93363.
"""

from __future__ import annotations

import torch

from .._base import GraphPass, Trigger
from .._fx import aten, calls, erase_where
from .._registry import register


@register
class DropInputCopy(GraphPass):
    def rewrite(self, graph: torch.fx.Graph) -> int:
        # BUG: "no users" is taken as "dead"; copy_ into a placeholder is observable.
        return erase_where(calls(graph, aten.copy_.default), lambda node: not node.users)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            x.add_(1)
            return x.sin()

        return fn, (torch.randn(4, 8),)
