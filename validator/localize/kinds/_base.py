"""The contract of a step kind, and the registry the localizer dispatches on.

A step kind says what "the same inputs" and "the same outputs" mean for the two sides of one
kind of captured step, how to check them, how the compiled program observes the step, and how to
narrow a divergence down inside the step. Adding a kind is one module here that subclasses
``StepKindHandler`` and is decorated with ``@register`` (plus the capture hook that records
such steps, and its test).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from ...capture import Step, Trace
from ...kinds import StepKind
from ...numeric import Checker, StepCheck, Trial, TrialResult
from ...symbolic import Obligation
from .._nodes import NodeBlame
from .._options import LocalizeOptions
from .._verdict import StepVerdict
from ..below_fx import BelowFxBlame


@dataclass(frozen=True)
class Blame:
    """What a step kind can say inside its guilty step: nodes, or (below FX) a component."""

    nodes: NodeBlame | None = None
    below: BelowFxBlame | None = None


@dataclass(frozen=True)
class BlameContext:
    trace: Trace
    checker: Checker
    options: LocalizeOptions


class StepKindHandler:
    """One kind of step. Subclasses set ``kind`` and implement ``check``."""

    kind: ClassVar[StepKind]

    def check(self, checker: Checker, step: Step) -> StepCheck:
        """Both sides of ``step`` on every trial (``step`` is changed and has both sides)."""
        raise NotImplementedError

    def observe(self, checker: Checker, step: Step, trials: Sequence[Trial]) -> StepCheck | None:
        """``step``'s before-side against the final compiled program, or None when no compiled
        program takes (or maps onto) the step's inputs."""
        return None

    def blame_refuted(self, ctx: BlameContext, verdict: StepVerdict) -> Blame | None:
        """A culprit named by a refuted proof alone, ahead of any numeric narrowing (or None)."""
        return None

    def blame(self, ctx: BlameContext, verdict: StepVerdict) -> Blame:
        """Narrow a numerically diverging step down to what inside it is wrong."""
        return Blame()

    def extra_steps(self, ctx: BlameContext) -> list[Step]:
        """Steps this kind adds to those captured (e.g. the lowering compiled on another device)."""
        return []


_REGISTRY: dict[StepKind, StepKindHandler] = {}

H = TypeVar("H", bound=type[StepKindHandler])


def register(cls: H) -> H:
    """Class decorator: make ``cls`` the handler of its ``kind``."""
    if cls.kind in _REGISTRY:
        raise RuntimeError(f"step kind {cls.kind!r} is registered twice")
    _REGISTRY[cls.kind] = cls()
    return cls


def handler_for(kind: StepKind | str) -> StepKindHandler:
    try:
        return _REGISTRY[StepKind(kind)]
    except (KeyError, ValueError):
        raise KeyError(f"no handler for step kind {kind!r}; registered: {', '.join(_REGISTRY)}") from None


def handlers() -> list[StepKindHandler]:
    return list(_REGISTRY.values())


def narrowed(verdict: StepVerdict, what: str, narrow: Callable[[TrialResult, list[Any]], NodeBlame]) -> Blame:
    """``narrow`` applied to the step's first failing trial and its inputs; a failure of ``narrow`` is a note, not
    an error (node blame is a refinement: the step verdict stands without it)."""
    failing = verdict.check.first_failure
    if failing is None or failing.inputs is None:
        return Blame()
    try:
        return Blame(narrow(failing, failing.inputs))
    except Exception as e:
        return Blame(NodeBlame(None, None, None, None, note=f"{what} failed: {e}"))


def symbolic_blame(ob: Obligation) -> NodeBlame:
    """A refuted proof obligation as the blame: what was claimed, and where it fails."""
    cex = ", ".join(f"{k}={v}" for k, v in (ob.verdict.counterexample or {}).items()) or "every value"
    where = f"buffer {ob.subject}" if ob.kind in ("index", "loop_merge", "int32") else ob.subject
    note = f"{ob.kind} proof refuted for {where}: {ob.before}  !=  {ob.after}  at {cex}"
    if ob.origins:
        note += f" (from FX nodes {', '.join(ob.origins)})"
    if ob.executed:
        note += f"; running the graphs there: {ob.executed}"
    return NodeBlame(None, None, None, None, note=note)
