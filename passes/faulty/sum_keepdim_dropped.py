"""Faulty: sum(x, dims, keepdim=True) feeding a broadcasting op -> sum(x, dims), dropping keepdim.

Synthetic: a dropped-keyword mutant of inductor's reduction rewrites (a rebuilt reduction
that forgets keepdim). The author guards that every broadcasting user keeps its result
shape, which holds whenever the dims that broadcasting re-aligns happen to have equal
sizes: x - x.sum(1, keepdim=True) on a square x subtracts column sums instead of row sums.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import aten, int_list, normalize_dim
from .._registry import register

_BROADCASTING = (aten.add.Tensor, aten.sub.Tensor, aten.mul.Tensor, aten.div.Tensor)


def _users_keep_shapes(node: Node, shape: list[int]) -> bool:
    """The author's guard: every user is a broadcasting binary op whose result shape is unchanged
    when ``node`` has ``shape``."""
    ok = True
    for user in node.users:
        fu = fake_tensor(user)
        if user.target not in _BROADCASTING or len(user.args) != 2 or fu is None:
            return False
        other = user.args[1] if user.args[0] is node else user.args[0]
        fo = fake_tensor(other)
        other_shape = list(fo.shape) if fo is not None else []
        try:
            new_shape = list(torch.broadcast_shapes(tuple(shape), tuple(other_shape)))
        except RuntimeError:
            return False
        ok = ok and new_shape == list(fu.shape)
    return ok


@register
class SumKeepdimDropped(NodeRewrite):
    targets = (aten.sum.dim_IntList,)

    def replace(self, node: Node) -> Node | None:
        dims = int_list(node.args[1]) if len(node.args) > 1 else None
        keepdim = node.args[2] if len(node.args) > 2 else node.kwargs.get("keepdim", False)
        fx_, out = fake_tensor(node.args[0]), fake_tensor(node)
        if dims is None or keepdim is not True or fx_ is None or out is None or not node.users:
            return None
        reduced = {normalize_dim(d, fx_.dim()) for d in dims}
        shape = [s for i, s in enumerate(fx_.shape) if i not in reduced]
        if not _users_keep_shapes(node, shape):
            return None
        extra = {k: v for k, v in node.kwargs.items() if k != "keepdim"}
        # BUG: keepdim=True is dropped (the sound rebuild passes it on).
        return self.emit(node, aten.sum.dim_IntList, (node.args[0], dims), extra)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x - x.sum(1, keepdim=True)

        return fn, (torch.randn(4, 4),)
