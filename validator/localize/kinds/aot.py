"""AOT trace steps: AOTAutograd functionalizes and decomposes a Dynamo graph into ATen.

The Dynamo graph's inputs map onto the AOT graph's primals (matched by value on the real run);
user outputs sit after the mutated-input outputs (AOT's ViewAndMutationMeta), and inputs mutated
functionally come back as leading outputs. A divergence is narrowed to the decomposed op whose
decomposition departs from the op it replaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.fx

from ...capture import Step
from ...fx import RunResult
from ...kinds import StepKind
from ...numeric import NOT_RUN, SIGNED_ZERO, Checker, Runner, StepCheck, Trial, runner, trial_value
from .._aot_nodes import blame_decompositions
from .._verdict import StepVerdict
from ._base import Blame, BlameContext, StepKindHandler, narrowed, register


@register
class AotStep(StepKindHandler):
    kind = StepKind.AOT

    def check(self, checker: Checker, step: Step) -> StepCheck:
        return self.check_sides(checker, step, step.before, step.after, None)

    def observe(self, checker: Checker, step: Step, trials: Sequence[Trial]) -> StepCheck | None:
        rec = checker.trace.graphs.get(step.graph)
        if rec is None or rec.compiled is None:
            return None
        return self.check_sides(checker, step, step.before, runner(rec.compiled), trials)

    def check_sides(
        self,
        checker: Checker,
        step: Step,
        before: torch.fx.GraphModule,
        after: Runner | torch.fx.GraphModule,
        trials: Sequence[Trial] | None,
    ) -> StepCheck:
        """The AOT trace ``step`` with ``before`` / ``after`` as its sides (same signatures)."""
        src = step.aot.source_graph if step.aot is not None else None
        pre = checker.base_inputs(src) if src else None
        post = checker.base_inputs(step.graph)
        if src is None or pre is None or post is None:
            return StepCheck(NOT_RUN, reason="real inputs of the Dynamo graph or the AOT graph are unknown")
        mapping = _match_inputs(pre[0], post[0])
        meta = (step.aot.fw_metadata if step.aot is not None else None) or checker.trace.graphs[step.graph].fw_metadata
        n_mut = int(getattr(meta, "num_mutated_inp_runtime_indices", 0) or 0)
        mut_idx = list(getattr(meta, "mutated_inp_runtime_indices", []) or [])
        n_out = getattr(meta, "num_outputs", None)
        inverse = {j: i for j, i in enumerate(mapping) if i is not None}

        def after_inputs(trial: Trial, pre_inputs: list[Any]) -> list[Any]:
            return [
                pre_inputs[m] if m is not None else trial_value(v, trial, 10_000 + j)
                for j, (v, m) in enumerate(zip(post[0], mapping, strict=True))
            ]

        def project(b: RunResult, a: RunResult) -> tuple[RunResult, RunResult]:
            count = n_out if n_out is not None else len(b.outputs)
            # Inputs mutated functionally come back as the AOT graph's leading outputs; the
            # others are mutated in place (copy_ epilogue) like in the Dynamo graph.
            states: list[Any] = [None] * len(b.inputs_after)
            for j, i in inverse.items():
                if j < len(a.inputs_after):
                    states[i] = a.inputs_after[j]
            for k, j in enumerate(mut_idx[:n_mut]):
                if j in inverse and k < len(a.outputs):
                    states[inverse[j]] = a.outputs[k]
            b_states = [v if states[i] is not None else None for i, v in enumerate(b.inputs_after)]
            return (
                RunResult(list(b.outputs[:count]), b_states),
                RunResult(list(a.outputs[n_mut : n_mut + count]), states, error=a.error),
            )

        return checker.run_trials(
            before,
            after,
            lambda t: checker.inputs(src, t),
            after_inputs=after_inputs,
            project=project,
            trials=trials,
        )

    def blame(self, ctx: BlameContext, verdict: StepVerdict) -> Blame:
        trace = ctx.trace
        return narrowed(
            verdict,
            "decomposition blame",
            lambda failing, inputs: blame_decompositions(
                verdict.step,
                inputs,
                trace.lowering_stubs,
                fallback_random=trace.fallback_random,
                signed_zero=any(m.kind == SIGNED_ZERO for m in failing.mismatches),
            ),
        )


def _match_inputs(pre: Sequence[Any], post: Sequence[Any]) -> list[int | None]:
    """For each AOT input, the Dynamo input holding the same real value (None: its own)."""

    def same(x: Any, y: Any) -> bool:
        if x is y:  # a parameter both graphs hold by reference: no need to read its elements
            return True
        if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor):
            return (
                x.shape == y.shape
                and x.dtype == y.dtype
                and bool(torch.equal(torch.nan_to_num(x), torch.nan_to_num(y)))
            )
        return not isinstance(x, torch.Tensor) and not isinstance(y, torch.Tensor) and x == y

    off = len(post) - len(pre)
    if off >= 0 and all(same(pre[i], post[off + i]) for i in range(len(pre))):
        return [None] * off + list(range(len(pre)))
    used: set[int] = set()
    out: list[int | None] = []
    for y in post:
        hit = next((i for i, x in enumerate(pre) if i not in used and same(x, y)), None)
        if hit is not None:
            used.add(hit)
        out.append(hit)
    return out


