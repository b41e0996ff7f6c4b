"""Faulty: permute(permute(x, p), q) -> permute(x, q o p): composes the permutations backwards.

A layout-propagation bug in the family of pytorch/pytorch#121174 (q/k/v permutes around a
fused attention gave wrong values). The sound composition is dims[i] = p[q[i]]; this pass
uses q[p[i]]. A shape guard keeps the graph consistent, so the wrong layout only gets
through when the permuted dims have equal sizes (e.g. square heads), silently.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import aten, permute_of_permute
from .._registry import register


@register
class PermuteComposeSwap(NodeRewrite):
    targets = (aten.permute.default,)

    def replace(self, node: Node) -> Node | None:
        found = permute_of_permute(node)
        if found is None:
            return None
        x, p, q = found
        fx_, fout = fake_tensor(x), fake_tensor(node)
        if fx_ is None or fout is None:
            return None
        n = fx_.dim()
        p, q = [d % n for d in p], [d % n for d in q]
        dims = [q[p[i]] for i in range(n)]  # BUG: should be p[q[i]]
        if [fx_.shape[d] for d in dims] != list(fout.shape):
            return None  # would change the shape: the author's guard catches that case only
        return self.emit(node, aten.permute.default, (x, dims))

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x.permute(1, 2, 0).permute(1, 0, 2) + 1

        return fn, (torch.randn(4, 4, 4),)
