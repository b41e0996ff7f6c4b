"""Generated corpus: Hypothesis draws programs, every new one is compiled and checked, and each
distinct divergence is searched again with Hypothesis's shrinker to a smallest program."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from ..corpus import Program
from ..numeric import DIVERGED
from ._program_check import ProgramResult

Check = Callable[[Program], ProgramResult]


def signature(r: ProgramResult) -> str:
    """What makes two divergences the same bug: the diverging step and the first mismatch kind."""
    rep = r.report
    g = rep.guilty if rep is not None else None
    if g is None:
        return f"{r.guilty}"
    t = g.check.first_failure
    kind = t.mismatches[0].kind if t is not None and t.mismatches else "symbolic"
    where = "downstream " if r.downstream else ""
    return f"{where}{g.step.name}: {kind}"


@dataclass
class Sweep:
    check: Check
    strategy: st.SearchStrategy[Program]
    seed: int = 0
    cache: dict[str, ProgramResult] = field(default_factory=dict)

    def run_cached(self, p: Program) -> ProgramResult:
        hit = self.cache.get(p.source)
        if hit is None:
            hit = self.cache[p.source] = self.check(p)
        return hit

    def generate(self, count: int, progress: Callable[[ProgramResult], None] | None = None) -> list[ProgramResult]:
        """Check ``count`` distinct programs (Hypothesis repeats some: repeats are not counted)."""
        out: list[ProgramResult] = []

        @_settings(max(2 * count, count + 20), (Phase.generate,))
        @given(self.strategy)
        def body(p: Program) -> None:
            if len(out) >= count or p.source in self.cache:
                return
            r = self.run_cached(p)
            out.append(r)
            if progress is not None:
                progress(r)

        random.seed(self.seed)
        body()
        return out

    def shrink(self, sig: str, seconds: float, max_examples: int) -> ProgramResult | None:
        """The smallest program Hypothesis finds that diverges with ``sig``, within ``seconds``
        of new compiles (already-checked programs are free)."""
        deadline = time.monotonic() + seconds

        def diverges(p: Program) -> bool:
            if p.source not in self.cache and time.monotonic() > deadline:
                return False
            r = self.run_cached(p)
            return r.verdict == DIVERGED and signature(r) == sig

        try:
            p = find(
                self.strategy,
                diverges,
                settings=_settings(max_examples, (Phase.generate, Phase.shrink)),
                random=random.Random(self.seed),
            )
        except (NoSuchExample, Unsatisfiable):
            return None
        return self.cache[p.source]


def _settings(max_examples: int, phases: tuple[Phase, ...]) -> settings:
    return settings(
        max_examples=max_examples,
        phases=phases,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
