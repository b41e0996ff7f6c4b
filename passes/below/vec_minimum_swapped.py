"""Faulty codegen: the vectorised C++ ``minimum`` emits ``maximum``.

A swapped-operation mutant of inductor's C++ vector code generator (``CppVecOverrides``): the
scalar loop stays right, so only kernels the vectoriser handles are wrong, and only with
vectorisation on. Synthetic, of the study's "Incorrect Kernel Code Generation" class.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from .._base import Trigger
from .._fault import Fault, FaultInfo
from .._registry import register


@register(order=3)
class VecMinimumSwapped(Fault):
    info = FaultInfo(
        name="vec_minimum_swapped",
        component="codegen",
        issue="synthetic: swapped vector op in CppVecOverrides",
        bug_class="Incorrect Kernel Code Generation",
        guilty="vectorisation",
        description="vectorised minimum(a, b) generated as maximum(a, b)",
    )

    @contextlib.contextmanager
    def _install(self) -> Iterator[None]:
        from torch._inductor.codegen.cpp import CppVecOverrides

        saved = CppVecOverrides.__dict__["minimum"]
        maximum = CppVecOverrides.maximum

        def faulty(a: Any, b: Any) -> Any:
            self.fired += 1
            return maximum(a, b)

        setattr(CppVecOverrides, "minimum", staticmethod(faulty))  # noqa: B010 (a method, for mypy)
        try:
            yield
        finally:
            setattr(CppVecOverrides, "minimum", saved)  # noqa: B010

    def trigger(self) -> Trigger:
        def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return torch.minimum(x, y).exp() + x

        g = torch.Generator().manual_seed(0)
        return fn, (torch.randn(8, 64, generator=g), torch.randn(8, 64, generator=g))
