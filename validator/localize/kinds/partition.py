"""Partition steps: the min-cut partitioner splits the joint graph into forward and backward.

joint(primals, tangents) must equal fw(primals) followed by bw(saved, tangents), with saved values
and tangents matched by placeholder name. No node-level blame: the partition moves nodes, it
does not rewrite them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch.fx

from ...capture import Step
from ...fx import RunResult, output_args, run_graph
from ...kinds import StepKind
from ...numeric import NOT_RUN, Checker, StepCheck
from ._base import StepKindHandler, register
from .fx import output_roles


@register
class PartitionStep(StepKindHandler):
    kind = StepKind.PARTITION

    def check(self, checker: Checker, step: Step) -> StepCheck:
        joint = step.partition.joint if step.partition is not None else step.graph
        if checker.base_inputs(joint) is None:
            return StepCheck(NOT_RUN, reason="the forward graph was never run, so the joint has no inputs")
        fw, bw = step.after
        nfw = step.partition.num_fwd_outputs if step.partition is not None else None
        joint_ph = [n.name for n in step.before.graph.nodes if n.op == "placeholder"]
        fw_ph = [n.name for n in fw.graph.nodes if n.op == "placeholder"]
        bw_ph = [n.name for n in bw.graph.nodes if n.op == "placeholder"]
        fw_out_names = [a.name if isinstance(a, torch.fx.Node) else None for a in output_args(fw)]
        stubs = checker.stubs

        def fw_then_bw(inp: Sequence[Any]) -> RunResult:
            by_name = dict(zip(joint_ph, inp, strict=True))
            f = run_graph(fw, [by_name[n] for n in fw_ph], stubs=stubs)
            if f.error is not None:
                return f
            saved = {n: v for n, v in zip(fw_out_names, f.outputs, strict=False) if n is not None}
            bw_in = [by_name[n] if n.startswith("tangents") else saved[n] for n in bw_ph]
            g = run_graph(bw, bw_in, stubs=stubs)
            if g.error is not None:
                return g
            n = nfw if nfw is not None else len(f.outputs)
            fw_inputs_after = dict(zip(fw_ph, f.inputs_after, strict=True))
            return RunResult(f.outputs[:n] + g.outputs, [fw_inputs_after.get(p, by_name[p]) for p in joint_ph])

        # the joint's outputs are the forward's, then the gradients: a gradient's zero has no sign
        # an op defines, whichever graph computes it (fx.output_roles)
        roles = output_roles(checker, joint, step.before)
        return checker.run_trials(step.before, fw_then_bw, lambda t: checker.inputs(joint, t), outputs=roles)
