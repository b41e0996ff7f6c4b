"""A refuted index proof names its culprit before any recompile.

When Z3 refutes an index rewrite inductor made while lowering or scheduling (``SizeVarAllocator``
simplifications, loop merges, 32-bit index printing), the rewrite is the culprit: its function,
the expression before and after, the counterexample and the kernel that uses it are the blame,
with no numeric bisection needed (docs/symbolic.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...capture import Schedule
from ...symbolic import INDEX as INDEX_PROOF
from ...symbolic import INDEX_BASE, INT32, LOOP_MERGE, Obligation
from ._model import INDEX, BelowFxBlame

INDEX_KINDS = (INDEX_PROOF, LOOP_MERGE, INT32, INDEX_BASE)

# IndexRewrite kind -> the inductor function that performed it
_FUNCTIONS = {
    "simplify_with_ranges": "SizeVarAllocator._simplify_with_ranges",
    "loop_merge": "SizeVarAllocator._simplify_loops_impl",
    "combine_modular_indexing_pairs": "SizeVarAllocator.combine_modular_indexing_pairs",
    "expand_floor_div": "SizeVarAllocator.expand_floor_div",
}


def index_culprits(refuted: Sequence[Obligation]) -> list[Obligation]:
    return [o for o in refuted if o.kind in INDEX_KINDS]


def _kernel(schedule: Schedule | None, buffer: str) -> str | None:
    if schedule is None:
        return None
    return next((g.name for g in schedule.groups if buffer in g.buffers), None)


def index_blame(obligations: Sequence[Obligation], schedule: Schedule | None) -> BelowFxBlame:
    """The blame for the first refuted index obligation (the others are listed as evidence)."""
    ob = obligations[0]
    function = _FUNCTIONS.get(ob.rewrite, ob.rewrite or ob.kind)
    cex = ", ".join(f"{k}={v}" for k, v in (ob.verdict.counterexample or {}).items()) or "every value"
    what = (
        "printed with 32-bit arithmetic"
        if ob.kind == INT32
        else f"rewritten by {function} to a ModularIndexing whose base can be negative (printed with C's %)"
        if ob.kind == INDEX_BASE
        else f"rewritten by {function}"
    )
    claim = (
        f"{ob.before}, whose {ob.after.removesuffix(' >= 0')} can be negative"
        if ob.kind == INDEX_BASE
        else f"{ob.before}  ->  {ob.after}"
    )
    blame = BelowFxBlame(
        INDEX,
        culprit=f"{function}: {claim}  (refuted at {cex})",
        kernel=_kernel(schedule, ob.consumer or ob.subject) or ob.consumer or ob.subject,
        fx_nodes=list(ob.origins),
    )
    read = f" read by {ob.consumer}" if ob.consumer else ""
    blame.evidence.append(f"index of buffer {ob.subject}{read} {what}: {ob.before} != {ob.after} at {cex}")
    if ob.ranges:
        blame.evidence.append(f"ranges: {ob.ranges}")
    replay = ob.verdict.replay
    if replay is not None:
        blame.evidence.append(f"replayed concretely: before={replay.lhs}, after={replay.rhs}")
    if ob.executed:
        blame.evidence.append(f"running the graphs there: {ob.executed}")
    blame.evidence += [f"also refuted: {o.rewrite or o.kind} for {o.subject}" for o in obligations[1:4]]
    blame.note = "a refuted index proof is blamed before any recompile"
    return blame
