"""PassReport: what ``check_pass`` checked, what it found, and how fast."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..numeric import DIVERGED
from ..report import Repro
from ._program_check import NOT_FIRED, ProgramResult
from ._replacement import ReplacementProof

NEVER_FIRED = "never-fired"


@dataclass
class Failure:
    """One distinct divergence: where it was first seen, the smallest program showing it, and a
    standalone repro of the guilty step shrunk over its nodes."""

    signature: str
    found: ProgramResult
    smallest: ProgramResult
    repro: Repro | None = None
    repro_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "signature": self.signature,
            "found": self.found.to_json(),
            "smallest": self.smallest.to_json(),
            "repro_nodes": list(self.repro.nodes) if self.repro else None,
            "repro_error": self.repro_error,
        }

    def write_repro(self, path: str | Path) -> Path:
        if self.repro is None:
            raise ValueError(f"no repro for {self.signature}: {self.repro_error}")
        return self.repro.write(path)


@dataclass
class PassReport:
    pass_name: str
    hook: str
    kind: str  # callable / custom_graph_pass / pattern_matcher / replacements
    programs: list[ProgramResult] = field(default_factory=list)
    # a plain function's line coverage: lines, reached, percent, missed (``_coverage``)
    coverage: dict[str, Any] | None = None
    failures: list[Failure] = field(default_factory=list)
    proofs: list[ReplacementProof] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def fired(self) -> int:
        """Programs on which the pass changed the graph."""
        return sum(1 for p in self.programs if p.fired and p.verdict != NOT_FIRED)

    @property
    def verdict(self) -> str:
        if self.failures or any(p.verdict == DIVERGED for p in self.programs):
            return DIVERGED
        if any(pr.verdict == "refuted" for pr in self.proofs):
            return DIVERGED
        if not self.fired and not any(pr.verdict == "proved" for pr in self.proofs):
            return NEVER_FIRED
        return "equivalent"

    @property
    def ok(self) -> bool:
        """True when nothing diverged (a pass that never fired is ok but comes with a warning)."""
        return self.verdict != DIVERGED

    def by_origin(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for origin in sorted({p.origin for p in self.programs}):
            ps = [p for p in self.programs if p.origin == origin]
            times = [p.seconds for p in ps]
            verdicts: dict[str, int] = {}
            for p in ps:
                verdicts[p.verdict] = verdicts.get(p.verdict, 0) + 1
            out[origin] = {
                "programs": len(ps),
                "fired": sum(1 for p in ps if p.fired),
                "pattern_fires": sum(p.fired for p in ps),
                "verdicts": verdicts,
                "seconds_median": round(statistics.median(times), 3),
                "seconds_mean": round(statistics.fmean(times), 3),
            }
        return out

    def summary(self) -> str:
        lines = [f"fxtv check_pass: {self.pass_name} on {self.hook} ({self.kind}): {self.verdict}"]
        for origin, s in self.by_origin().items():
            lines.append(
                f"  {origin}: {s['programs']} programs, fired on {s['fired']} ({s['pattern_fires']} fires), "
                f"{s['verdicts']}, {s['seconds_median']} s median per program"
            )
        for pr in self.proofs:
            lines += ["  proof " + line for line in pr.lines()]
        for f in self.failures:
            lines.append(f"  DIVERGED {f.signature}")
            lines.append(f"    first seen on {f.found.name} ({f.found.origin}); guilty step {f.smallest.guilty}")
            if f.smallest.source:
                lines.append(f"    smallest program ({f.smallest.name}):")
                lines += ["      " + s for s in f.smallest.source.splitlines()]
            if f.repro is not None:
                b, a = f.repro.nodes
                lines.append(f"    repro: the guilty step shrunk to {b} nodes before, {a} after")
            elif f.repro_error:
                lines.append(f"    no repro: {f.repro_error}")
        if self.coverage is not None:
            c = self.coverage
            lines.append(f"  pass line coverage: {c['reached']}/{c['lines']} lines ({c['percent']}%)")
        lines += [f"  warning: {w}" for w in self.warnings]
        lines.append(f"  {len(self.programs)} programs in {self.seconds:.1f} s")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "fxtv-pass-report/1",
            "pass": self.pass_name,
            "hook": self.hook,
            "kind": self.kind,
            "verdict": self.verdict,
            "fired_programs": self.fired,
            "coverage": self.coverage,
            "by_origin": self.by_origin(),
            "failures": [f.to_json() for f in self.failures],
            "proofs": [p.to_json() for p in self.proofs],
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
            "programs": [p.to_json() for p in self.programs],
        }

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2, default=str))

    def write_html(self, path: str | Path) -> None:
        """A self-contained page: corpus figures, proofs, each divergence with its full report."""
        from ._html import render_pass_html  # the page imports this module

        Path(path).write_text(render_pass_html(self))
