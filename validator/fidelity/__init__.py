"""Fidelity: the user's program run as the user runs it, and the check that fxtv judged it.

``observe`` runs a program eagerly, in float64 or through a compiler, from a clean state;
``check_fidelity`` compiles it once more exactly as the user does and compares that with eager and
with the capture's own compiled run, so that a trace of equivalent steps never hides a
``torch.compile`` that is wrong (docs/fidelity.md).
"""

from ._check import Comparison, Fidelity, Rules, beyond_testing, check_fidelity, compare_observations
from ._gap import Gap, locate_gap
from ._runs import Observation, draws_random, fresh, observe, observe_float64, run_program

__all__ = [
    "Comparison",
    "Fidelity",
    "Gap",
    "Observation",
    "Rules",
    "beyond_testing",
    "check_fidelity",
    "compare_observations",
    "draws_random",
    "fresh",
    "locate_gap",
    "observe",
    "observe_float64",
    "run_program",
]
