"""Faulty decomposition: ``addcmul(x, a, b, value=v)`` decomposed as if ``value`` were 1.

Synthetic: dropped keyword, of inductor's operator decompositions. Inductor removes the core
``addcmul`` decomposition from its table (it lowers ``addcmul`` itself, with an FMA); the fault
puts a decomposition back for ``aten.addcmul.default`` that computes ``x + a * b`` and ignores
``value``.
"""

from __future__ import annotations

from typing import Any

import torch

from .._base import Trigger, seeded_randn
from .._fault import Decomposition, DecompositionFault
from .._registry import register

aten = torch.ops.aten


@register
class AddcmulValueDropped(DecompositionFault):
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

        return fn, seeded_randn((8, 16), (8, 16), (8, 16))
