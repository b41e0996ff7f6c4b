"""Faulty decomposition in the table inductor selects under ``fallback_random=True``, and only there.

With ``config.fallback_random`` (set by users who need eager's random numbers),
``select_decomp_table()`` returns ``decompositions`` itself rather than its cached copy. A fault
there reaches only those users' compiles. Synthetic, of the decomposition class: ``hardswish``
decomposed with the upper bound of its clamp halved.
"""

from __future__ import annotations

import torch

from .._base import Trigger, seeded_randn
from .._fault import Decomposition, DecompositionFault
from .._registry import register

aten = torch.ops.aten


@register
class BaseTableHardswish(DecompositionFault):
    ops = (aten.hardswish.default,)
    tables = ("decompositions",)  # this table only

    def decomposition(self, real: Decomposition | None) -> Decomposition:
        def faulty(x: torch.Tensor) -> torch.Tensor:
            self.fired += 1
            return x * torch.clamp(x + 3.0, 0.0, 3.0) / 6.0

        return faulty

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.hardswish(x) + 1.0

        return fn, (seeded_randn((8, 16))[0] * 5,)
