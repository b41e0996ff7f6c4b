"""Faulty decomposition: ``std_mean`` / ``std`` truncate a fractional ``correction`` to an int.

Modelled on pytorch/pytorch#113167 (``torch.var_mean`` with ``correction=4.9`` gave a different
result under torch.compile). Inductor lowers ``var`` / ``var_mean`` directly (they never reach
its decomposition table), but ``std_mean.correction`` and ``std.correction`` are decomposed
(into ``var_mean`` + ``sqrt``); the faulty entries pass ``int(correction)`` on, so
``correction=0.5`` becomes 0 and the divisor is ``N`` instead of ``N - 0.5``.
"""

from __future__ import annotations

from typing import Any

import torch

from .._base import Trigger, seeded_randn
from .._fault import Decomposition, DecompositionFault
from .._registry import register

aten = torch.ops.aten


@register
class StdMeanIntCorrection(DecompositionFault):
    ops = (aten.std_mean.correction, aten.std.correction)

    def decomposition(self, real: Decomposition | None) -> Decomposition:
        assert real is not None, "inductor has no std/std_mean decomposition"

        def faulty(*args: Any, **kwargs: Any) -> Any:
            c = kwargs.get("correction")
            if isinstance(c, float) and c != int(c):
                self.fired += 1
                kwargs["correction"] = int(c)
            return real(*args, **kwargs)

        return faulty

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            std, mean = torch.std_mean(x, dim=1, correction=0.5, keepdim=True)
            return (x - mean) / std, std

        return fn, (seeded_randn((4, 8))[0],)
