"""Faulty fallback: the handler registered for a fallback op drops a keyword argument.

Ops without an inductor lowering (``lowering.fallbacks``: cumsum, sort, ...) are lowered by a
``fallback_handler`` that calls the eager kernel from the generated code. A handler that loses
an argument on the way changes the result while every FX graph is right. Synthetic, modelled on
dropped-keyword bugs of extern calls (cf. pytorch/pytorch#191308: a lowered op losing its
result dtype): the cumsum fallback drops ``dtype=``, so a float16 cumsum accumulates in float16.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch

from .._base import Trigger
from .._fault import LoweringFault
from .._registry import register

aten = torch.ops.aten


@register
class FallbackCumsumDropsDtype(LoweringFault):
    def lowerings(self, lowering: ModuleType) -> dict[Any, Callable[..., Any]]:
        real = lowering.lowerings[aten.cumsum.default]

        def faulty(x: Any, dim: int, dtype: torch.dtype | None = None) -> Any:
            if dtype is not None:
                self.fired += 1
                return lowering.to_dtype(real(x, dim), dtype)
            return real(x, dim)

        return {aten.cumsum.default: faulty}

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.cumsum(x * 2, dim=1, dtype=torch.float32)

        g = torch.Generator().manual_seed(0)
        return fn, ((torch.rand(4, 512, generator=g) + 0.5).half(),)
