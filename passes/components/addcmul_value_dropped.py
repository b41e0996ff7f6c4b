"""Faulty decomposition: ``addcmul(x, a, b, value=v)`` decomposed as if ``value`` were 1.

Synthetic: dropped keyword, of inductor's operator decompositions. Inductor removes the core
``addcmul`` decomposition from its table (it lowers ``addcmul`` itself, with an FMA); the fault
puts a decomposition back for ``aten.addcmul.default`` that computes ``x + a * b`` and ignores
``value``.
"""

from __future__ import annotations

from typing import Any

import torch

from .._base import Trigger
from .._fault import Decomposition, DecompositionFault, FaultInfo
from .._registry import register

aten = torch.ops.aten


@register(order=4)
class AddcmulValueDropped(DecompositionFault):
    info = FaultInfo(
        name="addcmul_value_dropped",
        component="decomposition",
        issue="synthetic: dropped keyword, of inductor's addcmul decomposition",
        bug_class="Incorrect Operator Decomposition",
        guilty="aten.addcmul",
        description="addcmul(x, a, b, value=v) decomposed as x + a * b (value ignored)",
    )
    ops = (aten.addcmul.default,)

    def decomposition(self, real: Decomposition | None) -> Decomposition:
        def faulty(x: torch.Tensor, t1: torch.Tensor, t2: torch.Tensor, *, value: Any = 1) -> Any:
            if value != 1:
                self.fired += 1
            return x + t1 * t2

        return faulty

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return torch.addcmul(x, a, b, value=0.25).tanh()

        g = torch.Generator().manual_seed(0)
        return fn, tuple(torch.randn(8, 16, generator=g) for _ in range(3))
