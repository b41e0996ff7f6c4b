"""Numeric checking: run both sides of a step on the same inputs against a float64 oracle."""

from ..fx import RunResult, run_graph
from ._checker import Checker, OutputRoles, Runner, runner
from ._compare import Mismatch, alias_pairs, compare_values
from ._inputs import Trial, trial_value
from ._magnitude import output_magnitudes
from ._precision import floating_dtypes, result_precision
from ._results import DIVERGED, EQUIVALENT, NOT_RUN, TOOL_ERROR, UNCHANGED, CheckOptions, StepCheck, TrialResult
from ._runs import compare_runs
from ._signed_zero import SIGNED_ZERO
from ._tolerance import Tolerance, accumulation_length, tolerance_for

__all__ = [
    "SIGNED_ZERO",
    "DIVERGED",
    "EQUIVALENT",
    "NOT_RUN",
    "TOOL_ERROR",
    "UNCHANGED",
    "CheckOptions",
    "Checker",
    "OutputRoles",
    "Mismatch",
    "RunResult",
    "Runner",
    "StepCheck",
    "Tolerance",
    "Trial",
    "TrialResult",
    "accumulation_length",
    "alias_pairs",
    "compare_runs",
    "compare_values",
    "floating_dtypes",
    "output_magnitudes",
    "result_precision",
    "run_graph",
    "runner",
    "tolerance_for",
    "trial_value",
]
