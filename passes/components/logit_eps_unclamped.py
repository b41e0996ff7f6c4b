"""Faulty decomposition: ``logit(x, eps)`` does not clamp ``x`` to ``[eps, 1 - eps]``.

Modelled on pytorch/pytorch#145379 (``torch.logit`` with ``eps`` gave a different result under
torch.compile). The faulty entry for ``aten.logit`` computes ``log(x / (1 - x))`` for every
``eps``: inputs inside ``[eps, 1 - eps]`` are right, the others (and 0 and 1, which give
infinities instead of finite values) are wrong.
"""

from __future__ import annotations

from typing import Any

import torch

from .._base import Trigger
from .._fault import Decomposition, DecompositionFault
from .._registry import register

aten = torch.ops.aten


@register
class LogitEpsUnclamped(DecompositionFault):
    ops = (aten.logit.default,)

    def decomposition(self, real: Decomposition | None) -> Decomposition:
        assert real is not None, "inductor has no logit decomposition"

        def faulty(x: torch.Tensor, eps: float | None = None) -> Any:
            if eps is None:
                return real(x)
            self.fired += 1
            return torch.log(x / (1 - x))  # the clamp to [eps, 1 - eps] is missing

        return faulty

    def trigger(self) -> Trigger:
        def fn(p: torch.Tensor) -> torch.Tensor:
            return torch.logit(p, eps=0.1) * 0.5

        return fn, (torch.rand(8, 16, generator=torch.Generator().manual_seed(0)),)
