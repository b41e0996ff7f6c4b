"""Faulty: add(conv(x, w, b), other, alpha=a) -> conv(x, w, b + other), dropping alpha.

Reintroduces pytorch/pytorch#122382: the conv + add binary fusion folded a per-channel
`other` into the convolution but ignored `alpha` (0.875 in the report), computing
conv + other instead of conv + alpha * other.
"""

from __future__ import annotations

import torch

from .._base import GraphPass, PassInfo, Trigger
from .._fx import aten, calls, fake, new_call


class ConvAddAlpha(GraphPass):
    info = PassInfo(
        name="conv_add_alpha",
        hook="joint_custom_pre_pass",
        faulty=True,
        issue="pytorch/pytorch#122382",
        bug_class="Unsound Graph Optimization",
        guilty_targets=("aten.convolution.default",),
        description="Folds a per-channel add after aten.convolution into the conv bias but drops the add's alpha.",
    )

    def rewrite(self, graph: torch.fx.Graph) -> int:
        count = 0
        for add in calls(graph, aten.add.Tensor):
            if len(add.args) != 2:
                continue
            conv, other = add.args
            # Only conv + alpha*other: with the conv second, alpha would scale the conv.
            if not (
                isinstance(conv, torch.fx.Node)
                and conv.target is aten.convolution.default
                and len(conv.users) == 1
                and isinstance(other, torch.fx.Node)
            ):
                continue
            fc, fo, fa = fake(conv), fake(other), fake(add)
            if fc is None or fo is None or fa is None or fc.dim() < 3:
                continue
            channels = int(fc.shape[1])
            # `other` must broadcast as a per-output-channel bias: shape (C, 1, ..) or (1, C, 1, ..).
            padded = [1] * (fc.dim() - fo.dim()) + [int(s) for s in fo.shape]
            bias_shape = [1, channels] + [1] * (fc.dim() - 2)
            if padded != bias_shape or fo.dtype != fc.dtype or fa.shape != fc.shape:
                continue
            x, w, b, *rest = conv.args
            # Insert at the add: `other` may be computed after the conv.
            with graph.inserting_before(add):
                new_bias = new_call(graph, aten.view.default, (other, [channels]), like=add)
                # BUG: the sound fold is b + alpha * other; add.kwargs["alpha"] is ignored.
                if b is not None:
                    new_bias = new_call(graph, aten.add.Tensor, (b, new_bias), like=add)
                fused = new_call(graph, aten.convolution.default, (x, w, new_bias, *rest), like=conv, creator=self.name)
            add.replace_all_uses_with(fused)
            count += 1
        return count

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
            v = torch.nn.functional.conv2d(x, w, b, padding=1)
            return torch.add(v, other, alpha=0.875)

        return fn, (torch.randn(1, 3, 4, 4), torch.randn(2, 3, 1, 1), torch.randn(2), torch.randn(2, 1, 1))
