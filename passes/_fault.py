"""Faults in compiler components that are not FX graph passes.

A ``GraphPass`` is an FX rewrite on an inductor hook. A ``Fault`` breaks something else for the
duration of ``installed()``: a decomposition in inductor's table, the partitioner (through
``config.custom_partitioner_fn``), the reinplacing pass, a lowering, a fusion decision (through
the post-fusion hook) or the C++ code generator. ``fired`` counts how often the fault took
effect, so a test can tell that it ran; ``component`` and ``guilty`` are the ground truth a
localizer must name, and ``stage`` / ``step`` follow from the component.
"""

from __future__ import annotations

import contextlib
from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ._base import Trigger

# component -> (pipeline stage, name of the captured step that must be blamed)
COMPONENTS: dict[str, tuple[str, str]] = {
    "decomposition": ("aot", "aot_trace (functionalize + decompose)"),
    "partitioner": ("partition", "partition"),
    "reinplace": ("post_grad", "reinplace_inplaceable_ops"),
    "lowering": ("lowering", "lowering + codegen"),
    "fusion": ("lowering", "lowering + codegen"),
    "codegen": ("lowering", "lowering + codegen"),
}


@dataclass(frozen=True)
class FaultInfo:
    name: str
    component: str  # a key of COMPONENTS
    issue: str  # "pytorch/pytorch#NNN" it is modelled on, or "synthetic: ..."
    bug_class: str  # the study's root-cause label
    guilty: str  # what a localizer must name: an aten op, a feature name, or "fusion"
    description: str

    def __post_init__(self) -> None:
        if self.component not in COMPONENTS:
            raise ValueError(f"{self.name}: unknown component {self.component!r}")

    @property
    def stage(self) -> str:
        return COMPONENTS[self.component][0]

    @property
    def step(self) -> str:
        return COMPONENTS[self.component][1]


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


_MISSING = object()


@contextlib.contextmanager
def swapped(table: dict[Any, Any], replacements: dict[Any, Any]) -> Iterator[None]:
    """``table.update(replacements)`` for the duration of the block; old entries (or their absence) restored."""
    saved = {k: table.get(k, _MISSING) for k in replacements}
    try:
        table.update(replacements)
        yield
    finally:
        for k, old in saved.items():
            if old is _MISSING:
                table.pop(k, None)
            else:
                table[k] = old
