"""Faulty: sum(stack(ts, dim=s), dim=r) -> ts[0] + ts[1] + ... when r "is" the stack dim,
with a negative s normalised against the rank of the pieces instead of the stacked rank.

Reintroduces the negative-dim mistake of pytorch/pytorch#121227 (a pre-grad split/stack
merge that did not normalise dim=-1 correctly). stack(..., dim=-1) on rank-2 pieces stacks
along dim 2, but the pass believes it is dim 1, so `.sum(1)` becomes an elementwise add
chain: the reduction runs over the wrong axis. A shape guard hides the bug unless the
reduced axis has as many entries as there are pieces (a square case).
"""

from __future__ import annotations

import operator

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import is_call, normalize_dim
from .._registry import register


def _reduce_dim(node: Node) -> int | None:
    """The single reduced dim of a torch-IR `sum` (torch.sum or Tensor.sum), if plain."""
    args = list(node.args[1:])
    kwargs = dict(node.kwargs)
    dim = args.pop(0) if args else kwargs.pop("dim", None)
    keepdim = args.pop(0) if args else kwargs.pop("keepdim", False)
    if args or kwargs or keepdim:
        return None  # dtype= or keepdim=True: not handled
    if isinstance(dim, (list, tuple)) and len(dim) == 1:
        dim = dim[0]
    return dim if isinstance(dim, int) and not isinstance(dim, bool) else None


def _stack_parts(node: object) -> tuple[list[Node], int] | None:
    if not is_call(node, torch.stack):
        return None
    tensors = node.args[0]
    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
    if not isinstance(tensors, (list, tuple)) or not isinstance(dim, int):
        return None
    if not tensors or not all(isinstance(t, Node) for t in tensors):
        return None
    return list(tensors), dim  # type: ignore[arg-type]


@register
class StackSumAxis(NodeRewrite):
    targets = (torch.sum,)
    methods = ("sum",)

    def replace(self, node: Node) -> Node | None:
        parts = _stack_parts(node.args[0])
        r = _reduce_dim(node)
        if parts is None or r is None:
            return None
        tensors, s = parts
        pieces = [fake_tensor(t) for t in tensors]
        out = fake_tensor(node)
        if out is None or any(p is None for p in pieces):
            return None
        rank = pieces[0].dim()  # type: ignore[union-attr]
        # BUG: stack's dim ranges over rank + 1 dims; normalising with `rank` moves -1 to rank-1.
        if normalize_dim(s, rank) != normalize_dim(r, rank + 1):
            return None
        # Guard the author did add: the add chain must have the sum's shape and dtype.
        if any(p.shape != out.shape or p.dtype != out.dtype for p in pieces):  # type: ignore[union-attr]
            return None
        acc = tensors[0]
        for t in tensors[1:]:
            acc = self.emit(node, operator.add, (acc, t))
        self.unused(node.args[0])
        return acc

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            # Four (4, 4) pieces stacked on the last dim: (4, 4, 4); .sum(1) reduces rows.
            return torch.stack([x, x * 2, x.sin(), x.cos()], dim=-1).sum(1)

        return fn, (torch.randn(4, 4),)
