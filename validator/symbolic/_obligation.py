"""Proof obligations: one claimed equality, what it is about, and its verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ._solver import Verdict

# Obligation kinds
INDEX = "index"  # an index rewrite inductor performed during lowering / scheduling
LOOP_MERGE = "loop_merge"  # a merge of loop dimensions (formula under the merged loop nest)
INT32 = "int32"  # an index printed with 32-bit arithmetic cannot overflow
# a ModularIndexing base the rewrite introduced is never negative: the C++ printer takes its
# modulus with C's ``%``, which is Python's only for non-negative operands
INDEX_BASE = "index_base"
SHAPE = "shape"  # an FX step keeps a graph output's size
STRIDE = "stride"  # ... its strides
DTYPE = "dtype"  # ... its dtype
VIEW_MAP = "view_map"  # a rewritten chain of view ops maps every element to the same source element
FUSION = "fusion"  # a fused kernel's loads and stores of one location are safe in a single loop


@dataclass
class Obligation:
    kind: str
    graph: str
    subject: str  # buffer name, or "output 0 dim 1", or the replaced node
    before: str
    after: str
    verdict: Verdict
    step: int | None = None  # the trace step it belongs to
    rewrite: str = ""  # which inductor rewrite (simplify_with_ranges, ...) for INDEX obligations
    ranges: dict[str, str] = field(default_factory=dict)
    origins: tuple[str, ...] = ()  # FX nodes the buffer came from
    note: str = ""
    executed: str | None = None  # result of running the graph at the counterexample, if done

    @property
    def status(self) -> str:
        return self.verdict.status

    @property
    def refuted(self) -> bool:
        return self.verdict.status == "refuted"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rewrite": self.rewrite,
            "graph": self.graph,
            "step": self.step,
            "subject": self.subject,
            "origins": list(self.origins),
            "before": self.before,
            "after": self.after,
            "ranges": self.ranges,
            "note": self.note,
            "executed": self.executed,
            **self.verdict.to_json(),
        }


@dataclass
class SymbolicResult:
    """Every obligation of one trace, with the steps they belong to."""

    obligations: list[Obligation] = field(default_factory=list)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def for_step(self, index: int) -> list[Obligation]:
        return [o for o in self.obligations if o.step == index]

    def counts(self) -> dict[str, int]:
        return dict(Counter(o.status for o in self.obligations))

    def counts_by_kind(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {}
        for o in self.obligations:
            out.setdefault(o.kind, Counter())[o.status] += 1
        return {k: dict(v) for k, v in out.items()}

    @property
    def refuted(self) -> list[Obligation]:
        return [o for o in self.obligations if o.refuted]

    def to_json(self) -> dict[str, Any]:
        interesting = [o for o in self.obligations if o.status != "proved"]
        return {
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "by_kind": self.counts_by_kind(),
            "not_proved": [o.to_json() for o in interesting],
            "errors": self.errors,
        }
