"""One step's verdict: its numeric check and the proof obligations attached to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..capture import Step
from ..kinds import Verdict
from ..numeric import StepCheck
from ..symbolic import Obligation


@dataclass
class StepVerdict:
    step: Step
    check: StepCheck
    qualified_name: str
    symbolic: list[Obligation] = field(default_factory=list)

    @property
    def refuted(self) -> list[Obligation]:
        return [o for o in self.symbolic if o.refuted]

    @property
    def verdict(self) -> str:
        # A refuted proof obligation is a divergence even where the sampled inputs agree:
        # its counterexample has been replayed concretely.
        if self.check.verdict != Verdict.DIVERGED and self.refuted:
            return Verdict.DIVERGED
        return self.check.verdict
