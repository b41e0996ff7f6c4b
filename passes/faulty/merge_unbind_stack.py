"""Faulty: stack(unbind(x, d) pieces, d) -> x without checking which pieces, or in which order.

Modelled on pytorch/pytorch#121228 (the pre-grad unbind/stack merge of the split-cat passes
replaced the stack by the unbind input). The sound side condition is that the stacked
pieces are getitems 0, 1, ..., n-1 of one unbind, in that order; this pass only counts
them, so stack([v[1], v[0]], d) or stack([v[0], v[0]], d) also becomes x.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import aliases_input_if_replaced, getitem_pieces, normalize_dim, same_shape_dtype
from .._registry import register


def _unbind_dim(node: Node) -> int | None:
    """The dim of a torch-IR unbind (torch.unbind or Tensor.unbind), if plain."""
    is_unbind = (node.op == "call_function" and node.target is torch.unbind) or (
        node.op == "call_method" and node.target == "unbind"
    )
    if not is_unbind:
        return None
    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
    return dim if isinstance(dim, int) and not isinstance(dim, bool) else None


@register
class MergeUnbindStack(NodeRewrite):
    targets = (torch.stack,)

    def replace(self, node: Node) -> Node | None:
        joined = getitem_pieces(node)
        if joined is None:
            return None
        pieces, stack_dim, unbind = joined
        unbind_dim = _unbind_dim(unbind)
        x = unbind.args[0]
        fx_ = fake_tensor(x)
        if unbind_dim is None or fx_ is None or not isinstance(x, Node):
            return None
        rank = fx_.dim()
        # stack's result has the rank of x again, so both dims normalise against it.
        d = normalize_dim(unbind_dim, rank)
        if d != normalize_dim(stack_dim, rank):
            return None
        # BUG: only the number of pieces is checked; the sound check is
        # `[p.args[1] for p in pieces] == list(range(fx_.shape[d]))`.
        if len(pieces) != fx_.shape[d]:
            return None
        if not same_shape_dtype(x, node) or aliases_input_if_replaced(node, x):
            return None
        self.unused(*pieces, unbind)
        return x

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            v = torch.unbind(x, 1)
            return torch.stack([v[1], v[0]], 1) + 1

        return fn, (torch.randn(4, 2, 3),)
