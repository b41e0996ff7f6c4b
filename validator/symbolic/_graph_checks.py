"""Per FX step: outputs keep their sizes, strides and dtypes, and rewritten view chains
keep their element maps, for every value of the shape symbols.

Each difference is one obligation proved over the shape symbols under the trace's ShapeEnv facts; a refuted
one is replayed by running both graphs at the counterexample's sizes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sympy
import torch
import torch.fx

from .. import _compat
from ..capture import Step
from ..fx import output_nodes
from ..kinds import StepKind
from ._facts import build_domain, shape_facts
from ._obligation import DTYPE, SHAPE, STRIDE, VIEW_MAP, Obligation
from ._replay import replay_on_graph
from ._solver import Replay, Verdict, prove_equal
from ._viewmap import element_map, flat_source_offset


def _val(node: torch.fx.Node | None) -> Any:
    """The value aten-level tracing recorded (meta ``"val"``) - deliberately not ``fx.meta_value``, which also
    reads Dynamo's ``"example_value"`` and so would add output obligations to pre_grad steps."""
    return node.meta.get("val") if node is not None else None


def _sym(v: Any) -> Any:
    e = _compat.symint_expr(v)
    return sympy.Integer(e) if isinstance(e, int) else e


def _mismatch(reason: str, before: Any, after: Any) -> Verdict:
    """A difference with no free symbol: refuted at the empty point."""
    return Verdict("refuted", reason=reason, counterexample={}, replay=Replay(before, after, True, True, "static"))


def _meta_env(gm: torch.fx.GraphModule) -> Any:
    vals = [_val(n) for n in gm.graph.nodes if n.op == "placeholder"]
    return _compat.shape_env_of([v for v in vals if isinstance(v, torch.Tensor | torch.SymInt)])


class StepShapeChecker:
    def __init__(self, step: Step, timeout_ms: int) -> None:
        self.step = step
        self.timeout_ms = timeout_ms
        before, after = step.before, step.after
        assert isinstance(before, torch.fx.GraphModule) and isinstance(after, torch.fx.GraphModule)
        self.before, self.after = before, after
        self.facts = shape_facts(_meta_env(after) or _meta_env(before))

    def _prove(self, kind: str, subject: str, lhs: Any, rhs: Any, loops: dict[Any, Any] | None = None) -> Obligation:
        lhs, rhs = _sym(lhs), _sym(rhs)
        dom = build_domain([lhs, rhs], loops or {}, self.facts)
        verdict = prove_equal(lhs, rhs, dom, timeout_ms=self.timeout_ms)
        ob = Obligation(kind, self.step.graph, subject, str(lhs), str(rhs), verdict, step=self.step.index)
        if verdict.status == "refuted" and verdict.counterexample:
            ob.executed = replay_on_graph(self.before, self.after, verdict.counterexample)
        return ob

    def obligations(self) -> Iterator[Obligation]:
        yield from self._outputs()
        yield from self._view_maps()

    def _outputs(self) -> Iterator[Obligation]:
        outs_b, outs_a = output_nodes(self.before), output_nodes(self.after)
        if len(outs_b) != len(outs_a):
            return  # the numeric check reports an output-count change
        fresh = set(self.step.created)
        for i, (nb, na) in enumerate(zip(outs_b, outs_a, strict=True)):
            vb, va = _val(nb), _val(na)
            if not isinstance(vb, torch.Tensor) or not isinstance(va, torch.Tensor):
                continue
            subject = f"output {i} ({na.name if na is not None else '?'})"
            if vb.dtype != va.dtype:
                v = _mismatch(f"dtype {vb.dtype} -> {va.dtype}", str(vb.dtype), str(va.dtype))
                yield Obligation(DTYPE, self.step.graph, subject, str(vb.dtype), str(va.dtype), v, step=self.step.index)
            if vb.dim() != va.dim():
                v = _mismatch(f"rank {vb.dim()} -> {va.dim()}", vb.dim(), va.dim())
                yield Obligation(
                    SHAPE, self.step.graph, subject, str(list(vb.shape)), str(list(va.shape)), v, step=self.step.index
                )
                continue
            for d, (sb, sa) in enumerate(zip(vb.shape, va.shape, strict=True)):
                yield self._prove(SHAPE, f"{subject} size[{d}]", sb, sa)
            # Pattern passes leave stale strides downstream of what they replaced: only an
            # output the step itself created carries strides recomputed for the new graph.
            if na is not None and na.name in fresh and vb.layout == va.layout == torch.strided:
                for d, (sb, sa) in enumerate(zip(vb.stride(), va.stride(), strict=True)):
                    if vb.shape[d] != 1:  # the stride of a size-1 dim is unobservable
                        yield self._prove(STRIDE, f"{subject} stride[{d}]", sb, sa)

    def _view_maps(self) -> Iterator[Obligation]:
        nodes_b = {n.name: n for n in self.before.graph.nodes}
        nodes_a = {n.name: n for n in self.after.graph.nodes}
        for old, new in self.step.replaced.items():
            nb, na = nodes_b.get(old), nodes_a.get(new)
            if nb is None or na is None:
                continue
            mb, ma = element_map(nb, prefix="i"), element_map(na, prefix="i")
            if mb is None or ma is None or mb.source.name != ma.source.name:
                continue
            if mb.sizes != ma.sizes:
                continue  # a shape change: the output checks or the numeric check report it
            loops = dict(zip(mb.index, mb.sizes, strict=True))
            lhs, rhs = flat_source_offset(mb), flat_source_offset(ma)
            subject = f"{old} -> {new} (source {mb.source.name})"
            ob = self._prove(VIEW_MAP, subject, lhs, rhs, loops)
            ob.note = f"{' . '.join(mb.ops)}  vs  {' . '.join(ma.ops)}"
            ob.ranges = {str(k): f"[0, {v})" for k, v in loops.items()}
            yield ob


def graph_obligations(step: Step, *, timeout_ms: int) -> list[Obligation]:
    if step.kind != StepKind.FX or not isinstance(step.before, torch.fx.GraphModule):
        return []
    if not isinstance(step.after, torch.fx.GraphModule):
        return []
    return list(StepShapeChecker(step, timeout_ms).obligations())
