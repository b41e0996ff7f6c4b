"""Faulty: add(conv(x, w, b), other, alpha=a) -> conv(x, w, b + other), dropping alpha.

Reintroduces pytorch/pytorch#122382: the conv + add binary fusion folded a per-channel
`other` into the convolution but ignored `alpha` (0.875 in the report), computing
conv + other instead of conv + alpha * other.
"""

from __future__ import annotations

import torch
from torch.fx import Node

from validator.fx import fake_tensor

from .._base import NodeRewrite, Trigger
from .._fx import aten
from .._registry import register


@register
class ConvAddAlpha(NodeRewrite):
    targets = (aten.add.Tensor,)

    def replace(self, node: Node) -> Node | None:
        if len(node.args) != 2:
            return None
        conv, other = node.args
        # Only conv + alpha*other: with the conv second, alpha would scale the conv.
        if not (
            isinstance(conv, Node)
            and conv.target is aten.convolution.default
            and len(conv.users) == 1
            and isinstance(other, Node)
        ):
            return None
        fc, fo, fa = fake_tensor(conv), fake_tensor(other), fake_tensor(node)
        if fc is None or fo is None or fa is None or fc.dim() < 3:
            return None
        channels = int(fc.shape[1])
        # `other` must broadcast as a per-output-channel bias: shape (C, 1, ..) or (1, C, 1, ..).
        padded = [1] * (fc.dim() - fo.dim()) + [int(s) for s in fo.shape]
        bias_shape = [1, channels] + [1] * (fc.dim() - 2)
        if padded != bias_shape or fo.dtype != fc.dtype or fa.shape != fc.shape:
            return None
        x, w, b, *rest = conv.args
        # Insert at the add: `other` may be computed after the conv.
        new_bias = self.emit(node, aten.view.default, (other, [channels]), tag=False)
        # BUG: the sound fold is b + alpha * other; node.kwargs["alpha"] is ignored.
        if b is not None:
            new_bias = self.emit(node, aten.add.Tensor, (b, new_bias), tag=False)
        return self.emit(node, aten.convolution.default, (x, w, new_bias, *rest), like=conv)

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
            v = torch.nn.functional.conv2d(x, w, b, padding=1)
            return torch.add(v, other, alpha=0.875)

        return fn, (torch.randn(1, 3, 4, 4), torch.randn(2, 3, 1, 1), torch.randn(2), torch.randn(2, 1, 1))
