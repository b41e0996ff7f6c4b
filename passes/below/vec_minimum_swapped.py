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

from .._base import Trigger, seeded_randn
from .._fault import Fault
from .._registry import register


@register
class VecMinimumSwapped(Fault):
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

        return fn, seeded_randn((8, 64), (8, 64))
