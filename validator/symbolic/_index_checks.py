"""Prove the index rewrites recorded during lowering and scheduling."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import sympy
from torch.utils._sympy.functions import FloorDiv, ModularIndexing

from ..capture import IndexRewrite
from ._domain import Domain
from ._facts import build_domain
from ._normalize import prove_by_normalisation
from ._obligation import INDEX, INDEX_BASE, INT32, LOOP_MERGE, Obligation
from ._solver import Verdict, prove_equal, prove_in_range

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _canonical(rw: IndexRewrite) -> tuple[Any, Any, dict[sympy.Symbol, Any], dict[str, str]]:
    """Rename loop variables to _v0, _v1, ... so identical rewrites on different loop
    nests (``d0``/``q0``/``x0`` prefixes) share one cached proof. Also returns the names back."""
    ren = {
        v: sympy.Symbol(f"_v{i}", integer=True, nonnegative=True)
        for i, v in enumerate(rw.var_ranges)
        if isinstance(v, sympy.Symbol)
    }
    ranges = {ren.get(v, v): s for v, s in rw.var_ranges.items()}
    back = {new.name: old.name for old, new in ren.items()}
    return rw.before.xreplace(ren), rw.after.xreplace(ren), ranges, back


def _rename(verdict: Verdict, back: Mapping[str, str]) -> Verdict:
    if not verdict.counterexample:
        return verdict
    return replace(verdict, counterexample={back.get(k, k): v for k, v in verdict.counterexample.items()})


def prove_rewrite(rw: IndexRewrite, *, timeout_ms: int) -> Verdict:
    """before == after over inductor's own assumptions.

    The guards are tried last: most rewrites hold for every value in the symbols' ranges, and
    a proof over that larger domain is also a proof over the guarded one. Only a refutation or
    an unknown is retried with the guards and runtime asserts.
    """
    before, after, ranges, back = _canonical(rw)
    light = build_domain([before, after], ranges, rw.facts, with_axioms=False)
    if _symbolic_divisor(before) or _symbolic_divisor(after):
        # Z3's nonlinear integer reasoning mostly times out on these; normalisation is cheap.
        quick = _normalised(before, after, light, Verdict("unknown", reason="not tried"))
        if quick.status == "proved":
            return quick
    verdict = prove_equal(before, after, light, timeout_ms=timeout_ms)
    if verdict.status in ("proved", "unsupported", "error") or not rw.facts.axioms:
        return _rename(verdict, back)
    full = build_domain([before, after], ranges, rw.facts, with_axioms=True)
    if full != light:
        verdict = prove_equal(before, after, full, timeout_ms=timeout_ms)
    if verdict.status == "unknown":
        verdict = _normalised(before, after, light, verdict)
    return _rename(verdict, back)


def _symbolic_divisor(e: Any) -> bool:
    return any(not a.args[1].is_Integer for a in e.atoms(FloorDiv, ModularIndexing))


def _normalised(before: Any, after: Any, domain: Domain, fallback: Verdict) -> Verdict:
    """Nonlinear identities (products of symbolic sizes) the solver timed out on."""
    t0 = time.perf_counter()
    try:
        how = prove_by_normalisation(before, after, domain)
    except Exception:  # a normalisation failure leaves the solver's verdict
        how = None
    if how is None:
        return fallback
    tried = f"; solver: {fallback.reason}" if fallback.reason != "not tried" else ""
    return Verdict("proved", reason=how + tried, seconds=fallback.seconds + time.perf_counter() - t0)


def _ranges_json(ranges: Mapping[Any, Any]) -> dict[str, str]:
    return {str(k): f"[0, {v})" for k, v in ranges.items()}


def index_obligations(
    rewrites: list[IndexRewrite],
    step_of_graph: Mapping[str, int],
    *,
    timeout_ms: int,
    int32_graphs: frozenset[str] = frozenset(),
) -> list[Obligation]:
    out: list[Obligation] = []
    for rw in rewrites:
        kind = LOOP_MERGE if rw.kind == "loop_merge" else INDEX
        common: dict[str, Any] = {
            "graph": rw.graph,
            "subject": rw.buffer or "(index analysis)",
            "step": step_of_graph.get(rw.graph),
            "rewrite": rw.kind,
            "ranges": _ranges_json(rw.var_ranges),
            "origins": rw.origins,
            "consumer": rw.consumer if rw.consumer != rw.buffer else None,
            "note": rw.note,
        }
        if rw.after is None:
            reason = rw.note or "unsupported: rewrite not recorded"
            verdict = Verdict("unsupported", reason=reason)
            out.append(Obligation(kind, before=str(rw.before), after="?", verdict=verdict, **common))
            continue
        verdict = prove_rewrite(rw, timeout_ms=timeout_ms)
        out.append(Obligation(kind, before=str(rw.before), after=str(rw.after), verdict=verdict, **common))
        out += _new_base_obligations(rw, common, timeout_ms)
        if rw.graph in int32_graphs and isinstance(rw.after, sympy.Expr) and rw.after.free_symbols:
            _, after, ranges, back = _canonical(rw)
            dom = build_domain([after], ranges, rw.facts, with_axioms=True)
            v = _rename(prove_in_range(after, INT32_MIN, INT32_MAX, dom, timeout_ms=timeout_ms), back)
            out.append(Obligation(INT32, before=str(rw.after), after="fits int32", verdict=v, **common))
    return out


def _bases(e: Any) -> set[Any]:
    return {a.args[0] for a in e.atoms(ModularIndexing) if a.args[0].free_symbols}


def _new_base_obligations(rw: IndexRewrite, common: dict[str, Any], timeout_ms: int) -> list[Obligation]:
    """The bases of the ModularIndexing terms a rewrite introduced are non-negative.

    Equal-by-sympy is not enough: ModularIndexing(x, d, m) means Python's floor(x / d) mod m,
    but the C++ printer emits ``div_floor(x, d) % m`` with C's remainder, which agrees only when
    x >= 0. Inductor keeps every base non-negative; a simplification that drops a multiple of the
    modulus from a base can break that (pytorch/pytorch#190765).
    """
    if not isinstance(rw.after, sympy.Expr) or not isinstance(rw.before, sympy.Expr):
        return []
    before, after, ranges, back = _canonical(rw)
    out = []
    for base in sorted(_bases(after) - _bases(before), key=str):
        dom = build_domain([base], ranges, rw.facts, with_axioms=True)
        v = _rename(prove_in_range(base, 0, None, dom, timeout_ms=timeout_ms), back)
        shown = str(
            base.xreplace({sympy.Symbol(k, integer=True, nonnegative=True): sympy.Symbol(n) for k, n in back.items()})
        )
        out.append(
            Obligation(
                INDEX_BASE, before=str(rw.after), after=f"ModularIndexing base {shown} >= 0", verdict=v, **common
            )
        )
    return out
