"""Numeric checking: run both sides of a step on the same inputs against a float64 oracle."""

from ..fx import RunResult, run_graph
from ._checks import (
    DIVERGED,
    EQUIVALENT,
    NOT_RUN,
    TOOL_ERROR,
    UNCHANGED,
    Checker,
    CheckOptions,
    StepCheck,
    TrialResult,
    compare_runs,
)
from ._compare import Mismatch, compare_values
from ._tolerance import Tolerance, accumulation_length, tolerance_for

__all__ = [
    "DIVERGED",
    "EQUIVALENT",
    "NOT_RUN",
    "TOOL_ERROR",
    "UNCHANGED",
    "CheckOptions",
    "Checker",
    "Mismatch",
    "RunResult",
    "StepCheck",
    "Tolerance",
    "TrialResult",
    "accumulation_length",
    "compare_runs",
    "compare_values",
    "run_graph",
    "tolerance_for",
]
