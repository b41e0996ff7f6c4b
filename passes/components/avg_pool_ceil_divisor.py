"""Faulty lowering: ``avg_pool2d`` with ``ceil_mode=True`` divides every window by the full kernel size.

Reintroduces pytorch/pytorch#100987: with ``ceil_mode`` the last window along a dimension may
hang over the (padded) input and hold fewer elements than ``kH * kW``; eager divides by the
clipped window, the buggy lowering by ``kH * kW``. The fault wraps the real lowering and, for
``ceil_mode=True, count_include_pad=True`` without a ``divisor_override``, calls it with
``divisor_override=kH * kW``: every window that does not hang over is unchanged, only the
ceil-mode edge is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch

from .._base import Trigger, seeded_randn
from .._fault import LoweringFault
from .._registry import register

aten = torch.ops.aten


@register
class AvgPoolCeilDivisor(LoweringFault):
    def lowerings(self, lowering: ModuleType) -> dict[Any, Callable[..., Any]]:
        real = lowering.lowerings[aten.avg_pool2d.default]

        def faulty(
            x: Any,
            kernel_size: Any,
            stride: Any = (),
            padding: Any = 0,
            ceil_mode: bool = False,
            count_include_pad: bool = True,
            divisor_override: Any = None,
        ) -> Any:
            if ceil_mode and count_include_pad and not divisor_override:
                self.fired += 1
                divisor_override = math.prod(lowering.pad_listlike(kernel_size, 2))
            return real(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)

        return {aten.avg_pool2d.default: faulty}

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.avg_pool2d(x, kernel_size=3, stride=2, ceil_mode=True) + 1

        return fn, (seeded_randn((2, 3, 6, 6))[0],)
