"""Generated corpus: Hypothesis draws programs, each new one is compiled and checked, and each
new kind of divergence is shrunk by Hypothesis from the program that showed it.

One ``@given`` run raises on the first divergence of a new kind, so Hypothesis shrinks that very
failure; the run is then repeated with that kind known. Programs already checked are cached by
their source, so a repeated run replays its earlier draws for free and goes on where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings, target
from hypothesis import strategies as st

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


class _NewDivergence(Exception):
    pass


@dataclass
class _Shrinking:
    sig: str
    deadline: float
    first: ProgramResult
    smallest: ProgramResult


@dataclass
class Sweep:
    check: Check
    strategy: st.SearchStrategy[Program]
    seed: int = 0  # the same seed draws the same programs
    cache: dict[str, ProgramResult] = field(default_factory=dict)
    # how much of the pass a program reached (its lines run): Hypothesis steers toward more
    score: Callable[[ProgramResult], float] | None = None

    def run_cached(self, p: Program) -> ProgramResult:
        hit = self.cache.get(p.source)
        if hit is None:
            hit = self.cache[p.source] = self.check(p)
        return hit

    def explore(
        self,
        count: int,
        shrink_seconds: float,
        known: set[str],
        progress: Callable[[ProgramResult], None] | None = None,
    ) -> list[tuple[str, ProgramResult, ProgramResult]]:
        """Check ``count`` distinct generated programs; for each divergence kind not in ``known``,
        (kind, first program showing it, smallest program Hypothesis shrank it to). Shrinking
        stops taking new programs after ``shrink_seconds``."""
        generated: list[ProgramResult] = []
        found: list[tuple[str, ProgramResult, ProgramResult]] = []
        while True:
            shrunk = self._run(count, shrink_seconds, known, generated, progress)
            if shrunk is None:
                return found
            known.add(shrunk.sig)
            found.append((shrunk.sig, shrunk.first, shrunk.smallest))

    def _run(
        self,
        count: int,
        shrink_seconds: float,
        known: set[str],
        generated: list[ProgramResult],
        progress: Callable[[ProgramResult], None] | None,
    ) -> _Shrinking | None:
        """One ``@given`` run: None when ``count`` programs were checked without a new kind of
        divergence, else the first new kind, shrunk."""
        shrinking: list[_Shrinking] = []

        @seed(self.seed)
        @_settings(len(self.cache) + 2 * (count - len(generated)) + 20)
        @given(self.strategy)
        def body(p: Program) -> None:
            new = p.source not in self.cache
            if new and (len(generated) >= count if not shrinking else time.monotonic() > shrinking[0].deadline):
                return  # enough programs, or no budget left to shrink: draws pass untried
            r = self.run_cached(p)
            if self.score is not None:
                target(self.score(r), label="pass lines reached")
            if new and not shrinking:
                generated.append(r)
                if progress is not None:
                    progress(r)
            sig = signature(r) if r.verdict == DIVERGED else None
            if sig is None or sig in known:
                return
            if not shrinking:
                shrinking.append(_Shrinking(sig, time.monotonic() + shrink_seconds, r, r))
            s = shrinking[0]
            if sig != s.sig:
                return  # another new kind, found while shrinking: its turn comes later
            if _size(r) < _size(s.smallest):
                s.smallest = r
            raise _NewDivergence(sig)

        try:
            body()
        except _NewDivergence:
            return shrinking[0]
        return None


def _size(r: ProgramResult) -> tuple[int, int]:
    return (r.ops or 0, len(r.source or ""))


def _settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        phases=(Phase.generate, Phase.target, Phase.shrink),
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
