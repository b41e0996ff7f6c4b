"""FX steps: one pass rewrote a graph in place (pre-grad, joint-graph and post-grad passes,
each pattern application, reinplacing, user custom passes).

Both sides take the same placeholders and return the same outputs; the divergence is narrowed
to the first node of the after-graph whose value departs from its counterpart.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch.fx

from ... import _compat
from ...capture import Step
from ...kinds import StepKind
from ...numeric import NOT_RUN, Checker, OutputRoles, StepCheck, Trial, runner
from .._nodes import blame_nodes
from .._verdict import StepVerdict
from ._base import Blame, BlameContext, StepKindHandler, handler_for, narrowed, register
from .aot import AotStep


@register
class FxStep(StepKindHandler):
    kind = StepKind.FX

    def check(self, checker: Checker, step: Step) -> StepCheck:
        if checker.base_inputs(step.graph) is None:
            return StepCheck(NOT_RUN, reason=f"no real inputs were seen for graph {step.graph}")
        return checker.run_trials(
            step.before,
            step.after,
            lambda t: checker.inputs(step.graph, t),
            lineage=step.graph,
            outputs=output_roles(checker, step.graph, step.before),
        )

    def observe(self, checker: Checker, step: Step, trials: Sequence[Trial]) -> StepCheck | None:
        graphs = checker.trace.graphs
        rec = graphs.get(step.graph)
        if rec is not None and rec.role == "pre_grad":
            # a Dynamo graph is compiled through the AOT trace that takes its inputs
            aot = next((s for s in checker.trace.steps if s.aot is not None and s.aot.source_graph == step.graph), None)
            compiled = graphs[aot.graph].compiled if aot is not None else None
            if aot is None or compiled is None:
                return None
            sides = handler_for(StepKind.AOT)
            assert isinstance(sides, AotStep)
            return sides.check_sides(checker, aot, step.before, runner(compiled), trials)
        if rec is None or rec.compiled is None:
            return None
        return checker.run_trials(
            step.before,
            runner(rec.compiled),
            lambda t: checker.inputs(step.graph, t),
            only_mutated_inputs=True,
            trials=trials,
        )

    def blame(self, ctx: BlameContext, verdict: StepVerdict) -> Blame:
        return narrowed(
            verdict,
            "node localization",
            lambda failing, inputs: blame_nodes(ctx.trace, verdict.step, inputs, failing.mismatches[0]),
        )


def output_roles(checker: Checker, label: str, before: object) -> OutputRoles | None:
    """The outputs AOT rebuilds from inputs, and a joint graph's gradients and tangents, for a
    step of graph ``label`` whose before-graph is ``before``."""
    rec = checker.trace.graphs.get(label)
    if rec is None or rec.role not in ("inference", "joint", "forward"):
        return None
    # lowered graphs keep AOT's metadata; a joint graph has the metadata of the forward graph the
    # partitioner made of it, and the partitioner knows how many of its outputs are the forward's
    meta, n_forward = rec.fw_metadata, None
    split = next((s.partition for s in checker.trace.steps if s.partition and s.partition.joint == label), None)
    if split is not None:
        fw = checker.trace.graphs.get(split.forward)
        meta = fw.fw_metadata if fw is not None else None
        n_forward = split.num_fwd_outputs
    if meta is None:
        return None
    rebuilt = _compat.outputs_rebuilt_from_inputs(meta)
    n_forward = n_forward if n_forward is not None else _compat.forward_output_count(meta)
    if rec.role != "joint" or n_forward is None or not isinstance(before, torch.fx.GraphModule):
        return OutputRoles(rebuilt)
    nodes = list(before.graph.nodes)
    placeholders = [n for n in nodes if n.op == "placeholder"]
    outputs = nodes[-1].args[0] if nodes and nodes[-1].op == "output" else ()
    n_outputs = len(outputs) if isinstance(outputs, (list, tuple)) else 0
    return OutputRoles(
        rebuilt,
        gradients=frozenset(range(n_forward, n_outputs)),
        tangents=frozenset(i for i, p in enumerate(placeholders) if p.name.startswith("tangents")),
    )
