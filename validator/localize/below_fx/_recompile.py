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

from ... import _compat
from ...capture import FusionHook, Merge, Schedule, Step, Trace
from ...fx import snapshot
from ...numeric import DIVERGED, EQUIVALENT, Checker
from ._devices import graph_device, on_device, retarget, to_device
from ._features import Feature, patched, settings
from ._model import Probe


@dataclass
class Outcome:
    probe: Probe
    schedule: Schedule | None  # the fusion groups the recompile made (before any veto)

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
        try:
            target = device or self.device
            gm, inputs = snapshot(self.step.before), list(self.inputs)
            # unused nodes inductor's own compile would not lower (a getitem of an in-place foreach,
            # which returns nothing) are dropped, as its post-grad DCE drops them
            gm.graph.eliminate_dead_code()
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
            if check.verdict in (DIVERGED, EQUIVALENT):
                diverged = check.verdict == DIVERGED
            else:
                error = f"{check.verdict}: {check.reason}"
        except Exception as e:  # a variant inductor cannot build is evidence of nothing
            error = f"recompile failed: {type(e).__name__}: {str(e)[:200]}"
        probe = Probe(what, diverged, round(time.perf_counter() - t0, 3), error)
        self.probes.append(probe)
        return Outcome(probe, schedules[0] if schedules else None)
