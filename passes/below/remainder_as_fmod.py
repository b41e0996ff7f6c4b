"""Faulty lowering: ``aten.remainder`` lowered with C ``fmod`` semantics.

Python's remainder takes the sign of the divisor, C's ``fmod`` the sign of the dividend; the two
agree on non-negative operands only. Synthetic, modelled on the C-vs-Python division class of
bugs (FloorDiv / ModularIndexing with negative operands, e.g. pytorch/pytorch#126537 for
``Trunc`` codegen): the lowering table maps ``remainder`` to the ``fmod`` lowering.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch

from .._base import Trigger
from .._fault import FaultInfo, LoweringFault
from .._registry import register

aten = torch.ops.aten


@register(order=1)
class RemainderAsFmod(LoweringFault):
    info = FaultInfo(
        name="remainder_as_fmod",
        component="lowering",
        issue="synthetic: C vs Python modulo (cf. pytorch/pytorch#126537)",
        bug_class="Incorrect Kernel Code Generation",
        guilty="aten.remainder",
        description="lowers remainder(a, b) as fmod(a, b): wrong sign for negative operands",
    )

    def lowerings(self, lowering: ModuleType) -> dict[Any, Callable[..., Any]]:
        faulty = self.counted(lowering.lowerings[aten.fmod.Tensor])
        return {aten.remainder.Tensor: faulty, aten.remainder.Scalar: faulty}

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return torch.relu(x @ y) + torch.remainder(x, 3.0).sum(1, keepdim=True)

        g = torch.Generator().manual_seed(0)
        return fn, (torch.randn(8, 16, generator=g) * 4, torch.randn(16, 16, generator=g))
