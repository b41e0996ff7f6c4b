"""Proof obligations: one claimed equality, what it is about, and its verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .._json import attrs_json
from ..kinds import ObligationKind, ProofStatus
from ._solver import Verdict

# Obligation kinds (validator.kinds.ObligationKind), by their short names
INDEX = ObligationKind.INDEX
LOOP_MERGE = ObligationKind.LOOP_MERGE
INT32 = ObligationKind.INT32
INDEX_BASE = ObligationKind.INDEX_BASE
SHAPE = ObligationKind.SHAPE
STRIDE = ObligationKind.STRIDE
DTYPE = ObligationKind.DTYPE
VIEW_MAP = ObligationKind.VIEW_MAP
FUSION = ObligationKind.FUSION


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
    origins: tuple[str, ...] = ()  # FX nodes of the buffer the index is used to compute
    consumer: str | None = None  # that buffer, where it is not the subject (a read of another)
    note: str = ""
    executed: str | None = None  # result of running the graph at the counterexample, if done

    @property
    def status(self) -> str:
        return self.verdict.status

    @property
    def refuted(self) -> bool:
        return self.verdict.status == ProofStatus.REFUTED

    def to_json(self) -> dict[str, Any]:
        return {
            **attrs_json(self, "kind", "rewrite", "graph", "step", "subject"),
            "origins": list(self.origins),
            **attrs_json(self, "consumer", "before", "after", "ranges", "note", "executed"),
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
        interesting = [o for o in self.obligations if o.status != ProofStatus.PROVED]
        return {
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "by_kind": self.counts_by_kind(),
            "not_proved": [o.to_json() for o in interesting],
            "errors": self.errors,
        }
