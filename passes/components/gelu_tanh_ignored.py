"""Faulty decomposition: ``gelu(x, approximate="tanh")`` decomposed as the exact (erf) gelu.

Synthetic: dropped keyword, of inductor's ``aten.gelu`` decomposition. The two formulas differ
by up to about 5e-4 (near |x| = 2), far above float32 tolerance, so the keyword matters.
"""

from __future__ import annotations

from typing import Any

import torch

from .._base import Trigger, seeded_randn
from .._fault import Decomposition, DecompositionFault
from .._registry import register

aten = torch.ops.aten


@register
class GeluTanhIgnored(DecompositionFault):
    ops = (aten.gelu.default,)

    def decomposition(self, real: Decomposition | None) -> Decomposition:
        assert real is not None, "inductor has no gelu decomposition"

        def faulty(x: torch.Tensor, approximate: str = "none") -> Any:
            if approximate == "tanh":
                self.fired += 1
                return real(x)  # approximate dropped
            return real(x, approximate=approximate)

        return faulty

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.gelu(x, approximate="tanh") * 2

        return fn, (seeded_randn((8, 16))[0] * 3,)
