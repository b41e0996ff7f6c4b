"""Record the index arithmetic inductor rewrites while it lowers and schedules a graph.

Each wrapped ``SizeVarAllocator`` method returns an expression (or a loop nest) that inductor
claims is equal to its input under the loop ranges and the ShapeEnv's facts. We record the
claim with everything needed to check it later, when inductor's state has moved on: the
ranges, a snapshot of the shape facts, and the buffer being built.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from typing import Any

import sympy

from .. import _compat
from ._trace import IndexRewrite, ShapeFacts

# Frames walked up from a rewrite to find the buffer or scheduler node it belongs to.
_BUFFER_FRAME_DEPTH = 40


class IndexRecorder:
    """Wraps the SizeVarAllocator rewrites; appends an IndexRewrite per cache-missed call."""

    def __init__(self, sink: list[IndexRewrite], current_graph: Callable[[], str | None]) -> None:
        self.sink = sink
        self.current_graph = current_graph
        self.active = True
        self.errors: list[str] = []
        self._depth = 0  # _simplify_with_ranges recurses on itself: record the outermost call only
        self._facts: dict[tuple[int, int, int, int], ShapeFacts] = {}

    # ------------------------------------------------------------------ wrappers
    def simplify_with_ranges(self, orig: Callable[..., Any], sv: Any, expr: Any, var_ranges: Any) -> Any:
        self._depth += 1
        try:
            out = orig(sv, expr, var_ranges)
        finally:
            self._depth -= 1
        if self._depth == 0 and out != expr:
            self._record("simplify_with_ranges", sv, expr, out, dict(var_ranges))
        return out

    def combine_modular_indexing_pairs(self, orig: Callable[..., Any], sv: Any, index: Any) -> Any:
        out = orig(sv, index)
        if out != index:
            # inductor checks only that the inner argument is a non-negative symbol
            self._record("combine_modular_indexing_pairs", sv, index, out, {})
        return out

    def expand_floor_div(self, orig: Callable[..., Any], sv: Any, index: Any, *a: Any, **k: Any) -> Any:
        out = orig(sv, index, *a, **k)
        if out:
            new, denominator = out
            self._record("expand_floor_div", sv, index, _floor_div(new, denominator), {})
        return out

    def simplify_loops(self, orig: Callable[..., Any], sv: Any, index_vars: Any, sizes: Any, formulas: Any) -> Any:
        out = orig(sv, index_vars, sizes, formulas)
        if not self.active or self.current_graph() is None:
            return out
        try:
            new_sizes, reindex, _ = out
            old_sizes = [sv.simplify(s) for s in sizes]
            if [s for s in old_sizes if s != 1] == list(new_sizes):
                return out  # nothing merged: only size-1 dimensions dropped
            self._record_merge(sv, list(index_vars), old_sizes, list(formulas), list(new_sizes), reindex)
        except Exception as e:  # recording must never break the compile
            self.errors.append(f"loop merge record: {type(e).__name__}: {e}")
        return out

    # ------------------------------------------------------------------ records
    def _record(self, kind: str, sv: Any, before: Any, after: Any, var_ranges: dict[Any, Any]) -> None:
        graph = self.current_graph() if self.active else None
        if graph is None:
            return
        try:
            buffer, consumer, origins = _current_buffer()
            self.sink.append(
                IndexRewrite(
                    kind=kind,
                    graph=graph,
                    before=before,
                    after=after,
                    var_ranges=var_ranges,
                    facts=self._shape_facts(sv),
                    buffer=buffer,
                    consumer=consumer,
                    origins=origins,
                )
            )
        except Exception as e:
            self.errors.append(f"{kind} record: {type(e).__name__}: {e}")

    def _record_merge(
        self,
        sv: Any,
        index_vars: list[Any],
        old_sizes: list[Any],
        formulas: list[Any],
        new_sizes: list[Any],
        reindex: Any,
    ) -> None:
        """Turn one loop merge into per-formula equalities over the old loop nest.

        Inductor runs the body at ``reindex(n)`` for every point ``n`` of the new, smaller nest.
        That is a relabelling of the old iterations iff, for the mixed-radix bijection ``psi``
        from old to new points implied by the merge groups, every index formula satisfies
        ``f(old) == f(reindex(psi(old)))``. The groups come from replaying inductor's merge
        decisions; if the replay disagrees with inductor's result we record no proof.
        """
        groups = _merge_groups(sv, index_vars, old_sizes, formulas)
        heads = [g for g in groups if g]
        sizes_from_groups = [sympy.Mul(*(old_sizes[d] for d in g)) for g in heads]
        if [sv.simplify(s) for s in sizes_from_groups] != [sv.simplify(s) for s in new_sizes]:
            self._record("loop_merge", sv, tuple(formulas), None, dict(zip(index_vars, old_sizes, strict=True)))
            self.sink[-1].note = "unsupported: could not replay inductor's merge decisions"
            return
        # psi: each group's new variable, innermost old dimension first
        new_vars: list[Any] = []
        for g in heads:
            value, scale = sympy.S.Zero, sympy.S.One
            for d in g:
                value += scale * index_vars[d]
                scale *= old_sizes[d]
            new_vars.append(value)
        substituted = reindex(new_vars)
        mapping = dict(zip(index_vars, substituted, strict=True))
        ranges = dict(zip(index_vars, old_sizes, strict=True))
        for f in formulas:
            if not isinstance(f, sympy.Basic):
                continue
            after = f.xreplace(mapping)
            if after != f:
                self._record("loop_merge", sv, f, after, ranges)
                self.sink[-1].note = f"sizes {list(old_sizes)} -> {list(new_sizes)}"

    def _shape_facts(self, sv: Any) -> ShapeFacts:
        env = sv.shape_env
        key = (id(env), len(getattr(env, "guards", ())), len(getattr(env, "replacements", {})), _n_asserts(env))
        facts = self._facts.get(key)
        if facts is None:
            facts = ShapeFacts.of(env)
            self._facts[key] = facts
        return facts


def _n_asserts(env: Any) -> int:
    return sum(len(v) for v in getattr(env, "deferred_runtime_asserts", {}).values())


def _floor_div(a: Any, b: Any) -> Any:
    from torch.utils._sympy.functions import FloorDiv

    return FloorDiv(a, b)


def _merge_groups(sv: Any, index_vars: list[Any], sizes: list[Any], formulas: list[Any]) -> list[list[int]]:
    """Replay ``SizeVarAllocator._simplify_loops_impl``'s merge loop, keeping the groups.

    ``groups[i]`` lists the old dimensions merged into dimension ``i``, innermost first; an
    empty list marks a dropped dimension. Mirrors torch 2.11-2.14; a mismatch with inductor's
    actual sizes is detected by the caller and turns into "unsupported".
    """
    strides = [sv.stride_vars(x, index_vars) if isinstance(x, sympy.Expr) else [0] * len(index_vars) for x in formulas]
    cur: list[Any] = list(sizes)
    groups: list[list[int]] = [[i] for i in range(len(sizes))]
    for i in range(len(cur)):
        if cur[i] == 1:
            cur[i] = None
            groups[i] = []

    def can_merge(a: int, b: int) -> bool:
        for k in range(len(strides)):
            if sv.simplify(strides[k][a] * cur[a]) == sv.simplify(strides[k][b]):
                va, vb = index_vars[a], index_vars[b]
                m1, m2 = _compat.index_symbol("_merge_tester1"), _compat.index_symbol("_merge_tester2")
                e1 = _compat.sympy_subs(formulas[k], {va: m1 * cur[a], vb: m2})
                e2 = _compat.sympy_subs(formulas[k], {va: 0, vb: (m1 + m2)})
                if sv.simplify(e1) == sv.simplify(e2):
                    continue
            return False
        return True

    changed = True
    while changed:
        changed = False
        for i, j in itertools.product(reversed(range(len(cur))), reversed(range(len(cur)))):
            if i == j or cur[i] is None or cur[j] is None:
                continue
            if can_merge(i, j):
                changed = True
                cur[i] = cur[i] * cur[j]
                cur[j] = None
                groups[i] = groups[i] + groups[j]
                groups[j] = []
    return groups


def _current_buffer() -> tuple[str | None, str | None, tuple[str, ...]]:
    """The buffer whose index was rewritten, the buffer being computed, and that one's FX origins.

    The innermost owner on the stack is the buffer the index addresses: the one being written,
    or one being read (its loader is running). Reads happen while the consumer's body is built,
    so the outermost IR buffer on the stack is the one being computed; its kernel is where the
    rewritten index is used, and its origins are the FX nodes to blame. A rewrite made while
    scheduling or printing, with no IR buffer on the stack, belongs to the scheduler node.
    """
    # Only buffers and scheduler nodes: other inductor objects (ops handlers) answer any
    # attribute and emit code when called.
    owners = _compat.buffer_owner_classes()
    ir_owners = _compat.ir_buffer_classes()
    first: tuple[str, tuple[str, ...]] | None = None
    consumer: tuple[str, tuple[str, ...]] | None = None
    frame: Any = sys._getframe(2)
    for _ in range(_BUFFER_FRAME_DEPTH):
        if frame is None:
            break
        obj: Any = frame.f_locals.get("self")
        if isinstance(obj, owners):
            named = _owner(obj)
            if named is not None:
                first = first or named
                if isinstance(obj, ir_owners):
                    consumer = named
        frame = frame.f_back
    if first is None:
        return None, None, ()
    name, origins = consumer or first
    return first[0], name, origins


def _owner(obj: Any) -> tuple[str, tuple[str, ...]] | None:
    try:
        name = str(getattr(obj, "get_name")())  # noqa: B009 (narrowed to object)
    except Exception:
        return None
    if not name:
        return None
    origins = getattr(obj, "origins", None) or getattr(getattr(obj, "node", None), "origins", None) or ()
    return name, tuple(sorted(str(getattr(o, "name", o)) for o in origins))
