"""Step-level localization over a captured trace: check every changed leaf step by its kind
(``kinds/``), the first that diverges is guilty, then its kind narrows the blame."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..capture import Step, Trace
from ..kinds import StepKind
from ..numeric import DIVERGED, EQUIVALENT, NOT_RUN, TOOL_ERROR, UNCHANGED, Checker, CheckOptions, StepCheck
from ..symbolic import SymbolicResult
from ._nodes import NodeBlame
from ._options import LocalizeOptions
from ._verdict import StepVerdict
from .below_fx import BelowFxBlame
from .kinds import Blame, BlameContext, handler_for, handlers, symbolic_blame


@dataclass
class Localization:
    verdicts: list[StepVerdict] = field(default_factory=list)
    guilty: StepVerdict | None = None
    blame: NodeBlame | None = None
    below: BelowFxBlame | None = None  # the guilty lowering / fusion / codegen feature
    later_divergences: list[StepVerdict] = field(default_factory=list)
    extra_steps: list[Step] = field(default_factory=list)  # checked, but not captured (other devices)
    blame_seconds: float = 0.0  # narrowing the guilty step down: node blame, or the below-FX search

    @property
    def diverged(self) -> bool:
        return self.guilty is not None

    @property
    def tool_errors(self) -> list[StepVerdict]:
        return [v for v in self.verdicts if v.verdict == TOOL_ERROR]


def localize(
    trace: Trace,
    numeric: CheckOptions | None = None,
    options: LocalizeOptions | None = None,
    *,
    progress: Callable[[int, int, Step], None] | None = None,
    symbolic: SymbolicResult | None = None,
    only: Callable[[Step], bool] | None = None,
) -> Localization:
    """Check every changed leaf step; blame the first that diverges, down to a node.

    ``numeric`` says how each step is checked, ``options`` how far blame goes. ``symbolic``
    attaches proof obligations to their steps; a refuted one makes its step diverge. ``only``
    restricts the check to the leaf steps it accepts (the others count as unchecked). The trace
    is not changed.
    """
    opts = options or LocalizeOptions()
    checker = Checker(trace, numeric)
    ctx = BlameContext(trace, checker, opts)
    # steps a kind adds (the lowering on another device) are checked with the captured ones
    extra = [s for h in handlers() for s in h.extra_steps(ctx)]
    loc = Localization(extra_steps=extra)
    leaves = [s for s in [*trace.steps, *extra] if s.is_leaf and s.changed and (only is None or only(s))]
    by_index: dict[int, StepVerdict] = {}
    for i, step in enumerate(leaves):
        if progress is not None:
            progress(i, len(leaves), step)
        if opts.stop_at_first and loc.guilty is not None:
            break
        obligations = symbolic.for_step(step.index) if symbolic is not None else []
        v = StepVerdict(
            step, _confirm_special(checker, step, check_step(checker, step)), trace.qualified_name(step), obligations
        )
        by_index[step.index] = v
        if v.verdict == DIVERGED:
            if loc.guilty is None:
                loc.guilty = v
            else:
                loc.later_divergences.append(v)
    # Groups (a pass and its sub-passes) take the worst verdict of their children.
    for step in [*trace.steps, *extra]:
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
    if g is not None:
        t0 = time.perf_counter()
        kind = handler_for(g.step.kind)
        found = kind.blame_refuted(ctx, g) if g.refuted else None
        if found is None and g.check.verdict != DIVERGED:
            # the sampled inputs agree: the refuted proof and its counterexample are the evidence
            found = Blame(symbolic_blame(g.refuted[0]))
        elif found is None:
            found = kind.blame(ctx, g)
        loc.blame, loc.below = found.nodes, found.below
        loc.blame_seconds = time.perf_counter() - t0
    return loc


def check_step(checker: Checker, step: Step) -> StepCheck:
    """The numeric check of one captured step, by its kind; never raises."""
    if not step.changed:
        return StepCheck(UNCHANGED)
    if step.not_run is not None:
        return StepCheck(NOT_RUN, reason=step.not_run)
    if step.before is None or step.after is None:
        return StepCheck(NOT_RUN, reason="no snapshot")
    try:
        return handler_for(step.kind).check(checker, step)
    except Exception as e:  # a checker bug is reported, never raised into the user's run
        return StepCheck(TOOL_ERROR, reason=f"{type(e).__name__}: {e}")


_OWN_DTYPE = ("overflow", "underflow")


def _confirm_special(checker: Checker, step: Step, check: StepCheck) -> StepCheck:
    """A divergence of an FX or AOT step seen only on special values must reach the compiled program.

    Otherwise it is the eager kernels running the after-graph that differ (a warning), not the
    rewrite. Ordinary trials are never downgraded.
    """
    bad = [t for t in check.trials if t.diverged]
    if check.verdict != DIVERGED or step.kind == StepKind.LOWERING or not bad or not all(t.special for t in bad):
        return check
    if any(m.kind in _OWN_DTYPE for t in bad for m in t.mismatches):
        # the after-graph over/underflows in the program's own dtype: wrong whether or not this
        # compile's kernels (which may compute in a wider type) happen to show it
        return check
    try:
        seen = handler_for(step.kind).observe(checker, step, checker.chosen([bad[0].trial]))
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
