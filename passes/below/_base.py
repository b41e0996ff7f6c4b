"""Faults below the FX graph: a broken lowering, fusion decision or codegen rule.

Unlike a ``GraphPass`` these are not FX passes: each one changes inductor's lowering table, its
scheduler (through the official post-fusion hook) or its C++ code generator for the duration of
``installed()``. ``fired`` counts how often the fault took effect, so a test can tell that it ran;
``component`` and ``guilty`` are the ground truth a localizer must name.
"""

from __future__ import annotations

import contextlib
from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from .._base import Trigger

COMPONENTS = ("lowering", "fusion", "codegen")


@dataclass(frozen=True)
class FaultInfo:
    name: str
    component: str  # lowering / fusion / codegen
    issue: str  # "pytorch/pytorch#NNN" it is modelled on, or "synthetic: ..."
    bug_class: str  # the study's root-cause label
    guilty: str  # what a localizer must name: an aten op, a feature name, or "fusion"
    description: str

    def __post_init__(self) -> None:
        if self.component not in COMPONENTS:
            raise ValueError(f"{self.name}: unknown component {self.component!r}")


class Fault:
    info: ClassVar[FaultInfo]

    def __init__(self) -> None:
        self.fired = 0

    @property
    def name(self) -> str:
        return self.info.name

    @contextlib.contextmanager
    def installed(self) -> Iterator[Fault]:
        self.fired = 0
        with self._install():
            yield self

    @abstractmethod
    def _install(self) -> contextlib.AbstractContextManager[None]:
        """Put the fault in place for the duration of the returned context."""

    @abstractmethod
    def trigger(self) -> Trigger:
        """A small function and inputs on which the fault changes the compiled result."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} ({self.info.component})>"
