"""Faulty: cat(split(x, sizes, d), d) -> x even when the pieces are concatenated out of order.

Reintroduces pytorch/pytorch#99686: the split/cat elimination compared the *set* of split
outputs fed to cat instead of their order, so cat([s[1], s[0], s[2]]) became x.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import aliases_input_if_replaced, aten, getitem_pieces, normalize_dim, same_shape_dtype
from .._registry import register


@register
class SplitCatOrder(NodeRewrite):
    targets = (aten.cat.default,)

    def replace(self, node: Node) -> Node | None:
        joined = getitem_pieces(node)
        if joined is None:
            return None
        pieces, cat_dim, split = joined
        if not (split.op == "call_function" and split.target in (aten.split_with_sizes.default, aten.split.Tensor)):
            return None
        x = split.args[0]
        split_dim = split.args[2] if len(split.args) > 2 else split.kwargs.get("dim", 0)
        fx_ = fake_tensor(x)
        if fx_ is None or not isinstance(split_dim, int) or not isinstance(x, Node):
            return None
        if normalize_dim(split_dim, fx_.dim()) != normalize_dim(cat_dim, fx_.dim()):
            return None
        n_out = len(split.meta["val"]) if isinstance(split.meta.get("val"), (list, tuple)) else None
        indices = [p.args[1] for p in pieces]
        # BUG: a set comparison; the sound check is `indices == list(range(n_out))`.
        if n_out is None or set(indices) != set(range(n_out)) or len(indices) != n_out:
            return None
        if not same_shape_dtype(x, node) or aliases_input_if_replaced(node, x):
            return None
        return x

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            a, b, c = torch.split(x, [2, 1, 1], 0)
            return torch.cat([b, a, c], 0) + 1

        return fn, (torch.randn(4, 8),)
