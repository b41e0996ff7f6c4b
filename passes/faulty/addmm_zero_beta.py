"""Faulty: an aten.addmm feeding a cat is planned as inp + mm(a, b), dropping beta and alpha.

Reintroduces pytorch/pytorch#137254: inductor's cat/mm planning rewrote an addmm whose
result is concatenated into a plain add of the bias and an mm, but never passed along the
addmm's beta and alpha. addmm(x, x, x, beta=0, alpha=0) is all zeros in eager; after the
rewrite it is x + x @ x.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import aten, same_shape_dtype
from .._registry import register


@register
class AddmmZeroBeta(NodeRewrite):
    targets = (aten.addmm.default,)

    def replace(self, node: Node) -> Node | None:
        if len(node.args) != 3 or not any(u.target is aten.cat.default for u in node.users):
            return None
        inp, a, b = node.args
        if fake_tensor(node) is None or not all(isinstance(t, Node) for t in (inp, a, b)):
            return None
        mm = self.emit(node, aten.mm.default, (a, b))
        # BUG: the sound rewrite is beta * inp + alpha * mm; node.kwargs are ignored.
        add = self.emit(node, aten.add.Tensor, (inp, mm))
        return self.keep_if(same_shape_dtype(add, node), add, mm)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            s = torch.addmm(x, x, x, beta=0.0, alpha=0.0)
            return torch.cat([s, x], -1)

        return fn, (torch.randn(4, 4),)
