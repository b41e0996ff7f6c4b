"""Faulty decomposition: ``gelu(x, approximate="tanh")`` decomposed as the exact (erf) gelu.

Synthetic: dropped keyword, of inductor's ``aten.gelu`` decomposition. The two formulas differ
by up to about 5e-4 (near |x| = 2), far above float32 tolerance, so the keyword matters.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch

from .._base import Trigger
from .._fault import Fault, FaultInfo
from ._swap import decompositions_swapped

aten = torch.ops.aten


class GeluTanhIgnored(Fault):
    info = FaultInfo(
        name="gelu_tanh_ignored",
        component="decomposition",
        issue="synthetic: dropped keyword, of inductor's gelu decomposition",
        bug_class="Incorrect Operator Decomposition",
        guilty="aten.gelu",
        description='gelu(x, approximate="tanh") decomposed as the exact erf gelu',
    )

    def _make(self, real: Callable[..., Any] | None) -> Callable[..., Any]:
        assert real is not None, "inductor has no gelu decomposition"

        def faulty(x: torch.Tensor, approximate: str = "none") -> Any:
            if approximate == "tanh":
                self.fired += 1
                return real(x)  # approximate dropped
            return real(x, approximate=approximate)

        return faulty

    @contextlib.contextmanager
    def _install(self) -> Iterator[None]:
        with decompositions_swapped(self._make, aten.gelu.default):
            yield

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.gelu(x, approximate="tanh") * 2

        return fn, (torch.randn(8, 16, generator=torch.Generator().manual_seed(0)) * 3,)
