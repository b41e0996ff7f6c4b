"""Faulty decomposition in the table inductor selects by default, and only there.

Without ``fallback_random``, ``select_decomp_table()`` returns ``fast_random_decomps()``, a copy
of ``decompositions`` cached on first use. A decomposition changed in that copy alone (as a stale
or diverged copy would be) is what every default compile uses, and what a capture run with
``fallback_random=True`` never sees. Synthetic, of the decomposition class (cf.
pytorch/pytorch#175154: a decomposition that disagrees with its eager kernel): ``hardsigmoid``
decomposed with its upper clamp dropped.
"""

from __future__ import annotations

import torch

from .._base import Trigger, seeded_randn
from .._fault import Decomposition, DecompositionFault
from .._registry import register

aten = torch.ops.aten


@register
class FastTableHardsigmoid(DecompositionFault):
    ops = (aten.hardsigmoid.default,)
    tables = ("fast_random_decomps",)  # this table only

    def decomposition(self, real: Decomposition | None) -> Decomposition:
        def faulty(x: torch.Tensor) -> torch.Tensor:
            self.fired += 1
            return torch.clamp_min(x / 6 + 0.5, 0.0)

        return faulty

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.hardsigmoid(x * 2.0) * x

        return fn, (seeded_randn((8, 16))[0] * 3,)
