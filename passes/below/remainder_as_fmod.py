"""Faulty lowering: ``aten.remainder`` lowered with C ``fmod`` semantics.

Python's remainder takes the sign of the divisor, C's ``fmod`` the sign of the dividend; the two
agree on non-negative operands only. Synthetic, modelled on the C-vs-Python division class of
bugs (FloorDiv / ModularIndexing with negative operands, e.g. pytorch/pytorch#126537 for
``Trunc`` codegen): the lowering table maps ``remainder`` to the ``fmod`` lowering.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from .._base import Trigger
from .._fault import Fault, FaultInfo, swapped

aten = torch.ops.aten


class RemainderAsFmod(Fault):
    info = FaultInfo(
        name="remainder_as_fmod",
        component="lowering",
        issue="synthetic: C vs Python modulo (cf. pytorch/pytorch#126537)",
        bug_class="Incorrect Kernel Code Generation",
        guilty="aten.remainder",
        description="lowers remainder(a, b) as fmod(a, b): wrong sign for negative operands",
    )

    @contextlib.contextmanager
    def _install(self) -> Iterator[None]:
        from torch._inductor import lowering

        fmod = lowering.lowerings[aten.fmod.Tensor]

        def faulty(*args: Any, **kwargs: Any) -> Any:
            self.fired += 1
            return fmod(*args, **kwargs)

        with swapped(lowering.lowerings, {aten.remainder.Tensor: faulty, aten.remainder.Scalar: faulty}):
            yield

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return torch.relu(x @ y) + torch.remainder(x, 3.0).sum(1, keepdim=True)

        g = torch.Generator().manual_seed(0)
        return fn, (torch.randn(8, 16, generator=g) * 4, torch.randn(16, 16, generator=g))
