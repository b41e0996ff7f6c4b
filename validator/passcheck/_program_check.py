"""Compile one program with the user's pass installed and check only what that pass did.

The user's step is the step named after its hook (and, for a pattern pass, each pattern
application under it). When it changed the graph, the steps after it in the same compile are
checked too: a rewrite can be locally right and still break a later pass. A divergence there
is the pass's only if the same program compiled without the pass does not show it.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

import torch

from ..capture import Step, Trace, capture
from ..fidelity import fresh, run_program
from ..fx import describe
from ..kinds import Verdict
from ..localize import localize
from ..numeric import DIVERGED, CheckOptions
from ..report import Report
from ..symbolic import SymbolicOptions, check_trace
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
            "name": self.name,
            "origin": self.origin,
            "verdict": self.verdict,
            "fired": self.fired,
            "seconds": round(self.seconds, 3),
            "guilty": self.guilty,
            "downstream": self.downstream,
            "note": self.note,
            "source": self.source,
            "ops": self.ops,
        }


@dataclass(frozen=True)
class RunOptions:
    lower: bool = False  # also lower + codegen (and check those steps downstream)
    random_trials: int = 2
    special_values: bool = True
    symbolic: bool = True
    symbolic_timeout_ms: int = 1000
    downstream: bool = True


def _descendants(trace: Trace, step: Step) -> list[Step]:
    out = [step]
    for c in step.children:
        out += _descendants(trace, trace.steps[c])
    return out


def _compile(
    user: UserPass | None, fn: Any, inputs: tuple[Any, ...], training: bool, dynamic: bool, lower: bool
) -> tuple[Trace, str | None]:
    torch._dynamo.reset()
    error = None
    hooks = user.installed() if user is not None else contextlib.nullcontext()
    with hooks, capture(lower=lower) as trace:
        try:
            run_program(torch.compile(fn, backend="inductor", dynamic=dynamic), fresh(inputs), training)
        except Exception as e:
            error = f"torch.compile failed: {type(e).__name__}: {e}"
    torch._dynamo.reset()
    return trace, error


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
    trace, error = _compile(user, fn, inputs, training, dynamic, options.lower)

    def result(verdict: str, fired: int, **kw: Any) -> ProgramResult:
        return ProgramResult(name, origin, verdict, fired, time.perf_counter() - t0, source=source, ops=ops, **kw)

    report = Report(
        name, trace, None, dynamic=dynamic, training=training, inputs=[describe(x) for x in inputs], error=error
    )
    mine = [d for s in trace.steps if s.name == user.hook for d in _descendants(trace, s)]
    fired = sum(1 for s in mine if s.pattern is not None) if user.is_pattern_pass else sum(
        1 for s in mine if s.changed and s.name == user.hook
    )
    if error is not None:
        return result(ERROR, fired, note=error, report=report)
    leaves = {s.index for s in mine if s.is_leaf and s.changed}
    if not leaves:
        return result(NOT_FIRED, fired)
    first = min(leaves)
    opts = CheckOptions(
        random_trials=options.random_trials, special_values=options.special_values, below_fx=False, other_devices=False
    )
    checked = leaves | ({s.index for s in trace.steps if s.index > first} if options.downstream else set())
    if options.symbolic:
        report.symbolic = check_trace(trace, SymbolicOptions(timeout_ms=options.symbolic_timeout_ms), steps=leaves)
    loc = localize(trace, opts, symbolic=report.symbolic, only=lambda s: s.index in checked)
    report.localization = loc
    g = loc.guilty
    if g is None:
        return result(EQUIVALENT, fired)
    if g.step.index in leaves:
        return result(DIVERGED, fired, guilty=g.qualified_name, report=report)
    # Downstream: the pass's doing only if the compile without it agrees at that step.
    control, control_error = _compile(None, fn, inputs, training, dynamic, options.lower)
    same = [s for s in control.steps if control.qualified_name(s) == g.qualified_name and s.is_leaf and s.changed]
    if control_error is None and same:
        cloc = localize(control, opts, only=lambda s: s in same)
        if cloc.guilty is not None:
            return result(
                EQUIVALENT,
                fired,
                note=f"{g.qualified_name} diverges with or without the pass: not the pass's doing",
            )
    return result(DIVERGED, fired, guilty=g.qualified_name, downstream=True, report=report)
