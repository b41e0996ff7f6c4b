"""Faulty lowering: ``clamp_min`` and ``relu`` lowered as ``where(x > m, x, m)``, which drops NaN.

Synthetic: unsafe identity on special values, of the clamp_min / maximum lowering. Inductor
lowers ``clamp_min(x, m)`` as ``maximum(x, m)`` and ``relu`` as ``relu``, both NaN-propagating
like eager. The mutant uses the select form, equal to ``max`` for every ordered input but
returning ``m`` (0 for relu) where ``x`` is NaN. Only inputs with NaN show it.
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
class ClampMinNanDropped(LoweringFault):
    def lowerings(self, lowering: ModuleType) -> dict[Any, Callable[..., Any]]:
        from torch._inductor.virtualized import ops

        def select_max(a: Any, b: Any) -> Any:
            return ops.where(ops.gt(a, b), a, b)  # False for NaN: NaN is replaced by b

        pointwise = lowering.make_pointwise(select_max)

        def clamp_min(x: Any, min: Any) -> Any:
            self.fired += 1
            return pointwise(x, min)

        def relu(x: Any) -> Any:
            self.fired += 1
            return pointwise(x, 0)

        return {aten.clamp_min.default: clamp_min, aten.relu.default: relu}

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.clamp_min(x * 2, -0.5) + torch.relu(x).exp()

        x = seeded_randn((8, 16))[0]
        x[1, 3] = x[5, 0] = float("nan")  # the special value the lowering mishandles
        return fn, (x,)
