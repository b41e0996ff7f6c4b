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

from .._base import Trigger, seeded_randn
from .._fault import LoweringFault
from .._registry import register

aten = torch.ops.aten


@register
class RemainderAsFmod(LoweringFault):
    def lowerings(self, lowering: ModuleType) -> dict[Any, Callable[..., Any]]:
        faulty = self.counted(lowering.lowerings[aten.fmod.Tensor])
        return {aten.remainder.Tensor: faulty, aten.remainder.Scalar: faulty}

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return torch.relu(x @ y) + torch.remainder(x, 3.0).sum(1, keepdim=True)

        x, y = seeded_randn((8, 16), (16, 16))
        return fn, (x * 4, y)
