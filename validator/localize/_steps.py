"""Step-level localization over a captured trace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..capture import KIND_AOT, KIND_FX, KIND_LOWERING, Step, Trace
from ..numeric import DIVERGED, EQUIVALENT, TOOL_ERROR, UNCHANGED, Checker, CheckOptions, StepCheck
from ..symbolic import Obligation, SymbolicResult
from ._aot_nodes import blame_decompositions
from ._nodes import NodeBlame, blame_nodes
from .below_fx import BelowFxBlame, blame_below_fx, device_steps
from .below_fx._index import index_blame, index_culprits


@dataclass
class StepVerdict:
    step: Step
    check: StepCheck
    qualified_name: str
    symbolic: list[Obligation] = field(default_factory=list)

    @property
    def refuted(self) -> list[Obligation]:
        return [o for o in self.symbolic if o.refuted]

    @property
    def verdict(self) -> str:
        # A refuted proof obligation is a divergence even where the sampled inputs agree:
        # its counterexample has been replayed concretely.
        if self.check.verdict != DIVERGED and self.refuted:
            return DIVERGED
        return self.check.verdict


@dataclass
class Localization:
    verdicts: list[StepVerdict] = field(default_factory=list)
    guilty: StepVerdict | None = None
    blame: NodeBlame | None = None
    below: BelowFxBlame | None = None  # the guilty lowering / fusion / codegen feature
    later_divergences: list[StepVerdict] = field(default_factory=list)

    @property
    def diverged(self) -> bool:
        return self.guilty is not None

    @property
    def tool_errors(self) -> list[StepVerdict]:
        return [v for v in self.verdicts if v.verdict == TOOL_ERROR]


def localize(
    trace: Trace,
    options: CheckOptions | None = None,
    progress: Callable[[int, int, Step], None] | None = None,
    symbolic: SymbolicResult | None = None,
    only: Callable[[Step], bool] | None = None,
) -> Localization:
    """Check every changed leaf step; blame the first that diverges, down to a node.

    ``symbolic`` attaches proof obligations to their steps; a refuted one makes its step diverge.
    ``only`` restricts the check to the leaf steps it accepts (the others count as unchecked).
    """
    checker = Checker(trace, options)
    if checker.options.other_devices:
        trace.steps += device_steps(trace, checker)
    loc = Localization()
    leaves = [s for s in trace.steps if s.is_leaf and s.changed and (only is None or only(s))]
    by_index: dict[int, StepVerdict] = {}
    for i, step in enumerate(leaves):
        if progress is not None:
            progress(i, len(leaves), step)
        if checker.options.stop_at_first_divergence and loc.guilty is not None:
            break
        obligations = symbolic.for_step(step.index) if symbolic is not None else []
        v = StepVerdict(
            step, _confirm_special(checker, step, checker.check(step)), trace.qualified_name(step), obligations
        )
        by_index[step.index] = v
        if v.verdict == DIVERGED:
            if loc.guilty is None:
                loc.guilty = v
            else:
                loc.later_divergences.append(v)
    # Groups (a pass and its sub-passes) take the worst verdict of their children.
    for step in trace.steps:
        if step.index in by_index:
            loc.verdicts.append(by_index[step.index])
        elif step.changed or step.parent is None:
            kids = [by_index[c] for c in _leaf_descendants(trace, step) if c in by_index]
            verdict = (
                DIVERGED
                if any(k.verdict == DIVERGED for k in kids)
                else EQUIVALENT
                if kids and all(k.verdict == EQUIVALENT for k in kids)
                else UNCHANGED
                if not step.changed
                else "mixed"
            )
            loc.verdicts.append(
                StepVerdict(step, StepCheck(verdict, reason="from its sub-steps"), trace.qualified_name(step))
            )
    g = loc.guilty
    if g is not None and g.step.kind == KIND_LOWERING and index_culprits(g.refuted):
        # the refuted index rewrite is the culprit: no recompile can name it better
        loc.below = index_blame(index_culprits(g.refuted), trace.graphs[g.step.graph].schedule)
        note = (
            "all FX steps agree; the compiled code differs from the last FX graph"
            if g.check.verdict == DIVERGED
            else "the sampled inputs agree, but an index rewrite is refuted"
        )
        loc.blame = NodeBlame(None, None, None, None, note=f"{note}: {loc.below.summary()}")
    elif g is not None and g.check.verdict != DIVERGED:
        # the sampled inputs agree: the refuted proof and its counterexample are the evidence
        loc.blame = _symbolic_blame(g.refuted[0])
    elif g is not None and g.step.kind == KIND_FX:
        failing = g.check.first_failure
        if failing is not None and failing.inputs is not None:
            try:
                loc.blame = blame_nodes(trace, g.step, failing.inputs, failing.mismatches[0])
            except Exception as e:  # node blame is a refinement; keep the step verdict
                loc.blame = NodeBlame(None, None, None, None, note=f"node localization failed: {e}")
    elif g is not None and g.step.kind == KIND_AOT:
        failing = g.check.first_failure
        if failing is not None and failing.inputs is not None:
            try:
                loc.blame = blame_decompositions(
                    g.step, failing.inputs, trace.lowering_stubs, fallback_random=trace.fallback_random
                )
            except Exception as e:  # node blame is a refinement; keep the step verdict
                loc.blame = NodeBlame(None, None, None, None, note=f"decomposition blame failed: {e}")
    elif g is not None and g.step.kind == KIND_LOWERING:
        note = "all FX steps agree; the compiled code differs from the last FX graph"
        failing = g.check.first_failure
        if checker.options.below_fx and failing is not None and failing.inputs is not None:
            try:
                loc.below = blame_below_fx(trace, g.step, checker, failing.trial, failing.inputs, g.refuted)
                note += f": {loc.below.summary()}"
            except Exception as e:  # the step verdict stands without the refinement
                note += f": blame lowering / fusion / codegen (below-FX blame failed: {type(e).__name__}: {e})"
        else:
            note += ": blame lowering / fusion / codegen"
        if g.refuted and loc.below is None:
            note += f"; {_symbolic_blame(g.refuted[0]).note}"
        loc.blame = NodeBlame(None, None, None, None, note=note)
    return loc


_OWN_DTYPE = ("overflow", "underflow")


def _confirm_special(checker: Checker, step: Step, check: StepCheck) -> StepCheck:
    """A divergence of an FX or AOT step seen only on special values must reach the compiled program.

    Otherwise it is the eager kernels running the after-graph that differ (a warning), not the
    rewrite. Ordinary trials are never downgraded.
    """
    bad = [t for t in check.trials if t.diverged]
    if check.verdict != DIVERGED or step.kind == KIND_LOWERING or not bad or not all(t.special for t in bad):
        return check
    if any(m.kind in _OWN_DTYPE for t in bad for m in t.mismatches):
        # the after-graph over/underflows in the program's own dtype: wrong whether or not this
        # compile's kernels (which may compute in a wider type) happen to show it
        return check
    try:
        seen = checker.observable(step, bad[0].trial)
    except Exception:  # cannot tell: keep the divergence
        return check
    if seen is None or seen.verdict != EQUIVALENT:
        if seen is not None and seen.verdict == DIVERGED and seen.first_failure is not None:
            m = seen.first_failure.mismatches[0]
            check.confirmed = f"the compiled program differs too: {m.where}: {m.detail}"
        return check
    first = bad[0].mismatches[0]
    check.warnings.append(
        f"{bad[0].trial}: {first.where}: {first.detail} when the after-graph runs eagerly, but the compiled "
        "program agrees with the before-graph on these values: not observable"
    )
    for t in bad:
        t.mismatches.clear()
    check.verdict = EQUIVALENT
    return check


def _symbolic_blame(ob: Obligation) -> NodeBlame:
    cex = ", ".join(f"{k}={v}" for k, v in (ob.verdict.counterexample or {}).items()) or "every value"
    where = f"buffer {ob.subject}" if ob.kind in ("index", "loop_merge", "int32") else ob.subject
    note = f"{ob.kind} proof refuted for {where}: {ob.before}  !=  {ob.after}  at {cex}"
    if ob.origins:
        note += f" (from FX nodes {', '.join(ob.origins)})"
    if ob.executed:
        note += f"; running the graphs there: {ob.executed}"
    return NodeBlame(None, None, None, None, note=note)


def _leaf_descendants(trace: Trace, step: Step) -> list[int]:
    out: list[int] = []
    stack = list(step.children)
    while stack:
        i = stack.pop()
        s = trace.steps[i]
        if s.children:
            stack.extend(s.children)
        else:
            out.append(i)
    return out
