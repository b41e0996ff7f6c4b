"""Faulty decomposition in the table inductor selects under ``fallback_random=True``, and only there.

With ``config.fallback_random`` (set by users who need eager's random numbers),
``select_decomp_table()`` returns ``decompositions`` itself rather than its cached copy. A fault
there reaches only those users' compiles. Synthetic, of the decomposition class: ``hardswish``
decomposed with the upper bound of its clamp halved.
"""

from __future__ import annotations

import torch

from .._base import Trigger
from .._fault import Decomposition, DecompositionFault, FaultInfo
from .._registry import register

aten = torch.ops.aten


@register(order=2)
class BaseTableHardswish(DecompositionFault):
    info = FaultInfo(
        name="base_table_hardswish",
        component="decomposition",
        issue="synthetic: a decomposition only in the table fallback_random=True selects",
        bug_class="Incorrect Operator Decomposition",
        guilty="aten.hardswish",
        description="hardswish as x * clamp(x + 3, 0, 3) / 6 (upper bound halved), only in `decompositions`",
    )
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

        return fn, (torch.randn(8, 16, generator=torch.Generator().manual_seed(0)) * 5,)
