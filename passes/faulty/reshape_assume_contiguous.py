"""Faulty: view(clone(permute(x)), shape) -> view(x, shape): assumes the permuted input is contiguous.

Modelled on pytorch/pytorch#172693 (a dynamic reshape lowered as if its strided input were
contiguous). ``reshape`` of a permuted tensor reads its elements in the permuted order; a
view of the un-permuted base reads them in memory order. Sizes stay the same, so nothing
downstream notices; only the element map changes.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from .._base import NodeRewrite, Trigger
from .._fx import aten, is_call
from .._registry import register

_VIEWS = (aten.view.default, aten._unsafe_view.default, aten.reshape.default)
_REORDERS = (aten.permute.default, aten.transpose.int)


@register
class ReshapeAssumeContiguous(NodeRewrite):
    targets = _VIEWS

    def replace(self, node: Node) -> Node | None:
        src = node.args[0]
        if is_call(src, aten.clone.default):
            src = src.args[0]
        if not is_call(src, *_REORDERS):
            return None
        # BUG: views the permute's base, as if the permuted tensor's memory were in its logical order.
        return self.emit(node, aten.view.default, (src.args[0], node.args[1]))

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return x.permute(0, 2, 1).reshape(4, -1) * 2

        return fn, (torch.randn(4, 6, 8),)
