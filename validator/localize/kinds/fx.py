"""FX steps: one pass rewrote a graph in place (pre-grad, joint-graph and post-grad passes,
each pattern application, reinplacing, user custom passes).

Both sides take the same placeholders and return the same outputs; the divergence is narrowed
to the first node of the after-graph whose value departs from its counterpart.
"""

from __future__ import annotations

from collections.abc import Sequence

from ... import _compat
from ...capture import Step
from ...kinds import StepKind
from ...numeric import NOT_RUN, Checker, StepCheck, Trial, runner
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
        rec = checker.trace.graphs.get(step.graph)
        # a rewrite (reinplacing) may make an output that is a view of an input share its storage:
        # harmless where AOT rebuilds that output from the input anyway
        rebuilt = (
            _compat.outputs_rebuilt_from_inputs(rec.fw_metadata)
            if rec is not None and rec.role in ("inference", "joint", "forward")
            else frozenset()
        )
        return checker.run_trials(
            step.before,
            step.after,
            lambda t: checker.inputs(step.graph, t),
            lineage=step.graph,
            rebuilt_outputs=rebuilt,
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
