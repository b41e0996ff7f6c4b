"""Faulty decomposition: batch norm broadcasts weight and bias along dim 0, not the channel dim.

Modelled on pytorch/pytorch#100970 (the batch-norm decomposition reshaped ``weight``/``bias``
wrongly, so they were applied along the wrong axis). Eval-mode ``nn.BatchNorm2d`` /
``F.batch_norm(training=False)`` reaches inductor's decomposition table as
``aten._native_batch_norm_legit_no_training`` (``aten.native_batch_norm`` when traced without
the Python dispatcher). Inductor's batch-norm decompositions share one helper, so the fault
breaks all three entries alike (``_native_batch_norm_legit_no_training``,
``_native_batch_norm_legit``, ``native_batch_norm``): each normalises with the real
decomposition and then scales and shifts by ``weight.view(-1, 1, 1, 1)`` /
``bias.view(-1, 1, 1, 1)`` (the batch axis) instead of ``view(1, -1, 1, 1)``. Shapes still
check whenever batch size equals the channel count, so only the values are wrong.
"""

from __future__ import annotations

from typing import Any

import torch

from .._base import Trigger
from .._fault import Decomposition, DecompositionFault
from .._registry import register

aten = torch.ops.aten

# the batch-norm entries of inductor's table that take (input, weight, bias, ...)
_BATCH_NORMS = (
    aten._native_batch_norm_legit_no_training.default,
    aten._native_batch_norm_legit.default,
    aten.native_batch_norm.default,
)


@register
class BatchNormWeightView(DecompositionFault):
    ops = _BATCH_NORMS

    def decomposition(self, real: Decomposition | None) -> Decomposition:
        assert real is not None, "inductor has no batch-norm decomposition"

        def faulty(input: torch.Tensor, weight: torch.Tensor | None, bias: torch.Tensor | None, *rest: Any) -> Any:
            outs = real(input, None, None, *rest)  # normalise only; weight/bias applied below
            if weight is None and bias is None:
                return outs
            self.fired += 1
            out = outs[0]
            wrong = [-1] + [1] * (input.dim() - 1)  # should be [1, -1, 1, ...]
            if weight is not None:
                out = out * weight.view(wrong)
            if bias is not None:
                out = out + bias.view(wrong)
            return (out, *outs[1:])

        return faulty

    def trigger(self) -> Trigger:
        g = torch.Generator().manual_seed(0)
        bn = torch.nn.BatchNorm2d(4).eval()
        with torch.no_grad():
            bn.weight.copy_(torch.rand(4, generator=g) + 0.5)
            bn.bias.copy_(torch.randn(4, generator=g))
            bn.get_buffer("running_mean").copy_(torch.randn(4, generator=g))
            bn.get_buffer("running_var").copy_(torch.rand(4, generator=g) + 0.5)

        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.relu(bn(x))

        return fn, (torch.randn(4, 4, 5, 5, generator=g),)  # batch == channels: the wrong view still broadcasts
