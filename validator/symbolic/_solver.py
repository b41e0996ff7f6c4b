"""A small prover over :class:`Domain`: verdicts, timeouts, a cache, and concrete replay.

"proved" only ever comes from Z3 answering ``unsat`` (or from syntactic equality). Every ``sat``
answer is replayed with sympy at the model's point; a counterexample that does not replay is a
tool bug and becomes "error", never "refuted".
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import sympy
import z3  # type: ignore[import-untyped]

from ._domain import Domain
from ._evaluate import evaluate
from ._translate import Z3Translator
from ._z3_arith import Term, Unsupported

Status = Literal["proved", "refuted", "unknown", "unsupported", "error"]
Kind = Literal["equal", "holds", "range"]
Value = int | bool | None


@dataclass(frozen=True)
class Replay:
    """Concrete evaluation of both sides at the counterexample with sympy."""

    lhs: Value
    rhs: Value
    differs: bool
    in_domain: bool
    detail: str


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str = ""
    counterexample: Mapping[str, int] | None = None  # symbol name -> int
    replay: Replay | None = None
    seconds: float = 0.0
    cached: bool = False

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "reason": self.reason,
            "counterexample": dict(self.counterexample) if self.counterexample is not None else None,
            "replay": asdict(self.replay) if self.replay is not None else None,
            "seconds": round(self.seconds, 6),
            "cached": self.cached,
        }


# -- cache ----------------------------------------------------------------------------------
_CACHE_SIZE = 4096
_cache: OrderedDict[tuple, Verdict] = OrderedDict()
_stats = {"hits": 0, "misses": 0}
_CACHEABLE = ("proved", "refuted", "unsupported")  # independent of the timeout


def clear_cache() -> None:
    _cache.clear()
    _stats.update(hits=0, misses=0)


def cache_info() -> dict:
    return {"hits": _stats["hits"], "misses": _stats["misses"], "size": len(_cache)}


def _cached(key: tuple, compute: Callable[[], Verdict]) -> Verdict:
    t0 = time.perf_counter()
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
        _stats["hits"] += 1
        return replace(hit, cached=True, seconds=time.perf_counter() - t0)
    _stats["misses"] += 1
    try:
        verdict = compute()
    except Unsupported as exc:
        verdict = Verdict("unsupported", reason=f"unsupported: {exc.name}")
    except Exception as exc:  # a bug or a sympy/z3 failure: never a proof
        verdict = Verdict("error", reason=f"{type(exc).__name__}: {exc}")
    verdict = replace(verdict, seconds=time.perf_counter() - t0)
    if verdict.status in _CACHEABLE:
        _cache[key] = verdict
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return verdict


# -- public entry points ----------------------------------------------------------------------
def prove_equal(lhs: sympy.Basic, rhs: sympy.Basic, domain: Domain, *, timeout_ms: int = 1000) -> Verdict:
    """``rhs`` (after) is defined and equals ``lhs`` (before) wherever the domain holds and lhs is defined."""
    lhs, rhs = sympy.sympify(lhs), sympy.sympify(rhs)
    if lhs == rhs:
        return Verdict("proved", reason="syntactically equal")
    key = ("equal", sympy.srepr(lhs), sympy.srepr(rhs), domain.key())
    return _cached(key, lambda: _Query("equal", lhs, rhs, domain, timeout_ms).run())


def prove_holds(pred: sympy.Basic, domain: Domain, *, timeout_ms: int = 1000) -> Verdict:
    """``pred`` is defined and true at every domain point (refuted: a point where it is not)."""
    pred = sympy.sympify(pred)
    key = ("holds", sympy.srepr(pred), "", domain.key())
    return _cached(key, lambda: _Query("holds", sympy.true, pred, domain, timeout_ms).run())


def prove_in_range(
    expr: sympy.Expr, lo: int, hi: int | None, domain: Domain, *, timeout_ms: int = 1000
) -> Verdict:
    """``lo <= expr <= hi`` (and expr defined) at every domain point, e.g. for int32 overflow checks.

    Built directly in Z3: a sympy ``Le(0, e)`` may auto-evaluate from sympy assumptions that do
    not hold for every integer (e.g. ``ModularIndexing`` claims non-negativity).
    """
    expr = sympy.sympify(expr)
    bounds = (int(lo), None if hi is None else int(hi))  # hi None: only the lower bound is claimed
    key = ("range", sympy.srepr(expr), f"{bounds[0]},{bounds[1]}", domain.key())
    return _cached(key, lambda: _Query("range", None, expr, domain, timeout_ms, bounds).run())


# -- one query ----------------------------------------------------------------------------------
def _evaluate(expr: sympy.Basic, subs: Mapping[sympy.Symbol, sympy.Integer]) -> tuple[Value, str]:
    """Value of ``expr`` at ``subs`` with sympy, or None and why it is undefined there."""
    value, why = evaluate(expr, subs)
    if value is None:
        return None, why
    if value is sympy.true or value is sympy.false:
        return bool(value), ""
    if isinstance(value, sympy.Integer):
        return int(value), ""
    return None, f"evaluates to {value}"


def _same(a: Value, b: Value) -> bool:
    return a is not None and b is not None and type(a) is type(b) and a == b


class _Query:
    def __init__(
        self,
        kind: Kind,
        lhs: sympy.Basic | None,
        rhs: sympy.Basic,
        domain: Domain,
        timeout_ms: int,
        bounds: tuple[int, int | None] = (0, 0),
    ) -> None:
        self.kind, self.lhs, self.rhs, self.domain = kind, lhs, rhs, domain
        self.timeout_ms, self.bounds = timeout_ms, bounds
        self.symbols: dict[sympy.Symbol, Term] = {}
        self.notes: list[str] = []
        self.dropped: list[sympy.Basic] = []

    def _domain_constraints(self) -> list[Term]:
        out: list[Term] = []
        dt = Z3Translator(self.symbols)
        for s in sorted(self.domain.symbols(), key=lambda s: (s.name, sympy.srepr(s))):
            dt.translate(s)
        for s, (lo, hi) in self.domain.bounds.items():
            v = dt.translate(s)
            out += ([v >= lo] if lo is not None else []) + ([v <= hi] if hi is not None else [])
        for fact in self.domain.facts:
            ft = Z3Translator(self.symbols)
            try:
                t = ft.translate(fact)
            except Unsupported:
                t = None
            if t is None or not z3.is_bool(t):
                self.dropped.append(fact)  # dropping a fact only enlarges the domain: still sound
                continue
            out += [*ft.definedness, *ft.assumptions, t]
        if self.dropped:
            self.notes.append(f"ignored {len(self.dropped)} unsupported fact(s): {', '.join(map(str, self.dropped))}")
        return out

    def _claim(self, lt: Z3Translator, rt: Z3Translator) -> Term:
        r = rt.translate(self.rhs)
        defined = rt.definedness
        if self.kind == "range":
            if not z3.is_int(r):
                raise TypeError(f"range check of a boolean: {self.rhs}")
            lo, hi = self.bounds
            return z3.And(*defined, r >= lo, *([] if hi is None else [r <= hi]))
        assert self.lhs is not None
        lv = lt.translate(self.lhs)
        if lv.sort() != r.sort():
            raise TypeError(f"type mismatch: lhs is {lv.sort()}, rhs is {r.sort()}")
        return z3.And(*defined, r == lv)

    def run(self) -> Verdict:
        hyps = self._domain_constraints()
        lt, rt = Z3Translator(self.symbols), Z3Translator(self.symbols)
        try:
            claim = self._claim(lt, rt)
        except TypeError as exc:
            return Verdict("error", reason=str(exc))
        hyps += [*lt.definedness, *lt.assumptions, *rt.assumptions]
        if lt.assumptions or rt.assumptions:
            self.notes.append("assumes float-based rounding is exact (|numerator| < 2**52)")
        names = Counter(s.name for s in self.symbols)
        if any(n > 1 for n in names.values()):
            shared = sorted(name for name, n in names.items() if n > 1)
            self.notes.append(f"distinct sympy symbols share a name: {', '.join(shared)}")
        solver = z3.Solver()
        solver.set("timeout", int(self.timeout_ms))
        solver.add(*hyps, z3.Not(claim))
        result = solver.check()
        if result == z3.unsat:
            return Verdict("proved", reason=self._proved_reason(hyps))
        if result == z3.sat:
            return self._counterexample(solver.model())
        why = solver.reason_unknown()
        timed_out = "timeout" in why or "canceled" in why
        return Verdict("unknown", reason=self._reason(f"timeout after {self.timeout_ms} ms" if timed_out else why))

    def _reason(self, head: str) -> str:
        return "; ".join([head, *self.notes] if head else self.notes)

    def _proved_reason(self, hyps: list[Term]) -> str:
        """Flag a vacuous proof: no domain point at all where the lhs is defined."""
        if not hyps:
            return self._reason("")
        solver = z3.Solver()
        solver.set("timeout", int(self.timeout_ms))
        solver.add(*hyps)
        if solver.check() == z3.unsat:
            return self._reason("vacuous: the domain (with the lhs defined) is empty")
        return self._reason("")

    def _counterexample(self, model: Any) -> Verdict:
        point = {s: model.eval(v, model_completion=True).as_long() for s, v in self.symbols.items()}
        cex = {str(self.symbols[s]): val for s, val in point.items()}
        subs = {s: sympy.Integer(val) for s, val in point.items()}
        in_domain = self.domain.contains(point)
        rv, rwhy = _evaluate(self.rhs, subs)
        details = [] if in_domain else ["point is outside the domain"]
        if self.kind == "range":
            lo, hi = self.bounds
            lv, lhs_ok = rv, True
            differs = rv is None or isinstance(rv, bool) or rv < lo or (hi is not None and rv > hi)
            top = "inf)" if hi is None else f"{hi}]"
            details.append(f"value {rv} outside [{lo}, {top}" if rv is not None else f"undefined: {rwhy}")
            replay = Replay(lv, None, differs, in_domain, "; ".join(details))
        else:
            assert self.lhs is not None
            lv, lwhy = _evaluate(self.lhs, subs)
            lhs_ok = lv is not None
            differs = rv is None or not _same(lv, rv)
            if not lhs_ok:
                details.append(f"lhs undefined: {lwhy}")
            details.append(f"rhs undefined: {rwhy}" if rv is None else f"lhs = {lv}, rhs = {rv}")
            replay = Replay(lv, rv, differs, in_domain, "; ".join(details))
        if in_domain and lhs_ok and differs:
            return Verdict("refuted", reason=self._reason(""), counterexample=cex, replay=replay)
        if not in_domain and self.dropped:
            reason = self._reason("counterexample violates a fact the prover could not model")
            return Verdict("unknown", reason=reason, counterexample=cex, replay=replay)
        reason = f"counterexample does not replay: {replay.detail}"
        return Verdict("error", reason=reason, counterexample=cex, replay=replay)
