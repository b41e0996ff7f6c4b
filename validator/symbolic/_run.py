"""Run every symbolic check of a captured trace."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass

import torch

from ..capture import Trace
from ..kinds import StepKind
from ._fusion_checks import fusion_obligations
from ._graph_checks import graph_obligations
from ._index_checks import index_obligations
from ._obligation import SymbolicResult


@dataclass(frozen=True)
class SymbolicOptions:
    """What to prove. ``timeout_ms`` bounds each solver query (an overrun is "unknown")."""

    timeout_ms: int = 1000
    index_rewrites: bool = True
    graph_steps: bool = True
    fusions: bool = True  # loads and stores of every fused kernel
    # 32-bit overflow checks of rewritten indices: None = for graphs that ran on CUDA (where
    # inductor may emit int32 indexing); the C++ backend indexes with int64_t.
    int32: bool | None = None


def _cuda_graphs(trace: Trace) -> frozenset[str]:
    return frozenset(
        label
        for label, g in trace.graphs.items()
        if any(isinstance(x, torch.Tensor) and x.is_cuda for x in g.runtime_inputs or [])
    )


def check_trace(
    trace: Trace, options: SymbolicOptions | None = None, steps: Collection[int] | None = None
) -> SymbolicResult:
    """Prove (or refute with a replayed counterexample) every obligation of ``trace``.

    ``steps`` limits the graph-step obligations to those step indices.
    """
    opts = options or SymbolicOptions()
    result = SymbolicResult()
    t0 = time.perf_counter()
    if opts.graph_steps:
        for step in trace.steps:
            if not (step.is_leaf and step.changed) or (steps is not None and step.index not in steps):
                continue
            try:
                result.obligations += graph_obligations(step, timeout_ms=opts.timeout_ms)
            except Exception as e:  # one step's failure must not hide the others
                result.errors.append(f"{trace.qualified_name(step)}: {type(e).__name__}: {e}")
    lowering = {s.graph: s.index for s in trace.steps if s.kind == StepKind.LOWERING}
    if opts.index_rewrites:
        labels = frozenset(trace.graphs) if opts.int32 else _cuda_graphs(trace) if opts.int32 is None else frozenset()
        try:
            result.obligations += index_obligations(
                trace.index_rewrites, lowering, timeout_ms=opts.timeout_ms, int32_graphs=labels
            )
        except Exception as e:
            result.errors.append(f"index rewrites: {type(e).__name__}: {e}")
    if opts.fusions:
        try:
            result.obligations += fusion_obligations(trace.graphs, lowering, timeout_ms=opts.timeout_ms)
        except Exception as e:
            result.errors.append(f"fusions: {type(e).__name__}: {e}")
    result.seconds = time.perf_counter() - t0
    return result
