"""Lowering steps: the last FX graph against the code inductor generated for it (lowering to
Inductor IR, scheduler fusion, codegen), and the same graph compiled for another device.

A refuted index proof names its rewrite at once; otherwise the graph is recompiled a few times to
name the guilty lowering, fusion decision or codegen feature (``localize.below_fx``).
"""

from __future__ import annotations

from ...capture import Step
from ...kinds import StepKind, Verdict
from ...numeric import Checker, StepCheck
from .._nodes import NodeBlame
from .._verdict import StepVerdict
from ..below_fx import blame_below_fx, device_steps
from ..below_fx._index import index_blame, index_culprits
from ._base import Blame, BlameContext, StepKindHandler, register, symbolic_blame

_NOTE = "all FX steps agree; the compiled code differs from the last FX graph"


@register
class LoweringStep(StepKindHandler):
    kind = StepKind.LOWERING

    def check(self, checker: Checker, step: Step) -> StepCheck:
        return checker.check_compiled(step.before, step.graph, step.after)

    def blame_refuted(self, ctx: BlameContext, verdict: StepVerdict) -> Blame | None:
        culprits = index_culprits(verdict.refuted)
        if not culprits:
            return None
        # the refuted index rewrite is the culprit: no recompile can name it better
        below = index_blame(culprits, ctx.trace.graphs[verdict.step.graph].schedule)
        note = (
            _NOTE
            if verdict.check.verdict == Verdict.DIVERGED
            else "the sampled inputs agree, but an index rewrite is refuted"
        )
        return Blame(NodeBlame(None, None, None, None, note=f"{note}: {below.summary()}"), below)

    def blame(self, ctx: BlameContext, verdict: StepVerdict) -> Blame:
        note = _NOTE
        below = None
        failing = verdict.check.first_failure
        if ctx.options.below_fx and failing is not None and failing.inputs is not None:
            try:
                below = blame_below_fx(
                    ctx.trace, verdict.step, ctx.checker, failing.trial, failing.inputs, verdict.refuted
                )
                note += f": {below.summary()}"
            except Exception as e:  # the step verdict stands without the refinement
                note += f": blame lowering / fusion / codegen (below-FX blame failed: {type(e).__name__}: {e})"
        else:
            note += ": blame lowering / fusion / codegen"
        if verdict.refuted and below is None:
            note += f"; {symbolic_blame(verdict.refuted[0]).note}"
        return Blame(NodeBlame(None, None, None, None, note=note), below)

    def extra_steps(self, ctx: BlameContext) -> list[Step]:
        # with a GPU present, every lowered graph is also compiled and checked on the other device
        return device_steps(ctx.trace, ctx.checker) if ctx.options.other_devices else []
