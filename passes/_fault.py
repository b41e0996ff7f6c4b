"""Faults in compiler components that are not FX graph passes.

A ``GraphPass`` is an FX rewrite on an inductor hook. A ``Fault`` breaks something else for the
duration of ``installed()``: a decomposition in inductor's table, the partitioner (through
``config.custom_partitioner_fn``), the reinplacing pass, a lowering, a fusion decision (through
the post-fusion hook) or the C++ code generator. ``fired`` counts how often the fault took
effect, so a test can tell that it ran; ``component`` and ``guilty`` are the ground truth a
localizer must name, and ``stage`` / ``step`` follow from the component.

The kinds below put a fault in place, and undo it on exit (also after an exception), so a fault
only says what it breaks: ``DecompositionFault`` (entries of the decomposition tables),
``LoweringFault`` (entries of ``lowering.lowerings``), ``PartitionerFault`` (the min-cut
partitioner's output) and ``ReinplaceFault`` (the graph after ``reinplace_inplaceable_ops``).
"""

from __future__ import annotations

import contextlib
import functools
from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import torch
import torch._inductor.config as inductor_config
from torch._inductor.custom_graph_pass import CustomPartitionerFn

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

Decomposition = Callable[..., Any]


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
    def _install(self) -> contextlib.AbstractContextManager[Any]:
        """Put the fault in place for the duration of the returned context."""

    @abstractmethod
    def trigger(self) -> Trigger:
        """A small function and inputs on which the fault changes the compiled result."""

    def _fire(self, n: int = 1) -> None:
        self.fired += n

    def counted(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn``, counting every call as the fault taking effect."""

        def faulty(*args: Any, **kwargs: Any) -> Any:
            self.fired += 1
            return fn(*args, **kwargs)

        return faulty

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


class DecompositionFault(Fault):
    """Inductor's decomposition of each overload in ``ops`` replaced by ``decomposition(real)``,
    where ``real`` is the table's own entry (None where it has none).

    ``tables`` names the tables patched: ``decompositions`` itself (what ``select_decomp_table()``
    returns with ``config.fallback_random``) and the cached copy ``fast_random_decomps()`` returns
    without it. Both by default, so the fault holds under either setting.
    """

    ops: ClassVar[tuple[torch._ops.OpOverload, ...]]
    tables: ClassVar[tuple[str, ...]] = ("decompositions", "fast_random_decomps")

    @abstractmethod
    def decomposition(self, real: Decomposition | None) -> Decomposition:
        """The faulty entry, given the one it replaces."""

    @contextlib.contextmanager
    def _install(self) -> Iterator[None]:
        from torch._inductor import decomposition

        tables: dict[str, Callable[[], dict[Any, Decomposition]]] = {
            "decompositions": lambda: decomposition.decompositions,
            "fast_random_decomps": decomposition.fast_random_decomps,
        }
        # All fetched before any is patched: fast_random_decomps() copies `decompositions` on its
        # first call (then caches the copy), which must not pick up (and keep) the faulty entries.
        chosen = [tables[name]() for name in self.tables]
        with contextlib.ExitStack() as stack:
            for table in chosen:
                stack.enter_context(swapped(table, {op: self.decomposition(table.get(op)) for op in self.ops}))
            yield


class LoweringFault(Fault):
    """Entries of inductor's lowering table (``lowering.lowerings``) replaced by ``lowerings(lowering)``."""

    @abstractmethod
    def lowerings(self, lowering: ModuleType) -> dict[Any, Callable[..., Any]]:
        """The faulty lowerings by overload, given ``torch._inductor.lowering`` (its table holds the real ones)."""

    def _install(self) -> contextlib.AbstractContextManager[None]:
        from torch._inductor import lowering

        return swapped(lowering.lowerings, self.lowerings(lowering))


class _CorruptingPartitioner(CustomPartitionerFn):
    """Inductor's min-cut partitioner followed by ``corrupt(fw, bw)`` (returns the number of edits)."""

    def __init__(
        self, corrupt: Callable[[torch.fx.GraphModule, torch.fx.GraphModule], int], on_fire: Callable[[int], None]
    ):
        self._corrupt = corrupt
        self._on_fire = on_fire

    def __call__(
        self, gm: torch.fx.GraphModule, joint_inputs: Sequence[object], **kwargs: Any
    ) -> tuple[torch.fx.GraphModule, torch.fx.GraphModule]:
        from torch._functorch.partitioners import min_cut_rematerialization_partition

        fw, bw = min_cut_rematerialization_partition(gm, joint_inputs, **kwargs)
        n = self._corrupt(fw, bw)
        if n:
            for g in (fw, bw):
                g.graph.lint()
                g.recompile()
            self._on_fire(n)
        return fw, bw

    def uuid(self) -> Any | None:
        return None  # never cache a compile made with a broken partitioner


class PartitionerFault(Fault):
    """Inductor's min-cut partitioner, then ``corrupt`` on the forward and backward graphs it made
    (installed through ``config.custom_partitioner_fn``; needs a training compile)."""

    @abstractmethod
    def corrupt(self, fw: torch.fx.GraphModule, bw: torch.fx.GraphModule) -> int:
        """Break the partition in place; return the number of edits."""

    def _install(self) -> contextlib.AbstractContextManager[None]:
        return inductor_config.patch(custom_partitioner_fn=_CorruptingPartitioner(self.corrupt, self._fire))


class ReinplaceFault(Fault):
    """The real ``reinplace_inplaceable_ops``, then ``reinplace`` on the graph it left.

    ``post_grad_passes`` looks the pass up as a global of ``fx_passes.post_grad`` at call time,
    so swapping that global is enough.
    """

    @abstractmethod
    def reinplace(self, graph: torch.fx.Graph) -> int:
        """Reinplace what the real pass refuses; return the number of rewrites."""

    @contextlib.contextmanager
    def _install(self) -> Iterator[None]:
        from torch._inductor.fx_passes import post_grad

        real = post_grad.reinplace_inplaceable_ops

        @functools.wraps(real)
        def faulty(fake_tensor_updater: Any, graph: torch.fx.Graph) -> None:
            real(fake_tensor_updater, graph)
            n = self.reinplace(graph)
            if n:
                graph.lint()
                self._fire(n)

        post_grad.reinplace_inplaceable_ops = faulty
        try:
            yield
        finally:
            post_grad.reinplace_inplaceable_ops = real
