"""What a numeric check says: options, one trial's result, one step's result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..kinds import Verdict
from ._compare import Mismatch

# Step verdicts by their short names (validator.kinds.Verdict).
EQUIVALENT = Verdict.EQUIVALENT
DIVERGED = Verdict.DIVERGED
NOT_RUN = Verdict.NOT_RUN
TOOL_ERROR = Verdict.TOOL_ERROR
UNCHANGED = Verdict.UNCHANGED


@dataclass(frozen=True)
class CheckOptions:
    """How steps are checked numerically (docs/tolerance.md)."""

    random_trials: int = 2  # random input trials besides the real inputs
    special_values: bool = True  # also trials with NaN, +-inf, +-0.0, denormals, extremes
    stop_at_first_divergence: bool = False  # stop a step's trials at its first diverging one
    # Fused kernels may legitimately treat non-finite values and signed zeros differently from
    # eager kernels (e.g. a one-pass Welford mean of [inf, 1] is NaN eagerly, inf compiled), so at
    # the lowering step such differences are warnings unless this is "fail".
    special_values_at_lowering: str = "warn"
    # A zero whose sign the producing op defines (``_signed_zero``) and the compiled program
    # flips is a divergence of class ``signed-zero``; False makes every sign flip a warning.
    signed_zero: bool = True


@dataclass
class TrialResult:
    trial: str
    special: bool
    reference: str  # "float64" or why the before-graph served as reference
    mismatches: list[Mismatch] = field(default_factory=list)
    # the before-side inputs, kept for localization and repro where the trial diverged (None otherwise)
    inputs: list[Any] | None = None
    skipped: str | None = None  # why this trial could not run (e.g. values outside the domain)

    @property
    def diverged(self) -> bool:
        return bool(self.mismatches)


@dataclass
class StepCheck:
    verdict: str  # a Verdict, or "mixed" for a group of steps
    trials: list[TrialResult] = field(default_factory=list)
    reason: str | None = None
    tolerance: str | None = None
    warnings: list[str] = field(default_factory=list)
    # for a divergence seen only on special values: how the compiled program behaves there
    confirmed: str | None = None
    # FX steps: what of the after-graph ran (its region, or the whole graph and why)
    region: str | None = None

    @property
    def first_failure(self) -> TrialResult | None:
        return next((t for t in self.trials if t.diverged), None)


