"""Per-buffer comparison: the compiled program's intermediate values against the FX graph's.

Every buffer the compiled code writes is mapped to the FX node it holds the value of (the IR
buffer's origin node, or for a write into a graph input, the in-place node of the buffer that
mutates it) and compared with that node's value in the last FX graph, against the float64
reference and the step's tolerance. Buffers are visited in execution order, so the first one
that departs names the kernel where the values first go wrong: all its inputs were right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx

from ...capture import Schedule, Step, Trace
from ...fx import has_random_ops, mutates, to_float64, widen_value
from ...numeric import RunResult, accumulation_length, compare_values, run_graph, tolerance_for
from ...numeric._probe import BufferValue, run_probed
from ._model import BufferDivergence

# Mismatch kinds that are not errors at the lowering step (see CheckOptions.special_values_at_lowering)
_SOFT = ("signed-zero", "input_alias", "output_alias")


@dataclass
class BufferComparison:
    compared: int = 0
    first: BufferDivergence | None = None
    unmatched: list[str] = field(default_factory=list)  # buffers with no FX counterpart
    error: str | None = None


def counterparts(var: str, schedule: Schedule, nodes: dict[str, torch.fx.Node]) -> tuple[list[str], str | None]:
    """(FX nodes whose value wrapper variable ``var`` may hold after a write, its IR buffer).

    A buffer that a later operation updates in place (a scatter into it, a copy into a slice)
    may be probed before or after that update when both happen in one kernel: the value the
    mutation produces is a counterpart too.
    """
    out: list[str] = []
    ir_buf: str | None = None
    info = schedule.buffers.get(var)
    if info is not None:
        ir_buf = var
        if info.origin in nodes:
            out.append(info.origin)
        elif info.part_of is not None and info.part_of[0] in nodes:  # a slice of a concatenation
            cat, k = info.part_of
            pieces = nodes[cat].args[0] if nodes[cat].args else ()
            if isinstance(pieces, list | tuple) and k < len(pieces) and isinstance(pieces[k], torch.fx.Node):
                out.append(pieces[k].name)
    for b in schedule.buffers.values():
        if var not in b.mutates:
            continue
        if b.origin in nodes and b.origin not in out:
            out.append(b.origin)
        for o in b.origins:
            n = nodes.get(o)
            if n is not None and n.op == "call_function" and mutates(n) and n.args:
                target = n.args[0]
                if isinstance(target, torch.fx.Node) and (target.name == var or target.name in out) and o not in out:
                    out.append(o)
                    ir_buf = ir_buf or b.name
    return out, ir_buf


def compare_buffers(trace: Trace, step: Step, inputs: list[Any]) -> BufferComparison:
    rec = trace.graphs[step.graph]
    schedule: Schedule | None = rec.schedule
    out = BufferComparison()
    if schedule is None or rec.compiled is None:
        out.error = "no schedule or compiled code was captured for this graph"
        return out
    probed = run_probed(rec.compiled, inputs)
    if probed is None:
        out.error = "the compiled wrapper's source is not readable (C++ wrapper?)"
        return out
    run, values = probed
    gm: torch.fx.GraphModule = step.before
    fx = run_graph(gm, inputs, stubs=trace.lowering_stubs, record=True)
    if fx.error is not None:
        out.error = f"the FX graph does not run: {fx.error}"
        return out
    ref: dict[str, Any] = {}
    if not has_random_ops(gm):
        r = run_graph(to_float64(gm), [widen_value(x) for x in inputs], stubs=trace.lowering_stubs, record=True)
        ref = r.values if r.error is None else {}
    k = accumulation_length(gm)
    nodes = {n.name: n for n in gm.graph.nodes}
    # A buffer can be written by several statements (initialised, then accumulated into by a
    # scatter): only its last write holds the value of its FX node.
    last = {bv.name: bv.statement for bv in values}
    for bv in values:
        if bv.statement != last[bv.name]:
            continue
        d = _compare_one(bv, schedule, nodes, fx, ref, k, out)
        if d is not None:
            out.first = d
            break
    if out.first is None and run.error is not None:
        out.error = f"the compiled code raised: {run.error}"
    return out


def _compare_one(
    bv: BufferValue,
    schedule: Schedule,
    nodes: dict[str, torch.fx.Node],
    fx: RunResult,
    ref: dict[str, Any],
    k: int,
    out: BufferComparison,
) -> BufferDivergence | None:
    names, ir_buf = counterparts(bv.name, schedule, nodes)
    got = bv.value
    cands = [n for n in names if _same_shape(fx.values.get(n), got)]
    if not cands or not isinstance(got, torch.Tensor):
        out.unmatched.append(bv.name)
        return None
    out.compared += 1
    first = None
    for node in cands:
        # the node's value when computed, and at the end of the run (a later in-place node may
        # write into it through a view, in the FX graph and in the same kernel alike)
        for fv in (fx.values[node], fx.final_values.get(node)):
            if not isinstance(fv, torch.Tensor) or not _same_shape(fv, got):
                continue
            dtype = fv.dtype if fv.is_floating_point() else torch.float32
            tol = tolerance_for(dtype, k, have_reference=bool(ref))
            found = [m for m in compare_values(f"buffer {bv.name}", fv, got, ref.get(node), tol) if m.kind not in _SOFT]
            if not found:
                return None  # it holds one of the values it may hold
            first = first or (node, found[0])
    assert first is not None
    node, mismatch = first
    group = schedule.group_of(ir_buf) if ir_buf else None
    return BufferDivergence(
        kernel=bv.kernel,
        buffer=bv.name,
        fx_node=node,
        group=group.name if group else None,
        fx_nodes=group.origins if group else (node,),
        mismatch=mismatch,
    )


def _same_shape(fv: Any, got: Any) -> bool:
    return isinstance(fv, torch.Tensor) and isinstance(got, torch.Tensor) and fv.shape == got.shape
