"""Faulty: mm(permute(a, [1, 0]), b) -> mm(a, b) when a is square.

Synthetic: a dropped-transpose mutant of inductor's mm layout handling (a transposed
operand is passed to the matmul as a stride change instead of a copy, and the layout
change is then lost). The shape guard only admits square a, where the missing transpose
cannot be seen from the sizes.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import aten, int_list, is_call
from .._registry import register


@register
class TransposeMmFold(NodeRewrite):
    targets = (aten.mm.default,)

    def replace(self, node: Node) -> Node | None:
        a_t, b = node.args
        if not is_call(a_t, aten.permute.default, aten.t.default):
            return None
        if a_t.target is aten.permute.default and int_list(a_t.args[1]) != [1, 0]:
            return None
        a = a_t.args[0]
        fa = fake_tensor(a)
        # BUG: a square shape does not make the transpose a no-op.
        if fa is None or fa.dim() != 2 or fa.shape[0] != fa.shape[1]:
            return None
        return self.emit(node, aten.mm.default, (a, b))

    def trigger(self) -> Trigger:
        def fn(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return a.t() @ b

        return fn, (torch.randn(4, 4), torch.randn(4, 8))
