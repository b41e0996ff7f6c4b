"""Shrinking a finding's program: delta debugging over its statements and outputs, keeping a
candidate only when it shows the same finding (same signature) again.

Programs are straight-line code, so a candidate drops one statement whose results nothing after
it reads (or that is an output), or keeps fewer outputs; inputs nothing reads are dropped with
it. Each candidate is one more validation, run in the campaign's worker pool (a candidate may
crash too), within a budget of evaluations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from ..corpus import Program, Statement
from ._programs import Drawn

_NAME = re.compile(r"\b[xv]\d+(?:_\d+)?\b")

Evaluate = Callable[[Drawn], dict[str, Any]]


def shrink(
    drawn: Drawn, signature: str, evaluate: Evaluate, budget: int = 24
) -> tuple[Drawn, dict[str, Any] | None, int]:
    """The smallest program found that keeps ``signature``; with its result and the evaluations spent."""
    best, best_result, spent = drawn, None, 0
    improved = True
    while improved and spent < budget:
        improved = False
        for candidate in _candidates(best.program):
            if spent >= budget:
                break
            spent += 1
            trial = replace(best, program=candidate)
            result = evaluate(trial)
            if result.get("signature") == signature:
                best, best_result, improved = trial, result, True
                break
    return best, best_result, spent


def _candidates(p: Program) -> Iterator[Program]:
    """Smaller programs: fewer outputs first, then each statement dropped (the last first)."""
    if len(p.outputs) > 1:
        for out in p.outputs:
            q = _rebuild(p, p.statements, (out,))
            if q is not None:
                yield q
    for k in reversed(range(len(p.statements))):
        s = p.statements[k]
        later = " ".join(t.expr for t in p.statements[k + 1 :])
        if any(re.search(rf"\b{t}\b", later) for t in s.targets):
            continue  # something after it reads its result
        outputs = tuple(o for o in p.outputs if o not in s.targets)
        rest = p.statements[:k] + p.statements[k + 1 :]
        if not outputs and rest:
            outputs = (rest[-1].targets[0],)
        q = _rebuild(p, rest, outputs)
        if q is not None:
            yield q


def _rebuild(p: Program, statements: tuple[Statement, ...], outputs: tuple[str, ...]) -> Program | None:
    if not statements or not outputs:
        return None
    used = {n for s in statements for n in _NAME.findall(s.expr)} | set(outputs)
    inputs = tuple(i for i in p.inputs if i.name in used)
    if not inputs:
        return None
    return replace(p, inputs=inputs, statements=statements, outputs=outputs)
