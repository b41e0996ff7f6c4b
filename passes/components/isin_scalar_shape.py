"""Faulty decomposition: ``isin(scalar, tensor)`` returns shape ``[1]`` instead of ``[]``.

Modelled on pytorch/pytorch#171262 (TorchInductor returned a 1-element tensor for
``aten.isin`` with a scalar ``element``, where eager returns a 0-d tensor). The faulty entry for
``aten.isin.Scalar_Tensor`` materialises the scalar as a 1-element tensor, not a 0-d one, before
the real tensor-tensor decomposition: the values are right, the output shape is not.
"""

from __future__ import annotations

from typing import Any

import torch

from .._base import Trigger
from .._fault import Decomposition, DecompositionFault
from .._registry import register

aten = torch.ops.aten


@register
class IsinScalarShape(DecompositionFault):
    ops = (aten.isin.Scalar_Tensor,)

    def decomposition(self, real: Decomposition | None) -> Decomposition:
        assert real is not None, "inductor has no isin decomposition"

        def faulty(
            element: Any, test_elements: torch.Tensor, *, assume_unique: bool = False, invert: bool = False
        ) -> Any:
            self.fired += 1
            as_tensor = torch.scalar_tensor(element, device=test_elements.device).reshape(1)  # should stay 0-d
            return real(as_tensor, test_elements, assume_unique=assume_unique, invert=invert)

        return faulty

    def trigger(self) -> Trigger:
        def fn(t: torch.Tensor) -> torch.Tensor:
            return torch.isin(2.0, t)

        return fn, (torch.arange(-4.0, 6.0),)
