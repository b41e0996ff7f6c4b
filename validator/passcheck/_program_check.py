"""Compile one program with the user's pass installed and check only what that pass did.

The user's step is the step named after its hook (and, for a pattern pass, each pattern
application under it). When it changed the graph, the steps after it in the same compile are
checked too: a rewrite can be locally right and still break a later pass. A divergence there
is the pass's only if the same program compiled without the pass does not show it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .._errors import UsageError
from .._json import attrs_json
from ..capture import Step, Trace
from ..kinds import Verdict
from ..numeric import DIVERGED
from ..pipeline import Selection, Settings, run
from ..report import Report
from ._install import UserPass

EQUIVALENT = Verdict.EQUIVALENT
NOT_FIRED = "not-fired"  # the pass never fired on the program: nothing was judged
ERROR = Verdict.ERROR


@dataclass
class ProgramResult:
    name: str
    origin: str  # "generated", "targeted", "zoo", "trigger"
    verdict: str  # equivalent / diverged / not-fired / error
    fired: int  # pattern applications, or changed runs of the pass
    seconds: float
    guilty: str | None = None  # qualified name of the diverging step
    downstream: bool = False  # the divergence is in a later step the pass's output fed
    note: str | None = None
    source: str | None = None  # a generated program's code
    ops: int | None = None  # and its number of statements
    report: Report | None = None  # kept for divergences and errors only

    def to_json(self) -> dict[str, Any]:
        return {
            **attrs_json(self, "name", "origin", "verdict", "fired"),
            "seconds": round(self.seconds, 3),
            **attrs_json(self, "guilty", "downstream", "note", "source", "ops"),
        }


@dataclass(frozen=True)
class RunOptions:
    lower: bool = False  # also lower + codegen (and check those steps downstream)
    random_trials: int = 2
    special_values: bool = True
    symbolic: bool = True
    symbolic_timeout_ms: int = 1000
    downstream: bool = True

    def settings(self, *, training: bool, dynamic: bool) -> Settings:
        """The pipeline settings of one program: the corpus's programs draw random numbers under
        fallback_random, and fxtv's own plain-compile check is not a pass author's question."""
        return Settings().but(
            dynamic=dynamic,
            training=training,
            lower=self.lower,
            fallback_random=True,
            fidelity=False,
            random_trials=self.random_trials,
            special_values=self.special_values,
            symbolic=self.symbolic,
            symbolic_timeout_ms=self.symbolic_timeout_ms,
            below_fx=False,
            other_devices=False,
        )


def _descendants(trace: Trace, step: Step) -> list[Step]:
    out = [step]
    for c in step.children:
        out += _descendants(trace, trace.steps[c])
    return out


def _mine(user: UserPass, trace: Trace) -> list[Step]:
    """The steps of the user's pass: those named after its hook, and what they group."""
    return [d for s in trace.steps if s.name == user.hook for d in _descendants(trace, s)]


def check_program(
    user: UserPass,
    fn: Any,
    inputs: tuple[Any, ...],
    *,
    name: str,
    origin: str,
    options: RunOptions,
    training: bool = False,
    dynamic: bool = False,
    source: str | None = None,
    ops: int | None = None,
) -> ProgramResult:
    t0 = time.perf_counter()
    settings = options.settings(training=training, dynamic=dynamic)

    def select(trace: Trace) -> Selection | None:
        leaves = {s.index for s in _mine(user, trace) if s.is_leaf and s.changed}
        if not leaves:
            return None  # the pass never fired: nothing to judge
        first = min(leaves)
        checked = leaves | ({s.index for s in trace.steps if s.index > first} if options.downstream else set())
        return Selection(check=lambda s: s.index in checked, prove=leaves)

    def result(verdict: str, fired: int, **kw: Any) -> ProgramResult:
        return ProgramResult(name, origin, verdict, fired, time.perf_counter() - t0, source=source, ops=ops, **kw)

    try:
        report = run(fn, inputs, settings, installed=user.installed(), only=select, name=name)
    except UsageError as e:
        return result(ERROR, 0, note=str(e))
    trace = report.trace
    mine = _mine(user, trace)
    fired = sum(1 for s in mine if s.pattern is not None) if user.is_pattern_pass else sum(
        1 for s in mine if s.changed and s.name == user.hook
    )
    if report.error is not None:
        return result(ERROR, fired, note=report.error, report=report)
    loc = report.localization
    if loc is None:
        return result(NOT_FIRED, fired)
    leaves = {s.index for s in mine if s.is_leaf and s.changed}
    g = loc.guilty
    if g is None:
        return result(EQUIVALENT, fired)
    if g.step.index in leaves:
        return result(DIVERGED, fired, guilty=g.qualified_name, report=report)
    # Downstream: the pass's doing only if the compile without it agrees at that step.
    def same_step(trace: Trace) -> Selection | None:
        same = [s for s in trace.steps if trace.qualified_name(s) == g.qualified_name and s.is_leaf and s.changed]
        return Selection(check=lambda s: s in same, prove=()) if same else None

    control = run(fn, inputs, settings.but(symbolic=False), only=same_step, name=name)
    if control.error is None and control.localization is not None:
        if control.localization.guilty is not None:
            return result(
                EQUIVALENT,
                fired,
                note=f"{g.qualified_name} diverges with or without the pass: not the pass's doing",
            )
    return result(DIVERGED, fired, guilty=g.qualified_name, downstream=True, report=report)
