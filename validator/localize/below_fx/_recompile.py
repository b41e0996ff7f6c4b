"""Recompile the last FX graph of a diverging lowering step with one thing changed.

Only lowering, scheduling and codegen run again: the graph has been through the post-grad
passes already, so they are skipped. A variant can force FX nodes onto their eager ATen kernels,
keep only some of the scheduler's fusions, or patch codegen config. Each variant is judged by
the step's own lowering check on the trial that diverged, and logged as a ``Probe``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ... import _compat
from ...capture import FusionHook, Merge, Schedule, Step, Trace
from ...fx import snapshot
from ...numeric import DIVERGED, EQUIVALENT, Checker
from ._devices import graph_device, on_device, retarget, to_device
from ._features import Feature, edit_graph, patched, settings
from ._model import Probe


@dataclass
class Outcome:
    probe: Probe
    schedule: Schedule | None  # the fusion groups the recompile made (before any veto)
    raised: bool = False  # the recompiled code raised where the graph runs: it judged nothing

    @property
    def fixed(self) -> bool:
        return self.probe.diverged is False


class Recompiler:
    def __init__(self, trace: Trace, step: Step, checker: Checker, trial: str) -> None:
        self.trace, self.step, self.checker, self.trial = trace, step, checker, trial
        self.role = trace.graphs[step.graph].role
        base = checker.base_inputs(step.graph)
        self.inputs: list[Any] = list(base[0]) if base else []
        self.home = graph_device(self.inputs)  # where the graph was captured and runs
        self.device = step.device or self.home  # where this step's compiled code runs
        self.probes: list[Probe] = []

    def run(
        self,
        what: str,
        *,
        fallback: Collection[str] = (),
        contiguous: bool = False,
        keep: Collection[Merge] | None = None,
        features: Sequence[Feature] = (),
        device: str | None = None,
    ) -> Outcome:
        t0 = time.perf_counter()
        schedules: list[Schedule] = []
        hook = FusionHook(_compat.post_fusion_pass(), schedules.append, lambda: self.step.graph, keep)
        patches = _compat.cache_off_patches()
        patches[_compat.INDUCTOR_CONFIG].update(
            {"fallback_random": self.trace.fallback_random, _compat.POST_FUSION_HOOK: hook, **settings(features)}
        )
        diverged: bool | None = None
        error: str | None = None
        raised = False
        try:
            target = device or self.device
            gm, inputs = snapshot(self.step.before), list(self.inputs)
            # unused nodes inductor's own compile would not lower (a getitem of an in-place foreach,
            # which returns nothing) are dropped, as its post-grad DCE drops them
            gm.graph.eliminate_dead_code()
            if contiguous:
                _contiguous_operands(gm, fallback)
            edit_graph(gm, features)
            gm.recompile()
            # a graph captured with dynamic shapes is recompiled at its symbolic sizes, as the user's
            # compile was (a bug of symbolic-size code does not show in a static recompile)
            symbolic = _compat.symbolic_examples(gm) if target == self.home else None
            if target != self.home:
                gm, inputs = retarget(gm, target), to_device(inputs, target)
            examples = symbolic[0] if symbolic is not None else inputs
            tracing = _compat.tracing_with(symbolic[1]) if symbolic is not None else contextlib.nullcontext()
            with (
                _compat.config_patches(patches),
                patched(features),
                _compat.lowering_only(frozenset(fallback)),
                tracing,
            ):
                compiled = _compat.compile_lowered(gm, examples, role=self.role)
            if target != self.home:
                compiled = on_device(compiled, target)
            check = self.checker.check_compiled(self.step.before, self.step.graph, compiled, [self.trial])
            errors = [m.detail for t in check.trials for m in t.mismatches if m.kind == "error"]
            if errors:
                # the variant's code raises (e.g. an eager kernel's strides are not its fake
                # kernel's, which inductor asserts): it computed nothing to compare
                raised = True
                error = (
                    "the recompiled code raises: " + errors[0].removeprefix("after-side raises ").split("\n")[0][:200]
                )
            elif check.verdict in (DIVERGED, EQUIVALENT):
                diverged = check.verdict == DIVERGED
            else:
                error = f"{check.verdict}: {check.reason}"
        except Exception as e:  # a variant inductor cannot build is evidence of nothing
            error = f"recompile failed: {type(e).__name__}: {str(e)[:200]}"
        probe = Probe(what, diverged, round(time.perf_counter() - t0, 3), error)
        self.probes.append(probe)
        return Outcome(probe, schedules[0] if schedules else None, raised)


def _contiguous_operands(gm: torch.fx.GraphModule, names: Collection[str]) -> None:
    """Hand the nodes ``names`` contiguous copies of their strided tensor operands (same values).

    An eager kernel's output strides follow its operands' layout where its fake kernel's may
    not (e.g. ``div`` with a rounding mode over transposed operands), and inductor asserts that
    a fallback's output has the fake strides; on contiguous operands the two agree."""
    for n in list(gm.graph.nodes):
        if n.name not in names:
            continue
        for a in {a for a in n.all_input_nodes if _strided(a)}:
            val = a.meta["val"].contiguous()
            with gm.graph.inserting_before(n):
                c = gm.graph.call_function(_compat.force_stride_order(), (a, list(val.stride())))
            c.meta["val"] = val
            n.replace_input_with(a, c)


def _strided(n: torch.fx.Node) -> bool:
    v = n.meta.get("val")
    if not isinstance(v, torch.Tensor):
        return False
    try:
        return not bool(v.is_contiguous())
    except Exception:  # a symbolic layout it cannot decide: a copy is harmless
        return True
